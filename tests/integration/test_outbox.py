"""No event is lost while NATS is away: the relay publishes once the broker is back."""

from __future__ import annotations

import asyncio
import shutil
import uuid

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from roofkit_cli import infra as launcher
from roofkit_events import subjects
from roofkit_importer.outbox import OutboxRelay
from roofkit_importer.repository import ImportRepository
from roofkit_runtime import db, migrate, natsio
from tests.support.infra import Infra, scratch_dir


def _insert_event(database_url: str, event_id: str) -> None:
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO outbox (event_id, subject, payload, headers) VALUES (%s, %s, %s, '{}')",
            (event_id, subjects.REPORTS_IMPORTED, b"\x0a\x01x"),
        )


def _published(database_url: str, event_id: str) -> bool:
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        row = conn.execute(
            "SELECT published_at FROM outbox WHERE event_id = %s", (event_id,)
        ).fetchone()
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


async def test_events_committed_while_nats_is_down_are_published_when_it_returns(
    database_url: str,
) -> None:
    root = scratch_dir("roofkit-test-outbox-")
    broker = launcher.NatsServer(root, launcher.free_port())
    broker.start()
    engine: AsyncEngine = db.create_engine(database_url, pool_size=2)
    nc = await natsio.connect(broker.url, name="test-relay")
    relay = OutboxRelay(ImportRepository(engine), nc, poll_s=0.1)
    task = asyncio.create_task(relay.run())
    try:
        broker.stop()
        event_id = uuid.uuid4().hex
        _insert_event(database_url, event_id)
        rounds = relay.rounds
        await _until(lambda: relay.rounds >= rounds + 3, timeout_s=10)  # tries while it is away
        assert not _published(database_url, event_id)
        broker.start()
        await _until(lambda: _published(database_url, event_id), timeout_s=15)
        msg = await nc.jetstream().get_last_msg(subjects.REPORTS_STREAM, subjects.REPORTS_IMPORTED)
        assert (msg.headers or {}).get("Nats-Msg-Id") == event_id
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await nc.close()
        await engine.dispose()
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)
