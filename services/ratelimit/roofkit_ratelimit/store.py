"""Window counters in Postgres: one atomic statement per decision.

Exactness across replicas comes from Postgres: the conditional upsert below increments a window's
counter only while it stays within the limit, in one statement, so concurrent takers on any
number of replicas can never push a window past its limit.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from roofkit_runtime import db
from roofkit_runtime.schema import ratelimit_windows as windows


class WindowStore(Protocol):
    async def take(
        self,
        bucket: str,
        window_start: dt.datetime,
        expires_at: dt.datetime,
        cost: int,
        limit: int,
    ) -> tuple[bool, int]: ...
    async def purge(self, before: dt.datetime) -> int: ...


class PostgresWindowStore:
    """WindowStore over the ``ratelimit_windows`` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def take(
        self,
        bucket: str,
        window_start: dt.datetime,
        expires_at: dt.datetime,
        cost: int,
        limit: int,
    ) -> tuple[bool, int]:
        """Add ``cost`` if the window stays within ``limit``; return (admitted, count after)."""
        key = {"bucket": bucket, "window_start": window_start}
        with db.translate_errors():
            async with self._engine.begin() as conn:
                if cost > 0 and cost <= limit:
                    stmt = insert(windows).values(**key, count=cost, expires_at=expires_at)
                    upsert = stmt.on_conflict_do_update(
                        index_elements=[windows.c.bucket, windows.c.window_start],
                        set_={"count": windows.c.count + stmt.excluded.count},
                        where=windows.c.count + stmt.excluded.count <= limit,
                    ).returning(windows.c.count)
                    admitted = (await conn.execute(upsert)).scalar_one_or_none()
                    if admitted is not None:
                        return True, int(admitted)
                current = (
                    await conn.execute(
                        sa.select(windows.c.count).where(
                            windows.c.bucket == bucket,
                            windows.c.window_start == window_start,
                        )
                    )
                ).scalar_one_or_none()
        count = int(current or 0)
        return (cost == 0 and count < limit), count

    async def purge(self, before: dt.datetime) -> int:
        with db.translate_errors():
            async with self._engine.begin() as conn:
                result = await conn.execute(sa.delete(windows).where(windows.c.expires_at < before))
        return int(result.rowcount or 0)
