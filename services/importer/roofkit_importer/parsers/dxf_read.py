"""Reading a DXF drawing (ASCII or binary, R12 onwards) into plain primitives, in feet.

Only model space is read; block references (INSERT) are exploded, nested ones too, to a bounded
depth. The entity count is bounded twice: an ASCII file is pre-scanned for its group-code-0
records before ezdxf builds anything, and the exploded primitives are counted as they are made
(``dxf_too_many_entities``). Every ezdxf failure becomes ``dxf_malformed``.

Units: ``$INSUNITS`` (1 in, 2 ft, 4 mm, 5 cm, 6 m); for a unitless drawing ``$MEASUREMENT``
(0 imperial, 1 metric) names the candidates and the drawing's extent picks the one that makes the
roof 20–200 ft across — recorded as an assumption (``DXF_UNITS_ASSUMED``).
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ezdxf import recover
from ezdxf.filemanagement import readfile
from ezdxf.lldxf.const import DXFError
from ezdxf.path import make_path
from ezdxf.render.mesh import MeshBuilder

from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.report.units import FT_PER_UNIT

Point = tuple[float, float, float]

MAX_INSERT_DEPTH = 8
MAX_COORDINATE = 1e9
PLAUSIBLE_SPAN_FT = (20.0, 200.0)
INSUNITS = {1: "in", 2: "ft", 4: "mm", 5: "cm", 6: "m"}
_RECORD = re.compile(rb"\n[ \t]*0[ \t]*\r?\n")


@dataclass
class Polygon:
    points: list[Point]
    layer: str
    handle: str


@dataclass
class Segment:
    a: Point
    b: Point
    layer: str
    handle: str


@dataclass
class Label:
    text: str
    at: Point
    layer: str


@dataclass
class Drawing:
    """Model space flattened: polygons (3D faces and closed polylines), segments, labels."""

    polygons: list[Polygon] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    units: str = "ft"
    units_assumed: str | None = None
    """Why the units were assumed, when ``$INSUNITS`` did not say."""

    def scale(self, factor: float) -> None:
        def s(p: Point) -> Point:
            return (p[0] * factor, p[1] * factor, p[2] * factor)

        for polygon in self.polygons:
            polygon.points = [s(p) for p in polygon.points]
        for segment in self.segments:
            segment.a, segment.b = s(segment.a), s(segment.b)
        for label in self.labels:
            label.at = s(label.at)


def _too_many(name: str, limit: int) -> ParseError:
    return ParseError.for_file(
        "report_unreadable",
        name,
        "dxf_too_many_entities",
        f"The drawing has more than {limit} entities.",
    )


def _malformed(name: str, message: str) -> ParseError:
    return ParseError.for_file("report_unreadable", name, "dxf_malformed", message)


def _load(path: Path, name: str, limits: ParseLimits) -> Any:
    with path.open("rb") as handle:
        data = handle.read()
    if not data.startswith(b"AutoCAD Binary DXF") and (
        len(_RECORD.findall(data)) > 2 * limits.max_geometry_items
    ):
        raise _too_many(name, limits.max_geometry_items)
    del data
    try:
        return readfile(path)
    except DXFError:
        pass
    doc, _auditor = recover.readfile(path)
    return doc


def expanded_count(doc: Any, limit: int) -> int:
    """Model-space entities once every block reference is exploded, counted without exploding
    (capped just above ``limit``; a block that references itself counts once per level)."""
    memo: dict[str, int] = {}
    active: set[str] = set()

    def weight(entities: Any) -> int:
        total = 0
        for entity in entities:
            total += 1
            if entity.dxftype() == "INSERT":
                name = str(entity.dxf.get("name", ""))
                copies = int(entity.dxf.get("row_count", 1) or 1) * int(
                    entity.dxf.get("column_count", 1) or 1
                )
                total += copies * block(name)
            if total > limit:
                return limit + 1
        return total

    def block(name: str) -> int:
        if name in memo:
            return memo[name]
        if name in active or name not in doc.blocks:
            return 0
        active.add(name)
        memo[name] = weight(doc.blocks.get(name))
        active.discard(name)
        return memo[name]

    return weight(doc.modelspace())


def _pt(value: Any) -> Point:
    return (float(value[0]), float(value[1]), float(value[2]) if len(value) > 2 else 0.0)


def _plain_outline(polyline: Any) -> bool:
    """A 2D polyline of straight segments in the world's XY plane: its points are usable as
    they are. Arc segments (bulges) and a flipped plane (a mirrored copy: extrusion -Z, x
    negated) need :func:`_outline_in_wcs`."""
    extrusion = polyline.dxf.get("extrusion", (0.0, 0.0, 1.0))
    return not polyline.has_arc and tuple(float(c) for c in extrusion) == (0.0, 0.0, 1.0)


def _outline_in_wcs(polyline: Any) -> list[Point]:
    """The polyline's outline in world coordinates, arcs flattened to chords deviating at most
    1/10,000 of its size from the arc (negligible for areas)."""
    outline = make_path(polyline)
    extent = outline.control_vertices()
    if not extent:
        return []
    xs = [v.x for v in extent]
    ys = [v.y for v in extent]
    size = max(max(xs) - min(xs), max(ys) - min(ys))
    if not math.isfinite(size) or size <= 0:
        return [_pt(v) for v in extent]
    return [_pt(v) for v in outline.flattening(distance=size * 1e-4)]


def _sane(*points: Point) -> bool:
    """Finite coordinates of a size a drawing can have (no NaN, no 1e300)."""
    return all(math.isfinite(c) and abs(c) < MAX_COORDINATE for p in points for c in p)


def _dedupe(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


class _Collector:
    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.count = 0
        self.drawing = Drawing()

    def _tick(self) -> None:
        self.count += 1
        if self.count > self.limit:
            raise _too_many(self.name, self.limit)

    def entity(self, entity: Any, depth: int) -> None:
        self._tick()
        kind = entity.dxftype()
        layer = str(entity.dxf.get("layer", "0"))
        handle = str(entity.dxf.get("handle", "") or "")
        drawing = self.drawing
        if kind == "INSERT":
            if depth < MAX_INSERT_DEPTH:
                for child in entity.virtual_entities():
                    self.entity(child, depth + 1)
        elif kind == "3DFACE":
            points = _dedupe([_pt(v) for v in entity.wcs_vertices()])
            if len(points) >= 3 and _sane(*points):
                drawing.polygons.append(Polygon(points, layer, handle))
        elif kind == "LWPOLYLINE":
            if _plain_outline(entity):
                z = float(entity.dxf.get("elevation", 0.0) or 0.0)
                points = [(float(x), float(y), z) for x, y in entity.get_points("xy")]
            else:
                points = self._flattened(entity)
            self._path(points, bool(entity.closed), layer, handle)
        elif kind == "POLYLINE":
            if entity.is_poly_face_mesh:
                mesh = MeshBuilder.from_polyface(entity)
                vertices = [_pt(v) for v in mesh.vertices]
                for face in mesh.faces:
                    self._tick()
                    points = _dedupe([vertices[i] for i in face])
                    if len(points) >= 3 and _sane(*points):
                        drawing.polygons.append(Polygon(points, layer, handle))
            elif entity.is_3d_polyline or (entity.is_2d_polyline and _plain_outline(entity)):
                points = [_pt(v.dxf.location) for v in entity.vertices]
                self._path(points, bool(entity.is_closed), layer, handle)
            elif entity.is_2d_polyline:
                self._path(self._flattened(entity), bool(entity.is_closed), layer, handle)
        elif kind == "LINE":
            start, end = _pt(entity.dxf.start), _pt(entity.dxf.end)
            if _sane(start, end):
                drawing.segments.append(Segment(start, end, layer, handle))
        elif kind in ("TEXT", "MTEXT"):
            text = entity.plain_text() if kind == "MTEXT" else str(entity.dxf.get("text", ""))
            at = _pt(entity.dxf.insert)
            if _sane(at):
                drawing.labels.append(Label(text[:200], at, layer))

    def _flattened(self, polyline: Any) -> list[Point]:
        points = _outline_in_wcs(polyline)
        for _ in range(len(points) // 16):  # arcs become chords: those count toward the limit
            self._tick()
        return points

    def _path(self, points: list[Point], closed: bool, layer: str, handle: str) -> None:
        if not _sane(*points):
            return
        if len(points) > 2 and points[0] == points[-1]:
            closed = True
        points = _dedupe(points) if closed else points
        if closed and len(points) >= 3:
            self.drawing.polygons.append(Polygon(points, layer, handle))
            return
        for a, b in itertools.pairwise(points):
            self.drawing.segments.append(Segment(a, b, layer, handle))


def _span(drawing: Drawing) -> float:
    xs = [p[0] for poly in drawing.polygons for p in poly.points]
    ys = [p[1] for poly in drawing.polygons for p in poly.points]
    xs += [p[0] for s in drawing.segments for p in (s.a, s.b)]
    ys += [p[1] for s in drawing.segments for p in (s.a, s.b)]
    if not xs:
        return 0.0
    return max(max(xs) - min(xs), max(ys) - min(ys))


def _units(doc: Any, drawing: Drawing) -> None:
    code = doc.header.get("$INSUNITS", 0)
    if code in INSUNITS:
        drawing.units = INSUNITS[code]
        return
    measurement = doc.header.get("$MEASUREMENT")
    candidates = {0: ["ft", "in"], 1: ["m", "mm", "cm"]}.get(measurement, ["ft", "in", "m", "mm"])
    span = _span(drawing)
    low, high = PLAUSIBLE_SPAN_FT
    chosen = next((u for u in candidates if low <= span * FT_PER_UNIT[u] <= high), candidates[0])
    drawing.units = chosen
    system = {0: "imperial", 1: "metric"}.get(measurement, "unstated")
    drawing.units_assumed = (
        f"$INSUNITS does not name a unit; {system} $MEASUREMENT and a drawing "
        f"{span:g} units across suggest {chosen}."
    )


def read(path: Path, name: str, limits: ParseLimits) -> Drawing:
    """The drawing's model space as primitives, in feet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doc = _load(path, name, limits)
            if expanded_count(doc, limits.max_geometry_items) > limits.max_geometry_items:
                raise _too_many(name, limits.max_geometry_items)
            collector = _Collector(name, limits.max_geometry_items)
            for entity in doc.modelspace():
                collector.entity(entity, 0)
            drawing = collector.drawing
            _units(doc, drawing)
    except ParseError:
        raise
    except MemoryError:
        raise
    except RecursionError as exc:
        raise _malformed(name, "The drawing's blocks are nested too deeply.") from exc
    except Exception as exc:  # ezdxf raises DXFStructureError, ValueError, IndexError, ...
        raise _malformed(name, f"The DXF cannot be read ({type(exc).__name__}).") from exc
    drawing.scale(FT_PER_UNIT[drawing.units])
    return drawing
