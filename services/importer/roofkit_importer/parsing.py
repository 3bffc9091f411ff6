"""Running parsers off the event loop, in worker processes, under time and memory budgets.

Parsers are pure and synchronous; a hostile file may make one slow, greedy or (through a C
library) crash. So each parse runs in a warm worker *process* (threads could be neither killed nor
memory-limited):

- the worker sets ``RLIMIT_AS`` to ``limits.memory_budget_bytes`` at start, so an allocation past
  the budget fails inside the worker (``parse_memory_budget_exceeded``) instead of in the service;
- the pool waits ``limits.time_budget_s`` for an answer, then kills the worker
  (``parse_time_budget_exceeded``) and starts a replacement in the background;
- a worker that dies mid-parse gives ``parse_crashed`` and is replaced.

Only the file's path travels to the worker and only the :class:`ParseResult` comes back, so a
small file costs one process hop. Every failure is a :class:`ParseError`; the pool never hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import resource
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic_core import PydanticSerializationError

from roofkit_importer import parsers
from roofkit_importer.nul import json_without_nul, storable
from roofkit_importer.parsers import registry
from roofkit_importer.report.model import RoofReport

logger = logging.getLogger(__name__)

_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 2.0


def _limit_memory(budget: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))


class ParseFunction(Protocol):
    def __call__(
        self, path: Path, filename: str, *, format_hint: str | None, limits: parsers.ParseLimits
    ) -> parsers.ParseResult: ...


def _worker_main(
    conn: Connection, limits: parsers.ParseLimits, parse_function: ParseFunction
) -> None:
    """The loop a worker process runs: receive a path, parse, answer; ``None`` ends it."""
    registry.preload()
    # The parser libraries' modules live as long as the worker: keep them out of the collector.
    # A parse allocates thousands of small objects, and every full collection would walk the
    # whole imported graph again — measured at two thirds of a 500-facet CSV's parse time.
    gc.freeze()
    _limit_memory(limits.memory_budget_bytes)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, filename, hint, as_document = request
        reply: tuple[Any, ...]
        try:
            result = parse_function(Path(path), filename, format_hint=hint, limits=limits)
            reply = ("ok", _as_document(result, filename, limits) if as_document else result)
        except parsers.ParseError as exc:
            reply = ("error", exc.code, exc.message, exc.details)
        except MemoryError:
            reply = ("error", "report_unreadable", "memory", "parse_memory_budget_exceeded")
        except Exception:  # a parser bug must not take the service down; it is logged
            reply = ("crash", traceback.format_exc(limit=20))
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", "report_unreadable", "memory", "parse_memory_budget_exceeded"))


@dataclass(frozen=True)
class ParsedDocument:
    """A parse as the service stores it: the report already serialized to JSON in the worker.

    Serializing in the worker (pydantic's compiled serializer) and sending bytes costs far less
    than pickling the model graph there and unpickling it here — for a report with hundreds of
    facets, most of a request's parse time.
    """

    report_json: bytes
    files: list[parsers.SourceFile]
    warnings: list[dict[str, Any]]
    vendor: str
    """``report.vendor`` of the report (the event and the row need it; the JSON is not re-read)."""
    total_area_sqft: float | None
    """``summary.total_area_sqft`` of the report."""


def _report_json(report: RoofReport) -> bytes:
    """The report as JSON, with the characters Postgres cannot store replaced (nul.py)."""
    try:
        data = report.model_dump_json().encode()
    except PydanticSerializationError:  # a lone surrogate has no UTF-8 form
        data = orjson.dumps(storable(report.model_dump(mode="json")))
    return json_without_nul(data)


def _as_document(
    result: parsers.ParseResult, filename: str, limits: parsers.ParseLimits
) -> ParsedDocument:
    report = result.report
    report_json = _report_json(report)
    if len(report_json) > limits.max_report_bytes:
        raise parsers.ParseError.for_file(
            "payload_too_large",
            filename,
            "report_too_large",
            f"The normalized report would be larger than {limits.max_report_bytes} bytes of JSON.",
        )
    return ParsedDocument(
        report_json=report_json,
        files=result.files,
        warnings=storable([w.model_dump(mode="json") for w in result.warnings]),
        vendor=storable(report.report.vendor),
        total_area_sqft=report.summary.total_area_sqft,
    )


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection


def _file_error(code: parsers.errors.ErrorCode, filename: str, reason: str) -> parsers.ParseError:
    messages = {
        "parse_time_budget_exceeded": "Parsing the file took longer than its time budget.",
        "parse_memory_budget_exceeded": "Parsing the file needed more memory than its budget.",
        "parse_crashed": "The parser failed on this file.",
    }
    return parsers.ParseError.for_file(code, filename, reason, messages[reason])


class ParserPool:
    """A fixed number of warm parser processes; :meth:`parse` borrows one per file."""

    def __init__(
        self,
        *,
        workers: int,
        limits: parsers.ParseLimits,
        parse_function: ParseFunction = parsers.parse_file,
    ) -> None:
        """``parse_function`` must be a module-level function (it is sent to the workers)."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._size = workers
        self._limits = limits
        self._parse_function = parse_function
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._closed = False
        self._replacing: set[asyncio.Task[None]] = set()

    @property
    def limits(self) -> parsers.ParseLimits:
        return self._limits

    async def start(self) -> None:
        """Start every worker and wait until each has imported the parsers."""
        self._idle = asyncio.Queue()
        started = await asyncio.gather(*(self._spawn() for _ in range(self._size)))
        for worker in started:
            self._idle.put_nowait(worker)

    async def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child, self._limits, self._parse_function),
            name="roofkit-parser",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process=process, conn=parent)
        self._all.add(worker)
        try:
            message = await asyncio.wait_for(self._receive(parent), _START_TIMEOUT_S)
        except (TimeoutError, EOFError, OSError) as exc:
            await self._kill(worker)
            raise RuntimeError("a parser worker did not start") from exc
        if not (isinstance(message, tuple) and message[0] == "ready"):
            await self._kill(worker)
            raise RuntimeError("a parser worker did not start")
        return worker

    async def _receive(self, conn: Connection) -> Any:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = conn.fileno()

        def on_readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, on_readable)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        # uvloop makes a watched descriptor non-blocking; the reply is read whole once its first
        # bytes are here (the worker is writing the rest), so the pipe must block again, or a
        # reply larger than the pipe's buffer ends in EAGAIN halfway.
        os.set_blocking(fd, True)
        return conn.recv()

    async def _kill(self, worker: _Worker) -> None:
        self._all.discard(worker)
        with contextlib.suppress(OSError, ValueError):
            worker.process.kill()
        with contextlib.suppress(OSError):
            worker.conn.close()
        await asyncio.get_running_loop().run_in_executor(None, worker.process.join, 5.0)

    def _replace(self, worker: _Worker | None) -> None:
        """Kill ``worker`` (if any) and put a fresh one in the idle queue, in the background."""

        async def replace() -> None:
            if worker is not None:
                await self._kill(worker)
            if self._closed or self._idle is None:
                return
            try:
                fresh = await self._spawn()
            except RuntimeError:
                logger.exception("parser worker replacement failed; retrying in 1s")
                await asyncio.sleep(1.0)
                self._replace(None)
                return
            self._idle.put_nowait(fresh)

        task = asyncio.create_task(replace())
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def parse(
        self, path: Path, filename: str, format_hint: str | None
    ) -> parsers.ParseResult:
        """Parse ``path`` in a worker; raises :class:`~roofkit_importer.parsers.ParseError`."""
        result: parsers.ParseResult = await self._run(path, filename, format_hint, False)
        return result

    async def parse_document(
        self, path: Path, filename: str, format_hint: str | None
    ) -> ParsedDocument:
        """Like :meth:`parse`, with the report serialized to JSON in the worker."""
        document: ParsedDocument = await self._run(path, filename, format_hint, True)
        return document

    async def _run(
        self, path: Path, filename: str, format_hint: str | None, as_document: bool
    ) -> Any:
        if self._idle is None or self._closed:
            raise RuntimeError("ParserPool.start() was not awaited")
        worker = await self._idle.get()
        started = time.monotonic()
        try:
            worker.conn.send((str(path), filename, format_hint, as_document))
            reply = await asyncio.wait_for(
                self._receive(worker.conn), timeout=self._limits.time_budget_s
            )
        except TimeoutError as exc:
            self._replace(worker)
            logger.warning(
                "parse of %r exceeded %.1fs; worker killed", filename, time.monotonic() - started
            )
            raise _file_error("report_unreadable", filename, "parse_time_budget_exceeded") from exc
        except (EOFError, OSError, BrokenPipeError) as exc:
            memory = worker.process.exitcode is None or worker.process.exitcode < 0
            self._replace(worker)
            logger.warning("parser worker died on %r (memory=%s)", filename, memory)
            raise _file_error("report_unreadable", filename, "parse_crashed") from exc
        except BaseException:
            # Cancelled while the worker is busy: its answer would be read by the next caller.
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "error":
            _, code, message, details = reply
            if message == "memory":
                raise _file_error("report_unreadable", filename, str(details))
            raise parsers.ParseError(code, message, details=details)
        logger.error("parser failed on %r:\n%s", filename, reply[1])
        raise _file_error("report_unreadable", filename, "parse_crashed")

    async def aclose(self) -> None:
        """Stop every worker (politely, then by force)."""
        self._closed = True
        for task in list(self._replacing):
            task.cancel()
        for worker in list(self._all):
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        loop = asyncio.get_running_loop()
        for worker in list(self._all):
            await loop.run_in_executor(None, worker.process.join, _STOP_TIMEOUT_S)
            if worker.process.is_alive():
                await self._kill(worker)
            else:
                self._all.discard(worker)
                with contextlib.suppress(OSError):
                    worker.conn.close()
