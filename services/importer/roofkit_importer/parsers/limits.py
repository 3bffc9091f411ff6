"""Budgets every parse runs under. The defaults suit a 50 MiB upload of a single house."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseLimits:
    """Limits for one parse.

    The parsers enforce the size limits themselves; the time and memory budgets are enforced by
    the worker process that runs them (:class:`roofkit_importer.parsing.ParserPool`).
    """

    time_budget_s: float = 20.0
    """Wall-clock seconds a parse may take before its worker is killed."""
    memory_budget_bytes: int = 1024 * 1024 * 1024
    """Address-space limit (RLIMIT_AS) of a parser worker process."""
    max_input_bytes: int = 64 * 1024 * 1024
    """Largest single file handed to a parser."""
    max_zip_entries: int = 200
    """Entries in a ZIP package (or in an XLSX container)."""
    max_zip_expanded_bytes: int = 256 * 1024 * 1024
    """Total expanded size of a package's entries."""
    max_zip_entry_bytes: int = 128 * 1024 * 1024
    """Expanded size of one entry."""
    max_zip_ratio: float = 200.0
    """Largest expanded/compressed ratio of an entry (zip-bomb guard)."""
    max_pdf_pages: int = 200
    """Pages read from a PDF."""
    max_rows: int = 100_000
    """Rows read from a CSV file or one worksheet."""
    max_columns: int = 200
    """Columns read per row (CSV, XLSX)."""
    max_field_bytes: int = 64 * 1024
    """Longest CSV field."""
    max_sheets: int = 64
    """Worksheets read from a workbook."""
    max_xml_depth: int = 64
    """Element nesting depth of XML (and of JSON objects/arrays)."""
    max_xml_elements: int = 2_000_000
    """Elements in one XML document."""
    max_geometry_items: int = 200_000
    """Points, lines and faces per structure."""
    max_report_bytes: int = 16 * 1024 * 1024
    """Largest normalized report, as JSON. A house's report is tens of kilobytes; a small table
    of thousands of one-facet structures would otherwise become a report a hundred times its
    size, which Postgres must parse and every read must send."""
