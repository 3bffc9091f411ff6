"""The import and read use cases (steps 8–11 of the contract, and reading back).

The HTTP layer has already checked framing, authenticated, authorized, rate-limited and received
the form; this module decides idempotency, external-id uniqueness, parses, and stores.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from roofkit_events import subjects
from roofkit_events.reports.v1 import reports_pb2
from roofkit_importer import errors, metrics
from roofkit_importer.gateway import Principal
from roofkit_importer.idempotency import ClaimState, StoredResponse, fingerprint
from roofkit_importer.nul import contains_nul
from roofkit_importer.parsers import ParseError
from roofkit_importer.parsing import ParsedDocument
from roofkit_importer.repository import (
    ClaimLost,
    ExternalIdTaken,
    ImportRepository,
    NewReport,
    OutgoingEvent,
)
from roofkit_importer.upload import Upload
from roofkit_runtime import db

log = logging.getLogger(__name__)

IMPORT_PATH = "/api/v1/reports/import"
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LIST_PAGE_DOCUMENT_CHARS = 16 * 1024 * 1024
"""A list page ends before the report that would take its documents past this many characters
(it always holds one report): ``limit`` counts reports, and reports can be tens of megabytes."""
REPORT_ID = re.compile(r"^rpt_[0-9a-z]{1,64}$")
"""What :func:`new_id` makes for reports (with room to grow); anything else names no report."""
FORMAT_HINTS = frozenset({"pdf", "xml", "json", "csv", "xlsx", "dxf", "zip"})
METADATA_MAX_BYTES = 16 * 1024
METADATA_MAX_DEPTH = 32
"""Deepest nesting of objects and arrays in metadata (the object itself is level 1)."""
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class ReportParser(Protocol):
    async def parse_document(
        self, path: Path, filename: str, format_hint: str | None
    ) -> ParsedDocument: ...


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    status: int
    headers: dict[str, str]
    body: bytes
    replayed: bool


@dataclass(frozen=True, slots=True)
class ImportPolicy:
    lease: dt.timedelta
    retention: dt.timedelta


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


class _NotAsGiven(Exception):
    """Metadata that the stored JSONB could not return as the partner wrote it."""


def _as_given_problem(raw: str) -> str | None:
    """Why the JSON text cannot be kept as given: an integer outside 64 bits (orjson reads it
    as a float), or a name twice in one object (JSONB keeps only the last; orjson too)."""

    def integer(text: str) -> int:
        value = int(text)
        if not -(2**63) <= value < 2**64:
            raise _NotAsGiven(
                "metadata integers must fit in 64 bits; send larger numbers as strings."
            )
        return value

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            names = [key for key, _ in pairs]
            twice = next(key for index, key in enumerate(names) if key in names[:index])
            raise _NotAsGiven(
                f"metadata has the name {json.dumps(twice[:64])} twice in one object; "
                "only one value could be kept."
            )
        return obj

    try:
        json.loads(raw, parse_int=integer, object_pairs_hook=unique)
    except _NotAsGiven as exc:
        return str(exc)
    except RecursionError:
        return "metadata is nested too deeply."
    return None


def check_external_id(external_id: str | None, code: str) -> str | None:
    """``external_id`` (a form field or a query parameter), or InvalidRequest with ``code``."""
    if external_id is not None and not EXTERNAL_ID.match(external_id):
        raise errors.InvalidRequest(
            "external_id must be 1-128 characters of A-Z a-z 0-9 . _ : -",
            code=code,
            param="external_id",
        )
    return external_id


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest in ``value`` more than ``limit`` levels (iteratively:
    orjson reads 1,024 levels but writes only 254, and recursion has its own limit)."""
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        item, depth = level.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        level.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def validate_fields(fields: dict[str, str]) -> tuple[str | None, str | None, dict[str, Any]]:
    """external_id, format hint and metadata of the form, or InvalidRequest."""
    external_id = check_external_id(fields.get("external_id"), "invalid_field")
    hint = fields.get("format")
    if hint is not None:
        hint = hint.strip().lower()
        if hint not in FORMAT_HINTS:
            raise errors.InvalidRequest(
                f"format must be one of {', '.join(sorted(FORMAT_HINTS))}.",
                code="invalid_field",
                param="format",
            )
    metadata: dict[str, Any] = {}
    raw = fields.get("metadata")
    if raw is not None:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise errors.InvalidRequest(
                f"metadata must be a JSON object ({exc}).",
                code="invalid_metadata",
                param="metadata",
            ) from exc
        if not isinstance(parsed, dict):
            raise errors.InvalidRequest(
                "metadata must be a JSON object.", code="invalid_metadata", param="metadata"
            )
        if _nested_deeper_than(parsed, METADATA_MAX_DEPTH):
            raise errors.InvalidRequest(
                f"metadata is nested too deeply: at most {METADATA_MAX_DEPTH} levels of objects "
                "and arrays.",
                code="invalid_metadata",
                param="metadata",
            )
        problem = _as_given_problem(raw)
        if problem is not None:
            raise errors.InvalidRequest(problem, code="invalid_metadata", param="metadata")
        # Stored as given, in JSONB, which cannot hold U+0000 (JSON text spells it \u0000).
        if "\\u0000" in raw and contains_nul(parsed):
            raise errors.InvalidRequest(
                "metadata must not contain the character U+0000.",
                code="invalid_metadata",
                param="metadata",
            )
        metadata = parsed
    return external_id, hint, metadata


