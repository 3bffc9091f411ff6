"""Rate-limit windows on real Postgres: batched takes stay exact across replicas."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid

import pytest

from roofkit_ratelimit.store import PostgresWindowStore
from roofkit_runtime import db

# Windows of tomorrow: the session's ratelimit processes share this database and purge windows
# whose expiry has passed every minute, which would restart a past window's count mid-test.
START = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(days=1)
EXPIRES = START + dt.timedelta(hours=2)


@pytest.mark.parametrize("max_batch", [37, 1], ids=["batches", "single-takes"])
async def test_concurrent_batches_on_two_replicas_admit_exactly_the_limit(
    database_url: str, max_batch: int
) -> None:
    pools = [await db.create_pool(database_url, size=3) for _ in range(2)]
    stores = [PostgresWindowStore(p, max_in_flight=3, max_batch=max_batch) for p in pools]
    buckets = [f"test:{uuid.uuid4()}" for _ in range(5)]
    limits = {bucket: 40 + 13 * i for i, bucket in enumerate(buckets)}
    takes = [random.choice(buckets) for _ in range(1500)]
    try:
        answers = await asyncio.gather(
            *(
                stores[i % 2].take(bucket, START, EXPIRES, 1, limits[bucket])
                for i, bucket in enumerate(takes)
            )
        )
    finally:
        for pool in pools:
            await pool.close()
    for bucket in buckets:
        admitted = sorted(count for (ok, count), b in zip(answers, takes) if b == bucket and ok)
        assert admitted == list(range(1, limits[bucket] + 1)), bucket
        refused = {count for (ok, count), b in zip(answers, takes) if b == bucket and not ok}
        assert refused <= {limits[bucket]}, bucket


async def test_windows_past_their_expiry_are_purged(database_url: str) -> None:
    pool = await db.create_pool(database_url, size=1)
    store = PostgresWindowStore(pool)
    bucket = f"test:{uuid.uuid4()}"
    try:
        await store.take(bucket, START, START + dt.timedelta(minutes=2), 1, 5)
        await store.take(bucket, START + dt.timedelta(minutes=1), EXPIRES, 1, 5)
        assert await store.purge(START + dt.timedelta(minutes=3)) >= 1
        assert await store.take(bucket, START, EXPIRES, 0, 5) == (True, 0)
        assert await store.take(bucket, START + dt.timedelta(minutes=1), EXPIRES, 0, 5) == (True, 1)
    finally:
        await pool.close()


async def test_peeks_and_oversized_costs_only_read_the_window(database_url: str) -> None:
    pool = await db.create_pool(database_url, size=2)
    store = PostgresWindowStore(pool)
    bucket = f"test:{uuid.uuid4()}"
    try:
        assert await store.take(bucket, START, EXPIRES, 0, 2) == (True, 0)
        assert await store.take(bucket, START, EXPIRES, 3, 2) == (False, 0)
        assert await store.take(bucket, START, EXPIRES, 2, 2) == (True, 2)
        answers = await asyncio.gather(
            store.take(bucket, START, EXPIRES, 0, 2),
            store.take(bucket, START, EXPIRES, 1, 2),
            store.take(bucket, START + dt.timedelta(minutes=1), EXPIRES, 1, 2),
        )
        assert answers == [(False, 2), (False, 2), (True, 1)]
    finally:
        await pool.close()


async def test_a_database_failure_reaches_every_waiter_of_the_batch(database_url: str) -> None:
    pool = await db.create_pool(database_url.replace("/roofkit", "/no_such_database"), size=1)
    pool.timeout = 0.5
    store = PostgresWindowStore(pool, max_in_flight=1)
    try:
        answers = await asyncio.gather(
            *(store.take(f"b{i}", START, EXPIRES, 1, 5) for i in range(10)),
            return_exceptions=True,
        )
    finally:
        await pool.close()
    assert all(type(a).__name__ == "DatabaseUnavailable" for a in answers), answers


async def test_a_single_take_that_does_not_fit_answers_with_the_current_count(
    database_url: str,
) -> None:
    pool = await db.create_pool(database_url, size=1)
    store = PostgresWindowStore(pool)
    bucket = f"test:{uuid.uuid4()}"
    try:
        answers = [await store.take(bucket, START, EXPIRES, 1, 3) for _ in range(5)]
        assert answers == [(True, 1), (True, 2), (True, 3), (False, 3), (False, 3)]
        assert await store.take(bucket, START, EXPIRES, 2, 4) == (False, 3)
        assert await store.take(bucket, START, EXPIRES, 1, 4) == (True, 4)
    finally:
        await pool.close()
