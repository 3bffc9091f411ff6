"""Streaming the multipart body: parts spooled to disk while hashed, limits as bytes arrive.

The body never sits whole in memory: the file part goes straight to a temporary file in the spool
directory while its SHA-256 is computed; the few small text fields are kept up to their size
limits. Every rule is checked as soon as the bytes that break it arrive.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from roofkit_importer import errors, tenancy

FIELD_LIMITS = {"external_id": 128, "format": 16, "metadata": 16 * 1024}
MAX_PARTS = 8
MAX_HEADER_BYTES = 8 * 1024


@dataclass
class Upload:
    """A received form: the spooled file and the text fields."""

    path: Path
    filename: str
    size_bytes: int
    sha256: str
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def sanitize_filename(raw: str) -> str:
    """The last path component, printable, at most 255 characters; ``upload`` if nothing is left."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:255] or "upload"


_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=? -]{1,70}$")


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary, or InvalidRequest(invalid_content_type)."""
    media, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary", b"").decode("latin-1")
    if media != b"multipart/form-data" or not _BOUNDARY.match(boundary):
        raise errors.InvalidRequest(
            "Content-Type must be multipart/form-data with a boundary.",
            code="invalid_content_type",
            param="Content-Type",
        )
    return boundary.encode("latin-1")


class _FormReader:
    def __init__(self, boundary: bytes, spool_dir: Path, max_body_bytes: int) -> None:
        self.spool_dir = spool_dir
        self.max_body = max_body_bytes
        self.received = 0
        self.parts = 0
        self.ended = False
        self.fields: dict[str, str] = {}
        self._values: dict[str, bytearray] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._current: str | None = None
        self.file: IO[bytes] | None = None
        self.file_path: Path | None = None
        self.filename = "upload"
        self.file_size = 0
        self.hasher = hashlib.sha256()
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field_data,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_end": self._end,
            },
            max_header_size=MAX_HEADER_BYTES,
        )

    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise errors.InvalidRequest(
                f"The form has more than {MAX_PARTS} parts.", code="invalid_multipart"
            )
        self._headers = {}
        self._current = None

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_field.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("utf-8", "replace").strip()
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        disposition, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if disposition != b"form-data" or not name:
            raise errors.InvalidRequest(
                "Each part needs Content-Disposition: form-data with a name.",
                code="invalid_multipart",
            )
        if tenancy.is_selector(name):
            raise errors.TenantSelectorRefused(
                "The API key selects the workspace; tenant selectors are not accepted.",
                param=name,
            )
        if name == "file":
            if self.file is not None:
                raise errors.InvalidRequest(
                    "Send exactly one file per import.", code="too_many_files", param="file"
                )
            self.filename = sanitize_filename(
                params.get(b"filename", b"").decode("utf-8", "replace")
            )
            fd, path = tempfile.mkstemp(prefix="upload-", dir=self.spool_dir)
            self.file = os.fdopen(fd, "wb")
            self.file_path = Path(path)
        elif name in FIELD_LIMITS:
            if name in self._values:
                raise errors.InvalidRequest(
                    f"The field {name!r} appears more than once.",
                    code="invalid_multipart",
                    param=name,
                )
            self._values[name] = bytearray()
        else:
            raise errors.InvalidRequest(
                f"Unknown form field {name!r}.", code="unknown_field", param=name
            )
        self._current = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._current == "file":
            assert self.file is not None
            self.file.write(chunk)
            self.hasher.update(chunk)
            self.file_size += len(chunk)
            return
        assert self._current is not None
        value = self._values[self._current]
        value += chunk
        if len(value) > FIELD_LIMITS[self._current]:
            code = "invalid_metadata" if self._current == "metadata" else "invalid_field"
            raise errors.InvalidRequest(
                f"The field {self._current!r} is longer than {FIELD_LIMITS[self._current]} bytes.",
                code=code,
                param=self._current,
            )

    def _end(self) -> None:
        self.ended = True

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.max_body:
            raise errors.PayloadTooLarge(
                f"The request body is larger than {self.max_body} bytes.",
                details={"max_bytes": self.max_body},
            )
        try:
            self.parser.write(chunk)
        except FormParserError as exc:
            raise errors.InvalidRequest(
                "The multipart body is malformed.", code="invalid_multipart"
            ) from exc

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def discard(self) -> None:
        self.close()
        if self.file_path is not None:
            self.file_path.unlink(missing_ok=True)


async def receive(
    chunks: AsyncIterator[bytes], *, boundary: bytes, spool_dir: Path, max_body_bytes: int
) -> Upload:
    """Read the whole form from ``chunks``; on any refusal nothing is left on disk."""
    reader = _FormReader(boundary, spool_dir, max_body_bytes)
    try:
        async for chunk in chunks:
            if chunk:
                reader.feed(chunk)
        if not reader.ended:
            raise errors.InvalidRequest(
                "The multipart body ended before its closing boundary.", code="invalid_multipart"
            )
        if reader.file is None or reader.file_path is None:
            raise errors.InvalidRequest(
                "The form has no file part named 'file'.", code="file_missing", param="file"
            )
        reader.close()
        fields = {}
        for name, raw in reader._values.items():
            try:
                fields[name] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                code = "invalid_metadata" if name == "metadata" else "invalid_field"
                raise errors.InvalidRequest(
                    f"The field {name!r} is not UTF-8.", code=code, param=name
                ) from exc
        return Upload(
            path=reader.file_path,
            filename=reader.filename,
            size_bytes=reader.file_size,
            sha256=reader.hasher.hexdigest(),
            fields=fields,
        )
    except BaseException:
        reader.discard()
        raise
