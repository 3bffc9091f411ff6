"""Idempotency claims on real Postgres: leases, take-over, release, retention."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

import psycopg
import pytest

from roofkit_importer.idempotency import ClaimState, StoredResponse
from roofkit_importer.repository import ImportRepository
from roofkit_runtime import db
from tests.support import provision

LONG = dt.timedelta(hours=24)


@pytest.fixture
async def workspace_id(database_url: str, nats_url: str, keys_home: Path) -> str:
    applied = await provision.apply(
        [provision.workspace(provision.unique("ws"))],
        database_url=database_url,
        nats_url=nats_url,
        home=keys_home,
    )
    return next(iter(applied.workspaces.values()))["workspace_id"]  # type: ignore[no-any-return]


async def test_a_crashed_claim_expires_after_its_lease_and_is_taken_over(
    database_url: str, workspace_id: str
) -> None:
    engine = db.create_engine(database_url, pool_size=2)
    repo = ImportRepository(engine)
    key = str(uuid.uuid4())
    try:
        first = await repo.claim(
            workspace_id, key, "fp", lease=dt.timedelta(milliseconds=300), retention=LONG
        )
        assert first.state is ClaimState.NEW
        busy = await repo.claim(
            workspace_id, key, "fp", lease=dt.timedelta(seconds=60), retention=LONG
        )
        assert busy.state is ClaimState.IN_PROGRESS and busy.retry_after_s >= 1
        deadline = asyncio.get_running_loop().time() + 5
        while True:  # until the 300 ms lease has run out
            taken = await repo.claim(
                workspace_id, key, "fp", lease=dt.timedelta(seconds=60), retention=LONG
            )
            if taken.state is not ClaimState.IN_PROGRESS:
                break
            assert asyncio.get_running_loop().time() < deadline
        assert taken.state is ClaimState.TAKEN_OVER and taken.token != first.token
        # The crashed worker's release is a no-op: the claim belongs to the new holder now.
        assert first.token is not None
        await repo.release(workspace_id, key, first.token)
        again = await repo.claim(
            workspace_id, key, "fp", lease=dt.timedelta(seconds=60), retention=LONG
        )
        assert again.state is ClaimState.IN_PROGRESS
        assert taken.token is not None
        await repo.release(workspace_id, key, taken.token)
        assert (
            await repo.claim(workspace_id, key, "other", lease=LONG, retention=LONG)
        ).state is ClaimState.NEW
    finally:
        await engine.dispose()


async def test_completed_keys_are_kept_for_the_retention_and_purged_after(
    database_url: str, workspace_id: str
) -> None:
    engine = db.create_engine(database_url, pool_size=2)
    repo = ImportRepository(engine)
    key = str(uuid.uuid4())
    try:
        claim = await repo.claim(workspace_id, key, "fp", lease=LONG, retention=LONG)
        plain = database_url.replace("+psycopg", "")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(
                "UPDATE idempotency_keys SET state = 'completed', response_status = 201, "
                "response_headers = '{}', response_body = 'x' WHERE key = %s",
                (key,),
            )
        assert claim.state is ClaimState.NEW
        replay = await repo.claim(workspace_id, key, "fp", lease=LONG, retention=LONG)
        assert replay.state is ClaimState.REPLAY and replay.stored == StoredResponse(201, {}, b"x")
        await repo.purge_idempotency()
        with psycopg.connect(plain, autocommit=True) as conn:
            assert (
                conn.execute(
                    "SELECT expires_at - created_at FROM idempotency_keys WHERE key = %s", (key,)
                ).fetchone()[0]
                >= LONG
            )  # type: ignore[index]
            conn.execute(
                "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = %s",
                (key,),
            )
        await repo.purge_idempotency()
        with psycopg.connect(plain) as conn:
            assert (
                conn.execute(
                    "SELECT count(*) FROM idempotency_keys WHERE key = %s", (key,)
                ).fetchone()[0]
                == 0
            )  # type: ignore[index]
    finally:
        await engine.dispose()
