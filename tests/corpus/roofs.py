"""Roofs built from exact geometry, with their measurements known exactly.

Each roof is a set of structures; each structure a set of named 3D points (feet), facets (loops of
point names) and typed edges (pairs of point names). Truth is computed here from the geometry with
plain formulas (shoelace plan area x slope factor), independently of the parsers' Newell code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

P3 = tuple[float, float, float]


@dataclass
class FacetDef:
    id: str
    points: list[str]
    kind: str = "roof"


@dataclass
class StructureDef:
    id: str
    points: dict[str, P3] = field(default_factory=dict)
    facets: list[FacetDef] = field(default_factory=list)
    edges: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> (a, b, TYPE)

    def point(self, name: str, x: float, y: float, z: float) -> str:
        self.points[name] = (x, y, z)
        return name

    def edge(self, a: str, b: str, kind: str) -> None:
        self.edges[f"L{len(self.edges) + 1}"] = (a, b, kind)

    def facet(self, fid: str, *names: str, kind: str = "roof") -> None:
        self.facets.append(FacetDef(fid, list(names), kind))

    def edge_ids_of(self, facet: FacetDef) -> list[str]:
        """Edge ids along a facet's loop, in loop order (undirected match)."""
        lookup = {frozenset((a, b)): eid for eid, (a, b, _) in self.edges.items()}
        loop = facet.points
        return [lookup[frozenset((loop[i], loop[(i + 1) % len(loop)]))] for i in range(len(loop))]


@dataclass
class RoofDef:
    name: str
    structures: list[StructureDef]
    report_id: str = "90000001"
    address: tuple[str, str, str, str] = ("12 Test Lane", "Springfield", "IL", "62701")


def _plan_area(points: list[P3]) -> float:
    s = 0.0
    for i in range(len(points)):
        x1, y1, _ = points[i]
        x2, y2, _ = points[(i + 1) % len(points)]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def _rise(points: list[P3]) -> float:
    """Rise per 12 of a planar polygon from three non-collinear points (exact for planes)."""
    a = points[0]
    for i in range(1, len(points)):
        for j in range(i + 1, len(points)):
            b, c = points[i], points[j]
            u = (b[0] - a[0], b[1] - a[1], b[2] - a[2])
            v = (c[0] - a[0], c[1] - a[1], c[2] - a[2])
            n = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
            if abs(n[2]) > 1e-9:
                return 12.0 * math.hypot(n[0], n[1]) / abs(n[2])
    raise ValueError("vertical facet")


def facet_truth(structure: StructureDef, facet: FacetDef) -> dict[str, float]:
    pts = [structure.points[p] for p in facet.points]
    plan = _plan_area(pts)
    rise = _rise(pts)
    return {"plan": plan, "rise": rise, "area": plan * math.sqrt(1 + (rise / 12) ** 2)}


EDGE_KEY = {
    "RIDGE": "ridge",
    "HIP": "hip",
    "VALLEY": "valley",
    "RAKE": "rake",
    "EAVE": "eave",
    "FLASHING": "flashing",
    "STEPFLASH": "step_flashing",
}


def structure_truth(structure: StructureDef) -> dict[str, object]:
    roof = [f for f in structure.facets if f.kind == "roof"]
    holes = [f for f in structure.facets if f.kind != "roof"]
    areas = {f.id: facet_truth(structure, f) for f in structure.facets}
    by_pitch: dict[float, float] = {}
    for f in roof:
        key = round(areas[f.id]["rise"], 4)
        by_pitch[key] = by_pitch.get(key, 0.0) + areas[f.id]["area"]
    hole_edges = {e for f in holes for e in structure.edge_ids_of(f)}
    edges: dict[str, dict[str, float]] = {}
    for eid, (a, b, kind) in structure.edges.items():
        if eid in hole_edges:
            continue
        key = EDGE_KEY[kind]
        length = math.dist(structure.points[a], structure.points[b])
        entry = edges.setdefault(key, {"length_ft": 0.0, "count": 0})
        entry["length_ft"] += length
        entry["count"] += 1
    total = sum(areas[f.id]["area"] for f in roof)
    return {
        "total_area_sqft": total,
        "facet_count": len(roof),
        "predominant_rise": max(by_pitch.items(), key=lambda kv: (kv[1], kv[0]))[0],
        "area_by_pitch": {str(k): v for k, v in sorted(by_pitch.items())},
        "edges": edges,
        "penetrations": {
            "count": len(holes),
            "area_sqft": sum(areas[f.id]["area"] for f in holes),
        },
        "facets": {f.id: areas[f.id] for f in structure.facets},
    }


