"""Warnings of a report: each failed cross-check named, repeats listed once, each code bounded."""

from __future__ import annotations

from pathlib import Path

from roofkit_importer import parsers
from roofkit_importer.report.assembly import MAX_WARNINGS_PER_CODE, ReportBuilder


def _parse(tmp_path: Path, name: str, text: str) -> parsers.ParseResult:
    path = tmp_path / name
    path.write_text(text)
    return parsers.parse_file(path, name, format_hint=None, limits=parsers.ParseLimits())


def test_every_failed_check_of_one_scope_has_its_own_warning(tmp_path: Path) -> None:
    result = _parse(
        tmp_path,
        "summary.csv",
        "Total Roof Area,1000 sq ft\nSquares,50\nRoof Area per Pitch 6/12,400\n",
    )
    failed = sorted(c.name for c in result.report.quality.checks if not c.passed)
    assert failed == ["area_by_pitch_sum", "squares"]
    named = sorted(
        w.message.split()[1] for w in result.report.quality.warnings if w.code == "CHECK_FAILED"
    )
    assert named == failed
    assert {w.locator for w in result.report.quality.warnings} == {"report"}


def test_a_table_of_odd_rows_gives_a_bounded_list_and_a_count(tmp_path: Path) -> None:
    rows = 5_000
    lines = ["Edge,Type,Length (ft)"] + [f"Q{i},Zorp{i},{10 + i % 7}" for i in range(rows)]
    result = _parse(tmp_path, "edges.csv", "\n".join(lines) + "\n")
    warnings = result.report.quality.warnings
    unknown = [w for w in warnings if w.code == "EDGE_TYPE_UNKNOWN"]
    assert len(unknown) == MAX_WARNINGS_PER_CODE
    assert [w.locator for w in unknown] == [f"row {i + 2}, column 2" for i in range(20)]
    omitted = [w for w in warnings if w.code == "WARNINGS_OMITTED"]
    assert [w.message for w in omitted] == [
        f"{rows - MAX_WARNINGS_PER_CODE} more EDGE_TYPE_UNKNOWN warnings are not listed."
    ]
    assert result.report.summary.edges.unspecified is not None
    assert result.report.summary.edges.unspecified.count == rows


def test_the_same_warning_is_listed_once() -> None:
    builder = ReportBuilder(file="f.csv", method="csv")
    for _ in range(3):
        builder.warn("EDGE_TYPE_UNKNOWN", "Edge type 'Zorp' is not a known edge type.", "row 2")
    builder.warn("EDGE_TYPE_UNKNOWN", "Edge type 'Zorp' is not a known edge type.", "row 3")
    assert [w.locator for w in builder.warnings] == ["row 2", "row 3"]


def test_facet_rows_that_cannot_be_read_are_named_where_they_are(tmp_path: Path) -> None:
    result = _parse(
        tmp_path,
        "odd.csv",
        "Facet,Area (sq ft),Pitch\r\n"
        "F1,100,6/12\r\nF2,n/a,6/12\r\nF3,-50,6/12\r\nF4,80,abc\r\nF5,70,6/0\r\n"
        "Note,,\r\n",
    )
    facets = result.report.structures[0].geometry
    assert facets is not None
    assert [(f.id, f.pitch is None) for f in facets.facets] == [
        ("F1", False),
        ("F4", True),
        ("F5", True),
    ]
    named = [
        (w.code, w.locator, w.message)
        for w in result.report.quality.warnings
        if w.code != "CHECK_FAILED"
    ]
    assert named == [
        (
            "FACET_ROW_SKIPPED",
            "row 3, column 2",
            "Facet F2: the area 'n/a' is not a size; the row is not read.",
        ),
        (
            "FACET_ROW_SKIPPED",
            "row 4, column 2",
            "Facet F3: the area '-50' is not a size; the row is not read.",
        ),
        (
            "PITCH_UNREADABLE",
            "row 5, column 3",
            "Facet F4: the pitch 'abc' cannot be read; its pitch is unknown.",
        ),
        (
            "PITCH_UNREADABLE",
            "row 6, column 3",
            "Facet F5: the pitch '6/0' cannot be read; its pitch is unknown.",
        ),
    ]


def test_edge_rows_that_cannot_be_read_are_named_where_they_are(tmp_path: Path) -> None:
    result = _parse(
        tmp_path,
        "edges.csv",
        "Type,Length (ft)\r\nRidge,40\r\nValley,n/a\r\nEave,-3\r\n,\r\n",
    )
    assert [
        (w.code, w.locator, w.message)
        for w in result.report.quality.warnings
        if w.code.endswith("_ROW_SKIPPED")
    ] == [
        (
            "EDGE_ROW_SKIPPED",
            "row 3, column 2",
            "Edge 'Valley': the length 'n/a' is not a length; the row is not read.",
        ),
        (
            "EDGE_ROW_SKIPPED",
            "row 4, column 2",
            "Edge 'Eave': the length '-3' is not a length; the row is not read.",
        ),
    ]
    ridge = result.report.summary.edges.ridge
    assert ridge is not None and ridge.length_ft == 40.0


def test_text_beside_an_area_that_is_no_unit_is_named(tmp_path: Path) -> None:
    result = _parse(
        tmp_path,
        "typos.csv",
        "Facet,Area (sq ft),Pitch\r\n"
        "F1,12O,6/12\r\nF2,100 (est),6/12\r\nF3,200 sq ft,6/12\r\nF4,100*,6/12\r\nF5,1.5E+02,6/12\r\n",
    )
    geometry = result.report.structures[0].geometry
    assert geometry is not None
    # Nothing is dropped: each area is still its number, and the text left out is named.
    assert [f.area_sqft for f in geometry.facets] == [12.0, 100.0, 200.0, 100.0, 150.0]
    assert [
        (w.locator, w.message)
        for w in result.report.quality.warnings
        if w.code == "AREA_TEXT_IGNORED"
    ] == [
        (
            "row 2, column 2",
            "Facet F1: the area '12O' was read as its number; 'o' beside it is not a unit "
            "and was left out.",
        ),
        (
            "row 3, column 2",
            "Facet F2: the area '100 (est)' was read as its number; 'est' beside it is not a "
            "unit and was left out.",
        ),
    ]
