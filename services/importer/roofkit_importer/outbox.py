"""The outbox relay: committed events leave for JetStream, at least once, de-duplicated.

Rows are written in the import's transaction; the relay publishes them with ``Nats-Msg-Id`` set
to the event id, so JetStream drops a second copy (a crash between publish and mark, or two
importer replicas publishing the same row). While NATS is away rows wait; nothing is lost, and a
rolled-back import never wrote a row. An event the broker would refuse for good — larger than its
``max_payload`` — is set aside (``rejected_at``, ``error``) and counted, so that it cannot hold
back the events behind it; it stays in the table until it is cleared and sent again. Rows of
published events are deleted a day after publication.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError

from roofkit_events import subjects
from roofkit_importer import metrics
from roofkit_importer.repository import ImportRepository
from roofkit_runtime.errors import DependencyUnavailable

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_S = 600.0
PUBLISHED_RETENTION = dt.timedelta(hours=24)
"""How long the row of a published event is kept (JetStream keeps the event itself)."""


async def ensure_stream(nc: NatsClient) -> None:
    """Create the reports stream if it is missing (idempotent)."""
    js = nc.jetstream()
    config = StreamConfig(
        name=subjects.REPORTS_STREAM,
        subjects=[subjects.REPORTS_STREAM_SUBJECTS],
        duplicate_window=DUPLICATE_WINDOW_S,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


class OutboxRelay:
    def __init__(self, repository: ImportRepository, nc: NatsClient, *, poll_s: float) -> None:
        self._repo = repository
        self._nc = nc
        self._poll = poll_s
        self._wake = asyncio.Event()
        self._stream_ready = False
        self.rounds = 0
        """Relay rounds run so far (observable by health checks and tests)."""

    def notify(self) -> None:
        """An import committed: publish now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        first = True
        while True:
            if not first:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            first = False
            self._wake.clear()
            self.rounds += 1
            try:
                await self.publish_pending()
            except DependencyUnavailable:
                log.warning("outbox relay: database unavailable")
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("outbox relay: broker unavailable", extra={"error": repr(exc)})
            except Exception:
                log.exception("outbox relay failed")

    async def publish_pending(self, batch: int = 100) -> int:
        if not self._nc.is_connected:
            return 0
        if not self._stream_ready:
            await ensure_stream(self._nc)
            self._stream_ready = True
        js = self._nc.jetstream()
        published = 0
        while True:
            events = await self._repo.pending_events(batch)
            metrics.OUTBOX_UNPUBLISHED.set(len(events))
            oldest = events[0].created_at if events else None
            metrics.OUTBOX_LAG.set(
                (dt.datetime.now(dt.UTC) - oldest).total_seconds() if oldest is not None else 0.0
            )
            if not events:
                return published
            done = []
            for event in events:
                headers = {**event.headers, "Nats-Msg-Id": event.event_id}
                size = _message_size(event.payload, headers)
                if size > self._nc.max_payload:
                    await self._reject(event.event_id, size)
                    continue
                await js.publish(event.subject, event.payload, timeout=2, headers=headers)
                done.append(event.event_id)
            await self._repo.mark_published(done)
            metrics.OUTBOX_PUBLISHED.inc(len(done))
            published += len(done)
            if len(events) < batch:
                metrics.OUTBOX_UNPUBLISHED.set(0)
                metrics.OUTBOX_LAG.set(0.0)
                return published

    async def _reject(self, event_id: str, size: int) -> None:
        error = f"{size} bytes with headers; the broker accepts at most {self._nc.max_payload}"
        log.error(
            "outbox relay: event refused by the broker",
            extra={"event_id": event_id, "error": error},
        )
        await self._repo.mark_rejected(event_id, error)
        metrics.OUTBOX_REJECTED.inc()


def _message_size(payload: bytes, headers: dict[str, str]) -> int:
    """What the server counts against ``max_payload``: the payload and the encoded headers."""
    header_bytes = len(b"NATS/1.0\r\n\r\n") + sum(
        len(k.encode()) + len(v.encode()) + 4 for k, v in headers.items()
    )
    return len(payload) + header_bytes
