"""EagleView JSON: the XML tree with ``@`` attributes; single children as objects."""

from __future__ import annotations

import json
from typing import Any

from tests.corpus.renderers import Sample
from tests.corpus.renderers.summary import summary_attributes
from tests.corpus.renderers.xml_eagleview import GEOMETRY
from tests.corpus.roofs import RoofDef, StructureDef, facet_truth


def _one_or_list(items: list[dict[str, Any]]) -> Any:
    return items[0] if len(items) == 1 else items


def roof_json(structure: StructureDef) -> dict[str, Any]:
    faces = []
    for facet in structure.facets:
        truth = facet_truth(structure, facet)
        faces.append(
            {
                "@id": facet.id,
                "@type": "ROOF" if facet.kind == "roof" else "ROOFPENETRATION",
                "@designator": facet.id,
                "POLYGON": {
                    "@path": ",".join(structure.edge_ids_of(facet)),
                    "@pitch": f"{truth['rise']:.4f}",
                    "@size": str(round(truth["area"])),
                    "@unroundedsize": f"{truth['area']:.6f}",
                },
            }
        )
    return {
        "@id": f"ROOF{structure.id}",
        "FACES": {"FACE": _one_or_list(faces)},
        "LINES": {
            "LINE": [
                {"@id": eid, "@path": f"{a},{b}", "@type": kind}
                for eid, (a, b, kind) in structure.edges.items()
            ]
        },
        "POINTS": {
            "POINT": [
                {"@id": pid, "@data": f"{x:.6f},{y:.6f},{z:.6f}"}
                for pid, (x, y, z) in structure.points.items()
            ]
        },
    }


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    line1, city, state, postal = roof.address
    doc = {
        "EAGLEVIEW_EXPORT": {
            "REPORT": {"@reportId": roof.report_id, "@claimId": f"CLM-{roof.report_id}"},
            "LOCATION": {"@address": line1, "@city": city, "@state": state, "@postal": postal},
            "STRUCTURES": {
                "@northorientation": "0",
                "ROOF": _one_or_list([roof_json(s) for s in roof.structures]),
            },
            "OVERALL_SUMMARY": {
                "ATTRIBUTE": [{"@name": n, "@value": v} for n, v in summary_attributes(truth)]
            },
        }
    }
    return [Sample(f"{roof.name}.eagleview.json", "json", json.dumps(doc).encode(), GEOMETRY)]
