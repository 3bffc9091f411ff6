"""Reading spreadsheets of roof measurements, shared by the CSV and XLSX parsers.

A sheet holds any of three shapes (report-model.md "CSV / XLSX"): a key/value summary (labels in
the first column), a facet table (one row per facet) and an edge table (one row per edge). Header
rows are found by a synonym table in the first :data:`HEADER_SEARCH_ROWS` rows; a header may span
two rows (``Area`` over ``(sq ft)``). Units come from the header text or the cell's own suffix.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import TypeAdapter

from roofkit_importer.parsers import summary_labels
from roofkit_importer.report import checks
from roofkit_importer.report.assembly import IdScope, ReportBuilder, StructureDraft
from roofkit_importer.report.edge_types import edge_type, known_edge_type
from roofkit_importer.report.model import (
    EdgeTotals,
    Facet,
    FacetKind,
    Geometry,
    Pitch,
    Summary,
)
from roofkit_importer.report.totals import from_facets, is_blank
from roofkit_importer.report.units import (
    area_unit,
    length_unit,
    parse_area_sqft,
    parse_length_ft,
    parse_number,
    parse_pitch,
    stray_area_text,
    true_area,
)

Cell = str | float | int | None
HEADER_SEARCH_ROWS = 20

_ROLE_WORDS: dict[str, str] = {}
for _role, _words in {
    "facet": (
        "facet facetid facetname facetlabel face faceid facename plane planeid planename "
        "section roofplane roofface designator"
    ),
    "label": "id label name line lineid edge edgeid edgename segment",
    "area": (
        "area truearea slopedarea roofarea facetarea surfacearea slopearea actualarea "
        "pitchedarea sqft squarefeet"
    ),
    "plan_area": (
        "planarea projectedarea footprintarea flatarea 2darea horizontalarea planviewarea footprint"
    ),
    "pitch": "pitch slope roofpitch facetpitch",
    "structure": "structure structureid structurename building buildingid bldg roofid",
    "azimuth": "azimuth orientation direction aspect facing",
    "type": "type kind category edgetype linetype edgekind facettype",
    "length": "length len lf linearfeet linearft edgelength totallength measurement",
    "count": "count qty quantity",
}.items():
    for _word in _words.split():
        _ROLE_WORDS[_word] = _role

_UNIT_WORDS = {"sq", "ft", "sqft", "m", "m2", "m²", "in", "feet", "sf", "meters", "metres", "deg"}
_TOTAL_WORDS = re.compile(r"^\s*(grand\s+)?(total|sum|totals)\b", re.I)
_SUBTOTAL_WORDS = re.compile(r"^\s*sub\s*-?\s*(total|sum)s?\b", re.I)
"""A subtotal row is neither a facet nor the report's total (a grand total may follow)."""
_SKIPPED_WORDS = (_TOTAL_WORDS, _SUBTOTAL_WORDS)
_GRAND_TOTAL = re.compile(r"^\s*grand\s+total", re.I)
_LETTER = re.compile(r"[a-z]", re.I)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_HEADER_SPLIT = re.compile(r"[^a-z0-9²]+")
_TRAILING_NUMBER = re.compile(r"[\d\s#._-]+$")
_KEY_VALUE_SPLIT = re.compile(r"\s*[=:]\s*")
_CACHED_TEXT_LEN = 64
_PENETRATION_WORDS = re.compile("penetration|skylight|chimney|vent|opening")
# A table's facets are validated together, in one call into pydantic-core.
_FACET_LIST = TypeAdapter(list[Facet])


SHEET_ROWS = 1_048_576
"""The most rows a sheet may have, empty ones included (Excel's limit)."""


