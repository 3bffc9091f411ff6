"""Column tables of vendor PDFs: waste (``Waste %``/``Area (Sq ft)``/``Squares``) and area per
pitch (``Roof Pitches``/``Area (sq ft)``/``% of Roof``).

The rows are rebuilt from positions (:mod:`pdf_text`), so it does not matter that the PDF draws
them column by column. Values are matched to the header row's columns by horizontal position,
and the column a ``Suggested``/``Recommended`` word sits under is the suggested waste.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from roofkit_importer.parsers import summary_labels
from roofkit_importer.parsers.pdf_text import Chunk, Row
from roofkit_importer.report.assembly import ReportBuilder
from roofkit_importer.report.model import Pitch, Summary, WasteRow
from roofkit_importer.report.units import parse_area_sqft, parse_number, parse_pitch

LOOKAHEAD_ROWS = 6
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_PITCH = re.compile(r"^\s*\d+(?:\.\d+)?\s*/\s*12\s*$")
_NUMBER = re.compile(r"^\s*[\d,]+(?:\.\d+)?\s*%?\s*$")
_MARKERS = ("suggested", "recommended")


@dataclass
class Column:
    x: float
    chunk: Chunk


def _tokens(row: Row) -> list[Chunk]:
    return row.words


def _header(row: Row, pattern: re.Pattern[str], first_words: tuple[str, ...]) -> list[Column]:
    words = _tokens(row)
    if not words or not words[0].text.lower().startswith(first_words):
        return []
    return [Column(x=w.center, chunk=w) for w in words if pattern.match(w.text)]


def _values(row: Row, columns: list[Column]) -> dict[int, str]:
    """Number-like words of ``row``, each assigned to the nearest column."""
    found: dict[int, str] = {}
    if not columns:
        return found
    spacing = min((abs(a.x - b.x) for a, b in itertools.pairwise(columns)), default=200.0)
    reach = max(spacing / 2.0, 12.0)
    xs = [column.x for column in columns]
    for word in _tokens(row):
        if not _NUMBER.match(word.text):
            continue
        center = word.center
        distance, index = min((abs(x - center), i) for i, x in enumerate(xs))
        if distance <= reach:
            found.setdefault(index, word.text)
    return found


def _label(row: Row) -> str:
    return row.text.lower()


def read_waste(
    rows: list[Row], start: int, summary: Summary, builder: ReportBuilder, prefix: str
) -> bool:
    columns = _header(rows[start], _PERCENT, ("waste",))
    if len(columns) < 2:
        return False
    percents = [parse_number(c.chunk.text) or 0.0 for c in columns]
    areas: dict[int, str] = {}
    squares: dict[int, str] = {}
    suggested: float | None = None
    for row in rows[start + 1 : start + 1 + LOOKAHEAD_ROWS]:
        label = _label(row)
        if label.startswith("area"):
            areas = _values(row, columns)
        elif label.startswith("square"):
            squares = _values(row, columns)
        for word in _tokens(row):
            if word.text.lower().startswith(_MARKERS):
                index = min(range(len(columns)), key=lambda i: abs(columns[i].x - word.center))
                suggested = percents[index]
    locator = f"page {rows[start].page}, waste table"
    waste = summary.waste
    waste.rows = [
        WasteRow(
            percent=percent,
            area_sqft=parse_area_sqft(areas.get(i)),
            squares=parse_number(squares.get(i)),
        )
        for i, percent in enumerate(percents)
    ]
    base = next((r.area_sqft for r in waste.rows if r.percent == 0.0), None)
    if base is not None:
        waste.base_area_sqft = base
        waste.basis = "total_area"
    if suggested is not None:
        waste.suggested_percent = suggested
        builder.record(f"{prefix}waste.suggested_percent", locator, f"{suggested:g}%")
    builder.record(f"{prefix}waste.rows", locator, rows[start].text)
    return True


def read_pitch_areas(
    rows: list[Row], start: int, summary: Summary, builder: ReportBuilder, prefix: str
) -> bool:
    columns = _header(rows[start], _PITCH, ("roof", "pitch"))
    if not columns:
        return False
    areas: dict[int, str] = {}
    for row in rows[start + 1 : start + 1 + LOOKAHEAD_ROWS]:
        if _label(row).startswith("area"):
            areas = _values(row, columns)
            break
    found: list[tuple[Pitch, float]] = []
    for i, column in enumerate(columns):
        pitch = parse_pitch(column.chunk.text.replace(" ", ""))
        area = parse_area_sqft(areas.get(i))
        if pitch is not None and area is not None:
            found.append((pitch, area))
    if not found:
        return False
    # A second pitch table of one scope (a repeat on a later page) adds no rows: a pitch stated
    # again keeps its first area, and a different one is a conflict.
    locator = f"page {rows[start].page}, pitch table"
    for pitch, area in found:
        summary_labels.state_pitch_area(builder, summary, prefix, pitch, area, locator)
    builder.record(f"{prefix}area_by_pitch", locator, rows[start].text)
    return True
