"""Streaming the multipart body: parts spooled to disk while hashed, limits as bytes arrive.

The body never sits whole in memory: the file part goes straight to a temporary file in the spool
directory while its SHA-256 is computed; the few small text fields are kept up to their size
limits. Every rule is checked as soon as the bytes that break it arrive.

A large file part is hashed and written on a worker thread, a batch at a time, while the event
loop goes on receiving and parsing the next bytes (both ``hashlib`` and ``os.write`` release the
GIL on large buffers). At most one batch is in flight and at most ``_MAX_PENDING`` bytes wait
behind it, so memory stays bounded whatever the upload's size. A small file is written inline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from roofkit_importer import errors, metrics, names, tenancy

FIELD_LIMITS = {"external_id": 128, "format": 16, "metadata": 16 * 1024}
MAX_PARTS = 8
MAX_HEADER_BYTES = 8 * 1024
_BATCH_BYTES = 1 << 20  # a batch for the spool thread once this much is waiting
_MAX_PENDING = 4 << 20  # past this the loop waits for the batch in flight
_INLINE_BYTES = 256 << 10  # a last batch smaller than this is written on the loop
_SPOOL_THREADS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="spool")


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


_EXTENDED_FILENAME = re.compile(
    r"""(?:^|;)\s*filename\*\s*=\s*([A-Za-z0-9!#$%&+^_`{}~-]+)'[^']*'([^;\s"]+)""", re.I
)


def filename_of(disposition: str, plain: bytes | None) -> str:
    """The part's file name: ``filename`` as raw UTF-8 (RFC 7578 §4.2), read as Windows-1252 when
    it is not valid UTF-8 (older clients send their own code page). RFC 7578 forbids the
    ``filename*`` form (RFC 8187, ``UTF-8''roof%20plan.csv``) in forms, so it is only read when a
    client sends nothing else."""
    if plain:
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            return plain.decode("cp1252", "replace")
    extended = _EXTENDED_FILENAME.search(disposition)
    if extended is not None:
        charset, encoded = extended.groups()
        try:
            return unquote_to_bytes(encoded).decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return ""


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


SPOOL_PREFIX = "upload-"
STALE_SPOOL_S = 15 * 60
"""A spooled upload untouched for this long belongs to no request: bodies that stall for
``body_idle_timeout_s`` are refused, and a received file is parsed and stored within minutes."""


def sweep_spool(spool_dir: Path, older_than_s: float = STALE_SPOOL_S) -> int:
    """Delete spooled uploads left by a process that died mid-request; returns how many.

    Only this module's files (``upload-*``) untouched for ``older_than_s`` are removed, so a spool
    directory shared with other processes, or with another importer, loses nothing in use.
    """
    cutoff = time.time() - older_than_s
    removed = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(spool_dir):
            if not entry.name.startswith(SPOOL_PREFIX):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
    return removed


SPOOL_RETRY_AFTER_S = 5
"""Retry-After of an upload refused for want of spool space: uploads in flight finish in
seconds."""


class SpoolBudget:
    """The bytes of uploads one importer may hold in its spool directory at once.

    Each upload reserves its declared ``Content-Length`` (at most the workspace's limit) before a
    byte of its body is read, and gives it back once its spooled file is gone. An upload that does
    not fit is refused at once with 503 ``upload_capacity_exhausted`` and ``Retry-After``: a full
    disk would get the pod evicted (its ``/tmp`` is a size-limited ``emptyDir``), which ends every
    request in flight, not only the newest one. The importer serves from one event loop, so the
    count needs no lock.
    """

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity = capacity_bytes
        self.reserved = 0
        metrics.SPOOL_CAPACITY.set(capacity_bytes)

    @contextlib.contextmanager
    def reserve(self, size: int) -> Iterator[None]:
        if self.reserved + size > self.capacity:
            raise errors.ServiceUnavailable(
                "The importer is receiving as many uploads as it has room for. Retry later.",
                code="upload_capacity_exhausted",
                retry_after_s=SPOOL_RETRY_AFTER_S,
            )
        self.reserved += size
        metrics.SPOOL_RESERVED.set(self.reserved)
        try:
            yield
        finally:
            self.reserved -= size
            metrics.SPOOL_RESERVED.set(self.reserved)


class _Spool:
    """The file part on its way to disk: SHA-256 and writes, batched off the event loop."""

    def __init__(self, spool_dir: Path) -> None:
        fd, path = tempfile.mkstemp(prefix=SPOOL_PREFIX, dir=spool_dir)
        self.fd: int | None = fd
        self.path = Path(path)
        self.size = 0
        self.hasher = hashlib.sha256()
        self._pending: list[bytes | memoryview] = []
        self._pending_bytes = 0
        self._in_flight: concurrent.futures.Future[None] | None = None

    def add(self, chunk: bytes | memoryview) -> None:
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        self.size += len(chunk)

    def _write(self, batch: list[bytes | memoryview]) -> None:
        assert self.fd is not None
        # One buffer per batch: the thread gives up and takes back the GIL around each hash and
        # write call, and taking it back can wait for the busy loop's switch interval (5 ms).
        data = batch[0] if len(batch) == 1 else b"".join(batch)
        self.hasher.update(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    async def pump(self) -> None:
        """Hand a full batch to the worker thread; wait only when too much is queued."""
        if self._in_flight is not None:
            if not self._in_flight.done() and self._pending_bytes < _MAX_PENDING:
                return
            await asyncio.wrap_future(self._in_flight)  # raises what the write raised
            self._in_flight = None
        if self._pending_bytes >= _BATCH_BYTES:
            batch, self._pending, self._pending_bytes = self._pending, [], 0
            self._in_flight = _SPOOL_THREADS.submit(self._write, batch)

    async def finish(self) -> None:
        """Everything written and hashed; the file closed."""
        if self._in_flight is not None:
            await asyncio.wrap_future(self._in_flight)
            self._in_flight = None
        batch, waiting = self._pending, self._pending_bytes
        self._pending, self._pending_bytes = [], 0
        if waiting >= _INLINE_BYTES:
            self._in_flight = _SPOOL_THREADS.submit(self._write, batch)
            await asyncio.wrap_future(self._in_flight)
            self._in_flight = None
        else:
            self._write(batch)
        self._close()

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def discard(self) -> None:
        """Close and remove the file — once a batch still being written has finished with it.

        The thread's future, not an asyncio wrapper of it: a cancelled request cancels the
        wrapper at once while the thread may still be writing to the descriptor.
        """
        self._pending = []

        def remove(_: object = None) -> None:
            self._close()
            self.path.unlink(missing_ok=True)

        if self._in_flight is not None:
            self._in_flight.add_done_callback(remove)  # at once if it is done already
        else:
            remove()


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
        self.file: _Spool | None = None
        self.filename = "upload"
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
        # Latin-1 maps every byte to one character, so the parameters can be taken back to their
        # bytes and read as UTF-8: clients send file names as raw UTF-8 (RFC 7578 §4.2).
        self._headers[name] = self._header_value.decode("latin-1").strip()
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
            self.filename = names.upload_name(
                filename_of(self._headers.get("content-disposition", ""), params.get(b"filename"))
            )
            self.file = _Spool(self.spool_dir)
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
        if self._current == "file":
            assert self.file is not None
            # The parser hands out slices of the (immutable) bytes it was fed: keep a view.
            self.file.add(memoryview(data)[start:end] if type(data) is bytes else data[start:end])
            return
        assert self._current is not None
        value = self._values[self._current]
        value += data[start:end]
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

    def discard(self) -> None:
        if self.file is not None:
            self.file.discard()


async def receive(
    chunks: AsyncIterator[bytes], *, boundary: bytes, spool_dir: Path, max_body_bytes: int
) -> Upload:
    """Read the whole form from ``chunks``; on any refusal nothing is left on disk."""
    reader = _FormReader(boundary, spool_dir, max_body_bytes)
    try:
        async for chunk in chunks:
            if chunk:
                reader.feed(chunk)
                if reader.file is not None:
                    await reader.file.pump()
        if not reader.ended:
            raise errors.InvalidRequest(
                "The multipart body ended before its closing boundary.", code="invalid_multipart"
            )
        if reader.file is None:
            raise errors.InvalidRequest(
                "The form has no file part named 'file'.", code="file_missing", param="file"
            )
        await reader.file.finish()
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
            path=reader.file.path,
            filename=reader.filename,
            size_bytes=reader.file.size,
            sha256=reader.file.hasher.hexdigest(),
            fields=fields,
        )
    except BaseException:
        reader.discard()
        raise