class RowCollector:
    """A sheet's rows as they are read, within ``max_rows``.

    Formatting applied to whole columns leaves empty rows down to the last row of the sheet, and
    exports of it end in thousands of empty lines. A run of empty rows is only counted, and kept
    (so that row numbers stay true) only when a row with a value follows; a sheet never counts
    toward ``max_rows`` past its last value. ``refuse(limit)`` is the error for too many rows.
    """

    def __init__(self, max_rows: int, refuse: Callable[[int], Exception]) -> None:
        self.rows: list[list[Cell]] = []
        self._max_rows = max_rows
        self._refuse = refuse
        self._empty = 0

    def add_empty(self) -> None:
        self._empty += 1
        if len(self.rows) + self._empty > SHEET_ROWS:
            raise self._refuse(SHEET_ROWS)

    def add(self, cells: list[Cell]) -> None:
        if cells.count(None) == len(cells):
            self.add_empty()
            return
        if len(self.rows) + self._empty >= self._max_rows:
            raise self._refuse(self._max_rows)
        if self._empty:
            self.rows.extend([] for _ in range(self._empty))
            self._empty = 0
        self.rows.append(cells)


@dataclass
class Sheet:
    """The rows of one CSV file or worksheet; ``name`` is ``None`` for CSV."""

    name: str | None
    rows: list[list[Cell]]

    def locator(self, row: int, col: int) -> str:
        if self.name is None:
            return f"row {row + 1}, column {col + 1}"
        return f"{self.name}!{column_letter(col)}{row + 1}"

    def locator_parts(self, col: int) -> tuple[str, str]:
        """What :meth:`locator` writes before and after the row number, for column ``col``."""
        if self.name is None:
            return "row ", f", column {col + 1}"
        return f"{self.name}!{column_letter(col)}", ""


def column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text(cell: Cell) -> str:
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _is_number(text: str) -> bool:
    """A number and no letters: a value, never a label or a header."""
    return not _LETTER.search(text) and parse_number(text) is not None


def _header_key(text: str) -> str:
    # The same few header words recur in every file: each short text is compacted once.
    if len(text) <= _CACHED_TEXT_LEN:
        return _cached_header_key(text)
    return _compact_header(text)


def _compact_header(text: str) -> str:
    words = _BRACKETED.sub(" ", text.lower())
    tokens = [t for t in _HEADER_SPLIT.split(words) if t]
    kept = [t for t in tokens if t not in _UNIT_WORDS] or tokens
    return "".join(kept)


_cached_header_key = functools.lru_cache(maxsize=1024)(_compact_header)


@dataclass
class Header:
    row: int
    data_start: int
    roles: dict[str, int]
    texts: dict[int, str]

    @property
    def kind(self) -> str | None:
        return _kind(self.roles)


def _kind(roles: dict[str, int]) -> str | None:
    if "area" in roles or "plan_area" in roles:
        return "facet"
    if "length" in roles and ("type" in roles or "label" in roles):
        return "edge"
    return None


def _roles(cells: list[str], numbers: dict[str, bool]) -> tuple[dict[str, int], dict[int, str]]:
    """The roles the texts of a header candidate name; ``numbers`` caches :func:`_is_number`."""
    roles: dict[str, int] = {}
    texts: dict[int, str] = {}
    for col, text in enumerate(cells):
        if not text:
            continue
        number = numbers.get(text)
        if number is None:
            number = numbers[text] = _is_number(text)
        if number:
            continue
        role = _ROLE_WORDS.get(_header_key(text))
        if role is None or role in roles:
            continue
        roles[role] = col
        texts[col] = text
    # With no separate facet column, a label column names the facet.
    if "facet" not in roles and "label" in roles and ("area" in roles or "plan_area" in roles):
        roles["facet"] = roles.pop("label")
    return roles, texts