def render_report(row: dict[str, Any]) -> dict[str, Any]:
    """The ReportImportResponse / report object for a stored report row."""
    created: dt.datetime = row["created_at"]
    document = row["document"]
    if isinstance(document, str):  # a stored report, read as JSON text: goes out as it is
        document = orjson.Fragment(document)
    return {
        "id": row["id"],
        "object": "report",
        "workspace_id": row["workspace_id"],
        "external_id": row["external_id"],
        "status": row["status"],
        "created_at": created.astimezone(dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "source": row["source"],
        "report": document,
        "warnings": row["warnings"],
        "metadata": row["metadata"],
    }


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("s:") or not (raw[2:].isascii() and raw[2:].isdigit()):
            raise ValueError(raw)
        seq = int(raw[2:])
        if not 0 < seq < 2**63:  # reports.seq is a bigint identity
            raise ValueError(raw)
        return seq
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidRequest(
            "cursor is not one this API returned.", code="invalid_parameter", param="cursor"
        ) from exc


class ImportService:
    def __init__(
        self,
        repository: ImportRepository,
        parser: ReportParser,
        policy: ImportPolicy,
        *,
        on_stored: Callable[[], None] = lambda: None,
    ) -> None:
        self._repo = repository
        self._parser = parser
        self._policy = policy
        self._on_stored = on_stored

    async def import_report(
        self, principal: Principal, idempotency_key: str, upload: Upload, request_id: str
    ) -> ImportOutcome:
        external_id, hint, metadata = validate_fields(upload.fields)
        # The fields as understood, not as spelled: a retry that re-serializes its metadata in
        # another key order, or writes the format hint in capitals, is the same request.
        understood = {"external_id": external_id, "format": hint, "metadata": metadata}
        print_ = fingerprint("POST", IMPORT_PATH, understood, upload.sha256)
        claim = await self._repo.claim(
            principal.workspace_id,
            idempotency_key,
            print_,
            lease=self._policy.lease,
            retention=self._policy.retention,
        )
        metrics.IDEMPOTENCY.labels(outcome=claim.state.value).inc()
        if claim.state is ClaimState.REPLAY:
            assert claim.stored is not None
            return ImportOutcome(
                claim.stored.status, dict(claim.stored.headers), claim.stored.body, replayed=True
            )
        if claim.state is ClaimState.REUSED:
            raise errors.IdempotencyConflict(
                "This Idempotency-Key was used with a different request.",
                code="idempotency_key_reused",
                param="Idempotency-Key",
            )
        if claim.state is ClaimState.IN_PROGRESS:
            raise errors.IdempotencyConflict(
                "A request with this Idempotency-Key is still being processed. Retry later.",
                code="idempotency_key_in_progress",
                param="Idempotency-Key",
                retry_after_s=claim.retry_after_s,
            )
        assert claim.token is not None
        try:
            return await self._import_claimed(
                principal,
                idempotency_key,
                claim.token,
                upload,
                external_id,
                hint,
                metadata,
                request_id,
            )
        except BaseException:
            # A failed attempt releases its key: the client may fix the request and retry.
            try:
                await self._repo.release(principal.workspace_id, idempotency_key, claim.token)
            except Exception:  # the lease expires on its own
                log.warning("could not release idempotency claim")
            raise

    async def _import_claimed(
        self,
        principal: Principal,
        idempotency_key: str,
        token: str,
        upload: Upload,
        external_id: str | None,
        hint: str | None,
        metadata: dict[str, Any],
        request_id: str,
    ) -> ImportOutcome:
        if external_id is not None:
            existing = await self._repo.report_id_for_external_id(
                principal.workspace_id, external_id
            )
            if existing is not None:
                raise _external_id_conflict(external_id, existing)
        try:
            parsed = await self._parser.parse_document(upload.path, upload.filename, hint)
        except ParseError as exc:
            raise _parse_refusal(exc) from exc
        now = dt.datetime.now(dt.UTC)
        report_id = new_id("rpt_")
        files = [vars(f) for f in parsed.files] or [
            {
                "name": upload.filename,
                "format": hint or "unknown",
                "media_type": "application/octet-stream",
                "size_bytes": upload.size_bytes,
                "sha256": upload.sha256,
                "role": "primary_document",
                "status": "parsed",
            }
        ]
        primary = files[0]
        # The report arrives as JSON from the worker; it goes into the response and the row as
        # those bytes, never parsed here.
        document = db.RawJSON(parsed.report_json)
        warnings = parsed.warnings
        source = {"kind": "package" if primary["format"] == "zip" else "file", "files": files}
        row = {
            "id": report_id,
            "workspace_id": principal.workspace_id,
            "external_id": external_id,
            "status": "imported",
            "created_at": now,
            "source": source,
            "document": orjson.Fragment(parsed.report_json),
            "warnings": warnings,
            "metadata": metadata,
        }
        body = orjson.dumps(render_report(row))
        headers = {"Location": f"/api/v1/reports/{report_id}"}
        vendor = parsed.vendor or "unknown"
        event = _imported_event(
            report_id,
            principal,
            external_id,
            now,
            files,
            vendor,
            parsed.total_area_sqft,
            request_id,
        )
        stored_files = [
            {
                "name": upload.filename,
                "format": primary["format"],
                "media_type": primary["media_type"],
                "size_bytes": upload.size_bytes,
                "sha256": upload.sha256,
                "role": "upload",
                "status": "stored",
            }
        ]
        try:
            await self._repo.store(
                NewReport(
                    id=report_id,
                    workspace_id=principal.workspace_id,
                    api_key_id=principal.key_id,
                    external_id=external_id,
                    format=primary["format"],
                    vendor=vendor,
                    document=document,
                    source=source,
                    warnings=warnings,
                    metadata=metadata,
                    request_id=request_id,
                    created_at=now,
                    files=stored_files,
                    blob_path=upload.path,
                    blob_sha256=upload.sha256,
                    blob_size=upload.size_bytes,
                ),
                idempotency_key=idempotency_key,
                claim_token=token,
                response=StoredResponse(201, headers, body),
                event=event,
            )
        except ExternalIdTaken as exc:
            raise _external_id_conflict(external_id or "", exc.report_id) from exc
        except ClaimLost as exc:
            raise errors.IdempotencyConflict(
                "A request with this Idempotency-Key is still being processed. Retry later.",
                code="idempotency_key_in_progress",
                param="Idempotency-Key",
                retry_after_s=1,
            ) from exc
        metrics.IMPORTS.labels(format=primary["format"], outcome="imported").inc()
        self._on_stored()
        return ImportOutcome(201, headers, body, replayed=False)

    async def get_report(self, principal: Principal, report_id: str) -> bytes:
        row = (
            await self._repo.get(principal.workspace_id, report_id)
            if REPORT_ID.match(report_id)
            else None
        )
        if row is None:
            raise errors.NotFound("No such report.", param="id")
        return orjson.dumps(render_report(row))

    async def list_reports(
        self, principal: Principal, *, external_id: str | None, limit: int, cursor: str | None
    ) -> bytes:
        before = decode_cursor(cursor) if cursor else None
        rows, more = await self._repo.page(
            principal.workspace_id,
            external_id=external_id,
            limit=limit,
            before_seq=before,
            max_document_chars=LIST_PAGE_DOCUMENT_CHARS,
        )
        return orjson.dumps(
            {
                "object": "list",
                "data": [render_report(r) for r in rows],
                "has_more": more,
                "next_cursor": encode_cursor(rows[-1]["seq"]) if more and rows else None,
            }
        )


def _external_id_conflict(external_id: str, report_id: str) -> errors.ExternalIdConflict:
    return errors.ExternalIdConflict(
        f"external_id {external_id!r} was already imported in this workspace.",
        param="external_id",
        details={"report_id": report_id},
    )


def _parse_refusal(exc: ParseError) -> errors.ApiError:
    metrics.IMPORTS.labels(format="unknown", outcome=exc.code).inc()
    if exc.code == "payload_too_large":
        return errors.PayloadTooLarge(
            "The file expands beyond the import limits (see details.files).",
            param="file",
            details=exc.details,
        )
    message = {
        "format_mismatch": "The file's content does not match the format field.",
        "report_unsupported": "The file is not a supported roof report.",
    }.get(exc.code, "The report could not be read.")
    return errors.InvalidRequest(
        message,
        code=exc.code,
        param="format" if exc.code == "format_mismatch" else "file",
        details=exc.details,
    )


def _imported_event(
    report_id: str,
    principal: Principal,
    external_id: str | None,
    now: dt.datetime,
    files: list[dict[str, Any]],
    vendor: str,
    total_area_sqft: float | None,
    request_id: str,
) -> OutgoingEvent:
    event_id = uuid.uuid4().hex
    message = reports_pb2.ReportImported(
        event_id=event_id,
        report_id=report_id,
        workspace_id=principal.workspace_id,
        external_id=external_id or "",
        vendor=vendor,
        total_area_sqft=float(total_area_sqft or 0.0),
        request_id=request_id,
    )
    message.imported_at.FromDatetime(now)
    for f in files:
        message.files.add(
            name=f["name"],
            format=f["format"],
            media_type=f["media_type"],
            size_bytes=int(f["size_bytes"]),
            sha256=f["sha256"],
            role=f["role"],
        )
    return OutgoingEvent(
        event_id=event_id,
        subject=subjects.REPORTS_IMPORTED,
        payload=message.SerializeToString(),
        headers={"Nats-Msg-Id": event_id, "X-Request-Id": request_id},
    )
