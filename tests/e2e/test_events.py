"""roofkit.reports.v1.imported leaves through the outbox to JetStream, once per report."""

from __future__ import annotations

import asyncio
import io
import uuid
import zipfile

import httpx
import psycopg
from nats.js.errors import NotFoundError

from roofkit_cli.devstack import DevStack
from roofkit_events import subjects
from roofkit_events.reports.v1 import reports_pb2
from roofkit_runtime import natsio
from tests.e2e.conftest import EXAMPLE_CSV, import_csv
from tests.e2e.helpers import wait_for


def _sql(stack: DevStack, query: str, *args: object) -> list[tuple[object, ...]]:
    assert stack.database_url
    with psycopg.connect(stack.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        cursor = conn.execute(query, args)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


async def _stream_messages(stack: DevStack) -> int:
    assert stack.nats_url
    nc = await natsio.connect(stack.nats_url, name="test")
    try:
        info = await nc.jetstream().stream_info(subjects.REPORTS_STREAM)
        return int(info.state.messages)
    finally:
        await nc.drain()


async def _last_event(stack: DevStack) -> tuple[reports_pb2.ReportImported, dict[str, str]]:
    assert stack.nats_url
    nc = await natsio.connect(stack.nats_url, name="test")
    try:
        try:
            msg = await nc.jetstream().get_last_msg(
                subjects.REPORTS_STREAM, subjects.REPORTS_IMPORTED
            )
        except NotFoundError:
            return reports_pb2.ReportImported(), {}
        event = reports_pb2.ReportImported()
        event.ParseFromString(msg.data or b"")
        return event, dict(msg.headers or {})
    finally:
        await nc.drain()


def test_an_import_publishes_one_event_with_its_id_as_message_id(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    created = import_csv(client, dev_key, data={"external_id": f"ev-{uuid.uuid4().hex[:8]}"})
    report = created.json()
    event, headers = wait_for(
        lambda: (e := asyncio.run(_last_event(stack)))[0].report_id == report["id"] and e,
        timeout_s=10,
        what="the imported event",
    )
    assert event.workspace_id == report["workspace_id"]
    assert event.external_id == report["external_id"]
    assert event.total_area_sqft == 2683.2
    assert event.files[0].sha256 == report["source"]["files"][0]["sha256"]
    assert event.request_id == created.headers["X-Request-Id"]
    assert headers["Nats-Msg-Id"] == event.event_id


def test_a_refused_import_writes_no_event(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    external = f"ev-{uuid.uuid4().hex[:8]}"
    assert import_csv(client, dev_key, data={"external_id": external}).status_code == 201
    before = _sql(stack, "SELECT count(*) FROM outbox")[0][0]
    assert import_csv(client, dev_key, data={"external_id": external}).status_code == 409
    assert import_csv(client, dev_key, content=b"Facet,Area\n").status_code == 400
    assert _sql(stack, "SELECT count(*) FROM outbox")[0][0] == before


def test_a_republished_event_is_dropped_as_a_duplicate(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    import_csv(client, dev_key)
    wait_for(
        lambda: _sql(stack, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0,
        timeout_s=10,
        what="outbox drained",
    )
    messages = asyncio.run(_stream_messages(stack))
    # As after a crash between publishing and marking: every row goes out a second time.
    _sql(stack, "UPDATE outbox SET published_at = NULL")
    import_csv(client, dev_key)  # wakes the relay
    wait_for(
        lambda: _sql(stack, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0,
        timeout_s=10,
        what="outbox drained again",
    )
    assert asyncio.run(_stream_messages(stack)) == messages + 1


def test_a_package_of_many_long_entry_names_publishes_its_event_and_holds_back_none(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    """150 entries named with 20,000 characters each made a 3 MB event, which the broker refused
    (max_payload 1 MB), and the relay then retried it forever before every later event."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("roof.csv", EXAMPLE_CSV.read_bytes())
        for i in range(150):
            archive.writestr(f"{i:03d}{'n' * 20_000}.txt", b"")
    package = import_csv(client, dev_key, content=buffer.getvalue())
    assert package.status_code == 201, package.text
    names = [f["name"] for f in package.json()["source"]["files"]]
    assert max(len(name) for name in names) == 255
    wait_for(
        lambda: asyncio.run(_last_event(stack))[0].report_id == package.json()["id"],
        timeout_s=10,
        what="the package's event",
    )
    after = import_csv(client, dev_key).json()["id"]
    wait_for(
        lambda: asyncio.run(_last_event(stack))[0].report_id == after,
        timeout_s=10,
        what="the next import's event",
    )
