"""Roof facets from DXF polygons: 3D faces with their true geometry, or 2D plan outlines.

3D: every polygon (3DFACE, closed 3D polyline, polyface face) is measured by Newell's method;
polygons on the same plane that share an edge (a quad drawn as two triangles) are merged into one
facet, and the edges they share disappear from the facet's outline.

2D: a closed outline is a plan area; its pitch comes from a label inside it (``6/12``; a label
inside several outlines belongs to the smallest), from its layer name, or from a companion table
by structure and facet label (applied by :mod:`dxf`). The true area is then
``plan × √(1 + (rise/12)²)``; without a pitch only ``plan_area_sqft`` is known.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

from roofkit_importer.parsers import dxf_layers
from roofkit_importer.parsers.dxf_index import BoxIndex
from roofkit_importer.parsers.dxf_read import Label, Point, Polygon
from roofkit_importer.report import geometry
from roofkit_importer.report.model import FacetKind, Pitch
from roofkit_importer.report.units import parse_pitch, pitch_from_rise, true_area

KEY_DIGITS = 3
"""Vertices closer than a thousandth of a foot are the same vertex."""
COPLANAR_DOT = 0.9999
COPLANAR_OFFSET_FT = 0.01

Key = tuple[float, float, float]
EdgeKey = tuple[Key, Key]


def key(p: Point) -> Key:
    return (round(p[0], KEY_DIGITS), round(p[1], KEY_DIGITS), round(p[2], KEY_DIGITS))


def edge_key(a: Point, b: Point) -> EdgeKey:
    ka, kb = key(a), key(b)
    return (ka, kb) if ka <= kb else (kb, ka)


@dataclass
class DxfFacet:
    id: str
    kind: FacetKind
    layer: str
    handles: list[str]
    outline: list[EdgeKey]
    """The facet's boundary segments (shared diagonals of merged polygons removed)."""
    plan_area: float
    area: float | None = None
    pitch: Pitch | None = None
    azimuth: float | None = None
    label: str | None = None
    uphill: tuple[float, float] | None = None
    """Unit plan vector pointing up the slope, when known."""
    points: list[Point] = field(default_factory=list)
    overruled_pitches: list[str] = field(default_factory=list)
    """Texts of pitch labels inside the outline that disagree with the first one read."""

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return (min(xs), min(ys), max(xs), max(ys))


def _normal(points: list[Point]) -> tuple[float, float, float, float] | None:
    nx = ny = nz = 0.0
    for i, (x1, y1, z1) in enumerate(points):
        x2, y2, z2 = points[(i + 1) % len(points)]
        nx += (y1 - y2) * (z1 + z2)
        ny += (z1 - z2) * (x1 + x2)
        nz += (x1 - x2) * (y1 + y2)
    length = math.sqrt(nx * nx + ny * ny + nz * nz)
    if length == 0.0 or not math.isfinite(length):
        return None
    if nz < 0:
        nx, ny, nz = -nx, -ny, -nz
    nx, ny, nz = nx / length, ny / length, nz / length
    p = points[0]
    return (nx, ny, nz, nx * p[0] + ny * p[1] + nz * p[2])


def is_flat_drawing(polygons: list[Polygon]) -> bool:
    """True when every polygon lies in one horizontal plane: a plan drawing."""
    zs = {round(p[2], KEY_DIGITS) for poly in polygons for p in poly.points}
    return len(zs) <= 1


