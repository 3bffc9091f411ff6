"""What a parse returns: the report, the files it was made from, and the warnings."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from roofkit_importer.parsers.detection import Format
from roofkit_importer.report.model import ReportWarning, RoofReport

Role = Literal["primary_document", "supporting", "image", "cad"]
Status = Literal["parsed", "attached", "ignored", "failed"]

MEDIA_TYPES: dict[str, str] = {
    Format.PDF: "application/pdf",
    Format.XML: "application/xml",
    Format.JSON: "application/json",
    Format.CSV: "text/csv",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.DXF: "image/vnd.dxf",
    Format.ZIP: "application/zip",
}


@dataclass
class SourceFile:
    """One file of the upload, as listed under ``source.files`` in the API response."""

    name: str
    format: str
    media_type: str
    size_bytes: int
    sha256: str
    role: str
    status: str


@dataclass
class ParseResult:
    report: RoofReport
    files: list[SourceFile]
    warnings: list[ReportWarning] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """The file a parser reads: its path on disk, the name it was uploaded under, its identity."""

    path: Path
    name: str
    format: Format
    size_bytes: int
    sha256: str
    data: bytes | None = field(default=None, repr=False, compare=False)
    """The whole content, when the caller read it already (small files); else read ``path``."""
    zip_entries: tuple[zipfile.ZipInfo, ...] | None = field(default=None, repr=False, compare=False)
    """The central directory of a ZIP container, when detection read it already."""

    def read_bytes(self) -> bytes:
        return self.path.read_bytes() if self.data is None else self.data

    def as_file(self, role: Role = "primary_document", status: Status = "parsed") -> SourceFile:
        return SourceFile(
            name=self.name,
            format=str(self.format),
            media_type=MEDIA_TYPES.get(self.format, "application/octet-stream"),
            size_bytes=self.size_bytes,
            sha256=self.sha256,
            role=role,
            status=status,
        )
