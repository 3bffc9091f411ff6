"""Vendor-like PDF reports with real text layers (fpdf2): EagleView-like, Roofr-like, generic.

What real reports do to text extraction is reproduced on purpose: tables drawn column by column
(so plain extraction reads them top-down per column), footnote marks after labels as characters,
as nothing, or raised onto their own line with the value pushed to the next one; thousands
separators; Roofr's feet-and-inches; ``Structure #N`` pages for multi-structure properties.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fpdf import FPDF

from tests.corpus.renderers import Sample
from tests.corpus.renderers.summary import pitch_text
from tests.corpus.roofs import RoofDef

WASTE = (0, 5, 10, 12, 15, 17, 20)
SUGGESTED = 10
EDGE_LABELS = (
    ("ridge", "Ridges", "Ridges"),
    ("hip", "Hips", "Hips"),
    ("valley", "Valleys", "Valleys"),
    ("rake", "Rakes\u2020", "Rakes"),
    ("eave", "Eaves/Starter\u2021", "Eaves"),
    ("flashing", "Flashing", "Lengths"),
    ("step_flashing", "Step flashing", "Lengths"),
)


class _Doc:
    def __init__(self) -> None:
        self.pdf = FPDF(unit="pt", format="letter")
        self.pdf.core_fonts_encoding = "windows-1252"
        self.pdf.set_creation_date(dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
        self.pdf.set_auto_page_break(False)
        self.y = 0.0

    def page(self) -> None:
        self.pdf.add_page()
        self.pdf.set_font("Helvetica", size=10)
        self.y = 60.0

    def text(self, x: float, text: str, *, dy: float = 0.0, size: float = 10.0) -> None:
        self.pdf.set_font("Helvetica", size=size)
        self.pdf.text(x, self.y + dy, text)

    def line(self, text: str, x: float = 50.0) -> None:
        self.text(x, text)
        self.y += 16.0

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _rounded_edges(truth: dict[str, Any]) -> dict[str, tuple[int, int]]:
    out = {}
    for key, _, _ in EDGE_LABELS:
        edge = truth["edges"].get(key)
        out[key] = (round(edge["length_ft"]), int(edge["count"])) if edge else (0, 0)
    return out


def _footnoted(doc: _Doc, label: str, value: str, style: int) -> None:
    """``label = value`` with the label's footnote mark as a character, nothing, or a line break."""
    mark = label[-1] if label[-1] in "\u2020\u2021" else ""
    bare = label.rstrip("\u2020\u2021")
    if not mark or style == 0:
        doc.line(f"{label} = {value}")
    elif style == 1:
        doc.line(f"{bare} = {value}")
    else:
        doc.text(50, bare)
        doc.text(50 + 5.2 * len(bare), mark, dy=-5.0, size=6)
        doc.y += 16.0
        doc.line(f"= {value}", x=60)


def _column_table(doc: _Doc, header: list[str], rows: list[list[str]], marker: int | None) -> None:
    """A table drawn column by column (first the labels, then each column top to bottom)."""
    top = doc.y
    for r, label in enumerate(header):
        doc.y = top + 14 * r
        doc.text(50, label)
    for c in range(len(rows[0])):
        x = 150 + 55 * c
        for r, row in enumerate(rows):
            doc.y = top + 14 * r
            doc.text(x, row[c])
        if marker == c:
            doc.y = top + 14 * len(rows)
            doc.text(x - 8, "Suggested" if c % 2 else "Recommended", size=7)
    doc.y = top + 14 * (len(rows) + 2)


def _waste_table(doc: _Doc, area: float, *, thousands: bool = True) -> None:
    fmt = "{:,.0f}" if thousands else "{:.0f}"
    _column_table(
        doc,
        ["Waste %", "Area (Sq ft)", "Squares *"],
        [
            [f"{p}%" for p in WASTE],
            [fmt.format(area * (1 + p / 100)) for p in WASTE],
            [f"{area * (1 + p / 100) / 100:.2f}" for p in WASTE],
        ],
        WASTE.index(SUGGESTED),
    )


def _pitch_table(doc: _Doc, by_pitch: dict[str, float]) -> None:
    total = sum(by_pitch.values())
    items = sorted(by_pitch.items(), key=lambda kv: float(kv[0]))
    _column_table(
        doc,
        ["Roof Pitches", "Area (sq ft)", "% of Roof"],
        [
            [pitch_text(float(k)) for k, _ in items],
            [f"{v:,.0f}" for _, v in items],
            [f"{100 * v / total:.1f}%" for _, v in items],
        ],
        None,
    )


def _eagleview_lengths(doc: _Doc, truth: dict[str, Any], style: int) -> None:
    edges = _rounded_edges(truth)
    for key, label, noun in EDGE_LABELS:
        length, count = edges[key]
        _footnoted(doc, label, f"{length:,} ft ({count} {noun})", style)
    drip = edges["eave"][0] + edges["rake"][0]
    drip_count = edges["eave"][1] + edges["rake"][1]
    doc.line(f"Drip Edge (Eaves + Rakes) = {drip:,} ft ({drip_count} Lengths)")


