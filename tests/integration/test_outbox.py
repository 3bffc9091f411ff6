"""No event is lost while NATS is away: the relay publishes once the broker is back."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from nats.aio.client import Client
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from roofkit_cli import infra as launcher
from roofkit_events import subjects
from roofkit_importer.outbox import OutboxRelay
from roofkit_importer.repository import ImportRepository
from roofkit_runtime import db, migrate, natsio
from tests.support.infra import Infra, scratch_dir


def _insert_event(
    database_url: str,
    event_id: str,
    payload: bytes = b"\x0a\x01x",
    published_ago: dt.timedelta | None = None,
) -> None:
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO outbox (event_id, subject, payload, headers, published_at) "
            "VALUES (%s, %s, %s, '{}', now() - %s::interval)",
            (event_id, subjects.REPORTS_IMPORTED, payload, published_ago),
        )


def _row(database_url: str, event_id: str) -> tuple[Any, ...] | None:
    """``published_at``, ``rejected_at`` and ``error`` of the event's row."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        return conn.execute(
            "SELECT published_at, rejected_at, error FROM outbox WHERE event_id = %s", (event_id,)
        ).fetchone()


def _published(database_url: str, event_id: str) -> bool:
    row = _row(database_url, event_id)
    return row is not None and row[0] is not None


async def _until(check, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def database_url(infra: Infra) -> str:
    """A database of its own: the session's importer processes relay the shared one's outbox."""
    infra.postgres.ensure_database("roofkit_outbox")
    url = infra.postgres.url("roofkit_outbox")
    migrate.upgrade(url)
    return url


@contextlib.asynccontextmanager
async def _relay(
    database_url: str,
) -> AsyncIterator[tuple[launcher.NatsServer, Client, OutboxRelay]]:
    """A broker of its own, a connection to it and a relay of the module's outbox."""
    root = scratch_dir("roofkit-test-outbox-")
    broker = launcher.NatsServer(root, launcher.free_port())
    broker.start()
    engine: AsyncEngine = db.create_engine(database_url, pool_size=2)
    nc = await natsio.connect(broker.url, name="test-relay")
    try:
        yield broker, nc, OutboxRelay(ImportRepository(engine), nc, poll_s=0.1)
    finally:
        await nc.close()
        await engine.dispose()
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)


async def test_events_committed_while_nats_is_down_are_published_when_it_returns(
    database_url: str,
) -> None:
    async with _relay(database_url) as (broker, nc, relay):
        task = asyncio.create_task(relay.run())
        try:
            broker.stop()
            event_id = uuid.uuid4().hex
            _insert_event(database_url, event_id)
            rounds = relay.rounds
            await _until(lambda: relay.rounds >= rounds + 3, timeout_s=10)  # tries while away
            assert not _published(database_url, event_id)
            broker.start()
            await _until(lambda: _published(database_url, event_id), timeout_s=15)
            msg = await nc.jetstream().get_last_msg(
                subjects.REPORTS_STREAM, subjects.REPORTS_IMPORTED
            )
            assert (msg.headers or {}).get("Nats-Msg-Id") == event_id
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_an_event_the_broker_refuses_is_set_aside_and_the_ones_behind_it_leave(
    database_url: str,
) -> None:
    """One event over the broker's max_payload (1 MB by default) once held back every other."""
    async with _relay(database_url) as (_, nc, relay):
        too_large, after = uuid.uuid4().hex, uuid.uuid4().hex
        _insert_event(database_url, too_large, payload=bytes(nc.max_payload))
        _insert_event(database_url, after)
        rejected = REGISTRY.get_sample_value("roofkit_outbox_rejected_total") or 0.0
        await relay.publish_pending()
        assert _published(database_url, after)
        row = _row(database_url, too_large)
        assert row is not None
        published_at, rejected_at, error = row
        assert published_at is None and rejected_at is not None
        assert f"at most {nc.max_payload}" in error
        assert REGISTRY.get_sample_value("roofkit_outbox_rejected_total") == rejected + 1
        assert await relay.publish_pending() == 0  # set aside: not tried again


async def test_rows_of_events_published_a_day_ago_are_purged(database_url: str) -> None:
    engine: AsyncEngine = db.create_engine(database_url, pool_size=2)
    try:
        old, recent, pending = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
        _insert_event(database_url, old, published_ago=dt.timedelta(hours=25))
        _insert_event(database_url, recent, published_ago=dt.timedelta(hours=23))
        _insert_event(database_url, pending)
        await ImportRepository(engine).purge_outbox(dt.timedelta(hours=24))
        assert _row(database_url, old) is None
        assert _row(database_url, recent) is not None
        assert _row(database_url, pending) is not None
    finally:
        await engine.dispose()
