"""Hostile files end in their documented code and reason, quickly, and never in another error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from roofkit_importer import parsers
from tests.corpus.hostile import Hostile, hostile_inputs

CASES = hostile_inputs()
BUDGET_S = 5.0


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_file_gets_its_documented_refusal_within_budget(
    case: Hostile, tmp_path: Path
) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    started = time.monotonic()
    try:
        parsers.parse_file(path, case.name, format_hint=None, limits=parsers.ParseLimits())
        outcome: tuple[str, str | None] = ("ok", None)
    except parsers.ParseError as exc:
        reasons = exc.reasons
        outcome = (exc.code, reasons[0] if reasons else None)
    else:
        reasons = []
    assert set(reasons) <= parsers.REASONS
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_S
    accepted = {pair for pair in case.expected if pair[1] is not None}
    accepted_codes = {code for code, reason in case.expected if reason is None}
    assert outcome in accepted or outcome[0] in accepted_codes, outcome


def test_format_hint_that_disagrees_with_content_is_format_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_bytes(b"Total Roof Area,2000\n")
    with pytest.raises(parsers.ParseError) as caught:
        parsers.parse_file(path, "report.xml", format_hint="xml", limits=parsers.ParseLimits())
    assert caught.value.code == "format_mismatch"
    assert caught.value.reasons == ["format_hint_mismatch"]


def test_hardened_xml_parser_never_reads_external_entities() -> None:
    from lxml import etree

    from roofkit_importer.parsers import xml_tree
    from tests.corpus.hostile import XXE

    try:
        root = etree.fromstring(XXE, parser=xml_tree._parser())
    except etree.XMLSyntaxError:
        return
    report = root.find("REPORT")
    assert report is not None
    assert "root:" not in (report.get("reportId") or "")
