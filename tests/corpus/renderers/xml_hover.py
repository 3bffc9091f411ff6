"""Hover-like XML (``DATA_EXPORT``): geometry only, facets named by ``FACE@name``, no sizes."""

from __future__ import annotations

from typing import Any

from tests.corpus.renderers import Sample
from tests.corpus.renderers.xml_eagleview import GEOMETRY, roof_xml
from tests.corpus.roofs import RoofDef


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    body = "\n".join(roof_xml(s, name_attr="name", sizes=False) for s in roof.structures)
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<DATA_EXPORT>\n'
        f'  <REPORT reportId="H-{roof.report_id}"/>\n'
        f"  <STRUCTURES>\n{body}\n  </STRUCTURES>\n</DATA_EXPORT>\n"
    )
    return [Sample(f"{roof.name}.hover.xml", "xml", data.encode(), GEOMETRY - {"identity"})]
