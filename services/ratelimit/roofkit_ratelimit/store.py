"""Window counters in Postgres: one atomic statement per decision.

Exactness across replicas comes from Postgres: the conditional upsert below increments a window's
counter only while it stays within the limit, in one statement, so concurrent takers on any
number of replicas can never push a window past its limit. One round trip, autocommit.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from roofkit_runtime import db
from roofkit_runtime.schema import ratelimit_windows as windows

# The CTE's outer SELECT sees the table as it was before the upsert, so ``current`` is the count a
# refused take left unchanged.
_TAKE = sa.text(
    """
    WITH up AS (
        INSERT INTO ratelimit_windows (bucket, window_start, count, expires_at)
        VALUES (:bucket, :window_start, :cost, :expires_at)
        ON CONFLICT (bucket, window_start) DO UPDATE
            SET count = ratelimit_windows.count + EXCLUDED.count
            WHERE ratelimit_windows.count + EXCLUDED.count <= :limit
        RETURNING count
    )
    SELECT (SELECT count FROM up) AS admitted,
           (SELECT count FROM ratelimit_windows
             WHERE bucket = :bucket AND window_start = :window_start) AS current
    """
)
_PEEK = sa.text(
    "SELECT count FROM ratelimit_windows WHERE bucket = :bucket AND window_start = :window_start"
)


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
        params = {
            "bucket": bucket,
            "window_start": window_start,
            "expires_at": expires_at,
            "cost": cost,
            "limit": limit,
        }
        with db.translate_errors():
            async with db.autocommit(self._engine) as conn:
                if 0 < cost <= limit:
                    row = (await conn.execute(_TAKE, params)).one()
                    if row.admitted is not None:
                        return True, int(row.admitted)
                    return False, int(row.current or 0)
                current = (await conn.execute(_PEEK, params)).scalar_one_or_none()
        count = int(current or 0)
        return (cost == 0 and count < limit), count

    async def purge(self, before: dt.datetime) -> int:
        with db.translate_errors():
            async with self._engine.begin() as conn:
                result = await conn.execute(sa.delete(windows).where(windows.c.expires_at < before))
        return int(result.rowcount or 0)
