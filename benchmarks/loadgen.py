"""Load generation for the benchmarks: raw HTTP/1.1 keep-alive and NATS requests, open or closed loop.

Latency of an open-loop request is measured from when it was scheduled, not from when a
connection became free, so queueing counts (no coordinated omission).

NATS requests are sent by ``natsload`` (benchmarks/natsload, Go): at thousands of requests per
second a Python load generator on the same two cores measures itself more than the responder.
Each of its requests leaves from its own goroutine at its scheduled instant, so nothing waits for
a free connection; its latency runs from the send, and how late the generator was against the
schedule (Go's timers wake in about 1 ms steps on this kind of machine) is kept apart as the send
lag instead of being charged to the responder.
It is built with ``go build`` on first use and cached by source digest under
``${XDG_CACHE_HOME:-~/.cache}/roofkit/bench``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

NATSLOAD_SOURCE = Path(__file__).resolve().parent / "natsload"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class Run:
    latencies_s: list[float]
    elapsed_s: float
    statuses: dict[int, int]
    send_lags_s: list[float] | None = None
    """How late the generator sent each request (NATS runs): its own share of the latency."""

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.elapsed_s

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_s, p)

    def send_lag_percentile(self, p: float) -> float | None:
        return _percentile(self.send_lags_s, p) if self.send_lags_s else None

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_s)


def multipart_request(
    path: str, host: str, headers: dict[str, str], filename: str, content: bytes
) -> Callable[[], bytes]:
    boundary = "benchBoundary7MA4YWxkTrZu0gW"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    def build() -> bytes:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{fixed}Idempotency-Key: {uuid.uuid4()}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    return build


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def closed_loop_http(
    port: int, build: Callable[[], bytes], *, connections: int, duration_s: float
) -> Run:
    conns = [await Connection.open(port) for _ in range(connections)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    end = time.perf_counter() + duration_s

    async def worker(conn: Connection) -> None:
        while time.perf_counter() < end:
            request = build()
            started = time.perf_counter()
            status = await conn.send(request)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - started
    for c in conns:
        c.close()
    return Run(latencies, elapsed, statuses)


async def open_loop(
    call: Callable[[], Awaitable[int]],
    *,
    rate: float,
    duration_s: float,
    max_in_flight: int = 256,
    grace_s: float = 5.0,
) -> Run:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(max_in_flight)
    tasks: list[asyncio.Task[None]] = []
    interval = 1.0 / rate
    total = int(rate * duration_s)

    async def one(scheduled: float) -> None:
        async with gate:
            status = await call()
        latencies.append(time.perf_counter() - scheduled)
        statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    for i in range(total):
        scheduled = start + i * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    # Requests still unanswered a grace period after the last send count as failures whose
    # latency is the whole wait: an overloaded target shows as a huge p99, not as a hang.
    _, pending = await asyncio.wait(tasks, timeout=grace_s) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    waited = time.perf_counter() - start
    latencies.extend([waited] * len(pending))
    if pending:
        statuses[0] = len(pending)
    return Run(latencies, time.perf_counter() - start, statuses)


async def http_pool_caller(
    port: int, build: Callable[[], bytes], size: int
) -> tuple[Callable[[], Awaitable[int]], Callable[[], None]]:
    """A caller for open_loop over ``size`` keep-alive connections."""
    free: asyncio.Queue[Connection] = asyncio.Queue()
    conns = [await Connection.open(port) for _ in range(size)]
    for c in conns:
        free.put_nowait(c)

    async def call() -> int:
        conn = await free.get()
        try:
            return await conn.send(build())
        finally:
            free.put_nowait(conn)

    def close() -> None:
        for c in conns:
            c.close()

    return call, close


def natsload_binary() -> Path:
    """The natsload executable, built once per version of its sources."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((NATSLOAD_SOURCE / name).read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "roofkit" / "bench"
    target = cache / f"natsload-{digest.hexdigest()[:16]}"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        subprocess.run(["go", "build", "-o", str(partial), "."], cwd=NATSLOAD_SOURCE, check=True)
        partial.rename(target)
    return target


async def nats_open_loop(
    url: str,
    subject: str,
    payload: bytes,
    *,
    rate: float,
    duration_s: float,
    classify: Callable[[bytes], int],
    timeout_s: float = 5.0,
) -> Run:
    """Requests to ``subject`` at ``rate``/s for ``duration_s``; ``classify`` maps a reply to a
    status for :attr:`Run.statuses` (0 = no reply: timeout or error)."""
    binary = natsload_binary()
    with tempfile.NamedTemporaryFile(prefix="natsload-", suffix=".bin", delete=False) as f:
        f.write(payload)
    payload_file = Path(f.name)
    try:
        process = await asyncio.create_subprocess_exec(
            str(binary),
            f"-url={url}",
            f"-subject={subject}",
            f"-payload={payload_file}",
            f"-rate={rate}",
            f"-duration={duration_s}s",
            f"-timeout={timeout_s}s",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
    finally:
        payload_file.unlink(missing_ok=True)
    if process.returncode != 0:
        raise RuntimeError(f"natsload exited with {process.returncode}")
    result = json.loads(out)
    statuses: dict[int, int] = {}
    for reply, count in result["replies"].items():
        status = classify(base64.b64decode(reply))
        statuses[status] = statuses.get(status, 0) + count
    failed = sum(result["errors"].values())
    if failed:
        statuses[0] = failed
    return Run(
        [ms / 1000 for ms in result["latencies_ms"]],
        result["elapsed_s"],
        statuses,
        [ms / 1000 for ms in result["send_lags_ms"]],
    )
