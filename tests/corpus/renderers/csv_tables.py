"""CSV in each shape, cycling delimiters (, ; tab |) and encodings (UTF-8, BOM, cp1252)."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.corpus.renderers import Sample
from tests.corpus.renderers.tables import edge_rows, facet_rows, summary_rows
from tests.corpus.roofs import RoofDef

DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252"]


def _csv(rows: list[list[Any]], variant: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITERS[variant % 4], lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(ENCODINGS[variant % 3])


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    variant = int(roof.report_id) % 7
    return [
        Sample(
            f"{roof.name}.summary.csv",
            "csv",
            _csv(summary_rows(roof, truth, variant), variant),
            frozenset({"total_area", "facet_count", "predominant_pitch", "edges", "area_by_pitch"}),
        ),
        Sample(
            f"{roof.name}.facets.csv",
            "csv",
            _csv(facet_rows(roof, variant), variant + 1),
            frozenset(
                {
                    "total_area",
                    "facet_count",
                    "predominant_pitch",
                    "area_by_pitch",
                    "penetrations",
                    "structures",
                }
            ),
        ),
        Sample(
            f"{roof.name}.edges.csv",
            "csv",
            _csv(edge_rows(roof, variant), variant + 2),
            frozenset({"edges"}),
        ),
    ]
