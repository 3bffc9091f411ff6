"""Window counters in Postgres: atomic conditional upserts, many decisions per round trip.

Exactness across replicas comes from Postgres: a take increments its window's counter only while
it stays within the limit, in one conditional upsert, so concurrent takers on any number of
replicas can never push a window past its limit.

Throughput comes from group commit. Takes that arrive while earlier ones are in flight wait in a
queue; each free flusher (at most ``max_in_flight`` per replica) sends everything queued as one
call of the ``ratelimit_take`` function (migration 0002), which runs the same conditional upsert
for each take, in order, inside one statement. Under load a replica pays one round trip per
batch instead of one per decision; when idle, a take leaves at once in a batch of one, as the
bare upsert (the function is only needed to read the count when it does not fit). Batches are
sorted by window so that two replicas lock rows in the same order and cannot deadlock; takes on
the same window keep their arrival order. The statement goes through a plain psycopg pool
(prepared, autocommit): this one statement is the whole hot path of the service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from psycopg_pool import AsyncConnectionPool

from roofkit_runtime import db

_TAKE_MANY = (
    "SELECT admitted, current"
    " FROM ratelimit_take(%(buckets)s, %(starts)s, %(expires)s, %(costs)s, %(limits)s)"
)
# A batch of one take that can fit: the same conditional upsert as ratelimit_take's, as a plain
# statement (about a third cheaper than the function call); no row back means it did not fit, and
# the function then answers with the window's current count.
_TAKE_ONE = (
    "INSERT INTO ratelimit_windows AS w (bucket, window_start, count, expires_at)"
    " VALUES (%(bucket)s, %(start)s, %(cost)s, %(expires)s)"
    " ON CONFLICT (bucket, window_start) DO UPDATE SET count = w.count + EXCLUDED.count"
    " WHERE w.count + EXCLUDED.count <= %(limit)s"
    " RETURNING w.count"
)
_PURGE = "DELETE FROM ratelimit_windows WHERE expires_at < %(before)s"


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


@dataclass(slots=True)
class _Take:
    bucket: str
    window_start: dt.datetime
    expires_at: dt.datetime
    cost: int
    limit: int
    answer: asyncio.Future[tuple[bool, int]] = field(repr=False)


class PostgresWindowStore:
    """WindowStore over the ``ratelimit_windows`` table, batching concurrent takes."""

    def __init__(
        self, pool: AsyncConnectionPool, *, max_in_flight: int = 4, max_batch: int = 512
    ) -> None:
        self._pool = pool
        self._max_in_flight = max_in_flight
        self._max_batch = max_batch
        self._queue: list[_Take] = []
        self._flushers: set[asyncio.Task[None]] = set()

    async def take(
        self,
        bucket: str,
        window_start: dt.datetime,
        expires_at: dt.datetime,
        cost: int,
        limit: int,
    ) -> tuple[bool, int]:
        """Add ``cost`` if the window stays within ``limit``; return (admitted, count after).

        ``cost=0`` (or a cost above the limit) only reads the window: admitted means "below the
        limit" for a zero cost and is always false for a cost that can never fit.
        """
        answer: asyncio.Future[tuple[bool, int]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Take(bucket, window_start, expires_at, cost, limit, answer))
        if len(self._flushers) < self._max_in_flight:
            flusher = asyncio.create_task(self._flush())
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        return await answer

    async def _flush(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                rows = await self._take_many(batch)
            except Exception as exc:  # every waiter of the batch gets the failure
                for take in batch:
                    if not take.answer.done():
                        take.answer.set_exception(exc)
                continue
            for take, (admitted, current) in zip(batch, rows, strict=True):
                if take.answer.done():  # the caller gave up; the decision stands
                    continue
                if admitted is not None:
                    take.answer.set_result((True, admitted))
                else:
                    count = current or 0
                    take.answer.set_result((take.cost == 0 and count < take.limit, count))

    async def _take_many(self, batch: list[_Take]) -> list[tuple[int | None, int | None]]:
        if len(batch) == 1 and 0 < batch[0].cost <= batch[0].limit:
            take = batch[0]
            params = {
                "bucket": take.bucket,
                "start": take.window_start,
                "cost": take.cost,
                "expires": take.expires_at,
                "limit": take.limit,
            }
            with db.translate_errors():
                async with self._pool.connection() as conn:
                    cursor = await conn.execute(_TAKE_ONE, params, prepare=True)
                    row = await cursor.fetchone()
            if row is not None:
                return [(row[0], row[0])]
        return await self._call_take(batch)

    async def _call_take(self, batch: list[_Take]) -> list[tuple[int | None, int | None]]:
        order = sorted(range(len(batch)), key=lambda i: (batch[i].bucket, batch[i].window_start))
        ordered = [batch[i] for i in order]
        params = {
            "buckets": [t.bucket for t in ordered],
            "starts": [t.window_start for t in ordered],
            "expires": [t.expires_at for t in ordered],
            "costs": [t.cost for t in ordered],
            "limits": [t.limit for t in ordered],
        }
        with db.translate_errors():
            async with self._pool.connection() as conn:
                cursor = await conn.execute(_TAKE_MANY, params, prepare=True)
                rows = await cursor.fetchall()
        results: list[tuple[int | None, int | None]] = [(None, None)] * len(batch)
        for position, (admitted, current) in zip(order, rows, strict=True):
            results[position] = (admitted, current)
        return results

    async def purge(self, before: dt.datetime) -> int:
        with db.translate_errors():
            async with self._pool.connection() as conn:
                cursor = await conn.execute(_PURGE, {"before": before})
        return cursor.rowcount