def roof_truth(roof: RoofDef) -> dict[str, object]:
    parts = [structure_truth(s) for s in roof.structures]
    edges: dict[str, dict[str, float]] = {}
    by_pitch: dict[str, float] = {}
    for part in parts:
        for key, value in part["edges"].items():  # type: ignore[attr-defined]
            entry = edges.setdefault(key, {"length_ft": 0.0, "count": 0})
            entry["length_ft"] += value["length_ft"]
            entry["count"] += value["count"]
        for key, value in part["area_by_pitch"].items():  # type: ignore[attr-defined]
            by_pitch[key] = by_pitch.get(key, 0.0) + value
    return {
        "total_area_sqft": sum(p["total_area_sqft"] for p in parts),  # type: ignore[misc]
        "facet_count": sum(p["facet_count"] for p in parts),  # type: ignore[misc]
        "predominant_rise": float(max(by_pitch.items(), key=lambda kv: (kv[1], float(kv[0])))[0]),
        "area_by_pitch": by_pitch,
        "edges": edges,
        "penetrations": {
            "count": sum(p["penetrations"]["count"] for p in parts),  # type: ignore[index]
            "area_sqft": sum(p["penetrations"]["area_sqft"] for p in parts),  # type: ignore[index]
        },
        "structures": parts,
    }


# -- roof shapes -------------------------------------------------------------------------------


def gable(sid: str, length: float, depth: float, rise: float, x0: float = 0.0) -> StructureDef:
    s = StructureDef(sid)
    h = depth / 2 * rise / 12
    a, b = s.point("C1", x0, 0, 0), s.point("C2", x0 + length, 0, 0)
    c, d = s.point("C3", x0 + length, depth, 0), s.point("C4", x0, depth, 0)
    r1, r2 = s.point("C5", x0, depth / 2, h), s.point("C6", x0 + length, depth / 2, h)
    s.edge(a, b, "EAVE")
    s.edge(b, r2, "RAKE")
    s.edge(r2, r1, "RIDGE")
    s.edge(r1, a, "RAKE")
    s.edge(c, d, "EAVE")
    s.edge(d, r1, "RAKE")
    s.edge(r2, c, "RAKE")
    s.facet("F1", a, b, r2, r1)
    s.facet("F2", r1, r2, c, d)
    return s


def hip(sid: str, length: float, depth: float, rise: float) -> StructureDef:
    s = StructureDef(sid)
    h = depth / 2 * rise / 12
    a, b = s.point("C1", 0, 0, 0), s.point("C2", length, 0, 0)
    c, d = s.point("C3", length, depth, 0), s.point("C4", 0, depth, 0)
    r1 = s.point("C5", depth / 2, depth / 2, h)
    r2 = s.point("C6", length - depth / 2, depth / 2, h)
    for p, q in ((a, b), (b, c), (c, d), (d, a)):
        s.edge(p, q, "EAVE")
    for p, q in ((a, r1), (b, r2), (c, r2), (d, r1)):
        s.edge(p, q, "HIP")
    s.edge(r1, r2, "RIDGE")
    s.facet("F1", a, b, r2, r1)
    s.facet("F2", b, c, r2)
    s.facet("F3", c, d, r1, r2)
    s.facet("F4", d, a, r1)
    return s


def l_shaped(sid: str, length: float, depth: float, wing: float, rise: float) -> StructureDef:
    """Two gables of equal span meeting at a corner: one hip outside, one valley inside."""
    s = StructureDef(sid)
    h = depth / 2 * rise / 12
    lx, d2 = length, depth / 2
    p = {
        "o": s.point("C1", 0, 0, 0),
        "e": s.point("C2", lx, 0, 0),
        "wne": s.point("C3", lx, depth + wing, 0),
        "wnw": s.point("C4", lx - depth, depth + wing, 0),
        "in": s.point("C5", lx - depth, depth, 0),
        "bw": s.point("C6", 0, depth, 0),
        "rw": s.point("C7", 0, d2, h),
        "rc": s.point("C8", lx - d2, d2, h),
        "rn": s.point("C9", lx - d2, depth + wing, h),
    }
    s.edge(p["o"], p["e"], "EAVE")
    s.edge(p["e"], p["rc"], "HIP")
    s.edge(p["rc"], p["rw"], "RIDGE")
    s.edge(p["rw"], p["o"], "RAKE")
    s.edge(p["rc"], p["in"], "VALLEY")
    s.edge(p["in"], p["bw"], "EAVE")
    s.edge(p["bw"], p["rw"], "RAKE")
    s.edge(p["e"], p["wne"], "EAVE")
    s.edge(p["wne"], p["rn"], "RAKE")
    s.edge(p["rn"], p["rc"], "RIDGE")
    s.edge(p["rn"], p["wnw"], "RAKE")
    s.edge(p["wnw"], p["in"], "EAVE")
    s.facet("F1", p["o"], p["e"], p["rc"], p["rw"])
    s.facet("F2", p["rw"], p["rc"], p["in"], p["bw"])
    s.facet("F3", p["e"], p["wne"], p["rn"], p["rc"])
    s.facet("F4", p["in"], p["rc"], p["rn"], p["wnw"])
    return s


