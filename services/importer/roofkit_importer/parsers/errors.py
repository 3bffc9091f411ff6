"""The one exception parsers raise, and its closed vocabulary.

``ParseError.code`` is an API error code (``spec/api-contract.md``)::

    ParseError
     ├── code "report_unreadable"  - the file is of a known format but cannot be read safely
     ├── code "report_unsupported" - the content is no format (or no dialect) we import
     ├── code "payload_too_large"  - expansion limits (ZIP/XLSX) broken
     └── code "format_mismatch"    - the caller's ``format`` hint disagrees with the content

``details["files"]`` lists ``{"name", "reason", "message"}`` per file, with ``reason`` taken from
:data:`REASONS` (documented in docs/report-model.md). Every foreign library error is translated to
a ``ParseError`` where that library is called.
"""

from __future__ import annotations

from typing import Any, Literal

ErrorCode = Literal[
    "report_unreadable", "report_unsupported", "payload_too_large", "format_mismatch"
]

REASONS: frozenset[str] = frozenset(
    {
        # general
        "unknown_format",
        "empty_file",
        "format_hint_mismatch",
        "no_measurements",
        "parse_time_budget_exceeded",
        "parse_memory_budget_exceeded",
        "parse_crashed",
        "parser_unavailable",
        "report_too_large",
        # text / CSV
        "text_encoding_unknown",
        "csv_malformed",
        "csv_too_many_rows",
        "csv_field_too_large",
        # XLSX
        "xlsx_malformed",
        "xlsx_too_many_rows",
        "xlsx_expansion_too_large",
        "xlsx_formulas_not_calculated",
        # XML / JSON
        "xml_malformed",
        "xml_forbidden_construct",
        "xml_too_deep",
        "xml_too_large",
        "xml_unknown_dialect",
        "json_malformed",
        "json_too_deep",
        "json_duplicate_name",
        "json_unknown_dialect",
        "geometry_invalid",
        # reserved for the PDF, DXF and ZIP parsers
        "pdf_encrypted",
        "pdf_no_text",
        "pdf_malformed",
        "pdf_too_many_pages",
        "dxf_malformed",
        "dxf_too_many_entities",
        "zip_malformed",
        "zip_path_refused",
        "zip_duplicate_entry",
        "zip_too_many_entries",
        "zip_expansion_too_large",
        "zip_ratio_too_high",
        "zip_nested_archive",
    }
)


class ParseError(Exception):
    """A file that cannot be imported, with the API code and per-file reasons."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, details)
        self.code: ErrorCode = code
        self.message = message
        self.details: dict[str, Any] = details or {}

    @classmethod
    def for_file(cls, code: ErrorCode, name: str, reason: str, message: str) -> ParseError:
        """The usual shape: one file, one stable reason."""
        assert reason in REASONS, reason
        return cls(
            code, message, details={"files": [{"name": name, "reason": reason, "message": message}]}
        )

    @property
    def reasons(self) -> list[str]:
        files = self.details.get("files", [])
        return [str(f.get("reason")) for f in files if isinstance(f, dict)]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
