"""ZIP packages: several files of one roof report, imported as one report.

The archive is checked before anything is decompressed — entry count (``zip_too_many_entries``),
declared expanded size per entry and in total (``zip_expansion_too_large``), compression ratio
(``zip_ratio_too_high``), all answered with ``payload_too_large``; absolute paths, ``..`` and
symbolic links are refused (``zip_path_refused``), and so are two entries of one name
(``zip_duplicate_entry``: which of them a tool extracts differs from tool to tool). Entries are
then streamed to a private directory under names of our own, never the archive's, counting bytes
as they come. ``__MACOSX/`` and ``.DS_Store`` are skipped. An entry that is itself an archive is
refused (``zip_nested_archive``) unless it is a format that is a ZIP by design (XLSX is parsed,
an Xactimate ESX is kept as a CAD attachment).

Each report entry is detected by content and parsed by its own parser; images and CAD files are
kept as attachments. :mod:`package_merge` turns the parsed entries into one report.
"""

from __future__ import annotations

import hashlib
import lzma
import re
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from roofkit_importer import names
from roofkit_importer.parsers import detection, package_merge, registry
from roofkit_importer.parsers.detection import ZIP_ERRORS, Format
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.package_merge import Entry
from roofkit_importer.parsers.result import ParseResult, Source, SourceFile

RATIO_MIN_BYTES = 1024 * 1024
"""Entries smaller than this are not judged by their compression ratio."""
_IGNORED_DIRS = ("__MACOSX/",)
_IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)
_DRIVE = re.compile(r"^[A-Za-z]:")


def _fail(code: str, name: str, reason: str, message: str) -> ParseError:
    return ParseError.for_file(code, name, reason, message)  # type: ignore[arg-type]


def _check_name(info: zipfile.ZipInfo, package: str) -> None:
    name = info.filename
    parts = re.split(r"[\\/]", name)
    mode = (info.external_attr >> 16) & 0o170000
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts or mode == 0o120000:
        raise _fail(
            "report_unreadable",
            package,
            "zip_path_refused",
            f"The package entry {name[:200]!r} has an absolute path, a '..' part or is a link.",
        )


def _skipped(name: str) -> bool:
    return (
        name.endswith("/")
        or name.startswith(_IGNORED_DIRS)
        or PurePosixPath(name.replace("\\", "/")).name in _IGNORED_NAMES
    )


def check_entries(infos: list[zipfile.ZipInfo], package: str, limits: ParseLimits) -> None:
    """Refuse the archive before anything is decompressed."""
    if len(infos) > limits.max_zip_entries:
        raise _fail(
            "payload_too_large",
            package,
            "zip_too_many_entries",
            f"The package has more than {limits.max_zip_entries} entries.",
        )
    total = 0
    names: set[str] = set()
    for info in infos:
        _check_name(info, package)
        name = info.filename.replace("\\", "/")
        if name in names and not name.endswith("/"):
            raise _fail(
                "report_unreadable",
                package,
                "zip_duplicate_entry",
                f"The package has more than one entry named {info.filename[:200]!r}.",
            )
        names.add(name)
        total += info.file_size
        if info.file_size > limits.max_zip_entry_bytes or total > limits.max_zip_expanded_bytes:
            raise _fail(
                "payload_too_large",
                package,
                "zip_expansion_too_large",
                "The package expands beyond the allowed size.",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > limits.max_zip_ratio:
            raise _fail(
                "payload_too_large",
                package,
                "zip_ratio_too_high",
                f"An entry is compressed more than {limits.max_zip_ratio:g} to 1.",
            )
        if info.flag_bits & 0x1:
            raise _fail(
                "report_unreadable",
                package,
                "zip_malformed",
                f"The package entry {info.filename[:200]!r} is encrypted.",
            )


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ParseLimits
) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(info) as source, target.open("wb") as out:
        while block := source.read(1 << 16):
            size += len(block)
            if size > min(info.file_size, limits.max_zip_entry_bytes):
                raise _fail(
                    "payload_too_large",
                    info.filename,
                    "zip_expansion_too_large",
                    "The entry expands beyond its declared size.",
                )
            digest.update(block)
            out.write(block)
    return size, digest.hexdigest()


