"""ParserPool: warm worker processes that are killed and replaced when a parse misbehaves."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from roofkit_importer import parsers
from roofkit_importer.parsing import ParsedDocument, ParserPool
from roofkit_runtime import ops
from tests.corpus.pool_targets import misbehaving_parse

CSV = b"Facet,Area (sq ft),Pitch\nA,500,6/12\nB,500,6/12\n"


def _run(
    body: Callable[[ParserPool, Path], Awaitable[None]], tmp_path: Path, **limits: float
) -> None:
    async def main() -> None:
        pool = ParserPool(
            workers=1,
            limits=parsers.ParseLimits(**limits),  # type: ignore[arg-type]
            parse_function=misbehaving_parse,
        )
        await pool.start()
        try:
            await asyncio.wait_for(body(pool, tmp_path), timeout=60)
        finally:
            await pool.aclose()

    (tmp_path / "report.csv").write_bytes(CSV)
    asyncio.run(main())


def _reason(caught: pytest.ExceptionInfo[parsers.ParseError]) -> tuple[str, list[str]]:
    return caught.value.code, caught.value.reasons


def test_pool_parses_a_csv_in_a_worker(tmp_path: Path) -> None:
    async def body(pool: ParserPool, folder: Path) -> None:
        result = await pool.parse(folder / "report.csv", "report.csv", "csv")
        assert result.report.summary.total_area_sqft == 1000.0
        assert result.files[0].name == "report.csv"

    _run(body, tmp_path)


def test_slow_parse_is_killed_at_the_time_budget_and_the_pool_recovers(tmp_path: Path) -> None:
    async def body(pool: ParserPool, folder: Path) -> None:
        started = time.monotonic()
        with pytest.raises(parsers.ParseError) as caught:
            await pool.parse(folder / "report.csv", "slow.csv", None)
        assert time.monotonic() - started < 5.0
        assert _reason(caught) == ("report_unreadable", ["parse_time_budget_exceeded"])
        result = await pool.parse(folder / "report.csv", "report.csv", None)
        assert result.report.summary.facet_count == 2

    _run(body, tmp_path, time_budget_s=1.0)


def test_parse_over_the_memory_budget_is_refused_and_the_worker_survives(tmp_path: Path) -> None:
    async def body(pool: ParserPool, folder: Path) -> None:
        with pytest.raises(parsers.ParseError) as caught:
            await pool.parse(folder / "report.csv", "greedy.csv", None)
        assert _reason(caught) == ("report_unreadable", ["parse_memory_budget_exceeded"])
        result = await pool.parse(folder / "report.csv", "report.csv", None)
        assert result.report.summary.facet_count == 2

    _run(body, tmp_path, memory_budget_bytes=1024 * 1024 * 1024)


def test_crashed_worker_gives_parse_crashed_and_is_replaced(tmp_path: Path) -> None:
    async def body(pool: ParserPool, folder: Path) -> None:
        with pytest.raises(parsers.ParseError) as caught:
            await pool.parse(folder / "report.csv", "crash.csv", None)
        assert _reason(caught) == ("report_unreadable", ["parse_crashed"])
        result = await pool.parse(folder / "report.csv", "report.csv", None)
        assert result.report.summary.facet_count == 2

    _run(body, tmp_path)


def test_parser_bug_gives_parse_crashed_not_an_unexpected_error(tmp_path: Path) -> None:
    async def body(pool: ParserPool, folder: Path) -> None:
        with pytest.raises(parsers.ParseError) as caught:
            await pool.parse(folder / "report.csv", "bug.csv", None)
        assert _reason(caught) == ("report_unreadable", ["parse_crashed"])

    _run(body, tmp_path)


def test_parse_errors_cross_the_process_boundary_unchanged(tmp_path: Path) -> None:
    async def body(pool: ParserPool, folder: Path) -> None:
        with pytest.raises(parsers.ParseError) as caught:
            await pool.parse(folder / "report.csv", "report.csv", "xml")
        assert caught.value.code == "format_mismatch"

    _run(body, tmp_path)


def test_a_reply_larger_than_the_pipe_buffer_arrives_whole_on_the_services_event_loop(
    tmp_path: Path,
) -> None:
    # The services run on uvloop (ops.run), which leaves a watched pipe non-blocking.
    rows = "".join(f"F{i},{100 + i % 37}.5,{4 + i % 6}/12,{i * 37 % 360}\n" for i in range(1000))
    (tmp_path / "big.csv").write_bytes(b"Facet,Area (sq ft),Pitch,Azimuth\n" + rows.encode())
    answers: list[ParsedDocument] = []

    async def main() -> None:
        pool = ParserPool(workers=1, limits=parsers.ParseLimits())
        await pool.start()
        try:
            for _ in range(3):
                answers.append(await pool.parse_document(tmp_path / "big.csv", "big.csv", None))
        finally:
            await pool.aclose()

    ops.run(main())
    assert len(answers) == 3
    assert all(len(a.report_json) > 4 * 65536 for a in answers)  # Linux pipes hold 64 KiB
    assert all(json.loads(a.report_json)["summary"]["facet_count"] == 1000 for a in answers)


def test_a_report_over_its_size_limit_is_refused_as_too_large(tmp_path: Path) -> None:
    # One facet per structure: a few bytes of CSV per row, a few kilobytes of report.
    rows = "".join(f"S{i},F{i},{100 + i % 50},6/12\n" for i in range(200))
    (tmp_path / "many.csv").write_bytes(b"Structure,Facet,Area (sq ft),Pitch\n" + rows.encode())
    limits = parsers.ParseLimits(max_report_bytes=256 * 1024)

    async def main() -> None:
        pool = ParserPool(workers=1, limits=limits)
        await pool.start()
        try:
            small = await pool.parse_document(tmp_path / "report.csv", "report.csv", None)
            assert len(small.report_json) < limits.max_report_bytes
            with pytest.raises(parsers.ParseError) as caught:
                await pool.parse_document(tmp_path / "many.csv", "many.csv", None)
            assert _reason(caught) == ("payload_too_large", ["report_too_large"])
            assert caught.value.details["files"][0]["name"] == "many.csv"
        finally:
            await pool.aclose()

    (tmp_path / "report.csv").write_bytes(CSV)
    ops.run(main())
