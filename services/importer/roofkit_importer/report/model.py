"""The normalized roof report, ``roofkit.report/v1``.

Every parser produces this one model; the Partner API returns it under ``report`` and its JSON
Schema (``RoofReport.model_json_schema()``) is published as ``docs/report.schema.json``.

Units are US imperial throughout: areas in sq ft (true, sloped areas unless the field says
``plan``), lengths in ft, pitch as rise per 12. A ``None`` means "the source does not say"; a zero
means the source (or the geometry) says zero.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "roofkit.report/v1"

EdgeType = Literal[
    "ridge",
    "hip",
    "ridge_and_hip",
    "valley",
    "rake",
    "eave",
    "drip_edge",
    "flashing",
    "step_flashing",
    "parapet",
    "transition",
    "unspecified",
]
EDGE_TYPES: tuple[str, ...] = (
    "ridge",
    "hip",
    "ridge_and_hip",
    "valley",
    "rake",
    "eave",
    "drip_edge",
    "flashing",
    "step_flashing",
    "parapet",
    "transition",
    "unspecified",
)
FacetKind = Literal["roof", "penetration", "wall", "other"]
Method = Literal["pdf_text", "xml", "json", "csv", "xlsx", "dxf", "computed"]


class _Model(BaseModel):
    # Extra keys are refused so that a stored report always validates against the published
    # schema; `schema` is a reserved BaseModel attribute, hence the alias handling below.
    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class Pitch(_Model):
    """A roof pitch: ``rise`` per ``run`` (always 12) and the same slope in degrees."""

    # Frozen: the unit readers hand out one instance per distinct pitch, shared by many facets.
    # (A comment, not the docstring: the docstring is published in the JSON Schema.)
    model_config = ConfigDict(frozen=True)

    rise: float
    run: float = 12.0
    degrees: float


class RelatedIds(_Model):
    claim: str | None = None
    purchase_order: str | None = None
    order: str | None = None


class ReportInfo(_Model):
    """Who produced the report, and which one it is."""

    vendor: str = "unknown"
    product: str | None = None
    vendor_report_id: str | None = None
    related_ids: RelatedIds = Field(default_factory=RelatedIds)
    report_date: str | None = None
    imagery_source: str | None = None
    imagery_date: str | None = None


class Address(_Model):
    raw: str | None = None
    line1: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class PropertyInfo(_Model):
    address: Address = Field(default_factory=Address)
    latitude: float | None = None
    longitude: float | None = None


class Party(_Model):
    """A person or company named in the report (personal data lives only here)."""

    role: str | None = None
    name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None


class EdgeTotal(_Model):
    length_ft: float | None = None
    count: int | None = None


class EdgeTotals(_Model):
    """Edge lengths per type; ``None`` when the source says nothing about that type."""

    ridge: EdgeTotal | None = None
    hip: EdgeTotal | None = None
    ridge_and_hip: EdgeTotal | None = None
    valley: EdgeTotal | None = None
    rake: EdgeTotal | None = None
    eave: EdgeTotal | None = None
    drip_edge: EdgeTotal | None = None
    flashing: EdgeTotal | None = None
    step_flashing: EdgeTotal | None = None
    parapet: EdgeTotal | None = None
    transition: EdgeTotal | None = None
    unspecified: EdgeTotal | None = None


class AreaByPitch(_Model):
    pitch: Pitch
    area_sqft: float
    percent: float | None = None


class Penetrations(_Model):
    count: int | None = None
    area_sqft: float | None = None
    perimeter_ft: float | None = None


class WasteRow(_Model):
    percent: float
    area_sqft: float | None = None
    squares: float | None = None


class Waste(_Model):
    basis: str | None = None
    base_area_sqft: float | None = None
    suggested_percent: float | None = None
    rows: list[WasteRow] = Field(default_factory=list)


class Summary(_Model):
    """Totals for the whole report or one structure."""

    total_area_sqft: float | None = None
    total_area_less_penetrations_sqft: float | None = None
    squares: float | None = None
    facet_count: int | None = None
    predominant_pitch: Pitch | None = None
    stories: int | None = None
    complexity: str | None = None
    area_by_pitch: list[AreaByPitch] = Field(default_factory=list)
    edges: EdgeTotals = Field(default_factory=EdgeTotals)
    penetrations: Penetrations = Field(default_factory=Penetrations)
    waste: Waste = Field(default_factory=Waste)


class Vertex(_Model):
    id: str
    x: float
    y: float
    z: float


class GeometryEdge(_Model):
    id: str
    type: EdgeType
    vendor_type: str | None = None
    vertex_ids: list[str]
    length_ft: float


class Facet(_Model):
    id: str
    label: str | None = None
    kind: FacetKind = "roof"
    edge_ids: list[str] = Field(default_factory=list)
    pitch: Pitch | None = None
    area_sqft: float | None = None
    plan_area_sqft: float | None = None
    azimuth_deg: float | None = None


class CoordinateSystem(_Model):
    kind: Literal["local_feet", "drawing_units", "wgs84"] = "local_feet"
    north_orientation_deg: float | None = None
    source_units: str | None = None


class Geometry(_Model):
    coordinate_system: CoordinateSystem = Field(default_factory=CoordinateSystem)
    vertices: list[Vertex] = Field(default_factory=list)
    edges: list[GeometryEdge] = Field(default_factory=list)
    facets: list[Facet] = Field(default_factory=list)


class Structure(_Model):
    id: str
    name: str | None = None
    summary: Summary = Field(default_factory=Summary)
    geometry: Geometry | None = None


class Provenance(_Model):
    """Where one extracted value came from. ``field`` is a dotted path into the report."""

    field: str
    file: str
    method: Method
    locator: str | None = None
    raw: str | None = None


class Check(_Model):
    """One cross-check: ``passed`` when ``|expected - actual| <= tolerance``."""

    name: str
    scope: str = "report"
    expected: float | None = None
    actual: float | None = None
    tolerance: float | None = None
    passed: bool


class ConflictValue(_Model):
    file: str
    value: float | str | None


class Conflict(_Model):
    field: str
    values: list[ConflictValue]
    chosen: float | str | None = None
    rule: str


class ReportWarning(_Model):
    """A stable ``code`` clients may branch on, and a ``message`` for people."""

    code: str
    message: str
    file: str | None = None
    locator: str | None = None


class Quality(_Model):
    checks: list[Check] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    warnings: list[ReportWarning] = Field(default_factory=list)
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)


class RoofReport(_Model):
    """A roof measurement report, normalized."""

    schema_: Literal["roofkit.report/v1"] = Field(default="roofkit.report/v1", alias="schema")
    report: ReportInfo = Field(default_factory=ReportInfo)
    property: PropertyInfo = Field(default_factory=PropertyInfo)
    parties: list[Party] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    structures: list[Structure] = Field(default_factory=list)
    provenance: list[Provenance] = Field(default_factory=list)
    quality: Quality = Field(default_factory=Quality)
