"""A summary value the file states twice, differently: the first stands, the rest are listed.

A report's summary comes before its details; a repeat (a footer, a later page, a second sheet)
may be stale. The disagreement goes into ``quality.conflicts`` with a ``VALUE_CONFLICT``
warning, and provenance names only the statement that was kept.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from roofkit_importer import parsers
from roofkit_importer.report.assembly import FIRST_STATEMENT, MAX_CONFLICT_VALUES
from roofkit_importer.report.model import RoofReport


def _parse(tmp_path: Path, name: str, data: bytes) -> RoofReport:
    path = tmp_path / name
    path.write_bytes(data)
    return parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits()).report


def _sources(report: RoofReport, field: str) -> list[str | None]:
    return [p.raw for p in report.provenance if p.field == field]


def test_a_total_stated_again_differently_keeps_the_first_and_lists_both(tmp_path: Path) -> None:
    once = _parse(tmp_path, "once.csv", b"Total Roof Area,2000\r\nPredominant Pitch,6/12\r\n")
    twice = _parse(
        tmp_path,
        "twice.csv",
        b"Total Roof Area,2000\r\nPredominant Pitch,6/12\r\nTotal Roof Area,2500\r\n",
    )
    assert twice.summary.total_area_sqft == 2000.0
    assert [c.model_dump() for c in twice.quality.conflicts] == [
        {
            "field": "summary.total_area_sqft",
            "values": [
                {"file": "twice.csv", "value": 2000.0},
                {"file": "twice.csv", "value": 2500.0},
            ],
            "chosen": 2000.0,
            "rule": FIRST_STATEMENT,
        }
    ]
    assert [w.code for w in twice.quality.warnings] == ["VALUE_CONFLICT"]
    assert _sources(twice, "summary.total_area_sqft") == ["2000"]
    assert twice.quality.confidence < once.quality.confidence
    assert once.quality.conflicts == []


def test_the_same_value_again_or_within_rounding_is_no_conflict(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        "repeat.csv",
        b"Total Roof Area,2000\r\nRidges,40 ft\r\nTotal Roof Area,2000.4\r\nRidges,40.2 ft\r\n",
    )
    assert report.quality.conflicts == []
    assert [w.code for w in report.quality.warnings] == []
    assert report.summary.total_area_sqft == 2000.0
    assert _sources(report, "summary.total_area_sqft") == ["2000", "2000.4"]


def test_an_edge_length_stated_again_differently_keeps_the_first(tmp_path: Path) -> None:
    report = _parse(
        tmp_path, "edges.csv", b"Total Roof Area,2000\r\nRidges,40 ft\r\nRidges,55 ft\r\n"
    )
    ridge = report.summary.edges.ridge
    assert ridge is not None and ridge.length_ft == 40.0
    assert [(c.field, [v.value for v in c.values]) for c in report.quality.conflicts] == [
        ("summary.edges.ridge", [40.0, 55.0])
    ]


def test_a_label_repeated_thousands_of_times_gives_one_bounded_conflict(tmp_path: Path) -> None:
    rows = b"".join(b"Total Roof Area,%d\r\n" % (1000 + i) for i in range(5000))
    report = _parse(tmp_path, "many.csv", rows)
    assert report.summary.total_area_sqft == 1000.0
    [conflict] = report.quality.conflicts
    assert len(conflict.values) == MAX_CONFLICT_VALUES
    # 1001-1005 sq ft agree with 1000 within rounding (0.5 %): compared with the first, not
    # with the previous statement, so they cannot walk the value up to 5,999.
    assert [v.value for v in conflict.values[:3]] == [1000.0, 1006.0, 1007.0]
    assert sum(w.code == "VALUE_CONFLICT" for w in report.quality.warnings) <= 20


def test_a_conflict_inside_a_package_entry_survives_the_merge(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("summary.csv", "Total Roof Area,2000\r\nTotal Roof Area,2500\r\n")
    report = _parse(tmp_path, "package.zip", buffer.getvalue())
    assert report.summary.total_area_sqft == 2000.0
    assert [(c.field, c.rule) for c in report.quality.conflicts] == [
        ("summary.total_area_sqft", FIRST_STATEMENT)
    ]


def test_an_area_at_one_pitch_stated_again_is_one_row(tmp_path: Path) -> None:
    rows = (
        b"Total Roof Area,1000\r\nRoof Area per Pitch 6/12,400\r\n"
        b"Roof Area per Pitch 8/12,600\r\nRoof Area per Pitch 6/12,400\r\n"
    )
    report = _parse(tmp_path, "pitches.csv", rows)
    assert [(r.pitch.rise, r.area_sqft, r.percent) for r in report.summary.area_by_pitch] == [
        (6.0, 400.0, 40.0),
        (8.0, 600.0, 60.0),
    ]
    assert report.quality.conflicts == []
    assert [c.name for c in report.quality.checks if not c.passed] == []

    differing = _parse(tmp_path, "differing.csv", rows.replace(b"6/12,400\r\n", b"6/12,450\r\n", 1))
    assert [r.area_sqft for r in differing.summary.area_by_pitch] == [450.0, 600.0]
    assert [(c.field, [v.value for v in c.values]) for c in differing.quality.conflicts] == [
        ("summary.area_by_pitch[0]", [450.0, 400.0])
    ]
