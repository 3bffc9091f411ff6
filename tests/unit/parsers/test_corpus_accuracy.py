"""Every generated sample parses to its exact truth, within report-model.md tolerances."""

from __future__ import annotations

from pathlib import Path

import pytest

from roofkit_importer import parsers
from tests.corpus.compare import compare, tally
from tests.corpus.generate import CorpusItem, build

CORPUS = build()


@pytest.mark.parametrize("item", CORPUS, ids=[item.sample.name for item in CORPUS])
def test_generated_sample_matches_truth(item: CorpusItem, tmp_path: Path) -> None:
    path = tmp_path / item.sample.name
    path.write_bytes(item.sample.data)
    assert parsers.detect_path(path) == item.sample.format
    result = parsers.parse_file(
        path, item.sample.name, format_hint=item.sample.format, limits=parsers.ParseLimits()
    )
    compared, wrong = compare(result.report, item.truth, item.sample.expects)
    tally(item.sample.format, compared, compared - len(wrong))
    assert compared > 0
    assert wrong == []
    assert result.files[0].sha256 and result.files[0].status == "parsed"
    failed = [c.name for c in result.report.quality.checks if not c.passed]
    assert failed == []


def test_every_generated_report_round_trips_through_its_json_form(tmp_path: Path) -> None:
    for item in CORPUS:
        path = tmp_path / item.sample.name
        path.write_bytes(item.sample.data)
        report = parsers.parse_file(
            path, item.sample.name, format_hint=None, limits=parsers.ParseLimits()
        ).report
        dumped = report.model_dump(mode="json")
        assert dumped["schema"] == "roofkit.report/v1"
        assert type(report).model_validate(dumped) == report
