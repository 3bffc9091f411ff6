"""Totals computed from facets and edges, and the derived fields every summary gets.

Vendor-reported and computed values are kept apart: parsers build a *reported* summary from what
the file states and a *computed* one from its rows or geometry; :func:`combine` keeps the reported
value wherever there is one and fills the gaps from the computed one. The comparison of the two is
the job of :mod:`roofkit_importer.report.checks`.
"""

from __future__ import annotations

from collections.abc import Iterable

from roofkit_importer.report.model import (
    EDGE_TYPES,
    AreaByPitch,
    EdgeTotal,
    EdgeTotals,
    Facet,
    GeometryEdge,
    Penetrations,
    Pitch,
    Summary,
    Waste,
)
from roofkit_importer.report.units import pitch_from_rise, pitch_key


def _r(value: float, digits: int = 2) -> float:
    return round(value, digits)


def area_by_pitch(facets: Iterable[Facet]) -> list[AreaByPitch]:
    """Roof area grouped by pitch, largest pitch first (the order vendors print)."""
    groups: dict[str, tuple[Pitch, float]] = {}
    # pitch_key() once per Pitch instance (facets share the few the unit readers hand out), not
    # per rise: 0.0 and -0.0 are equal but key differently. Each instance is kept with its key,
    # so that its id stays unique while the loop runs.
    keys: dict[int, tuple[Pitch, str]] = {}
    total = 0.0
    for facet in facets:
        if facet.kind != "roof" or facet.area_sqft is None or facet.pitch is None:
            continue
        known = keys.get(id(facet.pitch))
        if known is None:
            known = keys[id(facet.pitch)] = (facet.pitch, pitch_key(facet.pitch))
        key = known[1]
        pitch, area = groups.get(key, (facet.pitch, 0.0))
        groups[key] = (pitch, area + facet.area_sqft)
        total += facet.area_sqft
    rows = [
        AreaByPitch(
            pitch=pitch_from_rise(pitch.rise),
            area_sqft=_r(area),
            percent=_r(100.0 * area / total) if total > 0 else None,
        )
        for pitch, area in groups.values()
    ]
    rows.sort(key=lambda row: row.pitch.rise)
    return rows


def predominant(rows: Iterable[AreaByPitch]) -> Pitch | None:
    """The pitch carrying the most area (ties go to the steeper pitch, as vendors do)."""
    best: AreaByPitch | None = None
    for row in rows:
        if best is None or (row.area_sqft, row.pitch.rise) > (best.area_sqft, best.pitch.rise):
            best = row
    return None if best is None else best.pitch


def from_facets(facets: list[Facet]) -> Summary:
    """Area, facet count, area by pitch and penetrations computed from facets."""
    roof = [f for f in facets if f.kind == "roof"]
    holes = [f for f in facets if f.kind == "penetration"]
    summary = Summary()
    if roof:
        areas = [f.area_sqft for f in roof if f.area_sqft is not None]
        summary.facet_count = len(roof)
        if len(areas) == len(roof):
            summary.total_area_sqft = _r(sum(areas))
        summary.area_by_pitch = area_by_pitch(roof)
        summary.predominant_pitch = predominant(summary.area_by_pitch)
    if holes:
        hole_areas = [f.area_sqft or 0.0 for f in holes]
        summary.penetrations = Penetrations(count=len(holes), area_sqft=_r(sum(hole_areas)))
    return summary


def from_edges(edges: Iterable[GeometryEdge]) -> EdgeTotals:
    """Edge lengths per type, each geometry edge counted once."""
    # Summed as plain numbers; the models are built once, from the totals.
    totals: dict[str, tuple[float, int]] = {}
    for edge in edges:
        length, count = totals.get(edge.type, (0.0, 0))
        totals[edge.type] = (length + edge.length_ft, count + 1)
    return EdgeTotals.model_validate(
        {
            kind: {"length_ft": _r(length), "count": count}
            for kind, (length, count) in totals.items()
        }
    )


def _sum_totals(a: EdgeTotal | None, b: EdgeTotal | None) -> EdgeTotal | None:
    """``a + b`` when at least one is stated (the other then counts as zero)."""
    parts = [t for t in (a, b) if t is not None and t.length_ft is not None]
    if not parts:
        return None
    counts = [t.count for t in parts]
    count = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
    return EdgeTotal(length_ft=_r(sum(t.length_ft or 0.0 for t in parts)), count=count)


def derive(summary: Summary) -> list[str]:
    """Fill the fields that follow from others; returns the dotted names it filled."""
    filled: list[str] = []
    edges = summary.edges
    if summary.squares is None and summary.total_area_sqft is not None:
        summary.squares = _r(summary.total_area_sqft / 100.0)
        filled.append("squares")
    if edges.drip_edge is None:
        total = _sum_totals(edges.eave, edges.rake)
        if total is not None:
            edges.drip_edge = total
            filled.append("edges.drip_edge")
    if edges.ridge_and_hip is None:
        total = _sum_totals(edges.ridge, edges.hip)
        if total is not None:
            edges.ridge_and_hip = total
            filled.append("edges.ridge_and_hip")
    if (
        summary.total_area_less_penetrations_sqft is None
        and summary.total_area_sqft is not None
        and summary.penetrations.area_sqft is not None
    ):
        summary.total_area_less_penetrations_sqft = _r(
            summary.total_area_sqft - summary.penetrations.area_sqft
        )
        filled.append("total_area_less_penetrations_sqft")
    if summary.predominant_pitch is None and summary.area_by_pitch:
        summary.predominant_pitch = predominant(summary.area_by_pitch)
        filled.append("predominant_pitch")
    return filled


