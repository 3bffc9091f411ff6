"""Roof report parsers: detection by content, one module per format, one registry.

Pure: paths and bytes in, :class:`~roofkit_importer.report.model.RoofReport` out; no web,
messaging or database imports. :func:`parse_file` is the single entry point; it runs in a parser
worker process (see :mod:`roofkit_importer.parsing`), which enforces the time and memory budgets.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from roofkit_importer.parsers import registry
from roofkit_importer.parsers.detection import Format, detect, detect_path, identify
from roofkit_importer.parsers.errors import REASONS, ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source, SourceFile
from roofkit_importer.report.model import ReportWarning

__all__ = [
    "REASONS",
    "Format",
    "ParseError",
    "ParseLimits",
    "ParseResult",
    "ReportWarning",
    "Source",
    "SourceFile",
    "detect",
    "detect_path",
    "parse_file",
]

# Hints the API accepts, by the format they name. "json" is accepted too: EagleView's JSON export.
_HINTS = {fmt.value: fmt for fmt in Format}
# Files up to this size are read once, and detection, hashing and the parser share the bytes.
_READ_WHOLE_BYTES = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_file(
    path: Path, filename: str, *, format_hint: str | None, limits: ParseLimits
) -> ParseResult:
    """Detect the format of ``path``, check it against ``format_hint`` and parse it.

    Raises :class:`ParseError` (and nothing else for any input file) when the file cannot be
    imported.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ParseError.for_file(
            "report_unreadable", filename, "empty_file", "The file could not be read."
        ) from exc
    if size == 0:
        raise ParseError.for_file("report_unreadable", filename, "empty_file", "The file is empty.")
    if size > limits.max_input_bytes:
        raise ParseError.for_file(
            "payload_too_large",
            filename,
            "zip_expansion_too_large",
            f"The file is larger than {limits.max_input_bytes} bytes.",
        )
    data = path.read_bytes() if size <= _READ_WHOLE_BYTES else None
    identified = identify(path, data)
    fmt = identified.format
    if fmt is None:
        raise ParseError.for_file(
            "report_unsupported",
            filename,
            "unknown_format",
            "The content is not a PDF, XML, JSON, CSV, XLSX, DXF or ZIP report.",
        )
    if format_hint is not None:
        hinted = _HINTS.get(format_hint.strip().lower())
        if hinted != fmt:
            raise ParseError(
                "format_mismatch",
                f"The format hint {format_hint!r} does not match the content, which is {fmt}.",
                details={
                    "hint": format_hint,
                    "detected": str(fmt),
                    "files": [
                        {
                            "name": filename,
                            "reason": "format_hint_mismatch",
                            "message": f"Detected {fmt} from the content.",
                        }
                    ],
                },
            )
    parser = registry.lookup(fmt)
    if parser is None:
        raise ParseError.for_file(
            "report_unsupported",
            filename,
            "parser_unavailable",
            f"Reports in {fmt} format are not imported yet.",
        )
    source = Source(
        path=path,
        name=filename,
        format=fmt,
        size_bytes=size,
        sha256=hashlib.sha256(data).hexdigest() if data is not None else _sha256(path),
        data=data,
        zip_entries=identified.zip_entries,
    )
    try:
        return parser(source, limits)
    except MemoryError as exc:
        raise ParseError.for_file(
            "report_unreadable",
            filename,
            "parse_memory_budget_exceeded",
            "Parsing the file needed more memory than its budget.",
        ) from exc
    except RecursionError as exc:
        raise ParseError.for_file(
            "report_unreadable", filename, "parse_crashed", "The file is nested too deeply."
        ) from exc
