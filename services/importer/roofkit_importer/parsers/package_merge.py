"""One report from the parsed entries of a package: precedence, conflicts, confidence.

Sources rank (report-model.md "ZIP packages"): a vendor summary (XML/JSON with a stated summary,
an EagleView or Roofr PDF) > geometry (XML/JSON without summary, 3D DXF) > CSV/XLSX > 2D DXF >
generic PDF text; within a rank structured data (XML, JSON) comes before PDF text. Each summary
field is taken from the best-ranked source that states it; every other source's value is
compared within the cross-check tolerances and a disagreement is recorded in
``quality.conflicts`` with the value chosen and the rule. Entries naming a different vendor report
id than the chosen source are another report: they are listed but not merged.

A 2D DXF without pitch labels takes its facets' pitches from a facet table (CSV/XLSX) in the same
package, matched by facet label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from roofkit_importer.parsers import dxf, registry
from roofkit_importer.parsers.detection import Format
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source, SourceFile
from roofkit_importer.report import checks
from roofkit_importer.report.model import (
    Check,
    Conflict,
    ConflictValue,
    Pitch,
    Quality,
    ReportWarning,
    RoofReport,
    Summary,
)

RULE = "precedence: vendor summary > geometry > CSV/XLSX > 2D DXF > generic PDF"
RANK_NAMES = ("vendor summary", "geometry", "table", "2D DXF", "generic PDF")
CONFLICT_PENALTY = 0.1
CORROBORATION_BONUS = 0.02


@dataclass
class Entry:
    source: Source
    result: ParseResult | None = None
    error: ParseError | None = None

    @property
    def report(self) -> RoofReport:
        assert self.result is not None
        return self.result.report


def _stated(report: RoofReport, field: str) -> bool:
    return any(p.field == field and p.method != "computed" for p in report.provenance)


def rank(entry: Entry) -> tuple[int, int, str]:
    report, fmt = entry.report, entry.source.format
    if fmt in (Format.XML, Format.JSON):
        level = 0 if _stated(report, "summary.total_area_sqft") else 1
    elif fmt == Format.PDF:
        level = 4 if report.report.vendor == "unknown" else 0
    elif fmt == Format.DXF:
        plan = any(w.code == "DXF_PLAN_GEOMETRY" for w in report.quality.warnings)
        level = 3 if plan else 1
    else:
        level = 2
    structured = 0 if fmt in (Format.XML, Format.JSON) else 1
    return (level, structured, entry.source.name)


def _companion(entries: list[Entry]) -> dict[str, Pitch]:
    pitches: dict[str, Pitch] = {}
    bare: dict[str, list[Pitch]] = {}
    for entry in entries:
        if entry.result is None or entry.source.format not in (Format.CSV, Format.XLSX):
            continue
        for number, structure in enumerate(entry.report.structures, start=1):
            for facet in structure.geometry.facets if structure.geometry else []:
                if facet.pitch is not None:
                    label = facet.label or facet.id
                    pitches.setdefault(f"{number}/{label}", facet.pitch)
                    bare.setdefault(label, []).append(facet.pitch)
    for label, found in bare.items():
        if len({p.rise for p in found}) == 1:
            pitches.setdefault(label, found[0])
    return pitches


def _run(
    entry: Entry, parser: Callable[[Source, ParseLimits], ParseResult], limits: ParseLimits
) -> None:
    try:
        entry.result = parser(entry.source, limits)
    except ParseError as exc:
        entry.error = exc


def parse_entries(entries: list[Entry], limits: ParseLimits) -> None:
    """Parse every entry; DXF last, so that it can use the package's facet tables."""
    for entry in entries:
        if entry.source.format != Format.DXF:
            parser = registry.lookup(entry.source.format)
            if parser is not None:
                _run(entry, parser, limits)
    companion = _companion(entries)

    def dxf_with_companion(source: Source, dxf_limits: ParseLimits) -> ParseResult:
        return dxf.parse_with_companion(source, dxf_limits, companion)

    for entry in entries:
        if entry.source.format == Format.DXF:
            _run(entry, dxf_with_companion, limits)


def _rank_name(entry: Entry) -> str:
    return RANK_NAMES[rank(entry)[0]]