def copy_summary(summary: Summary) -> Summary:
    """A deep copy of ``summary``.

    Serialised and validated again in pydantic-core: several times faster than
    ``model_copy(deep=True)``, which walks the tree with :func:`copy.deepcopy` in Python.
    """
    return Summary.model_validate(summary.model_dump())


def is_blank(summary: Summary) -> bool:
    """``summary == Summary()``, without building a blank summary to compare with."""
    return (
        summary.total_area_sqft is None
        and summary.total_area_less_penetrations_sqft is None
        and summary.squares is None
        and summary.facet_count is None
        and summary.predominant_pitch is None
        and summary.stories is None
        and summary.complexity is None
        and not summary.area_by_pitch
        and all(getattr(summary.edges, edge_type) is None for edge_type in EDGE_TYPES)
        and _no_penetrations(summary.penetrations)
        and _no_waste(summary.waste)
    )


def _no_penetrations(penetrations: Penetrations) -> bool:
    """``penetrations == Penetrations()``."""
    return (
        penetrations.count is None
        and penetrations.area_sqft is None
        and penetrations.perimeter_ft is None
    )


def _no_waste(waste: Waste) -> bool:
    """``waste == Waste()``."""
    return (
        waste.basis is None
        and waste.base_area_sqft is None
        and waste.suggested_percent is None
        and not waste.rows
    )


def combine(reported: Summary | None, computed: Summary | None) -> tuple[Summary, list[str]]:
    """Reported values first, computed ones where the source is silent.

    Returns the combined summary and the dotted names of the fields taken from ``computed``.
    Neither input is changed; the result shares no objects with ``reported`` (values taken from
    ``computed`` are shared with it).
    """
    if reported is None and computed is None:
        return Summary(), []
    if reported is None:
        assert computed is not None
        return copy_summary(computed), list(_present(computed))
    result = copy_summary(reported)
    if computed is None:
        return result, []
    taken: list[str] = []
    for name in (
        "total_area_sqft",
        "total_area_less_penetrations_sqft",
        "squares",
        "facet_count",
        "predominant_pitch",
        "stories",
        "complexity",
    ):
        if getattr(result, name) is None and getattr(computed, name) is not None:
            setattr(result, name, getattr(computed, name))
            taken.append(name)
    if not result.area_by_pitch and computed.area_by_pitch:
        result.area_by_pitch = list(computed.area_by_pitch)
        taken.append("area_by_pitch")
    for edge_type in EDGE_TYPES:
        if getattr(result.edges, edge_type) is None and getattr(computed.edges, edge_type):
            setattr(result.edges, edge_type, getattr(computed.edges, edge_type))
            taken.append(f"edges.{edge_type}")
    if _no_penetrations(result.penetrations) and not _no_penetrations(computed.penetrations):
        result.penetrations = computed.penetrations
        taken.append("penetrations")
    if _no_waste(result.waste) and not _no_waste(computed.waste):
        result.waste = computed.waste
        taken.append("waste")
    return result, taken


def _present(summary: Summary) -> Iterable[str]:
    for name, value in summary:
        if name == "edges":
            for edge_type in EDGE_TYPES:
                if getattr(summary.edges, edge_type) is not None:
                    yield f"edges.{edge_type}"
        elif name == "penetrations":
            if not _no_penetrations(summary.penetrations):
                yield name
        elif name == "waste":
            if not _no_waste(summary.waste):
                yield name
        elif value is not None and value != []:
            yield name


def add_summaries(parts: list[Summary]) -> Summary:
    """The whole-property summary from its structures' summaries."""
    total = Summary()
    if not parts:
        return total

    def add(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else _r(sum(v or 0.0 for v in values))

    total.total_area_sqft = add([p.total_area_sqft for p in parts])
    counts = [p.facet_count for p in parts]
    total.facet_count = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
    pitch_areas: dict[str, tuple[Pitch, float]] = {}
    for part in parts:
        for row in part.area_by_pitch:
            key = pitch_key(row.pitch)
            pitch, area = pitch_areas.get(key, (row.pitch, 0.0))
            pitch_areas[key] = (pitch, area + row.area_sqft)
    grand = sum(area for _, area in pitch_areas.values())
    total.area_by_pitch = sorted(
        (
            AreaByPitch(
                pitch=p, area_sqft=_r(a), percent=_r(100 * a / grand) if grand > 0 else None
            )
            for p, a in pitch_areas.values()
        ),
        key=lambda row: row.pitch.rise,
    )
    total.predominant_pitch = predominant(total.area_by_pitch)
    for edge_type in EDGE_TYPES:
        values = [getattr(p.edges, edge_type) for p in parts]
        present = [v for v in values if v is not None]
        if present:
            length = sum(v.length_ft or 0.0 for v in present)
            counts_e = [v.count for v in present]
            count = None if any(c is None for c in counts_e) else sum(c or 0 for c in counts_e)
            setattr(total.edges, edge_type, EdgeTotal(length_ft=_r(length), count=count))
    pen = [p.penetrations for p in parts if p.penetrations.count is not None]
    if pen:
        total.penetrations = Penetrations(
            count=sum(p.count or 0 for p in pen),
            area_sqft=_r(sum(p.area_sqft or 0.0 for p in pen)),
        )
    return total
