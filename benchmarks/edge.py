"""Edge benchmark: the whole import chain against a bare FastAPI upload, and the NATS decisions
(auth, rate limit) against a bare NATS echo — each measured in the same run.

The stack runs as ``roofkit dev`` runs it (separate processes, embedded Postgres and NATS); the
baselines run beside it on the same machine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

from benchmarks import loadgen
from benchmarks.report import Result
from roofkit_cli import infra
from roofkit_cli.devstack import DevStack
from roofkit_events import subjects
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.ratelimit.v1 import ratelimit_pb2
from roofkit_runtime import natsio
from tests.support import provision
from tests.support.infra import scratch_dir

TITLE = "Edge: import chain and NATS decisions"
HERE = Path(__file__).resolve().parent
DURATION_S = 8.0


def csv_10kb() -> bytes:
    rows = ["Facet,Area (sq ft),Pitch,Azimuth"]
    i = 0
    while sum(len(r) + 1 for r in rows) < 10_000:
        i += 1
        rows.append(f"F{i},{100 + i % 37}.5,{4 + i % 6}/12,{(i * 37) % 360}")
    return ("\n".join(rows) + "\n").encode()


def _start_bare(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, str(HERE / "bare_upload.py"), str(port)])
    infra.wait_until(
        lambda: infra.port_is_free(port) is False, timeout_s=30, what="bare upload app"
    )
    return process


def _cpu_seconds(stack: DevStack) -> dict[str, float]:
    """CPU time used so far by each part of the stack (a process and all its descendants)."""
    roots: dict[str, list[int]] = {}
    for label, service in stack.services.items():
        if service.process is not None:
            roots.setdefault(label.split("-")[0], []).append(service.process.pid)
    for label, server in (("postgres", stack.postgres), ("nats", stack.nats)):
        if server is not None and server.process is not None:
            roots[label] = [server.process.pid]
    totals: dict[str, float] = {}
    for label, pids in roots.items():
        for pid in pids:
            try:
                root = psutil.Process(pid)
                family = [(label, root)] + [
                    ("parser workers" if label == "importer" else label, child)
                    for child in root.children(recursive=True)
                ]
                for part, process in family:
                    times = process.cpu_times()
                    totals[part] = totals.get(part, 0.0) + times.user + times.system
            except psutil.Error:
                continue
    own = psutil.Process().cpu_times()
    totals["load generator"] = own.user + own.system
    return totals


def _cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> str:
    spent = {part: after[part] - before.get(part, 0.0) for part in after}
    total = sum(spent.values())
    parts = ", ".join(
        f"{part} {1000 * seconds / requests:.1f}"
        for part, seconds in sorted(spent.items(), key=lambda item: -item[1])
    )
    return f"CPU per import: {1000 * total / requests:.1f} ms ({parts})"


async def _http(stack: DevStack, token: str, bare_port: int) -> list[Result]:
    body = csv_10kb()
    chain = loadgen.multipart_request(
        "/api/v1/reports/import", "bench", {"Authorization": f"Bearer {token}"}, "roof.csv", body
    )
    bare = loadgen.multipart_request("/upload", "bench", {}, "roof.csv", body)
    for port, build in ((stack.http_port, chain), (bare_port, bare)):  # warm up both
        await loadgen.closed_loop_http(port, build, connections=4, duration_s=2)
    bare_run = await loadgen.closed_loop_http(bare_port, bare, connections=4, duration_s=DURATION_S)
    cpu_before = _cpu_seconds(stack)
    chain_run = await loadgen.closed_loop_http(
        stack.http_port, chain, connections=4, duration_s=DURATION_S
    )
    cpu = _cpu_per_request(cpu_before, _cpu_seconds(stack), len(chain_run.latencies_s))
    assert set(chain_run.statuses) == {201}, chain_run.statuses
    target_rate = 0.5 * bare_run.rate
    call, close = await loadgen.http_pool_caller(stack.http_port, chain, 16)
    at_load = await loadgen.open_loop(call, rate=target_rate, duration_s=DURATION_S)
    close()
    own_rate = 0.5 * chain_run.rate
    call, close = await loadgen.http_pool_caller(stack.http_port, chain, 16)
    at_own = await loadgen.open_loop(call, rate=own_rate, duration_s=DURATION_S)
    close()
    bare_call, bare_close = await loadgen.http_pool_caller(bare_port, bare, 16)
    bare_at_load = await loadgen.open_loop(bare_call, rate=target_rate, duration_s=DURATION_S)
    bare_close()
    ratio = chain_run.rate / bare_run.rate
    return [
        Result(
            "edge",
            "Import of a 10 KB CSV, requests/s (4 connections)",
            chain_run.rate,
            bare_run.rate,
            "req/s",
            True,
            ">= 0.5×",
            ratio >= 0.5,
            "Whole chain: auth and rate limit over NATS, idempotency claim, parse in a worker process, "
            "one atomic statement writing blob, report, files, idempotency record and outbox row, JetStream publish. "
            "Baseline: FastAPI `UploadFile` endpoint that reads the file and returns. "
            f"{cpu} on {os.cpu_count()} cores shared by all of them and the load generator.",
        ),
        Result(
            "edge",
            f"Import p99 at {target_rate:.0f} req/s (0.5× the baseline's rate), ms",
            at_load.percentile(99) * 1000,
            bare_at_load.percentile(99) * 1000,
            "ms",
            False,
            "p99 <= 50 ms",
            at_load.percentile(99) <= 0.050,
            f"Open loop, latency from the scheduled send. Median {at_load.median * 1000:.1f} ms; "
            f"statuses {at_load.statuses} (0 = still unanswered 5 s after the last send).",
        ),
        Result(
            "edge",
            f"Import p99 at {own_rate:.1f} req/s (half the chain's own maximum), ms",
            at_own.percentile(99) * 1000,
            bare_at_load.percentile(99) * 1000,
            "ms",
            False,
            "informational",
            True,
            f"Latency of the chain below its saturation point. Median {at_own.median * 1000:.1f} ms; "
            f"statuses {at_own.statuses}. Baseline column: the bare endpoint at the target load above.",
        ),
    ]


async def _nats(stack: DevStack, token: str) -> list[Result]:
    assert stack.nats_url
    url = stack.nats_url
    echo = subprocess.Popen([sys.executable, str(HERE / "echo.py"), url, "bench.echo"])
    nc = await natsio.connect(url, name="bench")
    try:
        await _wait_responder(nc, "bench.echo")

        def verified(data: bytes) -> int:
            reply = auth_pb2.VerifyReply()
            reply.ParseFromString(data)
            return 200 if reply.ok else 401

        def taken(data: bytes) -> int:
            reply = ratelimit_pb2.TakeReply()
            reply.ParseFromString(data)
            return 200 if reply.allowed else 429

        verify = auth_pb2.VerifyRequest(api_key=token).SerializeToString()
        take = _take_request(f"bench-{time.time_ns()}", limit=10_000_000)
        echo_request = (b"\x0a\x04ping", lambda _data: 200)
        results = []
        for name, (subject, payload, classify), rate, target_ms in (
            ("Auth decision (cached key)", (subjects.AUTH_VERIFY, verify, verified), 5000.0, 1.0),
            (
                "Rate-limit decision (two replicas)",
                (subjects.RATELIMIT_TAKE, take, taken),
                2000.0,
                2.0,
            ),
        ):
            runs = {}
            for seconds in (1.0, 5.0):  # a warm-up second, then the measured run
                for side, (subj, data, classify_reply) in (
                    ("ours", (subject, payload, classify)),
                    ("echo", ("bench.echo", *echo_request)),
                ):
                    runs[side] = await loadgen.nats_open_loop(
                        url, subj, data, rate=rate, duration_s=seconds, classify=classify_reply
                    )
            ours, base = runs["ours"], runs["echo"]
            results.append(
                Result(
                    "nats",
                    f"{name} p99 at {rate:.0f}/s, ms",
                    ours.percentile(99) * 1000,
                    base.percentile(99) * 1000,
                    "ms",
                    False,
                    f"p99 <= {target_ms:g} ms",
                    ours.percentile(99) * 1000 <= target_ms and set(ours.statuses) == {200},
                    f"Achieved {ours.rate:.0f}/s; median {ours.median * 1000:.2f} ms; statuses {ours.statuses}; "
                    f"generator send lag p99 {_ms(ours.send_lag_percentile(99))} ours, "
                    f"{_ms(base.send_lag_percentile(99))} echo. "
                    "Baseline: a bare NATS request to an echo responder at the same rate. "
                    "Load from benchmarks/natsload (Go, open loop; latency from the send, the "
                    "generator's own lateness reported apart as its send lag).",
                )
            )
        results.append(await _exactness(nc))
        return results
    finally:
        await nc.drain()
        echo.terminate()
        echo.wait()


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.2f} ms"


async def _wait_responder(nc, subject: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while True:
        try:
            await nc.request(subject, b"", timeout=0.5)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def _take_request(bucket: str, *, limit: int) -> bytes:
    return ratelimit_pb2.TakeRequest(
        kind=ratelimit_pb2.BUCKET_KIND_KEY_ENDPOINT,
        subject=bucket,
        endpoint="reports.import",
        limit=limit,
        window_seconds=3600,
        cost=1,
    ).SerializeToString()


async def _exactness(nc) -> Result:  # type: ignore[no-untyped-def]
    take = _take_request(f"exact-{time.time_ns()}", limit=500)

    async def one() -> bool:
        reply = ratelimit_pb2.TakeReply()
        reply.ParseFromString((await nc.request(subjects.RATELIMIT_TAKE, take, timeout=5)).data)
        return reply.allowed

    admitted = sum(await asyncio.gather(*(one() for _ in range(2000))))
    return Result(
        "nats",
        "Rate limit admitted / limit (2,000 concurrent takes, limit 500, two replicas)",
        admitted,
        500,
        "takes",
        True,
        "= 1.00×",
        admitted == 500,
    )


def run() -> list[Result]:
    home = scratch_dir("roofkit-bench-")
    stack = DevStack(home=home, http_port=infra.free_port(), log_level="WARNING")
    bare_port = infra.free_port()
    bare = None
    try:
        stack.start_infrastructure()
        stack.start_services()
        stack.add_service("ratelimit", label="ratelimit-2")
        assert stack.database_url and stack.nats_url
        token, _, _ = asyncio.run(
            provision.new_key(
                database_url=stack.database_url,
                nats_url=stack.nats_url,
                home=home,
                importsPerMinute=10_000_000,
                readsPerMinute=10_000_000,
            )
        )
        bare = _start_bare(bare_port)
        return asyncio.run(_http(stack, token, bare_port)) + asyncio.run(_nats(stack, token))
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait()
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)
