"""PDF reports, read from their text layer (no OCR).

Vendor by markers: EagleView (``Report: 12345678``, eagleview.com), Roofr ("Prepared by Roofr");
anything else is read by the same label rules as a *generic* report with a lower confidence and
a ``PDF_GENERIC_LABELS`` warning. Labels are ``Label = value`` (EagleView: ``Ridges = 105 ft
(6 Ridges)``) or ``Label: value`` (Roofr: ``Eaves: 142ft 0in``) and go through the same summary
label table as spreadsheets (:mod:`summary_labels`). Footnote marks (``†``, ``‡``) are dropped,
and a value pushed onto the next line by one is joined back. ``Structure #N`` starts the labels of
structure N; what comes before the first one belongs to the whole report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from roofkit_importer.parsers import pdf_tables, pdf_text, summary_labels
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source
from roofkit_importer.report.assembly import ReportBuilder, StructureDraft
from roofkit_importer.report.model import Summary
from roofkit_importer.report.units import parse_length_ft

GENERIC_CONFIDENCE_FACTOR = 0.7
"""Labels read without a vendor layout are trusted less."""

_MARKS = str.maketrans("", "", "†‡§¶")
_LABEL_LINE = re.compile(
    r"^(?P<label>[A-Za-z][A-Za-z0-9 /()+&%,.'#-]{0,60}?)\s*[=:]\s*(?P<value>\S.*)$"
)
_STRUCTURE = re.compile(r"^\s*Structure\s*#?\s*(\d{1,3})\b", re.I)
_EAGLEVIEW_REPORT = re.compile(r"\bReport\s*(?:#|No\.?|:)\s*(\d{5,12})\b", re.I)
_FEET_INCHES = re.compile(
    r"(?P<ft>\d{1,3}(?:,\d{3})+|\d+)\s*(?:ft|')\s*(?P<in>\d+(?:\.\d+)?)\s*(?:in\b|\")", re.I
)
_ENDS_WITH_LABEL = re.compile(r"[A-Za-z)]\s*[=:]$")
_ADDRESS = re.compile(
    r"^(?P<line1>\d+[^,]{2,60}),\s*(?P<city>[^,]{2,40}),\s*(?P<region>[A-Z]{2})\s+"
    r"(?P<postal>\d{5}(?:-\d{4})?)\s*$"
)


@dataclass
class _Scope:
    prefix: str
    summary: Summary
    read: int = 0


@dataclass
class _Reading:
    builder: ReportBuilder
    report: _Scope
    structures: dict[str, _Scope] = field(default_factory=dict)
    current: _Scope | None = None

    def scope(self) -> _Scope:
        return self.current or self.report


def vendor_of(text: str) -> str:
    lowered = text.lower()
    if "eagleview" in lowered or _EAGLEVIEW_REPORT.search(text):
        return "eagleview"
    if "prepared by roofr" in lowered or "roofr.com" in lowered:
        return "roofr"
    return "unknown"


def _decimal_feet(value: str) -> str:
    """``142ft 6in`` → ``142.5 ft`` (so a trailing ``(6 Ridges)`` cannot hide the inches)."""

    def replace(match: re.Match[str]) -> str:
        feet = parse_length_ft(f"{match.group('ft')}ft {match.group('in')}in")
        return match.group(0) if feet is None else f"{feet:.4f} ft"

    return _FEET_INCHES.sub(replace, value)


def _without_marks(row: pdf_text.Row) -> str:
    return " ".join(row.text.translate(_MARKS).split())


def _logical_lines(rows: list[pdf_text.Row], texts: list[str]) -> list[tuple[int, str]]:
    """Row texts (``texts``: without footnote marks), with values split off by a line break
    joined back."""
    lines: list[tuple[int, str]] = []
    for row, text in zip(rows, texts, strict=True):
        if not text:
            continue
        if lines and (text[0] in "=:" or _ENDS_WITH_LABEL.search(lines[-1][1])):
            lines[-1] = (lines[-1][0], f"{lines[-1][1]} {text}")
        else:
            lines.append((row.page, text))
    return lines


def _identity(reading: _Reading, text: str, page: int) -> None:
    builder = reading.builder
    found = _EAGLEVIEW_REPORT.search(text)
    if found and builder.info.vendor_report_id is None:
        builder.info.vendor_report_id = found.group(1)
        builder.record("report.vendor_report_id", f"page {page}", text)
    address = _ADDRESS.match(text)
    if address and builder.property.address.raw is None:
        parsed = builder.property.address
        parsed.raw = text
        parsed.line1 = address.group("line1").strip()
        parsed.city = address.group("city").strip()
        parsed.region = address.group("region")
        parsed.postal_code = address.group("postal")
        parsed.country = "US"
        builder.record("property.address", f"page {page}", text)


def _read_line(reading: _Reading, page: int, index: int, text: str) -> None:
    structure = _STRUCTURE.match(text)
    if structure:
        sid = structure.group(1)
        reading.current = reading.structures.setdefault(
            sid, _Scope(prefix=f"structures[{sid}].summary.", summary=Summary())
        )
        return
    _identity(reading, text, page)
    match = _LABEL_LINE.match(text)
    if match is None:
        return
    scope = reading.scope()
    value = _decimal_feet(match.group("value").strip())
    if summary_labels.apply_label(
        reading.builder,
        scope.summary,
        match.group("label").strip(),
        value,
        f"page {page}, line {index + 1}",
        prefix=scope.prefix,
    ):
        scope.read += 1


def interpret(rows: list[pdf_text.Row], builder: ReportBuilder) -> bool:
    """Read every row into ``builder``; ``False`` when no measurement was found."""
    reading = _Reading(builder=builder, report=_Scope(prefix="summary.", summary=Summary()))
    texts = [_without_marks(row) for row in rows]
    for index, (page, text) in enumerate(_logical_lines(rows, texts)):
        _read_line(reading, page, index, text)
    # Tables: rebuilt from positions, attributed to the scope their page opened with.
    reading.current = None
    for i, head in enumerate(texts):
        structure = _STRUCTURE.match(head)
        if structure:
            reading.current = reading.structures.get(structure.group(1))
            continue
        scope = reading.scope()
        lowered = head.lower()
        if lowered.startswith("waste"):
            table = pdf_tables.read_waste
        elif lowered.startswith(("roof pitch", "pitch")):
            table = pdf_tables.read_pitch_areas
        else:
            continue
        if table(rows, i, scope.summary, builder, scope.prefix):
            scope.read += 1
    found = reading.report.read + sum(s.read for s in reading.structures.values())
    if reading.report.read:
        summary_labels.finish_area_by_pitch(reading.report.summary)
        builder.reported = reading.report.summary
    for sid, scope in sorted(reading.structures.items(), key=lambda kv: int(kv[0])):
        if scope.read:
            summary_labels.finish_area_by_pitch(scope.summary)
            builder.structures.append(
                StructureDraft(id=sid, name=f"Structure #{sid}", reported=scope.summary)
            )
    return found > 0


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    rows = pdf_text.read_rows(source.path, source.name, limits)
    builder = ReportBuilder(file=source.name, method="pdf_text")
    vendor = vendor_of("\n".join(row.text for row in rows))
    builder.info.vendor = vendor
    if not interpret(rows, builder):
        raise ParseError.for_file(
            "report_unsupported",
            source.name,
            "no_measurements",
            "No roof measurements were found in the PDF's text.",
        )
    builder.info.vendor = vendor
    if vendor == "unknown":
        builder.warn(
            "PDF_GENERIC_LABELS",
            "No known vendor layout: measurements were read from labels alone.",
        )
    report = builder.build()
    if vendor == "unknown":
        report.quality.confidence = round(report.quality.confidence * GENERIC_CONFIDENCE_FACTOR, 3)
    return ParseResult(report=report, files=[source.as_file()], warnings=report.quality.warnings)
