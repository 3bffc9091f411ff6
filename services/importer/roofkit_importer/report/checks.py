"""Cross-checks (report-model.md "Cross-checks") and the confidence score.

A check never changes a value: it records what was expected, what was found and the tolerance,
so a reader can see why a figure is trusted or not. Failed checks lower the confidence score.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from roofkit_importer.report.model import (
    EDGE_TYPES,
    Check,
    EdgeTotal,
    ReportWarning,
    RoofReport,
    Summary,
)

AREA_ABS_TOL = 1.0
AREA_REL_TOL = 0.005
EDGE_TOL_FT = 0.5
PERCENT_TOL = 1.0
PITCH_TOL = 0.05
PLAUSIBLE_AREA = (50.0, 100_000.0)
PLAUSIBLE_RISE = (0.0, 24.0)

# How much a source kind is trusted before any check runs.
BASE_CONFIDENCE = {
    "xml": 0.98,
    "json": 0.98,
    "xlsx": 0.9,
    "csv": 0.9,
    "dxf": 0.85,
    "pdf_text": 0.9,
    "computed": 0.8,
}


# Each function's checks are validated together, in one call into pydantic-core.
_CHECK_LIST = TypeAdapter(list[Check])


def area_tolerance(value: float) -> float:
    return max(AREA_ABS_TOL, AREA_REL_TOL * abs(value))


def _check(
    name: str, scope: str, expected: float, actual: float, tolerance: float
) -> dict[str, Any]:
    """The fields of a :class:`Check` of ``|expected - actual| <= tolerance``."""
    return {
        "name": name,
        "scope": scope,
        "expected": round(expected, 4),
        "actual": round(actual, 4),
        "tolerance": round(tolerance, 4),
        "passed": abs(expected - actual) <= tolerance + 1e-9,
    }


def compare(reported: Summary | None, computed: Summary | None, scope: str) -> list[Check]:
    """Reported totals against the ones computed from rows or geometry."""
    if reported is None or computed is None:
        return []
    checks: list[dict[str, Any]] = []
    if reported.total_area_sqft is not None and computed.total_area_sqft is not None:
        checks.append(
            _check(
                "facet_area_sum",
                scope,
                reported.total_area_sqft,
                computed.total_area_sqft,
                area_tolerance(reported.total_area_sqft),
            )
        )
    if reported.facet_count is not None and computed.facet_count is not None:
        checks.append(_check("facet_count", scope, reported.facet_count, computed.facet_count, 0.0))
    for edge_type in EDGE_TYPES:
        rep: EdgeTotal | None = getattr(reported.edges, edge_type)
        com: EdgeTotal | None = getattr(computed.edges, edge_type)
        if rep is None or com is None or rep.length_ft is None or com.length_ft is None:
            continue
        checks.append(
            _check(f"edge_length.{edge_type}", scope, rep.length_ft, com.length_ft, EDGE_TOL_FT)
        )
    return _CHECK_LIST.validate_python(checks)


def internal(summary: Summary, scope: str) -> list[Check]:
    """Checks a summary can run on itself."""
    checks: list[dict[str, Any]] = []
    total = summary.total_area_sqft
    if summary.area_by_pitch and total is not None:
        area_sum = sum(row.area_sqft for row in summary.area_by_pitch)
        checks.append(_check("area_by_pitch_sum", scope, total, area_sum, area_tolerance(total)))
        percents = [row.percent for row in summary.area_by_pitch if row.percent is not None]
        if len(percents) == len(summary.area_by_pitch):
            checks.append(_check("area_by_pitch_percent", scope, 100.0, sum(percents), PERCENT_TOL))
    if summary.area_by_pitch and summary.predominant_pitch is not None:
        top = max(summary.area_by_pitch, key=lambda row: (row.area_sqft, row.pitch.rise))
        checks.append(
            _check(
                "predominant_pitch",
                scope,
                summary.predominant_pitch.rise,
                top.pitch.rise,
                PITCH_TOL,
            )
        )
    if summary.squares is not None and total is not None:
        checks.append(_check("squares", scope, total / 100.0, summary.squares, 0.01 + total * 5e-5))
    waste = summary.waste
    if waste.base_area_sqft is not None:
        for row in waste.rows:
            if row.area_sqft is None:
                continue
            expected = waste.base_area_sqft * (1.0 + row.percent / 100.0)
            checks.append(
                _check(
                    f"waste_row.{row.percent:g}",
                    scope,
                    expected,
                    row.area_sqft,
                    area_tolerance(expected),
                )
            )
    edges = summary.edges
    pairs = (("drip_edge", "eave", "rake"), ("ridge_and_hip", "ridge", "hip"))
    for whole, left, right in pairs:
        w: EdgeTotal | None = getattr(edges, whole)
        a: EdgeTotal | None = getattr(edges, left)
        b: EdgeTotal | None = getattr(edges, right)
        if w is None or a is None or b is None:
            continue
        if w.length_ft is None or a.length_ft is None or b.length_ft is None:
            continue
        checks.append(
            _check(f"{whole}_sum", scope, a.length_ft + b.length_ft, w.length_ft, 2 * EDGE_TOL_FT)
        )
    if total is not None:
        low, high = PLAUSIBLE_AREA
        inside = low <= total <= high
        checks.append(
            {
                "name": "plausible_area",
                "scope": scope,
                "expected": None,
                "actual": round(total, 4),
                "tolerance": None,
                "passed": inside,
            }
        )
    for pitch_row in summary.area_by_pitch:
        low, high = PLAUSIBLE_RISE
        if not low <= pitch_row.pitch.rise <= high:
            checks.append(
                {
                    "name": "plausible_pitch",
                    "scope": scope,
                    "actual": pitch_row.pitch.rise,
                    "passed": False,
                }
            )
    return _CHECK_LIST.validate_python(checks)


def structures_sum(report: RoofReport) -> list[Check]:
    if len(report.structures) < 2 or report.summary.total_area_sqft is None:
        return []
    areas = [s.summary.total_area_sqft for s in report.structures]
    if any(a is None for a in areas):
        return []
    total = report.summary.total_area_sqft
    actual = sum(a or 0.0 for a in areas)
    return _CHECK_LIST.validate_python(
        [_check("structures_sum", "report", total, actual, area_tolerance(total))]
    )


def confidence(method: str, checks: list[Check], warnings: list[ReportWarning]) -> float:
    """``base * (0.5 + 0.5 * share of checks passed) - 0.05 per warning``, within [0, 1]."""
    base = BASE_CONFIDENCE.get(method, 0.7)
    share = 1.0 if not checks else sum(c.passed for c in checks) / len(checks)
    score = base * (0.5 + 0.5 * share) - 0.05 * len(warnings)
    return round(min(1.0, max(0.0, score)), 3)


def summary_value(summary: Summary, field: str) -> float | str | None:
    """A scalar field of a summary (one of :data:`SCALAR_FIELDS`) as a comparable value."""
    if field.startswith("edges."):
        total = getattr(summary.edges, field.split(".", 1)[1])
        return None if total is None else total.length_ft
    if field == "predominant_pitch":
        return None if summary.predominant_pitch is None else summary.predominant_pitch.rise
    if field.startswith("penetrations."):
        value = getattr(summary.penetrations, field.split(".", 1)[1])
    else:
        value = getattr(summary, field)
    return None if value is None else float(value) if isinstance(value, int | float) else str(value)


def _value_tolerance(field: str, chosen: float) -> float:
    if "area" in field:
        return area_tolerance(chosen)
    if field in ("edges.drip_edge", "edges.ridge_and_hip"):
        return 2 * EDGE_TOL_FT  # a sum of two rounded lengths
    if field.startswith("edges."):
        return EDGE_TOL_FT
    if field == "predominant_pitch":
        return PITCH_TOL
    if field == "squares":
        return 0.01 + chosen * 5e-5 + 0.01
    return 0.0


SCALAR_FIELDS = (
    "total_area_sqft",
    "total_area_less_penetrations_sqft",
    "squares",
    "facet_count",
    "predominant_pitch",
    "stories",
    "penetrations.count",
    "penetrations.area_sqft",
    *(f"edges.{t}" for t in EDGE_TYPES),
)


def values_differ(field: str, chosen: float | str, value: float | str) -> bool:
    """Whether two statements of ``field`` disagree beyond what rounding explains."""
    if isinstance(chosen, float) and isinstance(value, float):
        return abs(value - chosen) > _value_tolerance(field, chosen) + 1e-9
    return value != chosen
