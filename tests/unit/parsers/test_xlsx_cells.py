"""Workbook cells as Excel stores what people type: pitches it turned into dates and times, and
date cells that are never quantities."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

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
