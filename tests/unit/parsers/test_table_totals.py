"""Total rows of a facet table: whose total each one states.

A total row naming a structure in its structure cell is that structure's subtotal; one without
is the report's. Subtotal rows are neither facets nor the report's total. A second total of one
scope that disagrees with the first is a conflict, and the first stands.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from roofkit_importer import parsers
from roofkit_importer.report.model import RoofReport


def _parse(tmp_path: Path, text: str) -> RoofReport:
    path = tmp_path / "facets.csv"
    path.write_text(text, newline="")
    return parsers.parse_file(
        path, "facets.csv", format_hint=None, limits=parsers.ParseLimits()
    ).report


def _failed(report: RoofReport) -> list[str]:
    return [f"{c.scope}: {c.name}" for c in report.quality.checks if not c.passed]


SUBTOTALS = (
    "Structure,Facet,Area (sq ft),Pitch\r\n"
    "Main,F1,100,6/12\r\nMain,F2,100,6/12\r\nMain,Total,200,\r\n"
    "Garage,F1,50,4/12\r\nGarage,Total,50,\r\n"
)


def test_a_total_row_of_a_structure_is_that_structures_subtotal(tmp_path: Path) -> None:
    report = _parse(tmp_path, SUBTOTALS)
    # The report's total is the structures' sum, not the last subtotal read (it was 50).
    assert report.summary.total_area_sqft == 250.0
    assert [(s.id, s.summary.total_area_sqft) for s in report.structures] == [
        ("Main", 200.0),
        ("Garage", 50.0),
    ]
    assert _failed(report) == []
    stated = {p.field: p.locator for p in report.provenance if p.method == "csv"}
    assert stated["structures[Main].summary.total_area_sqft"] == "row 4, column 3"
    assert stated["structures[Garage].summary.total_area_sqft"] == "row 6, column 3"


def test_a_subtotal_that_disagrees_with_its_facets_fails_that_structures_check(
    tmp_path: Path,
) -> None:
    report = _parse(tmp_path, SUBTOTALS.replace("Main,Total,200", "Main,Total,260"))
    assert "structures[Main]: facet_area_sum" in _failed(report)
    assert report.structures[0].summary.total_area_sqft == 260.0


def test_a_grand_total_without_a_structure_is_the_reports(tmp_path: Path) -> None:
    report = _parse(tmp_path, SUBTOTALS + ",Total,250,\r\n")
    assert report.summary.total_area_sqft == 250.0
    assert _failed(report) == []
    assert report.quality.conflicts == []


def test_total_written_in_the_structure_column_is_the_reports(tmp_path: Path) -> None:
    report = _parse(tmp_path, SUBTOTALS + "Total,,250,\r\n")
    assert report.summary.total_area_sqft == 250.0
    assert [s.id for s in report.structures] == ["Main", "Garage"]


def test_subtotal_rows_are_neither_facets_nor_the_total(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        "Facet,Area (sq ft),Pitch\r\n"
        "F1,100,6/12\r\nF2,100,6/12\r\nSubtotal,200,\r\nF3,50,6/12\r\nSub-total,50,\r\n"
        "Total,250,\r\n",
    )
    geometry = report.structures[0].geometry
    assert geometry is not None
    assert [f.id for f in geometry.facets] == ["F1", "F2", "F3"]
    assert report.summary.total_area_sqft == 250.0
    assert _failed(report) == [] and report.quality.conflicts == []


def test_two_report_totals_that_disagree_keep_the_first(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        "Total Roof Area,250\r\n\r\nFacet,Area (sq ft),Pitch\r\n"
        "F1,100,6/12\r\nF2,150,6/12\r\nTotal,300,\r\nTotal,250,\r\n",
    )
    assert report.summary.total_area_sqft == 250.0
    assert [(c.field, [v.value for v in c.values]) for c in report.quality.conflicts] == [
        ("summary.total_area_sqft", [250.0, 300.0])
    ]


GROUPED = (
    "Structure,Facet,Area (sq ft),Pitch\r\n"
    "Main,F1,100,6/12\r\n,F2,100,6/12\r\n{main_total}"
    "Garage,F1,50,4/12\r\n,F2,30,4/12\r\n{garage_total}{grand_total}"
)


def _structures(report: RoofReport) -> list[tuple[str, float | None, list[str]]]:
    return [
        (
            s.id,
            s.summary.total_area_sqft,
            [f.id for f in s.geometry.facets] if s.geometry is not None else [],
        )
        for s in report.structures
    ]


MAIN_AND_GARAGE = [("Main", 200.0, ["F1", "F2"]), ("Garage", 80.0, ["F1", "F2"])]


def test_a_blank_structure_cell_continues_the_structure_above(tmp_path: Path) -> None:
    # Before: the rows below each name became a third structure "1" holding F2 and F2#2.
    report = _parse(tmp_path, GROUPED.format(main_total="", garage_total="", grand_total=""))
    assert _structures(report) == MAIN_AND_GARAGE
    assert report.summary.total_area_sqft == 280.0


def test_grouped_subtotals_and_the_grand_total_are_told_apart(tmp_path: Path) -> None:
    for grand in (",Total,280,\r\n", ",Grand Total,280,\r\n"):
        report = _parse(
            tmp_path,
            GROUPED.format(
                main_total=",Total,200,\r\n", garage_total=",Total,80,\r\n", grand_total=grand
            ),
        )
        assert _structures(report) == MAIN_AND_GARAGE, grand
        assert report.summary.total_area_sqft == 280.0
        assert _failed(report) == [] and report.quality.conflicts == []
        stated = [p.locator for p in report.provenance if p.field == "summary.total_area_sqft"]
        assert stated == ["row 8, column 3"]


def test_a_last_group_subtotal_is_no_grand_total(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        GROUPED.format(main_total=",Total,200,\r\n", garage_total=",Total,80,\r\n", grand_total=""),
    )
    assert _structures(report) == MAIN_AND_GARAGE
    assert report.summary.total_area_sqft == 280.0  # the structures' sum, not Garage's 80
    assert _failed(report) == []


def test_a_grouped_edge_table_keeps_its_edges_with_their_structure(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        "Structure,Type,Length (ft)\r\nMain,Ridge,40\r\n,Eave,60\r\nGarage,Ridge,10\r\n,Eave,20\r\n",
    )
    edges = {
        s.id: (s.summary.edges.ridge.length_ft, s.summary.edges.eave.length_ft)  # type: ignore[union-attr]
        for s in report.structures
    }
    assert edges == {"Main": (40.0, 60.0), "Garage": (10.0, 20.0)}


def test_merged_structure_cells_of_a_workbook_are_one_structure(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Structure", "Facet", "Area (sq ft)", "Pitch"])
    for row in (
        ["Main", "F1", 100, "6/12"],
        [None, "F2", 100, "6/12"],
        ["Garage", "F1", 50, "4/12"],
    ):
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    report = parsers.parse_file(
        path, "merged.xlsx", format_hint=None, limits=parsers.ParseLimits()
    ).report
    assert _structures(report) == [("Main", 200.0, ["F1", "F2"]), ("Garage", 50.0, ["F1"])]
