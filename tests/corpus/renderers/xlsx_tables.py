"""XLSX in each shape, and one workbook with all three sheets (title rows, a two-row header and
a SUM formula with its cached value)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter

from tests.corpus.renderers import Sample
from tests.corpus.renderers.tables import edge_rows, facet_rows, summary_rows
from tests.corpus.roofs import RoofDef

ALL = frozenset(
    {
        "total_area",
        "facet_count",
        "predominant_pitch",
        "edges",
        "area_by_pitch",
        "penetrations",
        "structures",
    }
)


def _workbook(sheets: list[tuple[str, list[list[Any]], bool]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": dt.datetime(2026, 1, 2, 3, 4, 5)})  # reproducible bytes
    for title, rows, fancy in sheets:
        sheet = book.add_worksheet(title)
        offset = 0
        if fancy:
            sheet.write(0, 0, "Roof measurements")
            offset = 2
            header = rows[0]
            split = [h.split(" (") for h in header]
            sheet.write_row(offset, 0, [parts[0] for parts in split])
            sheet.write_row(offset + 1, 0, ["(" + p[1] if len(p) > 1 else "" for p in split])
            offset += 1
            rows = [[""] * len(header), *rows[1:]]
        for r, row in enumerate(rows):
            sheet.write_row(offset + r, 0, row)
        if fancy:
            last = offset + len(rows)
            col = len(rows[1]) - 1 if len(rows) > 1 else 0
            area_col = chr(ord("A") + col)
            type_col = chr(ord("A") + col - 2)
            total = sum(float(row[col]) for row in rows[1:] if row[col - 2] == "Roof")
            first = offset + 2
            sheet.write(last, 0, "Total")
            sheet.write_formula(
                last,
                col,
                f'=SUMIF({type_col}{first}:{type_col}{last},"Roof",{area_col}{first}:{area_col}{last})',
                None,
                total,
            )
    book.close()
    return buffer.getvalue()


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    variant = int(roof.report_id) % 7
    summary = summary_rows(roof, truth, variant)
    facets = facet_rows(roof, variant)
    edges = edge_rows(roof, variant + 1)
    return [
        Sample(
            f"{roof.name}.summary.xlsx",
            "xlsx",
            _workbook([("Summary", summary, False)]),
            frozenset({"total_area", "facet_count", "predominant_pitch", "edges", "area_by_pitch"}),
        ),
        Sample(
            f"{roof.name}.facets.xlsx",
            "xlsx",
            _workbook([("Facets", facets, True)]),
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
            f"{roof.name}.edges.xlsx",
            "xlsx",
            _workbook([("Edges", edges, False)]),
            frozenset({"edges"}),
        ),
        Sample(
            f"{roof.name}.workbook.xlsx",
            "xlsx",
            _workbook(
                [("Summary", summary, False), ("Facets", facets, True), ("Edges", edges, False)]
            ),
            ALL,
        ),
    ]