def find_header(sheet: Sheet) -> Header | None:
    best: Header | None = None
    rows = sheet.rows
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    # Each row is a candidate alone and merged with the next: each row's texts are read once,
    # and only as far down as the search goes; each text is tried as a number once.
    numbers: dict[str, bool] = {}
    below = [_text(c) for c in rows[0]] if limit else []
    for index in range(limit):
        cells = below
        candidates = [(cells, index + 1)]
        if index + 1 < len(rows):
            below = [_text(c) for c in rows[index + 1]]
            below_has_number = False
            for text in below:
                if text:
                    number = numbers.get(text)
                    if number is None:
                        number = numbers[text] = _is_number(text)
                    if number:
                        below_has_number = True
                        break
            if not below_has_number:
                width = max(len(cells), len(below))
                merged = [
                    " ".join(part for part in (_cell(cells, i), _cell(below, i)) if part).strip()
                    for i in range(width)
                ]
                candidates.append((merged, index + 2))
        for texts_row, start in candidates:
            roles, texts = _roles(texts_row, numbers)
            if _kind(roles) is None:
                continue
            if best is None or len(roles) > len(best.roles):
                best = Header(row=index, data_start=start, roles=roles, texts=texts)
        if best is not None:
            return best
    return best


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _value(row: list[Cell], col: int | None) -> Cell:
    if col is None or col >= len(row):
        return None
    return row[col]


@dataclass
class _Tables:
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    edges: dict[str, dict[str, tuple[float, int]]] = field(default_factory=dict)
    """Per structure and edge type: total length and count."""
    facet_ids: dict[str, IdScope] = field(default_factory=dict)
    """Per structure: the facet ids given so far, in every table of the file."""
    stated_totals: dict[str, list[tuple[float, str, str]]] = field(default_factory=dict)
    """Total rows' areas (with locator and text) in reading order: per structure named in the
    row's structure cell, and ``""`` for the report (a total row with no structure)."""


def _facet_kind(text: str) -> FacetKind:
    lowered = text.lower()
    if _PENETRATION_WORDS.search(lowered):
        return "penetration"
    if "wall" in lowered:
        return "wall"
    return "roof"


def _skipped(
    builder: ReportBuilder, label: str, area_cell: Cell, plan_cell: Cell, locator: str
) -> None:
    shown = " / ".join(t[:40] for t in (_text(area_cell), _text(plan_cell)) if t)
    builder.warn(
        "FACET_ROW_SKIPPED",
        f"Facet {label or '(no label)'}: the area {shown!r} is not a size; the row is not read.",
        locator,
    )


def _total_field(structure: str) -> str:
    prefix = f"structures[{structure}]." if structure else ""
    return f"{prefix}summary.total_area_sqft"


def _state_total(tables: _Tables, structure: str, area: float, locator: str, raw: str) -> None:
    """A total row: a structure's subtotal when the row names one, else the report's total."""
    if _TOTAL_WORDS.match(structure):  # "Total" written in the structure column
        structure = ""
    tables.stated_totals.setdefault(structure, []).append((area, locator, raw))


def _settle_total(
    builder: ReportBuilder,
    field_path: str,
    statements: list[tuple[float, str, str]],
    first_recorded: bool = False,
) -> float | None:
    """The first statement of a total, in reading order; later ones that agree are recorded
    beside it, ones that disagree are a conflict."""
    if not statements:
        return None
    first = statements[0][0]
    for index, (area, locator, raw) in enumerate(statements):
        if index and checks.values_differ("total_area_sqft", first, area):
            builder.conflict(field_path, first, area, locator)
        elif index or not first_recorded:
            builder.record(field_path, locator, raw)
    return first


@dataclass(frozen=True, slots=True)
class _PendingTotal:
    group: str
    area: float
    locator: str
    raw: str
    label: str


def _settle_pending(
    tables: _Tables,
    pending: list[_PendingTotal],
    *,
    more_facets: bool,
    subtotals_seen: bool = False,
) -> bool:
    """Whose totals the blank-structure total rows of a group are; whether any was a subtotal.

    Followed by more facets, such a row is its group's subtotal. At the table's end, of several
    the last is the report's total and the others subtotals; a lone one is the report's total,
    unless the table gave other groups subtotals (then it is the last group's). A row labelled
    ``Grand total`` is always the report's.
    """
    found = False
    for index, total in enumerate(pending):
        last = index == len(pending) - 1
        report = _GRAND_TOTAL.match(total.label) is not None or (
            not more_facets and last and (index > 0 or not subtotals_seen)
        )
        _state_total(tables, "" if report else total.group, total.area, total.locator, total.raw)
        found = found or not report
    pending.clear()
    return found