def gable_with_dormer(sid: str) -> StructureDef:
    """A 8/12 gable with a small gable dormer on its back slope and a skylight on the front."""
    s = StructureDef(sid)
    length, depth, rise = 40.0, 30.0, 8.0
    k = rise / 12
    h = depth / 2 * k
    ax, w, proj = 16.0, 8.0, 6.0
    hd = w / 2 * k
    a, b = s.point("C1", 0, 0, 0), s.point("C2", length, 0, 0)
    c, d = s.point("C3", length, depth, 0), s.point("C4", 0, depth, 0)
    r1, r2 = s.point("C5", 0, depth / 2, h), s.point("C6", length, depth / 2, h)
    dw, de = s.point("C7", ax, depth, 0), s.point("C8", ax + w, depth, 0)
    dv = s.point("C9", ax + w / 2, depth - w / 2, hd)
    dn = s.point("C10", ax + w / 2, depth + proj, hd)
    dnw, dne = s.point("C11", ax, depth + proj, 0), s.point("C12", ax + w, depth + proj, 0)
    s.edge(a, b, "EAVE")
    s.edge(b, r2, "RAKE")
    s.edge(r2, r1, "RIDGE")
    s.edge(r1, a, "RAKE")
    s.edge(r2, c, "RAKE")
    s.edge(c, de, "EAVE")
    s.edge(de, dv, "VALLEY")
    s.edge(dv, dw, "VALLEY")
    s.edge(dw, d, "EAVE")
    s.edge(d, r1, "RAKE")
    s.edge(dv, dn, "RIDGE")
    s.edge(dn, dnw, "RAKE")
    s.edge(dnw, dw, "EAVE")
    s.edge(dn, dne, "RAKE")
    s.edge(dne, de, "EAVE")
    s.facet("F1", a, b, r2, r1)
    s.facet("F2", r1, r2, c, de, dv, dw, d)
    s.facet("F3", dw, dv, dn, dnw)
    s.facet("F4", de, dne, dn, dv)
    # A 3 ft x 3 ft (plan) skylight in the front slope.
    s1 = s.point("C13", 5, 3, 3 * k)
    s2 = s.point("C14", 8, 3, 3 * k)
    s3 = s.point("C15", 8, 6, 6 * k)
    s4 = s.point("C16", 5, 6, 6 * k)
    s.edge(s1, s2, "FLASHING")
    s.edge(s2, s3, "FLASHING")
    s.edge(s3, s4, "FLASHING")
    s.edge(s4, s1, "FLASHING")
    s.facet("P1", s1, s2, s3, s4, kind="penetration")
    return s


def gable_with_low_slope(sid: str) -> StructureDef:
    """A 6/12 gable with a 1/12 shed extension against its end wall (flashed)."""
    s = gable(sid, 40.0, 30.0, 6.0)
    top = 4.0
    low = top - 15.0 / 12.0
    w1, w2 = s.point("C7", 40, 0, top), s.point("C8", 40, 30, top)
    e1, e2 = s.point("C9", 55, 0, low), s.point("C10", 55, 30, low)
    s.edge(w1, w2, "FLASHING")
    s.edge(w2, e2, "RAKE")
    s.edge(e2, e1, "EAVE")
    s.edge(e1, w1, "RAKE")
    s.facet("F3", w1, w2, e2, e1)
    return s


def saltbox(sid: str) -> StructureDef:
    """Mixed pitches: an 8/12 front slope and a 4/12 back slope meeting off-centre."""
    s = StructureDef(sid)
    length, depth = 36.0, 30.0
    yr = depth / 3
    h = yr * 8 / 12
    a, b = s.point("C1", 0, 0, 0), s.point("C2", length, 0, 0)
    c, d = s.point("C3", length, depth, 0), s.point("C4", 0, depth, 0)
    r1, r2 = s.point("C5", 0, yr, h), s.point("C6", length, yr, h)
    s.edge(a, b, "EAVE")
    s.edge(b, r2, "RAKE")
    s.edge(r2, r1, "RIDGE")
    s.edge(r1, a, "RAKE")
    s.edge(c, d, "EAVE")
    s.edge(d, r1, "RAKE")
    s.edge(r2, c, "RAKE")
    s.facet("F1", a, b, r2, r1)
    s.facet("F2", r1, r2, c, d)
    return s


def all_roofs() -> list[RoofDef]:
    return [
        RoofDef("gable", [gable("1", 40.0, 30.0, 6.0)], report_id="90000001"),
        RoofDef("hip", [hip("1", 50.0, 30.0, 5.0)], report_id="90000002"),
        RoofDef("l_shaped", [l_shaped("1", 50.0, 24.0, 20.0, 8.0)], report_id="90000003"),
        RoofDef("dormers", [gable_with_dormer("1")], report_id="90000004"),
        RoofDef("low_slope", [gable_with_low_slope("1")], report_id="90000005"),
        RoofDef(
            "two_structures",
            [hip("1", 44.0, 28.0, 6.0), gable("2", 24.0, 22.0, 4.0, x0=60.0)],
            report_id="90000006",
        ),
        RoofDef("mixed_pitches", [saltbox("1")], report_id="90000007"),
    ]
