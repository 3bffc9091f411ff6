"""EagleView-like XML (``EAGLEVIEW_EXPORT``), with and without ``OVERALL_SUMMARY``."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from tests.corpus.renderers import Sample
from tests.corpus.renderers.summary import summary_attributes
from tests.corpus.roofs import RoofDef, StructureDef, facet_truth

GEOMETRY = frozenset(
    {
        "total_area",
        "facet_count",
        "predominant_pitch",
        "area_by_pitch",
        "edges",
        "penetrations",
        "structures",
        "identity",
    }
)


def roof_xml(structure: StructureDef, *, name_attr: str = "designator", sizes: bool = True) -> str:
    out = [f'    <ROOF id="ROOF{structure.id}">', "      <FACES>"]
    for facet in structure.facets:
        truth = facet_truth(structure, facet)
        kind = "ROOF" if facet.kind == "roof" else "ROOFPENETRATION"
        path = ",".join(structure.edge_ids_of(facet))
        size = (
            f' size="{round(truth["area"])}" unroundedsize="{truth["area"]:.6f}"' if sizes else ""
        )
        out.append(
            f'        <FACE id="{facet.id}" type="{kind}" {name_attr}="{facet.id}" children="">'
            f'<POLYGON id="P{facet.id}" path="{path}" pitch="{truth["rise"]:.4f}"{size}/></FACE>'
        )
    out.append("      </FACES>\n      <LINES>")
    for eid, (a, b, kind) in structure.edges.items():
        out.append(f'        <LINE id="{eid}" path="{a},{b}" type="{kind}"/>')
    out.append("      </LINES>\n      <POINTS>")
    for pid, (x, y, z) in structure.points.items():
        out.append(f'        <POINT id="{pid}" data="{x:.6f},{y:.6f},{z:.6f}"/>')
    out.append("      </POINTS>\n    </ROOF>")
    return "\n".join(out)


def document(roof: RoofDef, truth: dict[str, Any], *, summary: bool) -> bytes:
    line1, city, state, postal = roof.address
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<EAGLEVIEW_EXPORT>",
        f'  <REPORT reportId="{roof.report_id}" claimId="CLM-{roof.report_id}"/>',
        f'  <LOCATION address={quoteattr(line1)} city={quoteattr(city)} state="{state}" '
        f'postal="{postal}" lat="39.78" long="-89.65"/>',
        '  <STRUCTURES northorientation="0">',
    ]
    out.extend(roof_xml(s) for s in roof.structures)
    out.append("  </STRUCTURES>")
    if summary:
        out.append("  <OVERALL_SUMMARY>")
        for name, value in summary_attributes(truth):
            out.append(f'    <ATTRIBUTE name="{name}" value="{value}"/>')
        out.append("  </OVERALL_SUMMARY>")
    out.append("</EAGLEVIEW_EXPORT>")
    return "\n".join(out).encode()


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    return [
        Sample(f"{roof.name}.eagleview.xml", "xml", document(roof, truth, summary=True), GEOMETRY),
        Sample(
            f"{roof.name}.eagleview-nosummary.xml",
            "xml",
            document(roof, truth, summary=False),
            GEOMETRY,
        ),
    ]