def _kind(path: Path, name: str) -> tuple[Format | None, str | None]:
    """The entry's report format, or the media type of an attachment."""
    with path.open("rb") as handle:
        head = handle.read(detection.HEAD_BYTES)
    for magic, media in _IMAGES:
        if head.startswith(magic):
            return None, media
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return None, "image/webp"
    if re.match(rb"AC1\d{3}", head):
        return None, "image/vnd.dwg"
    fmt = detection.detect_path(path)
    if fmt == Format.ZIP:
        try:
            with zipfile.ZipFile(path) as inner:
                names = inner.namelist()[:10_000]
        except ZIP_ERRORS:
            names = []
        if any(PurePosixPath(n).name.upper().startswith("XACTDOC") for n in names):
            return None, "application/vnd.xactimate.esx"
        raise _fail(
            "report_unsupported",
            name,
            "zip_nested_archive",
            "The package contains another archive; only XLSX and ESX files may be ZIPs.",
        )
    return fmt, None


def _attachment(name: str, size: int, sha: str, media: str | None, status: str) -> SourceFile:
    role = "image" if media and media.startswith("image/") and "dwg" not in media else "cad"
    if media is None:
        role = "supporting"
    return SourceFile(
        name=name,
        format="other",
        media_type=media or "application/octet-stream",
        size_bytes=size,
        sha256=sha,
        role=role,
        status=status,
    )


def _read(
    source: Source, limits: ParseLimits, workdir: Path
) -> tuple[list[Entry], list[SourceFile]]:
    try:
        archive = zipfile.ZipFile(source.path)
    except ZIP_ERRORS as exc:
        raise _fail(
            "report_unreadable", source.name, "zip_malformed", "The package is not a readable ZIP."
        ) from exc
    entries: list[Entry] = []
    others: list[SourceFile] = []
    with archive:
        infos = archive.infolist()
        check_entries(infos, source.name, limits)
        for index, info in enumerate(infos):
            if _skipped(info.filename):
                continue
            target = workdir / f"entry-{index:04d}"
            try:
                size, sha = _extract(archive, info, target, limits)
            except ParseError:
                raise
            except (*ZIP_ERRORS, zlib.error, lzma.LZMAError) as exc:
                raise _fail(
                    "report_unreadable",
                    source.name,
                    "zip_malformed",
                    f"The package entry {info.filename[:200]!r} cannot be decompressed.",
                ) from exc
            name = names.entry_name(info.filename)
            if size == 0:
                others.append(_attachment(name, 0, sha, None, "ignored"))
                continue
            fmt, media = _kind(target, name)
            if fmt is None or registry.lookup(fmt) is None:
                others.append(
                    _attachment(name, size, sha, media, "attached" if media else "ignored")
                )
                continue
            entries.append(Entry(Source(target, name, fmt, size, sha)))
    return entries, others


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    workdir = Path(tempfile.mkdtemp(prefix="roofkit-package-"))
    try:
        entries, others = _read(source, limits, workdir)
        package_merge.parse_entries(entries, limits)
        parsed = [e for e in entries if e.result is not None]
        if not parsed:
            failures = [e.error for e in entries if e.error is not None]
            if failures:
                first = failures[0]
                files = [f for e in failures for f in e.details.get("files", [])]
                raise ParseError(first.code, first.message, details={"files": files})
            raise _fail(
                "report_unsupported",
                source.name,
                "no_measurements",
                "The package holds no roof report (PDF, XML, JSON, CSV, XLSX or DXF).",
            )
        report, files = package_merge.merge(entries)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    all_files = [source.as_file(role="primary_document"), *files, *others]
    return ParseResult(report=report, files=all_files, warnings=report.quality.warnings)
