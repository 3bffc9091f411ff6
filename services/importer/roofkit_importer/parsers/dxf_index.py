"""A grid index of bounding boxes: which facets (or structures) could hold a point.

A drawing may hold thousands of outlines, labels and typed lines. Testing every label or line
against every outline costs their product (a plan of 2,000 labelled outlines: four million
point-in-polygon tests); the index narrows each test to the boxes around the point.

The grid has about one cell per box. A box covering more than :data:`SPREAD` cells (an outline
drawn around the whole plan) is kept apart and offered for every point, so no box is registered
in more than :data:`SPREAD` cells and the index stays linear in the number of boxes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
Box = tuple[float, float, float, float]
"""``(min x, min y, max x, max y)``."""

SPREAD = 64


class BoxIndex(Generic[T]):
    def __init__(self, items: Sequence[T], boxes: Sequence[Box], margin: float = 0.0) -> None:
        """Index ``items`` by their ``boxes``, each widened by ``margin`` on every side."""
        self.items = list(items)
        grown = [(b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin) for b in boxes]
        self.x0 = min((b[0] for b in grown), default=0.0)
        self.y0 = min((b[1] for b in grown), default=0.0)
        extent = max((max(b[2] - self.x0, b[3] - self.y0) for b in grown), default=0.0)
        self.cell = extent / max(1, math.isqrt(len(grown))) or 1.0
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.spread: list[int] = []
        for number, (minx, miny, maxx, maxy) in enumerate(grown):
            cx0, cy0 = self._cell(minx, miny)
            cx1, cy1 = self._cell(maxx, maxy)
            if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > SPREAD:
                self.spread.append(number)
                continue
            for cx in range(cx0, cx1 + 1):
                for cy in range(cy0, cy1 + 1):
                    self.cells[(cx, cy)].append(number)

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return (math.floor((x - self.x0) / self.cell), math.floor((y - self.y0) / self.cell))

    def near(self, x: float, y: float) -> list[T]:
        """The items whose (widened) box may hold the point, in their original order: every item
        whose box holds it is among them; the caller tests them exactly."""
        numbers = self.cells.get(self._cell(x, y), [])
        if self.spread:
            numbers = sorted({*numbers, *self.spread})
        return [self.items[n] for n in numbers]