def _merge_summary(ranked: list[Entry]) -> tuple[Summary, list[Conflict]]:
    best = ranked[0].report.summary.model_copy(deep=True)
    conflicts: list[Conflict] = []
    for field in checks.SCALAR_FIELDS:
        values = [(e, checks.summary_value(e.report.summary, field)) for e in ranked]
        present = [(e, v) for e, v in values if v is not None]
        if not present:
            continue
        chosen_entry, chosen = present[0]
        if checks.summary_value(best, field) is None:
            _copy(best, chosen_entry.report.summary, field)
        disagree = [(e, v) for e, v in present[1:] if checks.values_differ(field, chosen, v)]
        if disagree:
            conflicts.append(
                Conflict(
                    field=f"summary.{field}",
                    values=[ConflictValue(file=e.source.name, value=v) for e, v in present],
                    chosen=chosen,
                    rule=f"{RULE}: {chosen_entry.source.name} ({_rank_name(chosen_entry)})",
                )
            )
    empty = Summary()
    for attribute in ("area_by_pitch", "waste", "complexity"):
        if getattr(best, attribute) != getattr(empty, attribute):
            continue
        for entry in ranked[1:]:
            other = entry.report.summary.model_copy(deep=True)
            if getattr(other, attribute) != getattr(empty, attribute):
                setattr(best, attribute, getattr(other, attribute))
                break
    return best, conflicts


def _copy(target: Summary, source: Summary, field: str) -> None:
    if field.startswith("edges."):
        name = field.split(".", 1)[1]
        setattr(target.edges, name, getattr(source.edges, name))
    elif field.startswith("penetrations."):
        name = field.split(".", 1)[1]
        setattr(target.penetrations, name, getattr(source.penetrations, name))
    else:
        setattr(target, field, getattr(source, field))


def _identity(report: RoofReport, ranked: list[Entry]) -> None:
    for entry in ranked[1:]:
        other = entry.report
        info = report.report
        if info.vendor == "unknown":
            info.vendor = other.report.vendor
        for name in (
            "product",
            "vendor_report_id",
            "report_date",
            "imagery_source",
            "imagery_date",
        ):
            if getattr(info, name) is None:
                setattr(info, name, getattr(other.report, name))
        for name in ("claim", "purchase_order", "order"):
            if getattr(info.related_ids, name) is None:
                setattr(info.related_ids, name, getattr(other.report.related_ids, name))
        if report.property.address.raw is None and report.property.address.line1 is None:
            report.property.address = other.property.address.model_copy()
        if report.property.latitude is None:
            report.property.latitude = other.property.latitude
            report.property.longitude = other.property.longitude
        report.parties.extend(p for p in other.parties if p not in report.parties)


def merge(entries: list[Entry]) -> tuple[RoofReport, list[SourceFile]]:
    parsed = sorted((e for e in entries if e.result is not None), key=rank)
    primary = parsed[0]
    report_id = primary.report.report.vendor_report_id
    merged = [
        e
        for e in parsed
        if report_id is None or e.report.report.vendor_report_id in (None, report_id)
    ]
    apart = [e for e in parsed if e not in merged]
    summary, conflicts = _merge_summary(merged)
    structures_from = next(
        (e for e in merged if any(s.geometry for s in e.report.structures)),
        next((e for e in merged if e.report.structures), primary),
    )
    report = primary.report.model_copy(deep=True)
    report.summary = summary
    report.structures = [s.model_copy(deep=True) for s in structures_from.report.structures]
    _identity(report, merged)
    report.provenance = [p for e in merged for p in e.report.provenance]
    found: list[Check] = []
    warnings: list[ReportWarning] = []
    for entry in merged:
        for check in entry.report.quality.checks:
            found.append(check.model_copy(update={"scope": f"{entry.source.name}: {check.scope}"}))
        warnings.extend(entry.report.quality.warnings)
    found.extend(checks.internal(summary, "package"))
    for entry in apart:
        warnings.append(
            ReportWarning(
                code="PACKAGE_OTHER_REPORT",
                message=f"{entry.source.name} is report {entry.report.report.vendor_report_id}, "
                f"not {report_id}; it was not merged.",
                file=entry.source.name,
            )
        )
    for entry in entries:
        if entry.error is not None:
            reasons = ", ".join(entry.error.reasons) or entry.error.code
            warnings.append(
                ReportWarning(
                    code="PACKAGE_ENTRY_FAILED",
                    message=f"{entry.source.name} could not be imported ({reasons}).",
                    file=entry.source.name,
                )
            )
    disagreeing = {v.file for c in conflicts for v in c.values if v.value != c.chosen}
    corroborating = sum(1 for e in merged[1:] if e.source.name not in disagreeing)
    confidence = primary.report.quality.confidence + CORROBORATION_BONUS * corroborating
    confidence -= CONFLICT_PENALTY * len(conflicts)
    report.quality = Quality(
        checks=found,
        conflicts=[*(c for e in merged for c in e.report.quality.conflicts), *conflicts],
        warnings=warnings,
        confidence=round(min(1.0, max(0.0, confidence)), 3),
    )
    files: list[SourceFile] = []
    for entry in entries:
        status = "parsed" if entry.result is not None else "failed"
        role = "primary_document" if entry is primary else "supporting"
        files.append(entry.source.as_file(role=role, status=status))  # type: ignore[arg-type]
    return report, files
