"""Real PDFs, DXFs, XLSX workbooks and a ZIP from public projects: each imported or refused with
a documented reason, within budget, never another exception (files and licences:
tests/corpus/real/)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from roofkit_importer import parsers

REAL = Path(__file__).resolve().parents[2] / "corpus" / "real"
OUTCOMES: dict[str, str] = json.loads((REAL / "outcomes.json").read_text())
BUDGET_S = 5.0


def test_every_shipped_file_has_a_recorded_outcome() -> None:
    shipped = {
        str(p.relative_to(REAL))
        for p in REAL.rglob("*")
        if p.suffix.lower() in (".pdf", ".dxf", ".zip", ".xlsx", ".xlsm")
    }
    assert shipped == set(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_real_file_is_imported_or_refused_with_a_documented_reason(name: str) -> None:
    path = REAL / name
    started = time.monotonic()
    error: parsers.ParseError | None = None
    try:
        result = parsers.parse_file(path, path.name, format_hint=None, limits=parsers.ParseLimits())
    except parsers.ParseError as exc:
        error = exc
    assert time.monotonic() - started < BUDGET_S
    if error is None:
        outcome = "ok"
        dumped = result.report.model_dump(mode="json")
        assert type(result.report).model_validate(dumped) == result.report
    else:
        assert set(error.reasons) <= parsers.REASONS
        outcome = f"{error.code}/{error.reasons[0]}"
    assert outcome == OUTCOMES[name]
