"""Every report the parsers build validates against the model after a dump.

Parsers build parts of the report without going through the top-level model's validation (shared
pitches, summaries copied through pydantic-core, rows summed as plain numbers); this keeps the
schema honest for the PDF, DXF and ZIP corpora and a long facet table, beside the round trip of
the XML/JSON/CSV/XLSX corpus in test_corpus_accuracy.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roofkit_importer import parsers
from roofkit_importer.report.model import Pitch, RoofReport
from tests.corpus.renderers import Sample, dxf_drawings, pdf_reports, zip_packages
from tests.corpus.roofs import all_roofs, roof_truth

SAMPLES = [
    sample
    for roof in all_roofs()
    for truth in [roof_truth(roof)]
    for render in (pdf_reports.render, dxf_drawings.render, zip_packages.render)
    for sample in render(roof, truth)
]


def _parse(tmp_path: Path, name: str, data: bytes) -> RoofReport:
    path = tmp_path / name
    path.write_bytes(data)
    return parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits()).report


def _assert_round_trips(report: RoofReport) -> None:
    assert RoofReport.model_validate(report.model_dump()) == report
    assert RoofReport.model_validate(report.model_dump(mode="json")) == report


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_generated_report_validates_after_a_dump(sample: Sample, tmp_path: Path) -> None:
    _assert_round_trips(_parse(tmp_path, sample.name, sample.data))


def test_long_facet_table_validates_after_a_dump_and_shares_frozen_pitches(
    tmp_path: Path,
) -> None:
    rows = [f"F{i},{20 + i % 200}.5,{3 + i % 10}/12,{i * 37 % 360}" for i in range(1, 331)]
    data = ("Facet,Area (sq ft),Pitch,Azimuth\n" + "\n".join(rows) + "\n").encode()
    report = _parse(tmp_path, "facets.csv", data)
    facets = report.structures[0].geometry.facets if report.structures[0].geometry else []
    assert len(facets) == 330
    _assert_round_trips(report)
    pitch = facets[0].pitch
    assert isinstance(pitch, Pitch)
    with pytest.raises(ValueError, match="frozen"):
        pitch.rise = 1.0
