"""Summary labels → report fields, shared by every key/value source.

The same words appear as EagleView ``OVERALL_SUMMARY`` attribute names (``TotalRidgesLength``),
spreadsheet labels (``Total Ridges (ft)``) and PDF text (``Ridges =``); :func:`apply_label` reads
one label/value pair into a summary (or the report's identity) and records its provenance.
"""

from __future__ import annotations

import functools
import re

from roofkit_importer.report import checks
from roofkit_importer.report.assembly import ReportBuilder
from roofkit_importer.report.edge_types import compact, known_edge_type
from roofkit_importer.report.model import AreaByPitch, EdgeTotal, Pitch, Summary
from roofkit_importer.report.units import (
    area_unit,
    length_unit,
    parse_area_sqft,
    parse_count,
    parse_length_ft,
    parse_number,
    parse_pitch,
)

Value = str | float | int | None

_SUMMARY: dict[str, str] = {}
for _field, _words in {
    "total_area_sqft": (
        "totalroofarea totalarea roofarea totalsquarefeet totalsqft totalslopedarea "
        "totalroofareasqft truearea totaltruearea slopedarea area"
    ),
    "total_area_less_penetrations_sqft": (
        "totalroofarealesspenetrations arealesspenetrations netarea netroofarea "
        "totalarealesspenetrations"
    ),
    "squares": "squares totalsquares numberofsquares roofsquares",
    "facet_count": (
        "totalrooffacets rooffacets facets facetcount numberoffacets totalfacets planes "
        "numberofplanes facetsnumber"
    ),
    "predominant_pitch": "predominantpitch primarypitch mainpitch pitch roofpitch",
    "stories": "stories numberofstories storeys numberofstoreys",
    "complexity": "complexity roofcomplexity",
    "waste.suggested_percent": (
        "suggestedwaste suggestedwastepercentage suggestedwastepercent wastepercentage "
        "wastepercent waste wastefactor recommendedwaste"
    ),
    "penetrations.count": "penetrations totalpenetrations penetrationcount numberofpenetrations",
    "penetrations.area_sqft": (
        "penetrationsarea totalpenetrationsarea penetrationarea totalpenetrationarea"
    ),
    "penetrations.perimeter_ft": (
        "penetrationsperimeter totalpenetrationsperimeter penetrationperimeter"
    ),
}.items():
    for _word in _words.split():
        _SUMMARY[_word] = _field

_IDENTITY: dict[str, str] = {}
for _field, _words in {
    "report.vendor_report_id": "reportid reportnumber report reportno",
    "report.related_ids.claim": "claim claimnumber claimid claimno",
    "report.related_ids.purchase_order": "ponumber purchaseorder po",
    "report.related_ids.order": "order orderid ordernumber",
    "report.report_date": "reportdate date dateofreport",
    "report.vendor": "vendor provider measuredby",
    "report.product": "product reporttype",
    "report.imagery_date": "imagerydate imagedate",
    "report.imagery_source": "imagerysource",
    "property.address.raw": "address propertyaddress streetaddress location",
    "property.address.city": "city",
    "property.address.region": "state region province",
    "property.address.postal_code": "zip zipcode postal postalcode",
    "property.address.country": "country",
    "property.latitude": "latitude lat",
    "property.longitude": "longitude long lon lng",
}.items():
    for _word in _words.split():
        _IDENTITY[_word] = _field

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_PITCH_IN_LABEL = re.compile(r"(\d+(?:\.\d+)?)\s*[/:]\s*(\d+(?:\.\d+)?)")
_COUNT_IN_VALUE = re.compile(r"\(\s*(\d+)\s*[A-Za-z ]*\)")


def _label_keys(label: str) -> list[str]:
    without_units = _PARENS.sub(" ", label)
    keys = [compact(without_units), compact(label)]
    return [k for k in keys if k]


_CACHED_LABEL_LEN = 80


@functools.lru_cache(maxsize=1024)
def _cached_reading(label: str) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    return _reading(label)


