"""Typed roof edges from a DXF: lines on named layers, or the facets' own outlines classified.

Lines on a layer whose name is an edge word (``RIDGE``, ``EAVE``, ``K``…) are edges of that type.
In a 3D drawing their length is the 3D distance. In a plan drawing a sloped edge is longer than
its plan: the facet the edge borders rises along its *uphill* direction (the inward normal of the
facet's eave) at ``rise/12``, so an edge running along plan direction ``d`` climbs
``rise/12 · |uphill · d|`` per foot — full slope for a rake, none for a ridge, ``1/√2`` of it
for a hip at 45°.

A 3D drawing without typed lines gets its edges from the facets' outlines: a horizontal edge two
facets share is a ridge, a sloped shared edge a hip when the roof is convex there and a valley
when concave; an unshared horizontal edge at a facet's lowest point is an eave, at its highest a
flashing (against a wall); an unshared sloped edge a rake.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from roofkit_importer.parsers import dxf_layers
from roofkit_importer.parsers.dxf_facets import DxfFacet, EdgeKey, edge_key
from roofkit_importer.parsers.dxf_index import BoxIndex
from roofkit_importer.parsers.dxf_read import Point, Segment
from roofkit_importer.report.model import EdgeType

ON_EDGE_FT = 0.05
HORIZONTAL_SLOPE = 0.01


@dataclass
class DxfEdge:
    type: EdgeType
    vendor_type: str | None
    a: Point
    b: Point
    length: float
    handle: str | None = None


def _distance(a: Point, b: Point) -> float:
    return math.dist(a, b)


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    ax, ay, bx, by = a[0], a[1], b[0], b[1]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(p[0] - ax, p[1] - ay) <= ON_EDGE_FT
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy)) <= ON_EDGE_FT


def _borders(facet: DxfFacet, a: Point, b: Point) -> bool:
    return any(_on_segment(a, s, e) for s, e in facet.outline) and any(
        _on_segment(b, s, e) for s, e in facet.outline
    )


def _bordering(index: BoxIndex[DxfFacet], a: Point, b: Point) -> list[DxfFacet]:
    """The facets (in drawing order) whose outline the segment ``a``–``b`` lies along."""
    return [facet for facet in index.near(a[0], a[1]) if _borders(facet, a, b)]


def _set_uphill(index: BoxIndex[DxfFacet], eaves: list[Segment]) -> None:
    """Each facet's uphill direction: the inward normal of the longest eave along it."""
    longest: dict[int, float] = {}
    for eave in eaves:
        dx, dy = eave.b[0] - eave.a[0], eave.b[1] - eave.a[1]
        length = math.hypot(dx, dy)
        if length == 0.0:
            continue
        for facet in _bordering(index, eave.a, eave.b):
            if length <= longest.get(id(facet), 0.0):
                continue
            longest[id(facet)] = length
            cx = sum(p[0] for p in facet.points) / len(facet.points)
            cy = sum(p[1] for p in facet.points) / len(facet.points)
            nx, ny = -dy / length, dx / length
            if (cx - eave.a[0]) * nx + (cy - eave.a[1]) * ny < 0:
                nx, ny = -nx, -ny
            facet.uphill = (nx, ny)


def typed_segments(segments: list[Segment]) -> list[tuple[Segment, EdgeType]]:
    typed = []
    for segment in segments:
        kind = dxf_layers.edge_type(segment.layer)
        if kind is not None:
            typed.append((segment, kind))
    return typed


def from_lines(
    typed: list[tuple[Segment, EdgeType]], facets: list[DxfFacet], plan: bool
) -> tuple[list[DxfEdge], int]:
    """Edges from typed lines; in a plan drawing also the count of edges left at plan length."""
    roof = [f for f in facets if f.kind == "roof"]
    index = BoxIndex(roof, [f.bbox for f in roof], margin=ON_EDGE_FT)
    if plan:
        for facet in roof:
            facet.uphill = None
        _set_uphill(index, [s for s, kind in typed if kind == "eave"])
    edges: list[DxfEdge] = []
    flat = 0
    for segment, kind in typed:
        length = _distance(segment.a, segment.b)
        if plan and length > 0:
            d = ((segment.b[0] - segment.a[0]) / length, (segment.b[1] - segment.a[1]) / length)
            slopes = [
                facet.pitch.rise / 12.0 * abs(facet.uphill[0] * d[0] + facet.uphill[1] * d[1])
                for facet in _bordering(index, segment.a, segment.b)
                if facet.pitch is not None and facet.uphill is not None
            ]
            # Edges of different heights can share a plan line (a wall between two roofs): the
            # steepest reading is the one that lies in its facet's plane.
            slope = max(slopes) if slopes else None
            if slope is None:
                flat += 1 if kind not in ("ridge", "eave") else 0
            else:
                length *= math.sqrt(1.0 + slope * slope)
        edges.append(DxfEdge(kind, segment.layer, segment.a, segment.b, length, segment.handle))
    return edges, flat


def _plane_side(facet: DxfFacet, p: Point) -> float:
    """Signed height of ``p`` above the facet's plane (positive above)."""
    pts = facet.points
    a = pts[0]
    for i in range(1, len(pts) - 1):
        b, c = pts[i], pts[i + 1]
        u = (b[0] - a[0], b[1] - a[1], b[2] - a[2])
        v = (c[0] - a[0], c[1] - a[1], c[2] - a[2])
        n = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
        length = math.sqrt(n[0] ** 2 + n[1] ** 2 + n[2] ** 2)
        if length > 1e-9:
            if n[2] < 0:
                n = (-n[0], -n[1], -n[2])
            return (n[0] * (p[0] - a[0]) + n[1] * (p[1] - a[1]) + n[2] * (p[2] - a[2])) / length
    return 0.0


def _centroid(facet: DxfFacet) -> Point:
    count = len(facet.points)
    return (
        sum(p[0] for p in facet.points) / count,
        sum(p[1] for p in facet.points) / count,
        sum(p[2] for p in facet.points) / count,
    )


def from_outlines(facets: list[DxfFacet]) -> list[DxfEdge]:
    owners: dict[EdgeKey, list[DxfFacet]] = defaultdict(list)
    for facet in facets:
        if facet.kind != "roof":
            continue
        for segment in facet.outline:
            owners[edge_key(*segment)].append(facet)
    edges: list[DxfEdge] = []
    for (a, b), sharing in owners.items():
        length = _distance(a, b)
        if length == 0.0:
            continue
        horizontal = abs(a[2] - b[2]) <= HORIZONTAL_SLOPE * length
        kind: EdgeType
        if len(sharing) >= 2:
            other_above = _plane_side(sharing[0], _centroid(sharing[1])) > 0
            if horizontal:
                kind = "valley" if other_above else "ridge"
            else:
                kind = "valley" if other_above else "hip"
        elif horizontal:
            zs = [p[2] for p in sharing[0].points]
            kind = "flashing" if a[2] >= max(zs) - 1e-3 and a[2] > min(zs) + 1e-3 else "eave"
        else:
            kind = "rake"
        edges.append(DxfEdge(kind, None, a, b, length))
    return edges