def _read_facets(sheet: Sheet, header: Header, tables: _Tables, builder: ReportBuilder) -> int:
    roles = header.roles
    area_col, plan_col = roles.get("area"), roles.get("plan_area")
    facet_col, pitch_col = roles.get("facet"), roles.get("pitch")
    structure_col, type_col, azimuth_col = (
        roles.get("structure"),
        roles.get("type"),
        roles.get("azimuth"),
    )
    area_unit_name = area_unit(header.texts.get(roles.get("area", -1), "")) or "sqft"
    plan_unit = area_unit(header.texts.get(roles.get("plan_area", -1), "")) or "sqft"
    # The cell a facet's provenance points at: its area, else its plan area.
    size_col = area_col if area_col is not None else plan_col
    before, after = sheet.locator_parts(size_col if size_col is not None else 0)
    total_before, total_after = sheet.locator_parts(roles.get("area", 0))
    # A row's cells in one call: a column the table lacks reads a padding cell, always None.
    columns = (facet_col, area_col, plan_col, pitch_col, structure_col, type_col, azimuth_col)
    width = max([c for c in columns if c is not None], default=-1) + 1
    cells_of = operator.itemgetter(*[width if c is None else c for c in columns])
    padding: list[Cell] = [None] * (width + 1)
    # Facets are validated per structure once the table is read; the count names unlabeled ones.
    drafts: dict[str, list[dict[str, object]]] = {}
    read = 0
    rows = sheet.rows
    # Grouped tables name a structure once and leave the cell blank below it (or merge it):
    # a blank structure cell continues the structure above. Total rows with a blank structure
    # cell inside a group wait in ``pending`` until it is known whose total they are.
    group = ""
    pending: list[_PendingTotal] = []
    subtotals = False
    for r in range(header.data_start, len(rows)):
        label_cell, area_cell, plan_cell, raw_pitch, structure_cell, type_cell, azimuth_cell = (
            cells_of(rows[r][:width] + padding)
        )
        label = _text(label_cell)
        if _SUBTOTAL_WORDS.match(label):
            continue
        area = parse_area_sqft(area_cell, area_unit_name)
        plan = parse_area_sqft(plan_cell, plan_unit)
        unlabeled_total = (
            not label and facet_col is not None and not _text(raw_pitch) and bool(tables.facets)
        )
        if _TOTAL_WORDS.match(label) or unlabeled_total:
            if area is not None:
                locator = f"{total_before}{r + 1}{total_after}"
                raw = _text(area_cell if area_col is not None else plan_cell)
                named = _text(structure_cell)
                if not named and group:
                    pending.append(_PendingTotal(group, area, locator, raw, label))
                else:
                    _state_total(tables, named, area, locator, raw)
            continue
        if area is None and plan is None:
            if label and (_text(area_cell) or _text(plan_cell)):
                _skipped(builder, label, area_cell, plan_cell, f"{before}{r + 1}{after}")
            continue
        pitch: Pitch | None = parse_pitch(
            raw_pitch.strip() if isinstance(raw_pitch, str) else raw_pitch
        )
        if area is None and plan is not None and pitch is not None:
            area = true_area(plan, pitch.rise)
        if area is None or area < 0 or (plan is not None and plan < 0):
            _skipped(builder, label, area_cell, plan_cell, f"{before}{r + 1}{after}")
            continue
        for cell in (area_cell, plan_cell):
            stray = stray_area_text(cell) if isinstance(cell, str) else None
            if stray is not None:
                builder.warn(
                    "AREA_TEXT_IGNORED",
                    f"Facet {label or r + 1}: the area {cell.strip()[:40]!r} was read as its "
                    f"number; {stray[:20]!r} beside it is not a unit and was left out.",
                    f"{before}{r + 1}{after}",
                )
        if pitch is None and _text(raw_pitch) and pitch_col is not None:
            builder.warn(
                "PITCH_UNREADABLE",
                f"Facet {label or r + 1}: the pitch {_text(raw_pitch)[:40]!r} cannot be read; "
                "its pitch is unknown.",
                sheet.locator(r, pitch_col),
            )
        if pending:
            subtotals = _settle_pending(tables, pending, more_facets=True) or subtotals
        group = _text(structure_cell) or group
        structure = group or "1"
        kind = _facet_kind(_text(type_cell) + " " + label)
        azimuth = parse_number(azimuth_cell)
        facets = tables.facets.setdefault(structure, [])
        draft = drafts.get(structure)
        if draft is None:
            draft = drafts[structure] = []
        ids = tables.facet_ids.get(structure)
        if ids is None:
            ids = tables.facet_ids[structure] = IdScope()
        facet_id = ids.claim(label or f"F{len(facets) + len(draft) + 1}")
        draft.append(
            {
                "id": facet_id,
                "label": label or None,
                "kind": kind,
                "pitch": pitch,
                "area_sqft": round(area, 4),
                "plan_area_sqft": None if plan is None else round(plan, 4),
                "azimuth_deg": azimuth if azimuth is not None and 0 <= azimuth <= 360 else None,
            }
        )
        read += 1
        builder.record(
            f"structures[{structure}].geometry.facets[{facet_id}]",
            f"{before}{r + 1}{after}",
            _text(area_cell if area_col is not None else plan_cell),
        )
    _settle_pending(tables, pending, more_facets=False, subtotals_seen=subtotals)
    for structure, draft in drafts.items():
        tables.facets[structure].extend(_FACET_LIST.validate_python(draft))
    return read


