"""DXF drawings of the generated roofs: 3D models in feet and 2D plans in inches.

3D: triangles as 3DFACE, quads as one 3DFACE or as two triangles (merged back by the parser),
larger facets as closed 3D polylines; typed edges as LINEs on layers named by the edge table
(full words or single letters), or none at all (the parser then classifies the outlines).
Variants cover binary DXF, R12, and the whole roof drawn inside a block and inserted.

2D: each facet a closed LWPOLYLINE in plan, in inches, with its label and pitch as TEXT/MTEXT
inside (or the pitch in the layer name); one variant leaves ``$INSUNITS`` unset so the parser must
infer inches from the drawing's size.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import ezdxf

from tests.corpus.renderers import Sample
from tests.corpus.roofs import RoofDef, StructureDef, facet_truth

FULL = {
    "RIDGE": "RIDGE",
    "HIP": "HIP",
    "VALLEY": "VALLEY",
    "RAKE": "RAKE",
    "EAVE": "EAVE",
    "FLASHING": "FLASHING",
    "STEPFLASH": "STEP-FLASH",
}
LETTERS = {
    "RIDGE": "R",
    "HIP": "H",
    "VALLEY": "V",
    "RAKE": "K",
    "EAVE": "E",
    "FLASHING": "FLASH",
    "STEPFLASH": "STEP",
}
ALL = frozenset(
    {
        "total_area",
        "facet_count",
        "predominant_pitch",
        "area_by_pitch",
        "edges",
        "penetrations",
        "structures",
    }
)


def _hole_edges(structure: StructureDef) -> set[str]:
    return {e for f in structure.facets if f.kind != "roof" for e in structure.edge_ids_of(f)}


def _layer(facet_kind: str) -> str:
    return "ROOF" if facet_kind == "roof" else "SKYLIGHT"


def _save(doc: Any, *, binary: bool = False) -> bytes:
    if not binary:
        stream = io.StringIO()
        doc.write(stream)
        return stream.getvalue().encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drawing.dxf"
        doc.saveas(path, fmt="bin")
        return path.read_bytes()


def model_3d(roof: RoofDef, variant: int, *, lines: bool = True) -> bytes:
    doc = ezdxf.new("R12" if variant == 3 else "R2010")
    doc.header["$INSUNITS"] = 2
    msp = doc.modelspace()
    target = doc.blocks.new("ROOF_MODEL") if variant == 4 else msp
    names = LETTERS if variant % 2 else FULL
    for structure in roof.structures:
        pts = structure.points
        for facet in structure.facets:
            loop = [pts[p] for p in facet.points]
            attribs = {"layer": _layer(facet.kind)}
            if len(loop) == 3 or (len(loop) == 4 and variant % 3 == 0):
                target.add_3dface(loop, dxfattribs=attribs)
            elif len(loop) == 4:
                target.add_3dface([loop[0], loop[1], loop[2]], dxfattribs=attribs)
                target.add_3dface([loop[0], loop[2], loop[3]], dxfattribs=attribs)
            else:
                target.add_polyline3d(loop, close=True, dxfattribs=attribs)
        if lines:
            holes = _hole_edges(structure)
            for eid, (a, b, kind) in structure.edges.items():
                if eid not in holes:
                    target.add_line(pts[a], pts[b], dxfattribs={"layer": names[kind]})
    if variant == 4:
        msp.add_blockref("ROOF_MODEL", (0, 0, 0))
    return _save(doc, binary=variant == 2)


def _inside(x: float, y: float, loop: list[tuple[float, float]]) -> bool:
    inside = False
    for i, (x1, y1) in enumerate(loop):
        x2, y2 = loop[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _label_point(loop: list[tuple[float, float]]) -> tuple[float, float]:
    cx = sum(p[0] for p in loop) / len(loop)
    cy = sum(p[1] for p in loop) / len(loop)
    if _inside(cx, cy, loop):
        return cx, cy
    for t in (0.25, 0.5, 0.75):  # nudge toward the first vertex until inside
        x, y = cx + (loop[0][0] - cx) * t, cy + (loop[0][1] - cy) * t
        if _inside(x, y, loop):
            return x, y
    return cx, cy


def pitch_label(rise: float) -> str:
    return f"{rise:g}/12" if abs(rise - round(rise)) < 1e-9 else f"{rise:.2f}/12"


def plan_2d(roof: RoofDef, variant: int, *, units: bool = True, pitches: bool = True) -> bytes:
    doc = ezdxf.new("R2010")
    if units:
        doc.header["$INSUNITS"] = 1
    else:
        doc.header["$INSUNITS"] = 0
        doc.header["$MEASUREMENT"] = 0
    msp = doc.modelspace()
    scale = 12.0
    for structure in roof.structures:
        pts = structure.points
        for facet in structure.facets:
            loop = [(pts[p][0] * scale, pts[p][1] * scale) for p in facet.points]
            rise = facet_truth(structure, facet)["rise"]
            label = pitch_label(rise)
            in_layer = variant % 3 == 1 and facet.kind == "roof" and pitches
            layer = f"ROOF-PITCH-{label.replace('/', '-')}" if in_layer else _layer(facet.kind)
            msp.add_lwpolyline(loop, close=True, dxfattribs={"layer": layer})
            x, y = _label_point(loop)
            if variant % 2:
                msp.add_mtext(
                    facet.id if in_layer or not pitches else f"{facet.id}\\P{label}",
                    dxfattribs={"insert": (x, y), "layer": "LABELS", "char_height": 6},
                )
            else:
                msp.add_text(facet.id, dxfattribs={"insert": (x, y), "layer": "LABELS"})
                if not in_layer and pitches:
                    msp.add_text(label, dxfattribs={"insert": (x, y - 8), "layer": "LABELS"})
        holes = _hole_edges(structure)
        for eid, (a, b, kind) in structure.edges.items():
            if eid in holes:
                continue
            start = (pts[a][0] * scale, pts[a][1] * scale)
            end = (pts[b][0] * scale, pts[b][1] * scale)
            msp.add_line(start, end, dxfattribs={"layer": FULL[kind]})
    return _save(doc)


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    variant = int(roof.report_id) % 5
    samples = [
        Sample(f"{roof.name}.model3d.dxf", "dxf", model_3d(roof, variant), ALL),
        Sample(f"{roof.name}.model3d-nolines.dxf", "dxf", model_3d(roof, 0, lines=False), ALL),
        Sample(f"{roof.name}.plan2d.dxf", "dxf", plan_2d(roof, variant), ALL),
    ]
    if variant in (0, 2):
        samples.append(
            Sample(f"{roof.name}.plan2d-nounits.dxf", "dxf", plan_2d(roof, 2, units=False), ALL)
        )
    return samples
