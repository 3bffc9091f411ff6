"""Postgres storage of the importer: idempotency claims, reports, files, blobs, outbox.

A report is written in one transaction with its files, its blob chunks, its completed
idempotency record and its outbox event — or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from roofkit_importer import idempotency
from roofkit_importer.idempotency import Claim, ClaimState, Existing, StoredResponse
from roofkit_runtime import db
from roofkit_runtime.schema import (
    blob_chunks,
    blobs,
    idempotency_keys,
    outbox,
    report_files,
    reports,
)

CHUNK_BYTES = 1 << 20


class ExternalIdTaken(Exception):
    def __init__(self, report_id: str) -> None:
        super().__init__(report_id)
        self.report_id = report_id


class ClaimLost(Exception):
    """Our claim was taken over (lease expired) before we could complete it."""


@dataclass(frozen=True, slots=True)
class NewReport:
    id: str
    workspace_id: str
    api_key_id: str
    external_id: str | None
    format: str
    vendor: str
    document: dict[str, Any] | db.RawJSON
    source: dict[str, Any]
    warnings: list[dict[str, Any]]
    metadata: dict[str, Any]
    request_id: str
    created_at: dt.datetime
    files: Sequence[dict[str, Any]]
    blob_path: Path
    blob_sha256: str
    blob_size: int


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    event_id: str
    subject: str
    payload: bytes
    headers: dict[str, str]
    created_at: dt.datetime | None = None


class ImportRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # --- idempotency ------------------------------------------------------------------------

    async def claim(
        self,
        workspace_id: str,
        key: str,
        fingerprint: str,
        *,
        lease: dt.timedelta,
        retention: dt.timedelta,
    ) -> Claim:
        token = secrets.token_hex(12)
        values = {
            "fingerprint": fingerprint,
            "state": "in_progress",
            "claim_token": token,
            "locked_until": sa.func.now() + lease,
            "expires_at": sa.func.now() + retention,
            "report_id": None,
            "response_status": None,
            "response_headers": None,
            "response_body": None,
        }
        with db.translate_errors():
            # Fast path, one round trip: the key is new.
            async with db.autocommit(self._engine) as conn:
                inserted = (
                    await conn.execute(
                        insert(idempotency_keys)
                        .values(workspace_id=workspace_id, key=key, **values)
                        .on_conflict_do_nothing()
                        .returning(idempotency_keys.c.key)
                    )
                ).first()
            if inserted is not None:
                return Claim(ClaimState.NEW, token=token)
            # The key exists: decide under a row lock.
            async with self._engine.begin() as conn:
                now = await _now(conn)
                row = (
                    await conn.execute(
                        sa.select(idempotency_keys)
                        .where(
                            idempotency_keys.c.workspace_id == workspace_id,
                            idempotency_keys.c.key == key,
                        )
                        .with_for_update()
                    )
                ).first()
                if row is None:  # purged between the two statements: the next attempt inserts
                    return Claim(ClaimState.IN_PROGRESS, retry_after_s=1)
                existing = Existing(
                    fingerprint=row.fingerprint,
                    state=row.state,
                    locked_until=row.locked_until,
                    expires_at=row.expires_at,
                    stored=StoredResponse(
                        row.response_status,
                        dict(row.response_headers or {}),
                        bytes(row.response_body),
                    )
                    if row.state == "completed"
                    else None,
                )
                state = idempotency.decide(existing, fingerprint, now)
                if state is ClaimState.TAKEN_OVER:
                    await conn.execute(
                        sa.update(idempotency_keys)
                        .where(
                            idempotency_keys.c.workspace_id == workspace_id,
                            idempotency_keys.c.key == key,
                        )
                        .values(**values)
                    )
                    return Claim(state, token=token)
                if state is ClaimState.IN_PROGRESS:
                    return Claim(state, retry_after_s=idempotency.retry_after(existing, now))
                return Claim(state, stored=existing.stored)

    async def release(self, workspace_id: str, key: str, token: str) -> None:
        with db.translate_errors():
            async with self._engine.begin() as conn:
                await conn.execute(
                    sa.delete(idempotency_keys).where(
                        idempotency_keys.c.workspace_id == workspace_id,
                        idempotency_keys.c.key == key,
                        idempotency_keys.c.claim_token == token,
                        idempotency_keys.c.state == "in_progress",
                    )
                )

    async def purge_idempotency(self) -> int:
        with db.translate_errors():
            async with self._engine.begin() as conn:
                result = await conn.execute(
                    sa.delete(idempotency_keys).where(idempotency_keys.c.expires_at < sa.func.now())
                )
        return int(result.rowcount or 0)

    # --- reports ----------------------------------------------------------------------------

    async def report_id_for_external_id(self, workspace_id: str, external_id: str) -> str | None:
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                value = (
                    await conn.execute(
                        sa.select(reports.c.id).where(
                            reports.c.workspace_id == workspace_id,
                            reports.c.external_id == external_id,
                        )
                    )
                ).scalar_one_or_none()
        return value

    async def store(
        self,
        report: NewReport,
        *,
        idempotency_key: str,
        claim_token: str,
        response: StoredResponse,
        event: OutgoingEvent,
    ) -> None:
        """Write everything of one import atomically, or nothing.

        One statement (:func:`_store_statement`) completes the idempotency claim and writes the
        blob row, the report, its files and the outbox event. An upload of up to one chunk (the
        usual report) goes in that same statement, in autocommit: one round trip. A larger one
        is written chunk by chunk after it, in one transaction, when the blob is new. A lost
        claim writes nothing and raises :class:`ClaimLost`.
        """
        params: dict[str, Any] = {
            "p_blob_sha256": report.blob_sha256,
            "p_blob_size": report.blob_size,
            "p_id": report.id,
            "p_workspace_id": report.workspace_id,
            "p_api_key_id": report.api_key_id,
            "p_external_id": report.external_id,
            "p_format": report.format,
            "p_vendor": report.vendor,
            "p_document": report.document,
            "p_source": report.source,
            "p_warnings": report.warnings,
            "p_metadata": report.metadata,
            "p_request_id": report.request_id,
            "p_created_at": report.created_at,
            "p_idempotency_key": idempotency_key,
            "p_claim_token": claim_token,
            "p_response_status": response.status,
            "p_response_headers": response.headers,
            "p_response_body": response.body,
            "p_event_id": event.event_id,
            "p_event_subject": event.subject,
            "p_event_payload": event.payload,
            "p_event_headers": event.headers,
        }
        for i, f in enumerate(report.files):
            params.update({f"p_file_{i}_{name}": f[name] for name in _FILE_COLUMNS})
        inline_chunk = 0 < report.blob_size <= CHUNK_BYTES
        if inline_chunk:
            params["p_chunk"] = report.blob_path.read_bytes()
        write = _store_statement(len(report.files), inline_chunk=inline_chunk)
        try:
            with db.translate_errors():
                if inline_chunk:  # the usual upload: everything in one atomic statement
                    async with db.autocommit(self._engine) as conn:
                        written = (await conn.execute(write, params)).one()
                        if written.completed != 1:
                            raise ClaimLost()
                else:
                    async with self._engine.begin() as conn:
                        written = (await conn.execute(write, params)).one()
                        if written.completed != 1:
                            raise ClaimLost()  # rolls back (nothing was written anyway)
                        if written.blob_created:
                            await self._store_chunks(conn, report.blob_path, report.blob_sha256)
        except sqlalchemy.exc.IntegrityError as exc:
            if "uq_reports_workspace_external_id" in str(exc.orig) and report.external_id:
                existing = await self.report_id_for_external_id(
                    report.workspace_id, report.external_id
                )
                raise ExternalIdTaken(existing or "") from exc
            raise

    async def _store_chunks(self, conn: AsyncConnection, path: Path, sha256: str) -> None:
        with path.open("rb") as handle:
            seq = 0
            while chunk := handle.read(CHUNK_BYTES):
                await conn.execute(
                    sa.insert(blob_chunks).values(sha256=sha256, seq=seq, content=chunk)
                )
                seq += 1

    async def get(self, workspace_id: str, report_id: str) -> dict[str, Any] | None:
        """The report row, its ``document`` as JSON text (see :data:`_READ_COLUMNS`)."""
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                row = (
                    await conn.execute(
                        sa.select(*_READ_COLUMNS).where(
                            reports.c.id == report_id, reports.c.workspace_id == workspace_id
                        )
                    )
                ).first()
        return dict(row._mapping) if row is not None else None

    async def page(
        self,
        workspace_id: str,
        *,
        external_id: str | None,
        limit: int,
        before_seq: int | None,
        max_document_chars: int,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``limit`` reports, newest first, and whether more follow.

        A page also ends before the report that would take its documents past
        ``max_document_chars`` (one report at least): reports can be tens of megabytes, and a
        page of a hundred of them must not be held in memory at once. Rows are streamed from a
        server-side cursor one at a time, so no more than one report past the page is read.
        """
        query = sa.select(*_READ_COLUMNS).where(reports.c.workspace_id == workspace_id)
        if external_id is not None:
            query = query.where(reports.c.external_id == external_id)
        if before_seq is not None:
            query = query.where(reports.c.seq < before_seq)
        query = query.order_by(reports.c.seq.desc()).limit(limit + 1)
        rows: list[dict[str, Any]] = []
        chars = 0
        with db.translate_errors():
            async with self._engine.connect() as conn:
                result = await conn.stream(query.execution_options(yield_per=1))
                async for row in result:
                    size = len(row.document)
                    if len(rows) == limit or (rows and chars + size > max_document_chars):
                        await result.close()
                        return rows, True
                    rows.append(dict(row._mapping))
                    chars += size
        return rows, False

    # --- outbox -----------------------------------------------------------------------------

    async def pending_events(self, limit: int) -> list[OutgoingEvent]:
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                rows = (
                    await conn.execute(
                        sa.select(
                            outbox.c.event_id,
                            outbox.c.subject,
                            outbox.c.payload,
                            outbox.c.headers,
                            outbox.c.created_at,
                        )
                        .where(outbox.c.published_at.is_(None), outbox.c.rejected_at.is_(None))
                        .order_by(outbox.c.id)
                        .limit(limit)
                    )
                ).all()
        return [
            OutgoingEvent(r.event_id, r.subject, bytes(r.payload), dict(r.headers), r.created_at)
            for r in rows
        ]

    async def mark_published(self, event_ids: Sequence[str]) -> None:
        if not event_ids:
            return
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:  # one statement: atomic on its own
                await conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.event_id.in_(list(event_ids)))
                    .values(published_at=sa.func.now(), attempts=outbox.c.attempts + 1)
                )

    async def purge_outbox(self, published_before: dt.timedelta) -> int:
        """Delete the rows of events published longer ago than ``published_before``."""
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                result = await conn.execute(
                    sa.delete(outbox).where(
                        outbox.c.published_at < sa.func.now() - published_before
                    )
                )
        return int(result.rowcount or 0)

    async def mark_rejected(self, event_id: str, error: str) -> None:
        """Set an event the broker refuses aside: it no longer holds back the ones behind it."""
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                await conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.event_id == event_id)
                    .values(rejected_at=sa.func.now(), error=error, attempts=outbox.c.attempts + 1)
                )


