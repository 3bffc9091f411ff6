"""Which rows of a sheet are read, and which count toward ``max_rows``.

A worksheet's declared dimension (``<dimension ref=...>``) is not trusted: some writers always
declare ``A1``, others leave it out, and openpyxl's read-only mode stops at the declared last row.
Empty rows after the last value (formatting applied to whole columns, and CSV exports of such
sheets) are not rows of the report."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from roofkit_importer import parsers

FACETS = [(f"F{i}", 100.0 + 10 * i, f"{4 + i % 5}/12") for i in range(1, 13)]


def _workbook(
    dimension: bytes | None,
    extra_cell: tuple[int, str] | None = None,
    trailing_rows: bytes = b"",
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Facet", "Area (sq ft)", "Pitch"])
    for row in FACETS:
        sheet.append(list(row))
    if extra_cell is not None:
        sheet.cell(row=extra_cell[0], column=len(FACETS) + 300, value=extra_cell[1])
    saved = io.BytesIO()
    book.save(saved)
    rewritten = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension ref=\"[^\"]*\"/>", dimension or b"", data)
                data = data.replace(b"</sheetData>", trailing_rows + b"</sheetData>")
            target.writestr(info, data)
    return rewritten.getvalue()


@pytest.mark.parametrize(
    "dimension",
    [b'<dimension ref="A1"/>', b'<dimension ref="A1:B3"/>', None],
    ids=["always-A1", "too-small", "missing"],
)
def test_every_row_is_read_whatever_the_declared_dimension(
    dimension: bytes | None, tmp_path: Path
) -> None:
    path = tmp_path / "facets.xlsx"
    path.write_bytes(_workbook(dimension))
    report = parsers.parse_file(
        path, path.name, format_hint=None, limits=parsers.ParseLimits()
    ).report
    assert report.summary.facet_count == len(FACETS)
    assert report.summary.total_area_sqft == pytest.approx(sum(area for _, area, _ in FACETS))
    facets = report.structures[0].geometry.facets  # type: ignore[union-attr]
    assert [facet.id for facet in facets] == [name for name, _, _ in FACETS]


def test_cells_past_the_column_limit_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(_workbook(b'<dimension ref="A1"/>', extra_cell=(5, "far away")))
    limits = parsers.ParseLimits(max_columns=50)
    report = parsers.parse_file(path, path.name, format_hint=None, limits=limits).report
    assert report.summary.facet_count == len(FACETS)
    assert "far away" not in report.model_dump_json()


def test_empty_rows_down_to_the_last_row_of_the_sheet_are_not_rows(tmp_path: Path) -> None:
    # Formatting applied to whole columns: styled cells without values down to row 1,048,576.
    last = b'<row r="1048576"><c r="A1048576" s="0"/><c r="B1048576" s="0"/></row>'
    path = tmp_path / "formatted.xlsx"
    path.write_bytes(_workbook(b'<dimension ref="A1:AMJ1048576"/>', trailing_rows=last))
    report = parsers.parse_file(
        path, path.name, format_hint=None, limits=parsers.ParseLimits()
    ).report
    assert report.summary.facet_count == len(FACETS)


def test_more_rows_with_values_than_the_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "facets.xlsx"
    path.write_bytes(_workbook(None))
    limits = parsers.ParseLimits(max_rows=len(FACETS))  # the header row makes one more
    with pytest.raises(parsers.ParseError) as caught:
        parsers.parse_file(path, path.name, format_hint=None, limits=limits)
    assert (caught.value.code, caught.value.reasons) == (
        "report_unreadable",
        ["xlsx_too_many_rows"],
    )
    limits = parsers.ParseLimits(max_rows=len(FACETS) + 1)
    assert parsers.parse_file(path, path.name, format_hint=None, limits=limits).report


def _facet_csv() -> bytes:
    lines = ["Facet,Area (sq ft),Pitch"] + [f"{n},{a},{p}" for n, a, p in FACETS]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_trailing_empty_csv_rows_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_facet_csv() + b",,\r\n" * 150_000 + b"\r\n" * 10)
    report = parsers.parse_file(
        path, path.name, format_hint=None, limits=parsers.ParseLimits()
    ).report
    assert report.summary.facet_count == len(FACETS)


def test_empty_rows_count_once_a_value_follows(tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_bytes(_facet_csv() + b",,\r\n" * 20 + b"Note,see plan,\r\n")
    limits = parsers.ParseLimits(max_rows=len(FACETS) + 21)
    with pytest.raises(parsers.ParseError) as caught:
        parsers.parse_file(path, path.name, format_hint=None, limits=limits)
    assert caught.value.reasons == ["csv_too_many_rows"]
    limits = parsers.ParseLimits(max_rows=len(FACETS) + 22)
    assert parsers.parse_file(path, path.name, format_hint=None, limits=limits).report
