"""ZIP packages combining the other renderings of a roof, agreeing or on purpose not.

- ``.package.zip``: EagleView XML + EagleView PDF + 3D DXF + CSV facet table, with a photo, a DWG,
  macOS junk (``__MACOSX/``, ``.DS_Store``) — every source agrees with the truth.
- ``.package-plan.zip``: a 2D DXF whose outlines carry facet labels but no pitch, with the CSV
  facet table that gives the pitches (the companion rule).
- ``.package-conflict.zip``: EagleView XML with a CSV summary that overstates the area by 8 % and
  the ridges by 5 ft — the XML wins and the disagreements are recorded.
"""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from typing import Any

from tests.corpus.renderers import Sample, dxf_drawings, pdf_reports, xml_eagleview
from tests.corpus.renderers.tables import facet_rows, summary_rows
from tests.corpus.roofs import RoofDef

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
DWG = b"AC1032" + bytes(120)
APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(40)
DS_STORE = b"\x00\x00\x00\x01Bud1" + bytes(64)
AREA_OVERSTATEMENT = 1.08
RIDGE_OVERSTATEMENT_FT = 5.0
ALL = frozenset(
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


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def overstated(truth: dict[str, Any]) -> dict[str, Any]:
    wrong = copy.deepcopy(truth)
    wrong["total_area_sqft"] *= AREA_OVERSTATEMENT
    if "ridge" in wrong["edges"]:
        wrong["edges"]["ridge"]["length_ft"] += RIDGE_OVERSTATEMENT_FT
    return wrong


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    variant = int(roof.report_id) % 5
    facets_csv = _csv(facet_rows(roof, 0))
    agreeing = {
        "report/measurements.xml": xml_eagleview.document(roof, truth, summary=True),
        "report/report.pdf": pdf_reports.eagleview(roof, truth),
        "report/model.dxf": dxf_drawings.model_3d(roof, variant),
        "report/facets.csv": facets_csv,
        "photos/front.png": PNG,
        "cad/original.dwg": DWG,
        "__MACOSX/report/._measurements.xml": APPLE_DOUBLE,
        "report/.DS_Store": DS_STORE,
    }
    plan = {
        "plan.dxf": dxf_drawings.plan_2d(roof, 0, pitches=False),
        "facets.csv": facets_csv,
    }
    conflicting = {
        "measurements.xml": xml_eagleview.document(roof, truth, summary=True),
        "summary.csv": _csv(summary_rows(roof, overstated(truth), 0)),
    }
    plan_expects = ALL - {"identity"}
    return [
        Sample(f"{roof.name}.package.zip", "zip", zip_bytes(agreeing), ALL),
        Sample(f"{roof.name}.package-plan.zip", "zip", zip_bytes(plan), plan_expects),
        Sample(f"{roof.name}.package-conflict.zip", "zip", zip_bytes(conflicting), ALL),
    ]