_READ_COLUMNS = (
    *(c for c in reports.c if c.name != "document"),
    # As JSON text, embedded in the response as it is: parsing a report of tens of megabytes into
    # Python objects takes ten times its size in memory, only to serialize it again.
    sa.cast(reports.c.document, sa.Text).label("document"),
)
_FILE_COLUMNS = tuple(c.name for c in report_files.c if c.name not in ("report_id", "position"))
_REPORT_COLUMNS = (
    "id",
    "workspace_id",
    "api_key_id",
    "external_id",
    "format",
    "vendor",
    "document",
    "source",
    "warnings",
    "metadata",
    "request_id",
    "created_at",
)


def _param(name: str, column: sa.Column[Any]) -> sa.BindParameter[Any]:
    # Prefixed: a parameter named like a column would also be read as that column's value.
    return sa.bindparam(f"p_{name}", type_=column.type)


@functools.lru_cache(maxsize=32)
def _store_statement(file_count: int, *, inline_chunk: bool) -> sa.Select[*tuple[Any, ...]]:
    """The statement that writes one import, for ``file_count`` files, with bound parameters.

    Data-modifying CTEs, checked together at the end of the statement. The completion of our
    idempotency claim (matched by its token) comes first and every other write selects from
    it, so a lost claim writes nothing at all: the blob row (when new) and, with
    ``inline_chunk``, its only chunk; the report; one single-row insert per file; the outbox
    event. The select counts what each wrote. Built once per shape and executed with
    parameters: building it per import, and SQLAlchemy deriving its cache key each time, cost
    about 0.6 ms of CPU per import.
    """
    keys = idempotency_keys.c
    completed = (
        sa.update(idempotency_keys)
        .where(
            keys.workspace_id == _param("workspace_id", keys.workspace_id),
            keys.key == _param("idempotency_key", keys.key),
            keys.claim_token == _param("claim_token", keys.claim_token),
        )
        .values(
            state="completed",
            locked_until=None,
            report_id=_param("id", keys.report_id),
            response_status=_param("response_status", keys.response_status),
            response_headers=_param("response_headers", keys.response_headers),
            response_body=_param("response_body", keys.response_body),
        )
        .returning(keys.key)
        .cte("completed_key")
    )

    def after_completion(table: sa.Table, values: dict[str, Any], source: Any) -> Any:
        return insert(table).from_select(
            list(values), sa.select(*values.values()).select_from(source)
        )

    blob = (
        after_completion(
            blobs,
            {
                "sha256": _param("blob_sha256", blobs.c.sha256),
                "size_bytes": _param("blob_size", blobs.c.size_bytes),
            },
            completed,
        )
        .on_conflict_do_nothing()
        .returning(blobs.c.sha256)
        .cte("new_blob")
    )
    written: list[tuple[str, sa.CTE]] = [("blob_created", blob)]
    if inline_chunk:
        chunk = (
            after_completion(
                blob_chunks,
                {
                    "sha256": blob.c.sha256,
                    "seq": sa.literal(0, sa.Integer),
                    "content": _param("chunk", blob_chunks.c.content),
                },
                blob,
            )
            .returning(blob_chunks.c.seq)
            .cte("new_chunk")
        )
        written.append(("chunks", chunk))
    row = (
        after_completion(
            reports,
            {name: _param(name, reports.c[name]) for name in _REPORT_COLUMNS},
            completed,
        )
        .returning(reports.c.id)
        .cte("new_report")
    )
    written.append(("reports", row))
    for i in range(file_count):
        values = {
            "report_id": row.c.id,
            "position": sa.literal(i, sa.Integer),
            **{name: _param(f"file_{i}_{name}", report_files.c[name]) for name in _FILE_COLUMNS},
        }
        written.append(
            (
                f"file_{i}",
                after_completion(report_files, values, row)
                .returning(report_files.c.position)
                .cte(f"new_file_{i}"),
            )
        )
    queued = (
        after_completion(
            outbox,
            {
                "event_id": _param("event_id", outbox.c.event_id),
                "subject": _param("event_subject", outbox.c.subject),
                "payload": _param("event_payload", outbox.c.payload),
                "headers": _param("event_headers", outbox.c.headers),
            },
            completed,
        )
        .returning(outbox.c.id)
        .cte("queued_event")
    )
    written.append(("events", queued))

    def count(cte: sa.CTE) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(cte).scalar_subquery()

    return sa.select(
        count(completed).label("completed"), *(count(cte).label(name) for name, cte in written)
    )


async def _now(conn: AsyncConnection) -> dt.datetime:
    value: dt.datetime = (await conn.execute(sa.select(sa.func.now()))).scalar_one()
    return value
