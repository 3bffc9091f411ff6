"""DXF drawings of roofs: 3D models (true areas) or 2D plans (areas from plan and pitch).

The drawing is read into primitives in feet (:mod:`dxf_read`), turned into facets
(:mod:`dxf_facets`) and typed edges (:mod:`dxf_edges`), and split into structures: facets whose
plan extents touch (within :data:`STRUCTURE_GAP_FT`) belong to the same building. Everything is
*computed*, so a DXF report has no vendor summary to check against; its checks are the internal
ones (area by pitch, drip edge, plausibility).
"""

from __future__ import annotations

from dataclasses import dataclass

from roofkit_importer.parsers import dxf_edges, dxf_facets, dxf_read
from roofkit_importer.parsers.dxf_edges import DxfEdge
from roofkit_importer.parsers.dxf_facets import DxfFacet, key
from roofkit_importer.parsers.dxf_index import BoxIndex
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source
from roofkit_importer.report.assembly import ReportBuilder, StructureDraft
from roofkit_importer.report.model import (
    CoordinateSystem,
    Facet,
    Geometry,
    GeometryEdge,
    Pitch,
    Vertex,
)
from roofkit_importer.report.totals import from_edges, from_facets

STRUCTURE_GAP_FT = 1.0
MAX_CLUSTERED_FACETS = 2000


@dataclass
class _Group:
    facets: list[DxfFacet]
    bbox: tuple[float, float, float, float]


