"""Workbook cells as Excel stores what people type: pitches it turned into dates and times, and
date cells that are never quantities."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from roofkit_importer import parsers


def test_pitches_typed_into_excel_as_6_12_or_6_colon_12_are_read_back(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Facet", "Area (sq ft)", "Pitch"])
    sheet.append(["F1", 100, dt.datetime(2026, 6, 12)])  # "6/12" in a month-first locale
    sheet.append(["F2", 200, dt.datetime(2026, 12, 8)])  # "8/12" in a day-first locale
    sheet.append(["F3", 300, dt.time(4, 12)])  # "4:12"
    sheet.append(["F4", dt.datetime(2026, 3, 1), "6/12"])  # a date is no area
    path = tmp_path / "roof.xlsx"
    workbook.save(path)
    report = parsers.parse_file(
        path, "roof.xlsx", format_hint=None, limits=parsers.ParseLimits()
    ).report
    facets = [f for s in report.structures if s.geometry for f in s.geometry.facets]
    assert [(f.id, f.pitch.rise if f.pitch else None) for f in facets] == [
        ("F1", 6.0),
        ("F2", 8.0),
        ("F3", 4.0),
    ]


def _saved(tmp_path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "roof.xlsx"
    workbook.save(path)  # openpyxl writes formulas without calculating them
    return path


def _parse(path: Path) -> parsers.ParseResult:
    return parsers.parse_file(path, path.name, format_hint=None, limits=parsers.ParseLimits())


def test_a_workbook_of_uncalculated_formulas_is_refused_with_that_reason(tmp_path: Path) -> None:
    path = _saved(
        tmp_path,
        [
            ["Total Roof Area", "=SUM(D1:D2)"],
            ["Predominant Pitch", "=E1"],
        ],
    )
    with pytest.raises(parsers.ParseError) as caught:
        _parse(path)
    assert caught.value.code == "report_unsupported"
    assert caught.value.reasons == ["xlsx_formulas_not_calculated"]
    assert caught.value.message.startswith("2 formula cells have no calculated value")


def test_a_report_whose_area_is_an_uncalculated_formula_says_so(tmp_path: Path) -> None:
    path = _saved(
        tmp_path,
        [
            ["Total Roof Area", "=SUM(D1:D2)"],
            ["Predominant Pitch", "6/12"],
            ["Ridges", "40 ft"],
        ],
    )
    report = _parse(path).report
    assert report.summary.total_area_sqft is None
    codes = [w.code for w in report.quality.warnings]
    assert "XLSX_FORMULAS_NOT_CALCULATED" in codes and "AREA_MISSING" in codes


def test_a_measurement_left_as_an_uncalculated_formula_is_named_though_the_area_is_there(
    tmp_path: Path,
) -> None:
    path = _saved(
        tmp_path,
        [
            ["Total Roof Area", 1200],
            ["Predominant Pitch", "6/12"],
            ["Ridges (ft)", "=D1+D2"],
            ["Eaves", "=D3"],
        ],
    )
    report = _parse(path).report
    assert report.summary.total_area_sqft == 1200
    assert report.summary.edges.ridge is None
    [warning] = [w for w in report.quality.warnings if w.code == "XLSX_FORMULAS_NOT_CALCULATED"]
    assert warning.message.startswith("2 formula cells have no calculated value")
    sheet = openpyxl.load_workbook(path).worksheets[0].title
    assert f"Ridges (ft) ({sheet}!B3), Eaves ({sheet}!B4)." in warning.message


def test_a_lone_measurement_heading_without_formulas_carries_no_formula_warning(
    tmp_path: Path,
) -> None:
    path = _saved(tmp_path, [["Ridges"], ["Total Roof Area", 1200], ["Predominant Pitch", "6/12"]])
    report = _parse(path).report
    assert "XLSX_FORMULAS_NOT_CALCULATED" not in {w.code for w in report.quality.warnings}


def test_calculated_workbooks_carry_no_formula_warning(tmp_path: Path) -> None:
    path = _saved(tmp_path, [["Total Roof Area", 1200], ["Predominant Pitch", "6/12"]])
    report = _parse(path).report
    assert report.summary.total_area_sqft == 1200
    assert "XLSX_FORMULAS_NOT_CALCULATED" not in {w.code for w in report.quality.warnings}
