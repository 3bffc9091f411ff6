"""CSV (and other delimited text) reports.

Encoding: UTF-8 (with or without BOM), else cp1252. Delimiter: sniffed among ``,`` ``;`` tab and
``|`` by which one splits the first lines most consistently. Rows, columns and field sizes are
bounded by :class:`ParseLimits`; the rows are then read by :mod:`roofkit_importer.parsers.tables`.
"""

from __future__ import annotations

import csv
import io
import re

from roofkit_importer.parsers import tables
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source
from roofkit_importer.report.assembly import ReportBuilder

DELIMITERS = (";", ",", "\t", "|")
"""In order of preference when two split the lines equally well: a semicolon first, because
spreadsheets choose it exactly when the comma is their decimal separator (``Area;1.234,5``)."""
SNIFF_LINES = 30
SNIFF_HEAD_CHARS = 64 * 1024


def decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError.for_file(
                "report_unreadable", name, "text_encoding_unknown", "The text is not valid UTF-16."
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; those mean the file is not text we know.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ParseError.for_file(
            "report_unreadable",
            name,
            "text_encoding_unknown",
            "The text is neither UTF-8 nor Windows-1252.",
        ) from exc


def sniff_delimiter(text: str) -> str:
    lines = [line for line in _first_lines(text, SNIFF_LINES) if line.strip()]
    sample = "\n".join(lines)
    quoted = '"' in sample
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue  # no line splits
        if quoted:
            counts = [_count_outside_quotes(line, delimiter) for line in lines]
        else:
            counts = [line.count(delimiter) for line in lines]
        used = [c for c in counts if c > 0]
        if not used:
            continue
        # Many lines split, and split alike: the most frequent count, weighted by how often.
        mode = max(set(used), key=used.count)
        score = used.count(mode) * (1.0 + min(mode, 10) / 10.0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]``, without splitting the whole of a long text."""
    head = text[:SNIFF_HEAD_CHARS]
    lines = head.splitlines()
    # More lines than wanted: the first ``count`` all end inside the head, so they are whole.
    if len(lines) > count or len(head) == len(text):
        return lines[:count]
    return text.splitlines()[:count]


def _count_outside_quotes(line: str, delimiter: str) -> int:
    if '"' not in line:
        return line.count(delimiter)
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


# A number whose separators tell its convention on their own: ``1.234,5`` and ``123,5`` (a comma
# followed by other than three digits) can only be decimal commas; ``1,234.5`` and ``123.5`` only
# decimal points. ``1,234`` and ``1.234`` could be either and decide nothing.
_ONLY_DECIMAL_COMMA = re.compile(
    r"[-+]?(?:\d{1,3}(?:[. \u00a0\u202f]\d{3})+,\d+|\d+,(?:\d{1,2}|\d{4,}))(?![\d.,])"
)
_ONLY_DECIMAL_POINT = re.compile(
    r"[-+]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d+\.(?:\d{1,2}|\d{4,}))(?![\d.,])"
)
# Groups of thousands separated by points or by spaces (also no-break and narrow no-break, as
# French and other locales write them: ``1 234,5``).
_COMMA_NUMBER = re.compile(
    r"([-+]?)(\d{1,3}(?:\.\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?(?![\d.,])"
)
_GROUP_SEPARATORS = str.maketrans("", "", ". \u00a0\u202f")


def _starts_a_number(cell: tables.Cell) -> bool:
    return isinstance(cell, str) and cell[:1] in "0123456789+-" and cell != ""


def uses_decimal_comma(rows: list[list[tables.Cell]]) -> bool:
    """Whether the file writes numbers with decimal commas (``123,5``, ``1.234,5``), as
    spreadsheets in many locales export them: some number says so, and none says otherwise."""
    comma = False
    for row in rows:
        for cell in row:
            if not _starts_a_number(cell):
                continue
            assert isinstance(cell, str)
            if _ONLY_DECIMAL_POINT.match(cell):
                return False
            comma = comma or _ONLY_DECIMAL_COMMA.match(cell) is not None
    return comma


def _with_decimal_points(cell: tables.Cell) -> tables.Cell:
    """``1.234,5 sq ft`` (or ``1 234,5 sq ft``) → ``1234.5 sq ft``: a leading decimal-comma
    number rewritten."""
    if not _starts_a_number(cell):
        return cell
    assert isinstance(cell, str)
    match = _COMMA_NUMBER.match(cell)
    if match is None:
        return cell
    sign, whole, fraction = match.groups()
    number = sign + whole.translate(_GROUP_SEPARATORS) + ("." + fraction if fraction else "")
    return number + cell[match.end() :]


def read_rows(text: str, name: str, limits: ParseLimits) -> list[list[tables.Cell]]:
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    max_rows, max_columns, max_field = limits.max_rows, limits.max_columns, limits.max_field_bytes
    # No field is longer than the whole text: a short text needs no per-field check.
    check_fields = len(text) > max_field
    rows = tables.RowCollector(
        max_rows,
        lambda limit: ParseError.for_file(
            "report_unreadable", name, "csv_too_many_rows", f"The file has more than {limit} rows."
        ),
    )
    try:
        for row in reader:
            if len(row) > max_columns:
                row = row[:max_columns]
            if check_fields and any(len(field) > max_field for field in row):
                raise ParseError.for_file(
                    "report_unreadable",
                    name,
                    "csv_field_too_large",
                    f"A field is longer than {max_field} characters.",
                )
            rows.add([field.strip() or None for field in row])
    except csv.Error as exc:
        raise ParseError.for_file(
            "report_unreadable", name, "csv_malformed", f"The CSV cannot be read: {exc}."
        ) from exc
    return rows.rows


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    text = decode(source.read_bytes(), source.name)
    # After decoding: UTF-16 (Excel's "Unicode Text" export) is half NUL bytes.
    if "\x00" in text:
        raise ParseError.for_file(
            "report_unreadable", source.name, "csv_malformed", "The text contains NUL characters."
        )
    rows = read_rows(text, source.name, limits)
    builder = ReportBuilder(file=source.name, method="csv")
    # A comma-delimited file cannot hold decimal commas unquoted; only look at the others.
    if sniff_delimiter(text) != "," and uses_decimal_comma(rows):
        rows = [[_with_decimal_points(cell) for cell in row] for row in rows]
        builder.warn(
            "CSV_DECIMAL_COMMA",
            "Numbers are written with decimal commas (1.234,5) and were read that way.",
        )
    if not tables.interpret([tables.Sheet(name=None, rows=rows)], builder):
        raise ParseError.for_file(
            "report_unsupported",
            source.name,
            "no_measurements",
            "No roof measurements were found: no summary labels, facet table or edge table.",
        )
    report = builder.build()
    return ParseResult(report=report, files=[source.as_file()], warnings=report.quality.warnings)
