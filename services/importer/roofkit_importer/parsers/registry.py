"""The parser table: one line per format, one module per parser.

Each module named here defines ``parse(source: Source, limits: ParseLimits) -> ParseResult``.
Modules are imported on first use (and ahead of time by :func:`preload`, which parser worker
processes call at start so that the first request pays no import cost).
"""

from __future__ import annotations

import importlib
from typing import Protocol

from roofkit_importer.parsers.detection import Format
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source


class Parser(Protocol):
    def __call__(self, source: Source, limits: ParseLimits, /) -> ParseResult: ...


PARSERS: dict[Format, str] = {
    Format.CSV: "roofkit_importer.parsers.csv_table",
    Format.XLSX: "roofkit_importer.parsers.xlsx",
    Format.XML: "roofkit_importer.parsers.xml_tree",
    Format.JSON: "roofkit_importer.parsers.json_tree",
    Format.PDF: "roofkit_importer.parsers.pdf",
    Format.DXF: "roofkit_importer.parsers.dxf",
    Format.ZIP: "roofkit_importer.parsers.package",
}


def lookup(fmt: Format) -> Parser | None:
    """The parser for ``fmt``, or ``None`` when no parser is registered for it."""
    module_name = PARSERS.get(fmt)
    if module_name is None:
        return None
    module = importlib.import_module(module_name)
    parser: Parser = module.parse
    return parser


def preload() -> None:
    for fmt in PARSERS:
        lookup(fmt)