def _touch(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    gap = STRUCTURE_GAP_FT
    return not (a[2] + gap < b[0] or b[2] + gap < a[0] or a[3] + gap < b[1] or b[3] + gap < a[1])


def _structures(facets: list[DxfFacet]) -> list[_Group]:
    if not facets:
        return []
    if len(facets) > MAX_CLUSTERED_FACETS:
        boxes = [f.bbox for f in facets]
        whole = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        return [_Group(facets, whole)]
    groups: list[_Group] = []
    for facet in facets:
        box = facet.bbox
        touching = [g for g in groups if _touch(g.bbox, box)]
        members = [facet] + [f for g in touching for f in g.facets]
        for g in touching:
            groups.remove(g)
        boxes = [box, *(g.bbox for g in touching)]
        groups.append(
            _Group(
                members,
                (
                    min(b[0] for b in boxes),
                    min(b[1] for b in boxes),
                    max(b[2] for b in boxes),
                    max(b[3] for b in boxes),
                ),
            )
        )
    groups.sort(key=lambda g: (round(g.bbox[0], 3), round(g.bbox[1], 3)))
    return groups


def _geometry(
    facets: list[DxfFacet], edges: list[DxfEdge], units: str
) -> tuple[Geometry, list[GeometryEdge]]:
    vertices: dict[tuple[float, float, float], Vertex] = {}

    def vertex(p: tuple[float, float, float]) -> str:
        k = key(p)
        if k not in vertices:
            vertices[k] = Vertex(id=f"V{len(vertices) + 1}", x=k[0], y=k[1], z=k[2])
        return vertices[k].id

    geo_edges = [
        GeometryEdge(
            id=f"E{i + 1}",
            type=e.type,
            vendor_type=e.vendor_type,
            vertex_ids=[vertex(e.a), vertex(e.b)],
            length_ft=round(e.length, 4),
        )
        for i, e in enumerate(edges)
    ]
    by_ends = {frozenset(g.vertex_ids): g.id for g in geo_edges}
    model_facets = []
    for facet in facets:
        edge_ids = [
            by_ends[ends]
            for a, b in facet.outline
            if (ends := frozenset((vertex(a), vertex(b)))) in by_ends
        ]
        model_facets.append(
            Facet(
                id=facet.id,
                label=facet.label,
                kind=facet.kind,
                edge_ids=edge_ids,
                pitch=facet.pitch,
                area_sqft=None if facet.area is None else round(facet.area, 4),
                plan_area_sqft=round(facet.plan_area, 4),
                azimuth_deg=facet.azimuth,
            )
        )
    geometry = Geometry(
        coordinate_system=CoordinateSystem(kind="local_feet", source_units=units),
        vertices=list(vertices.values()),
        edges=geo_edges,
        facets=model_facets,
    )
    return geometry, geo_edges


def _inside(box: tuple[float, float, float, float], edge: DxfEdge) -> bool:
    x = (edge.a[0] + edge.b[0]) / 2.0
    y = (edge.a[1] + edge.b[1]) / 2.0
    gap = STRUCTURE_GAP_FT
    return box[0] - gap <= x <= box[2] + gap and box[1] - gap <= y <= box[3] + gap


def _edges_by_group(groups: list[_Group], edges: list[DxfEdge]) -> list[list[DxfEdge]]:
    """Each edge goes to the first structure whose box (plus the gap) holds its midpoint."""
    index = BoxIndex(groups, [g.bbox for g in groups], margin=STRUCTURE_GAP_FT)
    members: dict[int, list[DxfEdge]] = {id(g): [] for g in groups}
    for edge in edges:
        x = (edge.a[0] + edge.b[0]) / 2.0
        y = (edge.a[1] + edge.b[1]) / 2.0
        owner = next((g for g in index.near(x, y) if _inside(g.bbox, edge)), None)
        if owner is not None:
            members[id(owner)].append(edge)
    return [members[id(g)] for g in groups]


def interpret(
    drawing: dxf_read.Drawing, builder: ReportBuilder, companion: dict[str, Pitch]
) -> bool:
    plan = dxf_facets.is_flat_drawing(drawing.polygons)
    if plan:
        facets = dxf_facets.facets_2d(drawing.polygons, drawing.labels)
    else:
        facets = dxf_facets.facets_3d(drawing.polygons)
    groups = _structures(facets) or [_Group([], (-1e18, -1e18, 1e18, 1e18))]
    if plan and companion:
        for number, group in enumerate(groups, start=1):
            for facet in group.facets:
                if facet.pitch is None and facet.label is not None:
                    found = companion.get(f"{number}/{facet.label}") or companion.get(facet.label)
                    dxf_facets.set_pitch(facet, found)
    typed = dxf_edges.typed_segments(drawing.segments)
    if typed:
        edges, flat = dxf_edges.from_lines(typed, facets, plan)
        if flat:
            builder.warn(
                "EDGE_PLAN_LENGTH",
                f"{flat} sloped edges of the plan have no known slope; their plan length is used.",
            )
    elif not plan:
        edges = dxf_edges.from_outlines(facets)
    else:
        edges = []
    if not facets and not edges:
        return False
    if drawing.units_assumed:
        builder.warn("DXF_UNITS_ASSUMED", drawing.units_assumed, "$INSUNITS")
    if plan and facets:
        builder.warn(
            "DXF_PLAN_GEOMETRY",
            "The drawing is a 2D plan: true areas are plan areas scaled by each facet's pitch.",
        )
    members_of = _edges_by_group(groups, edges)
    for number, (group, members) in enumerate(zip(groups, members_of, strict=True), start=1):
        sid = str(number)
        for facet in group.facets:
            locator = f"handle {facet.handles[0]}" if facet.handles else None
            builder.record(f"structures[{sid}].geometry.facets[{facet.id}]", locator, facet.layer)
            if facet.overruled_pitches and facet.pitch is not None:
                builder.warn(
                    "PITCH_LABELS_DISAGREE",
                    f"Facet {facet.label or facet.id} holds more than one pitch label; the "
                    f"first, {facet.pitch.rise:g}/12, is used "
                    f"(also: {', '.join(facet.overruled_pitches)}).",
                    locator,
                )
            if facet.kind == "roof" and facet.pitch is None:
                builder.warn(
                    "PITCH_UNKNOWN",
                    f"Facet {facet.label or facet.id} has no pitch (no label, layer name or "
                    "companion table gives one): only its plan area is known.",
                    locator,
                )
        geometry, geo_edges = _geometry(group.facets, members, drawing.units)
        computed = from_facets(geometry.facets)
        if geo_edges:
            computed.edges = from_edges(geo_edges)
        builder.structures.append(
            StructureDraft(
                id=sid,
                computed=computed,
                geometry=geometry,
                computed_from="plan geometry" if plan else "3D geometry",
            )
        )
    return True


def parse_with_companion(
    source: Source, limits: ParseLimits, companion: dict[str, Pitch]
) -> ParseResult:
    """:func:`parse`, with pitches from a companion table of the same package.

    ``companion`` maps ``"<structure>/<facet label>"`` (and a bare facet label, when it is
    unambiguous) to a pitch; plan facets without a pitch of their own take it from there.
    """
    drawing = dxf_read.read(source.path, source.name, limits)
    builder = ReportBuilder(file=source.name, method="dxf")
    if not interpret(drawing, builder, companion):
        raise ParseError.for_file(
            "report_unsupported",
            source.name,
            "no_measurements",
            "The drawing has no roof facets (3D faces or closed outlines) and no typed edges.",
        )
    report = builder.build()
    return ParseResult(report=report, files=[source.as_file()], warnings=report.quality.warnings)


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    return parse_with_companion(source, limits, {})
