"""Comparing a parsed report with the corpus truth, within report-model.md tolerances."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

AREA_ABS, AREA_REL, EDGE_TOL, RISE_TOL = 1.0, 0.005, 0.5, 0.05

# format -> [fields compared, fields within tolerance]; printed at the end of the test session.
TALLY: dict[str, list[int]] = defaultdict(lambda: [0, 0])


def area_ok(expected: float, actual: float | None) -> bool:
    return actual is not None and abs(expected - actual) <= max(AREA_ABS, AREA_REL * expected)


def compare(
    report: Any, truth: dict[str, Any], expects: frozenset[str]
) -> list[tuple[str, Any, Any]]:
    """How many fields were compared, and those that differ, as ``(field, expected, actual)``."""
    wrong: list[tuple[str, Any, Any]] = []
    checked = 0

    def check(name: str, ok: bool, expected: Any, actual: Any) -> None:
        nonlocal checked
        checked += 1
        if not ok:
            wrong.append((name, expected, actual))

    summary = report.summary
    if "total_area" in expects:
        check(
            "total_area_sqft",
            area_ok(truth["total_area_sqft"], summary.total_area_sqft),
            truth["total_area_sqft"],
            summary.total_area_sqft,
        )
        if summary.squares is not None:
            check(
                "squares",
                abs(summary.squares - truth["total_area_sqft"] / 100) <= 0.02,
                truth["total_area_sqft"] / 100,
                summary.squares,
            )
    if "facet_count" in expects:
        check(
            "facet_count",
            summary.facet_count == truth["facet_count"],
            truth["facet_count"],
            summary.facet_count,
        )
    if "predominant_pitch" in expects:
        rise = summary.predominant_pitch.rise if summary.predominant_pitch else None
        check(
            "predominant_pitch",
            rise is not None and abs(rise - truth["predominant_rise"]) <= RISE_TOL,
            truth["predominant_rise"],
            rise,
        )
    if "area_by_pitch" in expects:
        for rise_text, area in truth["area_by_pitch"].items():
            rows = [
                r for r in summary.area_by_pitch if abs(r.pitch.rise - float(rise_text)) <= RISE_TOL
            ]
            actual = rows[0].area_sqft if rows else None
            check(f"area_by_pitch[{float(rise_text):.2f}]", area_ok(area, actual), area, actual)
    if "edges" in expects:
        for kind, edge in truth["edges"].items():
            total = getattr(summary.edges, kind)
            actual = total.length_ft if total else None
            check(
                f"edges.{kind}",
                actual is not None and abs(actual - edge["length_ft"]) <= EDGE_TOL,
                edge["length_ft"],
                actual,
            )
        for kind in ("ridge", "hip", "valley", "rake", "eave", "flashing", "step_flashing"):
            if kind not in truth["edges"]:
                total = getattr(summary.edges, kind)
                actual = total.length_ft if total else None
                check(f"edges.{kind}", not actual, 0.0, actual)
        drip = summary.edges.drip_edge
        expected_drip = sum(
            truth["edges"].get(k, {}).get("length_ft", 0.0) for k in ("eave", "rake")
        )
        check(
            "edges.drip_edge",
            drip is not None and abs((drip.length_ft or 0) - expected_drip) <= 2 * EDGE_TOL,
            expected_drip,
            drip.length_ft if drip else None,
        )
    if "penetrations" in expects and truth["penetrations"]["count"]:
        pen = summary.penetrations
        check(
            "penetrations.count",
            pen.count == truth["penetrations"]["count"],
            truth["penetrations"]["count"],
            pen.count,
        )
        check(
            "penetrations.area_sqft",
            area_ok(truth["penetrations"]["area_sqft"], pen.area_sqft),
            truth["penetrations"]["area_sqft"],
            pen.area_sqft,
        )
    if "structures" in expects:
        parts = truth["structures"]
        check(
            "structures.count",
            len(report.structures) == len(parts),
            len(parts),
            len(report.structures),
        )
        for part, structure in zip(parts, report.structures, strict=False):
            actual = structure.summary.total_area_sqft
            check(
                f"structures[{structure.id}].total_area_sqft",
                area_ok(part["total_area_sqft"], actual),
                part["total_area_sqft"],
                actual,
            )
    if "identity" in expects:
        check(
            "report.vendor_report_id",
            report.report.vendor_report_id is not None,
            "set",
            report.report.vendor_report_id,
        )
        check(
            "property.address.line1",
            report.property.address.line1 == "12 Test Lane",
            "12 Test Lane",
            report.property.address.line1,
        )
    return checked, wrong


def tally(fmt: str, compared: int, passed: int) -> None:
    TALLY[fmt][0] += compared
    TALLY[fmt][1] += passed
