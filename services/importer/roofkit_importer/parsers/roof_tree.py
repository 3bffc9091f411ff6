"""The EagleView-style measurement tree, shared by the XML and JSON parsers.

``REPORT``/``LOCATION`` carry identity, ``STRUCTURES`` → ``ROOF`` carry geometry
(``FACES/FACE/POLYGON``, ``LINES/LINE``, ``POINTS/POINT``) and ``OVERALL_SUMMARY/ATTRIBUTE`` the
vendor's totals. The XML and JSON front ends both turn their input into :class:`Node` trees, so
the rules live once, here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from roofkit_importer.parsers import summary_labels
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.report import geometry as geo
from roofkit_importer.report.assembly import IdScope, ReportBuilder, StructureDraft
from roofkit_importer.report.edge_types import edge_type
from roofkit_importer.report.model import (
    Check,
    CoordinateSystem,
    EdgeType,
    Facet,
    FacetKind,
    Geometry,
    GeometryEdge,
    Summary,
    Vertex,
)
from roofkit_importer.report.totals import from_edges, from_facets, is_blank
from roofkit_importer.report.units import parse_number, parse_pitch, pitch_from_rise

DIALECTS = {
    "EAGLEVIEW_EXPORT": ("eagleview", None),
    "DATA_EXPORT": ("hover", None),
    "SKETCH_IMPORT": ("applicad", None),
    "GENERIC_ROUGHDRAFT": ("xactimate", "roughdraft"),
    "XACTDOC": ("xactimate", "esx"),
}
# A roof's vertices, edges and facets are each validated together, in one call into pydantic-core.
_VERTEX_LIST = TypeAdapter(list[Vertex])
_EDGE_LIST = TypeAdapter(list[GeometryEdge])
_FACET_LIST = TypeAdapter(list[Facet])
_FACE_KINDS: dict[str, FacetKind] = {
    "ROOF": "roof",
    "ROOFPENETRATION": "penetration",
    "PENETRATION": "penetration",
    "WALL": "wall",
}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    locator: str
    children: list[Node] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        value = self.attrs.get(name)
        if value is None:
            lowered = name.lower()
            for key, candidate in self.attrs.items():
                if key.lower() == lowered:
                    return candidate
        return value

    def find(self, tag: str) -> Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]

    def iter(self, tag: str) -> Iterator[Node]:
        stack = [self]
        while stack:
            node = stack.pop()
            if node.tag == tag:
                yield node
            stack.extend(reversed(node.children))


def _points(roof: Node, name: str) -> dict[str, tuple[float, float, float]]:
    points: dict[str, tuple[float, float, float]] = {}
    container = roof.find("POINTS")
    for point in container.findall("POINT") if container else []:
        pid, data = point.get("id"), point.get("data")
        if not pid or not data:
            continue
        parts = [parse_number(p) for p in data.split(",")[:3]]
        if len(parts) != 3 or any(p is None for p in parts):
            raise ParseError.for_file(
                "report_unreadable",
                name,
                "geometry_invalid",
                f"Point {pid} has no x,y,z data ({point.locator}).",
            )
        x, y, z = (float(p or 0.0) for p in parts)
        if points.setdefault(pid, (x, y, z)) != (x, y, z):
            raise ParseError.for_file(
                "report_unreadable",
                name,
                "geometry_invalid",
                f"Point {pid} is defined twice, at two places ({point.locator}).",
            )
    return points


def _read_roof(
    roof: Node,
    structure_id: str,
    builder: ReportBuilder,
    limits: ParseLimits,
    dialect: str,
) -> StructureDraft:
    name = builder.file
    points = _points(roof, name)
    lines_node = roof.find("LINES")
    faces_node = roof.find("FACES")
    lines = lines_node.findall("LINE") if lines_node else []
    faces = faces_node.findall("FACE") if faces_node else []
    if len(points) + len(lines) + len(faces) > limits.max_geometry_items:
        raise ParseError.for_file(
            "report_unreadable", name, "geometry_invalid", "The roof has too many geometry items."
        )
    scope = f"structures[{structure_id}]"

    line_ends: dict[str, tuple[str, str]] = {}
    line_types: dict[str, tuple[EdgeType, str]] = {}
    for line in lines:
        lid, path = line.get("id"), line.get("path")
        if not lid or not path:
            continue
        ends = [p.strip() for p in path.split(",")]
        if len(ends) != 2 or ends[0] not in points or ends[1] not in points:
            builder.warn(
                "GEOMETRY_LINE_INVALID", f"Line {lid} does not join two points.", line.locator
            )
            continue
        vendor = (line.get("type") or "").strip()
        line_kind: EdgeType = edge_type(vendor) if vendor else "unspecified"
        if dialect == "applicad" and line_kind == "ridge":
            line_kind = "ridge_and_hip"
        if lid in line_ends and (line_ends[lid], line_types[lid]) != (
            (ends[0], ends[1]),
            (line_kind, vendor),
        ):
            raise ParseError.for_file(
                "report_unreadable",
                name,
                "geometry_invalid",
                f"Line {lid} is defined twice, differently ({line.locator}).",
            )
        line_ends[lid] = (ends[0], ends[1])
        line_types[lid] = (line_kind, vendor)

    facet_fields: list[dict[str, Any]] = []
    facet_ids = IdScope()
    roof_lines: set[str] = set()
    penetration_lines: dict[str, list[str]] = {}
    stated_area = newell_area = 0.0
    pitch_gap = 0.0
    for face in faces:
        polygon = face.find("POLYGON")
        fid = facet_ids.claim(face.get("id") or f"F{len(facet_fields) + 1}")
        kind = _FACE_KINDS.get((face.get("type") or "ROOF").upper(), "other")
        path = (polygon.get("path") if polygon else None) or ""
        line_ids = [p.strip() for p in path.split(",") if p.strip() in line_ends]
        loop = geo.chain([line_ends[lid] for lid in line_ids])
        computed = geo.polygon_metrics([points[p] for p in loop]) if loop else None
        if loop is None and line_ids:
            builder.warn(
                "GEOMETRY_CHAIN_BROKEN",
                f"The lines of facet {fid} do not form a closed polygon.",
                face.locator,
            )
        stated = None
        pitch = None
        azimuth = None
        if polygon is not None:
            stated = parse_number(polygon.get("unroundedsize")) or parse_number(polygon.get("size"))
            pitch = parse_pitch(parse_number(polygon.get("pitch")))
            azimuth = parse_number(polygon.get("orientation"))
        area = stated
        if area is None and computed is not None:
            area = computed.area
        if pitch is None and computed is not None and computed.rise is not None:
            pitch = pitch_from_rise(computed.rise)
        if stated is not None and computed is not None and kind == "roof":
            stated_area += stated
            newell_area += computed.area
            if pitch is not None and computed.rise is not None:
                pitch_gap = max(pitch_gap, abs(pitch.rise - computed.rise))
        if azimuth is None and computed is not None:
            azimuth = computed.azimuth
        facet_fields.append(
            {
                "id": fid,
                "label": face.get("designator") or face.get("name"),
                "kind": kind,
                "edge_ids": line_ids,
                "pitch": pitch,
                "area_sqft": None if area is None else round(area, 4),
                "plan_area_sqft": None if computed is None else round(computed.plan_area, 4),
                "azimuth_deg": None if azimuth is None else round(azimuth % 360.0, 2),
            }
        )
        source = "unroundedsize" if polygon and polygon.get("unroundedsize") else "size"
        builder.record(
            f"{scope}.geometry.facets[{fid}].area_sqft",
            f"{face.locator}/POLYGON/@{source}" if stated is not None else face.locator,
            stated,
            method=None if stated is not None else "computed",
        )
        if kind == "roof":
            roof_lines.update(line_ids)
        elif kind == "penetration":
            penetration_lines[fid] = line_ids

    facets: list[Facet] = _FACET_LIST.validate_python(facet_fields)
    edge_fields: list[dict[str, Any]] = []
    for lid, (a, b) in line_ends.items():
        line_kind, vendor = line_types[lid]
        edge_fields.append(
            {
                "id": lid,
                "type": line_kind,
                "vendor_type": vendor or None,
                "vertex_ids": [a, b],
                "length_ft": round(geo.distance(points[a], points[b]), 4),
            }
        )
    edges: list[GeometryEdge] = _EDGE_LIST.validate_python(edge_fields)
    # Lines that only outline penetrations are not roof edges.
    penetration_only = {lid for ids in penetration_lines.values() for lid in ids} - roof_lines
    counted = [e for e in edges if e.id not in penetration_only]
    computed_summary = from_facets(facets) if facets else Summary()
    computed_summary.edges = from_edges(counted)
    if penetration_lines:
        lengths = {e.id: e.length_ft for e in edges}
        computed_summary.penetrations.perimeter_ft = round(
            sum(lengths.get(lid, 0.0) for ids in penetration_lines.values() for lid in ids), 2
        )
    if dialect == "applicad" and any(e.type == "ridge_and_hip" for e in edges):
        builder.warn(
            "RIDGE_INCLUDES_HIPS",
            "This sketch format records hips as ridges; ridges and hips are reported together.",
            roof.locator,
        )
    if stated_area > 0:
        builder.extra_checks.append(
            Check(
                name="facet_area_geometry",
                scope=scope,
                expected=round(stated_area, 4),
                actual=round(newell_area, 4),
                tolerance=round(max(1.0, 0.005 * stated_area), 4),
                passed=abs(stated_area - newell_area) <= max(1.0, 0.005 * stated_area),
            )
        )
        builder.extra_checks.append(
            Check(
                name="facet_pitch_geometry",
                scope=scope,
                expected=0.0,
                actual=round(pitch_gap, 4),
                tolerance=0.1,
                passed=pitch_gap <= 0.1,
            )
        )
    north = parse_number(roof.get("northorientation"))
    geometry = Geometry(
        coordinate_system=CoordinateSystem(
            kind="local_feet", north_orientation_deg=north, source_units="ft"
        ),
        vertices=_VERTEX_LIST.validate_python(
            [{"id": p, "x": x, "y": y, "z": z} for p, (x, y, z) in points.items()]
        ),
        edges=edges,
        facets=facets,
    )
    return StructureDraft(
        id=structure_id,
        name=roof.get("name"),
        computed=computed_summary,
        geometry=geometry if points or facets else None,
        computed_from="geometry",
    )


def _identity(root: Node, builder: ReportBuilder) -> None:
    report = next(root.iter("REPORT"), None)
    if report is not None:
        for attr, path in (
            ("reportId", "report.vendor_report_id"),
            ("claimId", "report.related_ids.claim"),
        ):
            value = report.get(attr)
            if value:
                target = builder.info if path.count(".") == 1 else builder.info.related_ids
                setattr(target, path.rsplit(".", 1)[1], value.strip()[:200])
                builder.record(path, f"{report.locator}/@{attr}", value)
        date = report.get("date") or report.get("reportDate")
        if date:
            builder.info.report_date = date.strip()[:50]
            builder.record("report.report_date", f"{report.locator}/@date", date)
    location = next(root.iter("LOCATION"), None)
    if location is not None:
        address = builder.property.address
        for attr, name in (
            ("address", "line1"),
            ("city", "city"),
            ("state", "region"),
            ("postal", "postal_code"),
            ("country", "country"),
        ):
            value = location.get(attr)
            if value:
                setattr(address, name, value.strip()[:200])
                builder.record(f"property.address.{name}", f"{location.locator}/@{attr}", value)
        parts = [address.line1, address.city, address.region, address.postal_code]
        if any(parts):
            address.raw = ", ".join(p for p in parts if p)
        for attr, name, limit in (("lat", "latitude", 90.0), ("long", "longitude", 180.0)):
            number = parse_number(location.get(attr) or location.get(name))
            if number is not None and abs(number) <= limit:
                setattr(builder.property, name, number)
                builder.record(f"property.{name}", f"{location.locator}/@{attr}", number)


def interpret(root: Node, builder: ReportBuilder, limits: ParseLimits) -> None:
    """Read a measurement tree into ``builder``; raises when it holds nothing to import."""
    dialect, product = DIALECTS.get(root.tag, ("unknown", None))
    builder.info.vendor = dialect
    builder.info.product = product
    _identity(root, builder)
    summary_node = next(root.iter("OVERALL_SUMMARY"), None)
    if summary_node is not None:
        reported = Summary()
        for attribute in summary_node.findall("ATTRIBUTE"):
            label, value = attribute.get("name"), attribute.get("value")
            if label and value is not None:
                summary_labels.apply_label(
                    builder, reported, label, value, f"{attribute.locator}/@value"
                )
        summary_labels.finish_area_by_pitch(reported)
        if not is_blank(reported):
            builder.reported = reported
    structure_ids = IdScope()
    for index, roof in enumerate(root.iter("ROOF")):
        structure_id = structure_ids.claim(roof.get("id") or str(index + 1))
        builder.structures.append(_read_roof(roof, structure_id, builder, limits, dialect))
    if builder.reported is None and not builder.structures:
        if dialect == "xactimate" and (
            builder.info.vendor_report_id or builder.property.address.raw
        ):
            builder.warn("NO_MEASUREMENTS", "The file carries report details but no measurements.")
            return
        raise ParseError.for_file(
            "report_unsupported",
            builder.file,
            "no_measurements",
            "The file holds no roof geometry and no measurement summary.",
        )


def check_dialect(root_tag: str, name: str, reason: str) -> None:
    if root_tag not in DIALECTS:
        raise ParseError.for_file(
            "report_unsupported",
            name,
            reason,
            f"Documents with root element {root_tag[:60]!r} are not a known roof report dialect.",
        )