def _reading(label: str) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    """The label's lookup keys, and its rise and run when it names an area at a pitch."""
    pitch_match = _PITCH_IN_LABEL.search(label)
    at_pitch = None
    if pitch_match is not None and ("area" in label.lower() or not compact(label)):
        at_pitch = (pitch_match.group(1), pitch_match.group(2))
    return tuple(_label_keys(label)), at_pitch


def _label_reading(label: str) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    # Every report repeats the same few dozen labels: each short one is analysed once.
    if len(label) <= _CACHED_LABEL_LEN:
        return _cached_reading(label)
    return _reading(label)


def is_measurement_label(label: str) -> bool:
    """Whether ``label`` names a measurement (area, pitch, an edge total, an area at a pitch)."""
    keys, at_pitch = _label_reading(label)
    return at_pitch is not None or any(
        key in _SUMMARY or known_edge_type(_edge_key(key)) or known_edge_type(key) for key in keys
    )


def _edge_key(key: str) -> str:
    key = key.removeprefix("total")
    for suffix in ("lengths", "length", "lf", "ft", "feet"):
        key = key.removesuffix(suffix)
    return key


def _set_identity(builder: ReportBuilder, path: str, value: Value) -> bool:
    text = "" if value is None else str(value).strip()
    if not text:
        return False
    if path in ("property.latitude", "property.longitude"):
        number = parse_number(text)
        limit = 90.0 if path.endswith("latitude") else 180.0
        if number is None or abs(number) > limit:
            return False
        setattr(builder.property, path.rsplit(".", 1)[1], number)
        return True
    target: object = builder.info if path.startswith("report.") else builder.property
    parts = path.split(".")[1:]
    for part in parts[:-1]:
        target = getattr(target, part)
    if parts[-1] == "vendor":
        text = text.lower()
    setattr(target, parts[-1], text[:500])
    return True


def _set_summary(summary: Summary, path: str, value: Value, unit_text: str) -> bool:
    if path == "total_area_sqft" or path == "total_area_less_penetrations_sqft":
        area = parse_area_sqft(value, area_unit(unit_text) or "sqft")
        if area is None or area < 0:
            return False
        setattr(summary, path, area)
    elif path == "squares":
        squares = parse_number(value)
        if squares is None or squares < 0:
            return False
        summary.squares = squares
    elif path in ("facet_count", "stories"):
        count = parse_count(value)
        if count is None:
            return False
        setattr(summary, path, count)
    elif path == "predominant_pitch":
        pitch = parse_pitch(value if not isinstance(value, str) else value.strip())
        if pitch is None:
            return False
        summary.predominant_pitch = pitch
    elif path == "complexity":
        if value is None or not str(value).strip():
            return False
        summary.complexity = str(value).strip()[:100]
    elif path == "waste.suggested_percent":
        percent = parse_number(value)
        if percent is None or not 0 <= percent <= 100:
            return False
        if isinstance(value, float) and 0 < value < 1 and "%" not in unit_text:
            percent = value * 100.0  # a spreadsheet cell formatted as a percentage
        summary.waste.suggested_percent = percent
    elif path == "penetrations.count":
        count = parse_count(value)
        if count is None:
            return False
        summary.penetrations.count = count
    elif path == "penetrations.area_sqft":
        area = parse_area_sqft(value, area_unit(unit_text) or "sqft")
        if area is None:
            return False
        summary.penetrations.area_sqft = area
    elif path == "penetrations.perimeter_ft":
        length = parse_length_ft(value, length_unit(unit_text) or "ft")
        if length is None:
            return False
        summary.penetrations.perimeter_ft = length
    else:  # pragma: no cover - the tables above only name the fields handled here
        return False
    return True


def _holder(summary: Summary, path: str) -> tuple[object, str]:
    """The object holding ``path``'s value, and the attribute's name."""
    parent: object = summary
    *parents, leaf = path.split(".")
    for part in parents:
        parent = getattr(parent, part)
    return parent, leaf