def _read_edges(sheet: Sheet, header: Header, tables: _Tables, builder: ReportBuilder) -> int:
    roles = header.roles
    length_col = roles["length"]
    unit = length_unit(header.texts.get(length_col, "")) or "ft"
    before, after = sheet.locator_parts(length_col)
    # A row's cells in one call: a column the table lacks reads a padding cell, always None.
    columns = (
        roles.get("type"),
        roles.get("label"),
        length_col,
        roles.get("count"),
        roles.get("structure"),
    )
    width = max([c for c in columns if c is not None]) + 1
    cells_of = operator.itemgetter(*[width if c is None else c for c in columns])
    padding: list[Cell] = [None] * (width + 1)
    read = 0
    rows = sheet.rows
    group = ""
    for r in range(header.data_start, len(rows)):
        type_cell, label_cell, length_cell, count_cell, structure_cell = cells_of(
            rows[r][:width] + padding
        )
        type_text = _text(type_cell)
        label = _text(label_cell)
        if any(words.match(text) for words in _SKIPPED_WORDS for text in (label, type_text)):
            continue
        length = parse_length_ft(length_cell, unit)
        if length is None or length < 0:
            if (type_text or label) and _text(length_cell):
                builder.warn(
                    "EDGE_ROW_SKIPPED",
                    f"Edge {type_text or label!r}: the length {_text(length_cell)[:40]!r} is not "
                    "a length; the row is not read.",
                    f"{before}{r + 1}{after}",
                )
            continue
        kind = known_edge_type(type_text) if type_text else None
        if kind is None:
            kind = known_edge_type(_TRAILING_NUMBER.sub("", label)) if label else None
        if kind is None:
            kind = edge_type(type_text or label)
            builder.warn(
                "EDGE_TYPE_UNKNOWN",
                f"Edge type {type_text or label!r} is not a known edge type.",
                sheet.locator(r, roles.get("type", roles.get("label", 0))),
            )
        count_value = parse_number(count_cell)
        count = int(count_value) if count_value is not None and count_value >= 0 else 1
        group = _text(structure_cell) or group  # a blank cell continues the structure above
        structure = group or "1"
        edges = tables.edges.setdefault(structure, {})
        total_length, total_count = edges.get(kind, (0.0, 0))
        edges[kind] = (total_length + length, total_count + count)
        read += 1
        builder.record(
            f"structures[{structure}].summary.edges.{kind}",
            f"{before}{r + 1}{after}",
            _text(length_cell),
        )
    return read


