"""Hostile PDFs, DXFs and ZIP packages get their documented refusal, within budget.

Every case runs in-process (any exception but ``ParseError`` fails the test); the ones where the
budgets matter (bombs, floods, loops) also run through :class:`ParserPool`, the way the service
runs them. Hypothesis then mutates real samples of each format.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofkit_importer import parsers
from roofkit_importer.parsing import ParserPool
from tests.corpus.hostile import Hostile, hostile_inputs
from tests.corpus.renderers import (
    dxf_drawings,
    dxf_hostile,
    pdf_hostile,
    pdf_reports,
    zip_hostile,
    zip_packages,
)
from tests.corpus.roofs import all_roofs, roof_truth

CASES = pdf_hostile.hostile_inputs() + dxf_hostile.hostile_inputs() + zip_hostile.hostile_inputs()
BUDGET_S = 5.0
THROUGH_POOL = {
    "ratio-bomb.zip",
    "xlsx-bomb-inside.zip",
    "nested-deep.zip",
    "wide.zip",
    "record-flood.dxf",
    "insert-fanout.dxf",
    "self-insert.dxf",
    "many-pages.pdf",
    "lying-page-count.pdf",
    "circular-pages.pdf",
    "self-drawing-form.pdf",
    "deep-arrays.pdf",
}


def _outcome(path: Path, name: str) -> tuple[str, str | None]:
    error: parsers.ParseError | None = None
    try:
        parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits())
    except parsers.ParseError as exc:
        error = exc
    if error is None:
        return "ok", None
    assert set(error.reasons) <= parsers.REASONS
    return error.code, error.reasons[0] if error.reasons else None


def _accepted(case: Hostile, outcome: tuple[str, str | None]) -> bool:
    return outcome in case.expected or (outcome[0], None) in case.expected


def test_the_hostile_corpus_across_all_formats_has_at_least_100_files() -> None:
    names = [c.name for c in CASES + hostile_inputs()]
    assert len(names) >= 100
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_gets_its_documented_refusal(case: Hostile, tmp_path: Path) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    started = time.monotonic()
    outcome = _outcome(path, case.name)
    assert time.monotonic() - started < BUDGET_S
    assert _accepted(case, outcome), outcome


def test_budget_relevant_hostile_files_are_refused_by_the_parser_pool(tmp_path: Path) -> None:
    cases = [c for c in CASES if c.name in THROUGH_POOL]
    assert len(cases) == len(THROUGH_POOL)
    outcomes: dict[str, tuple[str, str | None]] = {}

    async def main() -> None:
        pool = ParserPool(workers=1, limits=parsers.ParseLimits(time_budget_s=BUDGET_S))
        await pool.start()
        try:
            for case in cases:
                path = tmp_path / case.name
                path.write_bytes(case.data)
                try:
                    await pool.parse(path, case.name, None)
                    outcomes[case.name] = ("ok", None)
                except parsers.ParseError as exc:
                    outcomes[case.name] = (exc.code, exc.reasons[0] if exc.reasons else None)
        finally:
            await pool.aclose()

    asyncio.run(asyncio.wait_for(main(), timeout=120))
    wrong = {c.name: outcomes[c.name] for c in cases if not _accepted(c, outcomes[c.name])}
    assert wrong == {}


_ROOF = all_roofs()[3]
_TRUTH = roof_truth(_ROOF)
SEEDS = {
    "pdf": pdf_reports.eagleview(_ROOF, _TRUTH),
    "dxf": dxf_drawings.model_3d(_ROOF, 0),
    "dxf-binary": dxf_drawings.model_3d(_ROOF, 2),
    "dxf-plan": dxf_drawings.plan_2d(_ROOF, 0),
    "zip": zip_packages.render(_ROOF, _TRUTH)[1].data,
}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    data = bytearray(SEEDS[seed])
    for _ in range(draw(st.integers(1, 10))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            del data[i : i + draw(st.integers(1, 64))]
    return bytes(data)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_mutated_files_raise_nothing_but_parse_error(seed: str) -> None:
    @FUZZ
    @given(mutated(seed))
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fuzz"
            path.write_bytes(data)
            _outcome(path, "fuzz")

    run()