def _first_stands(
    builder: ReportBuilder,
    summary: Summary,
    prefix: str,
    path: str,
    earlier: object,
    locator: str,
) -> bool:
    """Whether a value just read for ``path`` disagrees with one stated before it. Then the
    earlier one is put back and the disagreement is listed in ``quality.conflicts``: a report's
    summary comes before its details, and repeats of it (a footer, a later page) may be stale."""
    if earlier is None or path not in checks.SCALAR_FIELDS:
        return False
    parent, leaf = _holder(summary, path)
    stated = getattr(parent, leaf)
    later = checks.summary_value(summary, path)
    setattr(parent, leaf, earlier)
    first = checks.summary_value(summary, path)
    if first is None or later is None or not checks.values_differ(path, first, later):
        # The same value again (within rounding): it corroborates the first, which stays, so
        # that many small differences cannot walk the value away from what was first stated.
        if first is None:
            setattr(parent, leaf, stated)
        return False
    builder.conflict(prefix + path, first, later, locator)
    return True


def state_pitch_area(
    builder: ReportBuilder, summary: Summary, prefix: str, pitch: Pitch, area: float, locator: str
) -> int | None:
    """Add the area at ``pitch`` to ``area_by_pitch``; its row's index, or ``None`` when the
    pitch was stated before with another area (then the first stands and a conflict is noted)."""
    index = next(
        (i for i, row in enumerate(summary.area_by_pitch) if row.pitch.rise == pitch.rise),
        None,
    )
    if index is None:
        summary.area_by_pitch.append(AreaByPitch(pitch=pitch, area_sqft=area))
        return len(summary.area_by_pitch) - 1
    first = summary.area_by_pitch[index].area_sqft
    if checks.values_differ("area_by_pitch", first, area):
        builder.conflict(f"{prefix}area_by_pitch[{index}]", first, area, locator)
        return None
    return index


def apply_label(
    builder: ReportBuilder,
    summary: Summary,
    label: str,
    value: Value,
    locator: str,
    *,
    prefix: str = "summary.",
    unit_text: str = "",
) -> bool:
    """Read one ``label = value`` pair; ``False`` when the label or value is not understood."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    keys, at_pitch = _label_reading(label)
    units = f"{label} {unit_text}"
    if at_pitch is not None:
        pitch = parse_pitch(f"{at_pitch[0]}/{at_pitch[1]}")
        area = parse_area_sqft(value, area_unit(units) or "sqft")
        if pitch is None or area is None:
            return False
        index = state_pitch_area(builder, summary, prefix, pitch, area, locator)
        if index is not None:
            builder.record(f"{prefix}area_by_pitch[{index}]", locator, value)
        return True
    for key in keys:
        summary_path = _SUMMARY.get(key)
        if summary_path is not None:
            parent, leaf = _holder(summary, summary_path)
            earlier = getattr(parent, leaf)
            if not _set_summary(summary, summary_path, value, units):
                return False
            if not _first_stands(builder, summary, prefix, summary_path, earlier, locator):
                builder.record(prefix + summary_path, locator, value)
            return True
    for key in keys:
        identity_path = _IDENTITY.get(key)
        if identity_path is not None:
            if _set_identity(builder, identity_path, value):
                builder.record(identity_path, locator, value)
                return True
            return False
    for key in keys:
        edge = known_edge_type(_edge_key(key)) or known_edge_type(key)
        if edge is None:
            continue
        length = parse_length_ft(value, length_unit(unit_text) or "ft")
        if length is None and isinstance(value, str):
            length = parse_length_ft(_COUNT_IN_VALUE.sub("", value).strip())
        if length is None or length < 0:
            return False
        count = None
        if isinstance(value, str):
            found = _COUNT_IN_VALUE.search(value)
            count = int(found.group(1)) if found else None
        earlier = getattr(summary.edges, edge)
        setattr(summary.edges, edge, EdgeTotal(length_ft=length, count=count))
        if not _first_stands(builder, summary, prefix, f"edges.{edge}", earlier, locator):
            builder.record(f"{prefix}edges.{edge}", locator, value)
        return True
    return False


def finish_area_by_pitch(summary: Summary) -> None:
    """Fill the percentages of reported area-by-pitch rows when the source gave only areas."""
    total = sum(row.area_sqft for row in summary.area_by_pitch)
    if total <= 0:
        return
    for row in summary.area_by_pitch:
        if row.percent is None:
            row.percent = round(100.0 * row.area_sqft / total, 2)