def _read_key_values(
    sheet: Sheet,
    rows: range,
    summary: Summary,
    builder: ReportBuilder,
    unvalued: list[str] | None,
) -> int:
    read = 0
    for r in rows:
        row = sheet.rows[r]
        filled = [(c, cell) for c, cell in enumerate(row) if _text(cell)]
        if not filled:
            continue
        col, first = filled[0]
        label = _text(first)
        value: Cell = None
        unit_text = ""
        value_col = col
        if len(filled) >= 2:
            value_col, value = filled[1]
            if len(filled) >= 3 and isinstance(filled[2][1], str):
                unit_text = filled[2][1]
        elif isinstance(first, str):
            parts = _KEY_VALUE_SPLIT.split(first, maxsplit=1)
            if len(parts) == 2:
                label, value = parts[0], parts[1].strip()
        if value is None or _is_number(label):
            if (
                unvalued is not None
                and len(filled) == 1
                and isinstance(first, str)
                and summary_labels.is_measurement_label(label)
            ):
                unvalued.append(f"{label.strip()} ({sheet.locator(r, col + 1)})")
            continue
        if summary_labels.apply_label(
            builder, summary, label, value, sheet.locator(r, value_col), unit_text=unit_text
        ):
            read += 1
    return read


def interpret(
    sheets: list[Sheet], builder: ReportBuilder, unvalued: list[str] | None = None
) -> bool:
    """Read every sheet into ``builder``; ``False`` when no measurement was found at all.

    ``unvalued``, when given, collects the measurement labels that stand alone in their row, with
    the locator of the cell where their value was expected.
    """
    tables = _Tables()
    reported = Summary()
    found = 0
    for sheet in sheets:
        header = find_header(sheet)
        if header is None:
            found += _read_key_values(sheet, range(len(sheet.rows)), reported, builder, unvalued)
            continue
        found += _read_key_values(sheet, range(header.row), reported, builder, unvalued)
        if header.kind == "facet":
            found += _read_facets(sheet, header, tables, builder)
        else:
            found += _read_edges(sheet, header, tables, builder)
    statements = tables.stated_totals.pop("", [])
    if reported.total_area_sqft is not None:  # a summary label, recorded as it was read
        statements = [(reported.total_area_sqft, "", ""), *statements]
    total = _settle_total(
        builder, "summary.total_area_sqft", statements, reported.total_area_sqft is not None
    )
    if total is not None:
        reported.total_area_sqft = total
    summary_labels.finish_area_by_pitch(reported)
    if not is_blank(reported):
        builder.reported = reported
    names = list(dict.fromkeys([*tables.facets, *tables.edges, *tables.stated_totals]))
    for name in names:
        facets = tables.facets.get(name, [])
        computed = from_facets(facets) if facets else Summary()
        edge_totals = tables.edges.get(name)
        if edge_totals:
            computed.edges = EdgeTotals.model_validate(
                {
                    kind: {"length_ft": round(length, 2), "count": count}
                    for kind, (length, count) in edge_totals.items()
                }
            )
        subtotal = _settle_total(builder, _total_field(name), tables.stated_totals.get(name, []))
        builder.structures.append(
            StructureDraft(
                id=name,
                name=None if name == "1" else name,
                reported=None if subtotal is None else Summary(total_area_sqft=subtotal),
                computed=computed,
                geometry=Geometry(facets=facets) if facets else None,
                computed_from="rows",
            )
        )
    return found > 0 and (builder.reported is not None or bool(names))
