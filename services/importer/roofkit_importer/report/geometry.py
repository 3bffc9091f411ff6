"""Plane geometry of roof facets: chaining edges, Newell areas, pitch and azimuth from normals."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float, float]


def distance(a: Point, b: Point) -> float:
    return math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2)


def chain(segments: Sequence[tuple[str, str]]) -> list[str] | None:
    """Order segments (pairs of vertex ids, any order and direction) into one closed loop.

    Returns the loop's vertex ids, or ``None`` when they do not form exactly one closed loop.
    From each vertex the loop takes the first unused segment (in the given order) that touches
    it; the segments touching each vertex are listed once, so a loop of n segments costs O(n).
    """
    if len(segments) < 3:
        return None
    touching: dict[str, list[int]] = defaultdict(list)
    for index, (a, b) in enumerate(segments):
        touching[a].append(index)
        if b != a:
            touching[b].append(index)
    used = [False] * len(segments)
    used[0] = True
    left = len(segments) - 1
    # Per vertex, how many of its first segments are known to be used (used stays used).
    skipped: dict[str, int] = {}
    start, current = segments[0]
    loop = [start, current]
    while left:
        candidates = touching.get(current, [])
        position = skipped.get(current, 0)
        while position < len(candidates) and used[candidates[position]]:
            position += 1
        skipped[current] = position
        if position == len(candidates):
            return None
        index = candidates[position]
        used[index] = True
        left -= 1
        a, b = segments[index]
        current = b if a == current else a
        if current == start:
            break
        loop.append(current)
    if current != start or left:
        return None
    return loop


@dataclass(frozen=True)
class PolygonMetrics:
    area: float
    """True (sloped) area."""
    plan_area: float
    """Area projected on the horizontal plane."""
    rise: float | None
    """Pitch as rise per 12; ``None`` for a vertical polygon."""
    azimuth: float | None
    """Downslope direction, degrees clockwise from +y; ``None`` for a flat polygon."""


def polygon_metrics(vertices: Sequence[Point]) -> PolygonMetrics | None:
    """Newell's method: the polygon's normal, whose length is twice its area."""
    if len(vertices) < 3:
        return None
    nx = ny = nz = 0.0
    count = len(vertices)
    for i in range(count):
        x1, y1, z1 = vertices[i]
        x2, y2, z2 = vertices[(i + 1) % count]
        nx += (y1 - y2) * (z1 + z2)
        ny += (z1 - z2) * (x1 + x2)
        nz += (x1 - x2) * (y1 + y2)
    length = math.sqrt(nx * nx + ny * ny + nz * nz)
    if length == 0.0 or not math.isfinite(length):
        return None
    if nz < 0:
        nx, ny, nz = -nx, -ny, -nz
    horizontal = math.hypot(nx, ny)
    rise = None if nz < 1e-9 * length else 12.0 * horizontal / nz
    azimuth = None
    if horizontal > 1e-9 * length:
        azimuth = math.degrees(math.atan2(nx, ny)) % 360.0
    return PolygonMetrics(area=length / 2.0, plan_area=nz / 2.0, rise=rise, azimuth=azimuth)
