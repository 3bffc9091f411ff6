"""Reading keys from Postgres: one query by key hash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from roofkit_runtime import db
from roofkit_runtime.schema import api_keys, workspaces


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What auth knows of one key and its workspace."""

    key_id: str
    key_hash: bytes
    prefix: str
    workspace_id: str
    scopes: tuple[str, ...]
    key_state: str
    expires_at: dt.datetime | None
    workspace_state: str
    imports_per_minute: int
    reads_per_minute: int
    max_upload_bytes: int


class KeyStore(Protocol):
    async def find_by_hash(self, key_hash: bytes) -> KeyRecord | None: ...
    async def touch(self, key_ids: Iterable[str], at: dt.datetime) -> None: ...


class PostgresKeyStore:
    """KeyStore over the ``api_keys`` and ``workspaces`` tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._query = (
            sa.select(
                api_keys.c.id,
                api_keys.c.key_hash,
                api_keys.c.prefix,
                api_keys.c.workspace_id,
                api_keys.c.scopes,
                api_keys.c.state,
                api_keys.c.expires_at,
                workspaces.c.state.label("workspace_state"),
                sa.func.coalesce(
                    api_keys.c.imports_per_minute, workspaces.c.imports_per_minute
                ).label("imports_per_minute"),
                sa.func.coalesce(api_keys.c.reads_per_minute, workspaces.c.reads_per_minute).label(
                    "reads_per_minute"
                ),
                workspaces.c.max_upload_bytes,
            )
            .select_from(api_keys.join(workspaces))
            .where(api_keys.c.key_hash == sa.bindparam("key_hash"))
        )

    async def find_by_hash(self, key_hash: bytes) -> KeyRecord | None:
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                row = (await conn.execute(self._query, {"key_hash": key_hash})).first()
        if row is None:
            return None
        return KeyRecord(
            key_id=row.id,
            key_hash=bytes(row.key_hash),
            prefix=row.prefix,
            workspace_id=row.workspace_id,
            scopes=tuple(row.scopes),
            key_state=row.state,
            expires_at=row.expires_at,
            workspace_state=row.workspace_state,
            imports_per_minute=row.imports_per_minute,
            reads_per_minute=row.reads_per_minute,
            max_upload_bytes=row.max_upload_bytes,
        )

    async def touch(self, key_ids: Iterable[str], at: dt.datetime) -> None:
        ids = sorted(set(key_ids))
        if not ids:
            return
        with db.translate_errors():
            async with self._engine.begin() as conn:
                await conn.execute(
                    sa.update(api_keys)
                    .where(api_keys.c.id.in_(ids))
                    .where(
                        sa.or_(
                            api_keys.c.last_used_at.is_(None),
                            api_keys.c.last_used_at < at,
                        )
                    )
                    .values(last_used_at=at)
                )
