"""Detection by content, never by file name (report-model.md "Detection").

``detect`` looks only at the first few KiB; ``detect_path`` refines a ZIP into XLSX by reading the
archive's central directory (the workbook part is not always near the start of the file).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

HEAD_BYTES = 8192

# What zipfile raises on damaged archives (versions, encryption flags, sizes, names).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError)


class Format(StrEnum):
    PDF = "pdf"
    XML = "xml"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    DXF = "dxf"
    ZIP = "zip"


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_BINARY_DXF = b"AutoCAD Binary DXF\r\n\x1a\x00"
_DXF_ASCII = re.compile(rb"^\s*(?:999\s*\r?\n[^\n]*\n\s*)?0\s*\r?\n\s*SECTION\s*\r?\n", re.I)
_XML_START = re.compile(rb"^\s*<(?:\?xml|!--|!DOCTYPE|[A-Za-z_])")
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")


def _strip_bom(head: bytes) -> bytes:
    for bom in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :]
    return head


def _zip_kind(head: bytes) -> Format:
    # Local file headers near the start name the parts; OOXML writers put [Content_Types].xml
    # and xl/ parts first. detect_path() settles the rest from the central directory.
    if b"xl/workbook.xml" in head or re.search(rb"PK\x03\x04.{26}xl/", head, re.S):
        return Format.XLSX
    return Format.ZIP


def _looks_like_text(head: bytes) -> bool:
    if not head.strip():
        return False
    if b"\x00" in head:
        return False
    sample = head[:HEAD_BYTES]
    if len(_TEXT_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the head boundary is still UTF-8.
        if exc.start >= len(sample) - 4:
            return True
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.97 * len(text)


def detect(head: bytes) -> Format | None:
    """The format of a file from its first bytes, or ``None`` when it is none we import."""
    if head.startswith(b"%PDF-") or head[:1024].find(b"%PDF-") != -1:
        return Format.PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(head)
    if head.startswith(_BINARY_DXF):
        return Format.DXF
    body = _strip_bom(head)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Whole code units only, and a surrogate pair cut by the end of the head replaced.
        body = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
    if _DXF_ASCII.match(body):
        return Format.DXF
    if _XML_START.match(body):
        return Format.XML
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"[") and _looks_like_text(body):
        return Format.JSON
    if _looks_like_text(body):
        return Format.CSV
    return None


def detect_path(path: Path) -> Format | None:
    """:func:`detect`, with ZIP containers told apart by their entries."""
    return identify(path).format


@dataclass(frozen=True)
class Identified:
    """What :func:`identify` found: the format, and the ZIP entries it read to tell."""

    format: Format | None
    zip_entries: tuple[zipfile.ZipInfo, ...] | None = None
    """The central directory of a ZIP container (XLSX or package), when it could be read."""


def identify(path: Path, data: bytes | None = None) -> Identified:
    """:func:`detect_path` of ``path``, whose whole content is ``data`` when the caller has it."""
    if data is None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    else:
        head = data[:HEAD_BYTES]
    found = detect(head)
    if found in (Format.ZIP, Format.XLSX):
        try:
            with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
                entries = tuple(archive.infolist())
        except ZIP_ERRORS:
            return Identified(found)
        names = {entry.filename for entry in entries[:10_000]}
        if "xl/workbook.xml" in names:
            return Identified(Format.XLSX, entries)
        return Identified(Format.ZIP, entries)
    return Identified(found)
