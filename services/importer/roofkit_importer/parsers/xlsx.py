"""XLSX workbooks: every worksheet read through the same tables as CSV.

The container is checked before openpyxl opens it (entry count, expanded size, compression
ratio: ``xlsx_expansion_too_large``), then read in read-only mode with cached formula values
(``data_only``), bounded rows and columns per sheet. openpyxl parses its XML through defusedxml,
so DTDs and entities in a workbook are refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import openpyxl

from roofkit_importer.parsers import tables
from roofkit_importer.parsers.detection import ZIP_ERRORS
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source
from roofkit_importer.report import checks
from roofkit_importer.report.assembly import ReportBuilder
from roofkit_importer.report.model import ReportWarning

_RATIO_MIN_BYTES = 1024 * 1024


def check_container(
    path: Path,
    name: str,
    limits: ParseLimits,
    entries: Sequence[zipfile.ZipInfo] | None = None,
) -> None:
    """Refuse archives whose expansion breaks the limits, before anything is decompressed.

    ``entries`` is the container's central directory when detection has read it already.
    """
    infos = entries
    if infos is None:
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except ZIP_ERRORS as exc:
            raise ParseError.for_file(
                "report_unreadable",
                name,
                "xlsx_malformed",
                "The workbook is not a readable ZIP container.",
            ) from exc
    if len(infos) > limits.max_zip_entries:
        raise ParseError.for_file(
            "payload_too_large",
            name,
            "xlsx_expansion_too_large",
            f"The workbook has more than {limits.max_zip_entries} parts.",
        )
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (
            info.file_size > limits.max_zip_entry_bytes
            or total > limits.max_zip_expanded_bytes
            or (info.file_size > _RATIO_MIN_BYTES and ratio > limits.max_zip_ratio)
        ):
            raise ParseError.for_file(
                "payload_too_large",
                name,
                "xlsx_expansion_too_large",
                "The workbook expands beyond the allowed size or compression ratio.",
            )


def _cell(value: object) -> tables.Cell:
    if isinstance(value, bool):
        return str(value)
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


_AS_IS = (str, int, float)


def _values(row: tuple[object, ...], width: int) -> list[tables.Cell]:
    """The row's cells, without the empty padding up to ``max_col`` when there is only padding
    past ``width`` (the sheet's declared width; trailing empty cells mean nothing to the tables).
    """
    if width < len(row):
        tail = row[width:]
        if tail.count(None) == len(tail):
            row = row[:width]
    return [
        None if v is None else v if isinstance(v, _AS_IS) and type(v) is not bool else _cell(v)
        for v in row
    ]


def _too_many_rows(name: str, limit: int) -> ParseError:
    return ParseError.for_file(
        "report_unreadable",
        name,
        "xlsx_too_many_rows",
        f"A worksheet has more than {limit} rows.",
    )


def _read_workbook(handle: BinaryIO, name: str, limits: ParseLimits) -> list[tables.Sheet]:
    sheets: list[tables.Sheet] = []
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        for worksheet in workbook.worksheets[: limits.max_sheets]:
            # The declared dimension may be missing or wrong (some writers always declare A1),
            # and openpyxl stops at the declared last row: forget it and read every row there
            # is. Rows come padded to max_columns (a cell far right, up to XFD, would otherwise
            # make every row 16,384 cells wide); the declared width only says where padding
            # may start.
            width = worksheet.max_column or limits.max_columns
            worksheet.reset_dimensions()
            rows = tables.RowCollector(limits.max_rows, lambda limit: _too_many_rows(name, limit))
            empty: tuple[object, ...] | None = None
            for row in worksheet.iter_rows(max_col=limits.max_columns, values_only=True):
                # openpyxl hands out one shared tuple for every row missing from the sheet.
                if row is empty or row.count(None) == len(row):
                    empty = row
                    rows.add_empty()
                else:
                    rows.add(_values(row, width))
            sheets.append(tables.Sheet(name=str(worksheet.title), rows=rows.rows))
    finally:
        workbook.close()
    return sheets


def read_sheets(
    path: Path, name: str, limits: ParseLimits, data: bytes | None = None
) -> list[tables.Sheet]:
    """The workbook's sheets; ``data`` is the file's content when the caller has read it."""
    try:
        # A file object, not the path: openpyxl refuses paths without an .xlsx extension, and
        # uploads are spooled under neutral names (the format comes from content, not names).
        # openpyxl warns about parts it drops (extensions, data validation, default styles);
        # they carry no measurements, and a warning must not decide the outcome.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if data is not None:
                return _read_workbook(io.BytesIO(data), name, limits)
            with path.open("rb") as handle:
                return _read_workbook(handle, name, limits)
    except ParseError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors
        reason = "xlsx_malformed"
        if type(exc).__name__ in (
            "DTDForbidden",
            "EntitiesForbidden",
            "ExternalReferenceForbidden",
        ):
            reason = "xml_forbidden_construct"
        raise ParseError.for_file(
            "report_unreadable",
            name,
            reason,
            f"The workbook cannot be read ({type(exc).__name__}).",
        ) from exc


_CELL = re.compile(rb"<c\b[^>]*?(?:/>|>(.*?)</c>)", re.S)
_VALUE = re.compile(rb"<v>[^<]")
"""A cached value that is not empty (openpyxl writes ``<v></v>`` beside a formula it did not
calculate)."""
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def uncalculated_formulas(source: Source) -> int:
    """Formula cells saved without a calculated value (``<f>``, no or an empty ``<v>``).

    openpyxl reads such a cell as empty: programs that write formulas without calculating them
    (openpyxl itself, report generators) leave a workbook whose totals read as nothing. Only
    looked for when a workbook lacks measurements, so a normal import never pays for it; the
    container's sizes were checked before.
    """
    count = 0
    try:
        with zipfile.ZipFile(io.BytesIO(source.data) if source.data else source.path) as archive:
            for info in archive.infolist():
                if _WORKSHEET.match(info.filename):
                    for cell in _CELL.finditer(archive.read(info)):
                        inner = cell.group(1) or b""
                        if b"<f" in inner and _VALUE.search(inner) is None:
                            count += 1
    except ZIP_ERRORS:
        return 0
    return count


def _not_calculated(count: int, unvalued: list[str] | None = None) -> str:
    named = ""
    if unvalued:
        more = f" and {len(unvalued) - 3} more" if len(unvalued) > 3 else ""
        named = f" Measurements without a value: {', '.join(unvalued[:3])}{more}."
    return (
        f"{count} formula cells have no calculated value (the workbook was saved by a program "
        "that does not calculate); they read as empty. Open and save it in a spreadsheet "
        f"application, or export the values.{named}"
    )


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    check_container(source.path, source.name, limits, source.zip_entries)
    sheets = read_sheets(source.path, source.name, limits, source.data)
    builder = ReportBuilder(file=source.name, method="xlsx")
    unvalued: list[str] = []
    if not tables.interpret(sheets, builder, unvalued):
        formulas = uncalculated_formulas(source)
        raise ParseError.for_file(
            "report_unsupported",
            source.name,
            "xlsx_formulas_not_calculated" if formulas else "no_measurements",
            _not_calculated(formulas, unvalued)
            if formulas
            else "No roof measurements were found in any worksheet.",
        )
    report = builder.build()
    # The sheets are searched for uncalculated formulas only when something reads as missing: no
    # area, or a measurement label standing without its value.
    if report.summary.total_area_sqft is None or unvalued:
        formulas = uncalculated_formulas(source)
        if formulas:
            quality = report.quality
            quality.warnings.append(
                ReportWarning(
                    code="XLSX_FORMULAS_NOT_CALCULATED",
                    message=_not_calculated(formulas, unvalued),
                    file=source.name,
                )
            )
            quality.confidence = checks.confidence("xlsx", quality.checks, quality.warnings)
    return ParseResult(report=report, files=[source.as_file()], warnings=report.quality.warnings)
