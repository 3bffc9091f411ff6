"""Delimited text as spreadsheets in other locales export it: decimal commas (``1.234,5``,
``1 234,5``), read as such when the file's own numbers say so, never guessed from one value; and
Excel's "Unicode Text" (UTF-16, tab-delimited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roofkit_importer import parsers
from roofkit_importer.report.model import RoofReport


def _parse(tmp_path: Path, text: str, encoding: str = "utf-8") -> RoofReport:
    path = tmp_path / "report.csv"
    path.write_bytes(text.encode(encoding))
    return parsers.parse_file(
        path, "report.csv", format_hint=None, limits=parsers.ParseLimits()
    ).report


def _facet_areas(report: RoofReport) -> list[float]:
    return [
        facet.area_sqft
        for structure in report.structures
        if structure.geometry is not None
        for facet in structure.geometry.facets
    ]


def _codes(report: RoofReport) -> set[str]:
    return {w.code for w in report.quality.warnings}


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_facet_table_with_decimal_commas(tmp_path: Path, delimiter: str) -> None:
    rows = ["Facet;Area (sq ft);Pitch", "F1;1.234,5;6/12", "F2;123,25;6/12", "F3;80;6/12"]
    report = _parse(tmp_path, "\n".join(r.replace(";", delimiter) for r in rows) + "\n")
    assert _facet_areas(report) == [1234.5, 123.25, 80.0]
    assert "CSV_DECIMAL_COMMA" in _codes(report)


def test_a_summary_with_decimal_commas_and_units(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        "Total Roof Area;2.865,5 sq ft\nRidges;105,25 ft\nSuggested Waste;12,5 %\n",
    )
    assert report.summary.total_area_sqft == 2865.5
    assert report.summary.edges.ridge is not None
    assert report.summary.edges.ridge.length_ft == 105.25
    assert report.summary.waste.suggested_percent == 12.5


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        # Decimal points: nothing to rewrite.
        ("Facet;Area (sq ft);Pitch\nF1;1234.5;6/12\nF2;123.25;6/12\n", [1234.5, 123.25]),
        # Only "1,234": a thousands separator or a decimal comma; the usual reading stands.
        ("Facet;Area (sq ft);Pitch\nF1;1,234;6/12\nF2;2,345;6/12\n", [1234.0, 2345.0]),
        # The numbers disagree: nothing is rewritten rather than half of them.
        ("Facet;Area (sq ft);Pitch\nF1;100,5;6/12\nF2;200.5;6/12\n", [100.0, 200.5]),
        # Comma-delimited files cannot hold decimal commas unquoted; quoted ones are not guessed.
        ('Facet,Area (sq ft),Pitch\nF1,"1,234.5",6/12\nF2,80,6/12\n', [1234.5, 80.0]),
    ],
    ids=["points", "ambiguous", "disagreeing", "comma-delimited"],
)
def test_files_that_do_not_say_decimal_comma_are_read_as_before(
    tmp_path: Path, text: str, areas: list[float]
) -> None:
    report = _parse(tmp_path, text)
    assert _facet_areas(report) == areas
    assert "CSV_DECIMAL_COMMA" not in _codes(report)


def test_pitches_dates_and_labels_are_left_alone(tmp_path: Path) -> None:
    report = _parse(
        tmp_path,
        "Report Date;04.12.2026\nTotal Roof Area;1.500,5\nPredominant Pitch;6/12\n"
        "Facet;Area (sq ft);Pitch\nF1;750,25;6/12\nF2;750,25;6/12\n",
    )
    assert report.report.report_date == "04.12.2026"
    assert report.summary.predominant_pitch is not None
    assert report.summary.predominant_pitch.rise == 6.0
    assert _facet_areas(report) == [750.25, 750.25]


@pytest.mark.parametrize("separator", [" ", "\u00a0", "\u202f", "."])
def test_thousands_grouped_by_spaces_or_points(tmp_path: Path, separator: str) -> None:
    report = _parse(
        tmp_path,
        f"Facet;Area (sq ft);Pitch\nF1;1{separator}234,5;6/12\nF2;100,5;6/12\n",
    )
    assert _facet_areas(report) == [1234.5, 100.5]


def test_excel_unicode_text_is_utf16_and_tab_delimited(tmp_path: Path) -> None:
    text = "Facet\tArea (sq ft)\tPitch\r\nF1\t1234.5\t6/12\r\nF2\t100\t6/12\r\n"
    report = _parse(tmp_path, text, "utf-16")  # with its byte-order mark, as Excel writes it
    assert _facet_areas(report) == [1234.5, 100.0]
