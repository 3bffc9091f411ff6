"""Load generation for the benchmarks: raw HTTP/1.1 keep-alive and NATS requests, open or closed loop.

Latency of an open-loop request is measured from when it was scheduled, not from when a
connection became free, so queueing counts (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class Run:
    latencies_s: list[float]
    elapsed_s: float
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.elapsed_s

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

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