def facets_3d(polygons: list[Polygon]) -> list[DxfFacet]:
    planes = [_normal(poly.points) for poly in polygons]
    parent = list(range(len(polygons)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owners: dict[EdgeKey, list[int]] = defaultdict(list)
    for index, poly in enumerate(polygons):
        for i, a in enumerate(poly.points):
            owners[edge_key(a, poly.points[(i + 1) % len(poly.points)])].append(index)
    for shared in owners.values():
        for i, j in itertools.pairwise(shared):
            pi, pj = planes[i], planes[j]
            if pi is None or pj is None or polygons[i].layer != polygons[j].layer:
                continue
            dot = pi[0] * pj[0] + pi[1] * pj[1] + pi[2] * pj[2]
            if dot >= COPLANAR_DOT and abs(pi[3] - pj[3]) <= COPLANAR_OFFSET_FT:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(polygons)):
        if planes[index] is not None:
            groups[find(index)].append(index)
    facets: list[DxfFacet] = []
    for members in groups.values():
        metrics = [geometry.polygon_metrics(polygons[i].points) for i in members]
        measured = [(m, i) for m, i in zip(metrics, members, strict=True) if m is not None]
        if not measured:
            continue
        largest = max(measured, key=lambda mi: mi[0].area)[0]
        counts: dict[EdgeKey, int] = defaultdict(int)
        for i in members:
            pts = polygons[i].points
            for k, a in enumerate(pts):
                counts[edge_key(a, pts[(k + 1) % len(pts)])] += 1
        first = polygons[members[0]]
        rise = largest.rise
        facets.append(
            DxfFacet(
                id=f"F{len(facets) + 1}",
                kind=dxf_layers.facet_kind(first.layer),
                layer=first.layer,
                handles=[polygons[i].handle for i in members],
                outline=[e for e, n in counts.items() if n == 1],
                plan_area=sum(m.plan_area for m, _ in measured),
                area=sum(m.area for m, _ in measured),
                pitch=None if rise is None else pitch_from_rise(rise),
                azimuth=None if largest.azimuth is None else round(largest.azimuth, 2),
                points=[p for i in members for p in polygons[i].points],
            )
        )
    return facets


def _inside(x: float, y: float, points: list[Point]) -> bool:
    inside = False
    for i, (x1, y1, _) in enumerate(points):
        x2, y2, _ = points[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _plan_area(points: list[Point]) -> float:
    s = 0.0
    for i, (x1, y1, _) in enumerate(points):
        x2, y2, _ = points[(i + 1) % len(points)]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def facets_2d(polygons: list[Polygon], labels: list[Label]) -> list[DxfFacet]:
    facets: list[DxfFacet] = []
    for poly in polygons:
        outline = [
            edge_key(a, poly.points[(i + 1) % len(poly.points)]) for i, a in enumerate(poly.points)
        ]
        facets.append(
            DxfFacet(
                id=f"F{len(facets) + 1}",
                kind=dxf_layers.facet_kind(poly.layer),
                layer=poly.layer,
                handles=[poly.handle],
                outline=outline,
                plan_area=_plan_area(poly.points),
                points=poly.points,
            )
        )
    index = BoxIndex(facets, [f.bbox for f in facets])
    for label in labels:
        x, y = label.at[0], label.at[1]
        holders = [f for f in index.near(x, y) if _inside(x, y, f.points)]
        if not holders:
            continue
        owner = min(holders, key=lambda f: f.plan_area)
        for line in label.text.splitlines():
            text = line.strip()
            found = dxf_layers.pitch(text) or (parse_pitch(text) if "°" in text else None)
            if found is not None:
                if owner.pitch is None:
                    owner.pitch = found
                elif found.rise != owner.pitch.rise and len(owner.overruled_pitches) < 3:
                    owner.overruled_pitches.append(text[:40])
            elif text and owner.label is None and len(text) <= 40:
                owner.label = text
    for facet in facets:
        if facet.pitch is None:
            facet.pitch = dxf_layers.pitch(facet.layer)
        set_pitch(facet, facet.pitch)
    return facets


def set_pitch(facet: DxfFacet, pitch: Pitch | None) -> None:
    """Give a plan facet its pitch, and with it its true area."""
    facet.pitch = pitch
    if pitch is not None:
        facet.area = true_area(facet.plan_area, pitch.rise)
