"""The importer's receive path: streaming throughput against a raw drain, and memory that does not
grow with the upload (issue: streaming, never buffering)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import Result
from roofkit_cli import infra
from roofkit_cli.devstack import DevStack
from tests.support import provision
from tests.support.infra import scratch_dir

TITLE = "Receive path: streaming, hashing, spooling"
HERE = Path(__file__).resolve().parent
BOUNDARY = "recvBench0123456789"
MB = 1_000_000
SAMPLES = 5


def _head(path: str, size: int, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\n{extra}Content-Type: multipart/form-data; "
        f"boundary={BOUNDARY}\r\nContent-Length: {size}\r\n\r\n"
    ).encode()


def _send(port: int, path: str, file_size: int, extra: str = "") -> int:
    """Send a multipart upload of ``file_size`` bytes in 1 MB writes; return the status."""
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    chunk = b"\x00roofkit" * (MB // 8)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_head(path, len(preamble) + file_size + len(tail), extra) + preamble)
        left = file_size
        while left > 0:
            piece = chunk[: min(left, len(chunk))]
            sock.sendall(piece)
            left -= len(piece)
        sock.sendall(tail)
        response = b""
        while b"\r\n" not in response:
            response += sock.recv(4096)
    return int(response[9:12])


def _serve(kind: str, spool: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = infra.free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "receive_app.py"), kind, str(port), str(spool)]
    )
    infra.wait_until(lambda: not infra.port_is_free(port), timeout_s=30, what=f"{kind} app")
    return process, port


def _throughput(port: int, size: int, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        assert _send(port, "/", size) == 201
    return size * rounds / (time.perf_counter() - started) / MB


def _compare(ours_port: int, raw_port: int, size: int) -> tuple[float, float]:
    """Best MB/s of each side over :data:`SAMPLES` samples; the sides take turns going first."""
    for port in (ours_port, raw_port):
        _send(port, "/", size)  # warm
    best = {ours_port: 0.0, raw_port: 0.0}
    for index in range(SAMPLES):
        order = (ours_port, raw_port) if index % 2 == 0 else (raw_port, ours_port)
        for port in order:
            best[port] = max(best[port], _throughput(port, size, 8))
    return best[ours_port], best[raw_port]


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def _importer_peak(stack: DevStack, token: str, size: int) -> float:
    """Peak RSS (MB) of a fresh importer process after receiving one upload of ``size`` bytes."""
    stack.stop_service("importer")
    stack.start_service("importer")
    process = stack.services["importer"].process
    assert process is not None
    status = _send(
        stack.http_port,
        "/api/v1/reports/import",
        size,
        f"Authorization: Bearer {token}\r\nIdempotency-Key: rss-{time.time_ns()}\r\n",
    )
    assert status in (400, 413), status  # received whole, then refused as no report
    return _peak_rss_kb(process.pid) / 1024


def run() -> list[Result]:
    spool = scratch_dir("roofkit-bench-spool-")
    results: list[Result] = []
    apps = [_serve(kind, spool) for kind in ("ours", "raw")]
    try:
        (_, ours_port), (_, raw_port) = apps
        ours, raw = _compare(ours_port, raw_port, 5 * MB)
        results.append(
            Result(
                "receive",
                "Receive a 5 MB upload (parse multipart, SHA-256, spool), MB/s",
                ours,
                raw,
                "MB/s",
                True,
                ">= 0.5×",
                ours / raw >= 0.5,
                "Baseline: a raw ASGI app under the same uvicorn that only drains the body. "
                f"Best of {SAMPLES} samples of 8 uploads per side, the sides alternating.",
            )
        )
    finally:
        for process, _ in apps:
            process.terminate()
            process.wait()
        shutil.rmtree(spool, ignore_errors=True)

    home = scratch_dir("roofkit-bench-rss-")
    stack = DevStack(
        home=home,
        http_port=infra.free_port(),
        log_level="WARNING",
        extra_env={"ROOFKIT_MAX_UPLOAD_BYTES_CEILING": str(300 * MB)},
    )
    try:
        stack.start_infrastructure()
        stack.start_services()
        assert stack.database_url and stack.nats_url
        token, _, _ = asyncio.run(
            provision.new_key(
                database_url=stack.database_url,
                nats_url=stack.nats_url,
                home=home,
                maxUploadBytes=300 * MB,
            )
        )
        small = _importer_peak(stack, token, 1 * MB)
        large = _importer_peak(stack, token, 200 * MB)
        results.append(
            Result(
                "receive",
                "Importer peak RSS receiving 200 MB vs 1 MB, MB",
                large,
                small,
                "MB",
                False,
                "growth <= 64 MB",
                large - small <= 64,
                f"Growth {large - small:.1f} MB. The real importer process (restarted before each "
                "upload), peak resident set (VmHWM) after the upload was received and refused.",
            )
        )
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)
    return results