def eagleview(roof: RoofDef, truth: dict[str, Any]) -> bytes:
    style = int(roof.report_id) % 3
    doc = _Doc()
    doc.page()
    doc.line("EagleView Premium Report")
    doc.line(f"Report: {roof.report_id}")
    doc.line(", ".join(roof.address[:3]) + f" {roof.address[3]}")
    area = truth["total_area_sqft"]
    doc.line(f"Total Roof Area ={area:,.0f} sq ft")
    doc.line(f"Total Roof Facets ={truth['facet_count']}")
    doc.line(f"Predominant Pitch ={pitch_text(truth['predominant_rise'])}")
    edges = _rounded_edges(truth)
    doc.line(f"Total Ridges/Hips ={edges['ridge'][0] + edges['hip'][0]:,} ft")
    doc.y += 10
    _waste_table(doc, area)
    doc.line("www.eagleview.com")
    doc.page()
    doc.line("Report Summary")
    _eagleview_lengths(doc, truth, style)
    pen = truth["penetrations"]
    doc.line(f"Total Penetrations = {pen['count']}")
    doc.line(f"Total Penetrations Area = {pen['area_sqft']:,.0f} sq ft")
    doc.y += 10
    _pitch_table(doc, truth["area_by_pitch"])
    if len(roof.structures) > 1:
        for structure, part in zip(roof.structures, truth["structures"], strict=True):
            doc.page()
            doc.line(f"Structure #{structure.id}")
            doc.line(f"Total Roof Area ={part['total_area_sqft']:,.0f} sq ft")
            doc.line(f"Total Roof Facets ={part['facet_count']}")
            doc.line(f"Predominant Pitch ={pitch_text(part['predominant_rise'])}")
            _eagleview_lengths(doc, part, (style + 1) % 3)
    return doc.output()


def feet_inches(length: float) -> str:
    feet = math.floor(length)
    inches = round((length - feet) * 12)
    if inches == 12:
        feet, inches = feet + 1, 0
    return f"{feet:,}ft {inches}in"


def roofr(roof: RoofDef, truth: dict[str, Any]) -> bytes:
    doc = _Doc()
    doc.page()
    doc.line("Roof Report")
    doc.line("Prepared by Roofr")
    doc.line(f"Report ID: {roof.report_id}")
    doc.line(", ".join(roof.address[:3]) + f" {roof.address[3]}")
    doc.line(f"Total roof area: {truth['total_area_sqft']:,.0f} sqft")
    doc.line(f"Roof facets: {truth['facet_count']}")
    doc.line(f"Predominant pitch: {pitch_text(truth['predominant_rise'])}")
    lengths = {k: v["length_ft"] for k, v in truth["edges"].items()}
    for key, label in (
        ("eave", "Eaves"),
        ("rake", "Rakes"),
        ("valley", "Valleys"),
        ("hip", "Hips"),
        ("ridge", "Ridges"),
        ("flashing", "Wall flashing"),
        ("step_flashing", "Step flashing"),
    ):
        doc.line(f"{label}: {feet_inches(lengths.get(key, 0.0))}")
    doc.line(f"Hips + ridges: {feet_inches(lengths.get('hip', 0.0) + lengths.get('ridge', 0.0))}")
    doc.line(f"Eaves + rakes: {feet_inches(lengths.get('eave', 0.0) + lengths.get('rake', 0.0))}")
    doc.page()
    for rise, area in sorted(truth["area_by_pitch"].items(), key=lambda kv: float(kv[0])):
        doc.line(f"Area at {pitch_text(float(rise))} pitch: {area:,.1f} sqft")
    doc.y += 10
    _waste_table(doc, truth["total_area_sqft"], thousands=False)
    return doc.output()


def generic(roof: RoofDef, truth: dict[str, Any]) -> bytes:
    doc = _Doc()
    doc.page()
    doc.line("Roof Measurement Summary")
    doc.line(f"Total area: {truth['total_area_sqft']:,.1f} sq ft")
    doc.line(f"Pitch: {pitch_text(truth['predominant_rise'])}")
    for key, label in (
        ("ridge", "Ridge length"),
        ("hip", "Hip length"),
        ("valley", "Valley length"),
        ("rake", "Rake length"),
        ("eave", "Eave length"),
        ("flashing", "Flashing length"),
        ("step_flashing", "Step flashing length"),
    ):
        edge = truth["edges"].get(key)
        doc.line(f"{label}: {edge['length_ft'] if edge else 0.0:,.1f} ft")
    return doc.output()


EAGLEVIEW_EXPECTS = frozenset(
    {"total_area", "facet_count", "predominant_pitch", "area_by_pitch", "edges", "identity"}
)


def render(roof: RoofDef, truth: dict[str, Any]) -> list[Sample]:
    eagle = set(EAGLEVIEW_EXPECTS | {"penetrations"})
    if len(roof.structures) > 1:
        eagle.add("structures")
    return [
        Sample(f"{roof.name}.eagleview.pdf", "pdf", eagleview(roof, truth), frozenset(eagle)),
        Sample(f"{roof.name}.roofr.pdf", "pdf", roofr(roof, truth), EAGLEVIEW_EXPECTS),
        Sample(
            f"{roof.name}.generic.pdf",
            "pdf",
            generic(roof, truth),
            frozenset({"total_area", "predominant_pitch", "edges"}),
        ),
    ]
