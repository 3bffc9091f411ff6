"""Publishing ``roofkit.auth.v1.keys.changed`` over NATS."""

from __future__ import annotations

from collections.abc import Iterable

from nats.aio.client import Client as NatsClient

from roofkit_events import subjects
from roofkit_events.auth.v1 import auth_pb2
from roofkit_runtime import natsio


class NatsNotifier:
    def __init__(self, nc: NatsClient) -> None:
        self._nc = nc

    async def keys_changed(
        self,
        *,
        key_ids: Iterable[str] = (),
        workspace_ids: Iterable[str] = (),
        flush_all: bool = False,
    ) -> None:
        message = auth_pb2.KeysChanged(
            key_ids=list(key_ids), workspace_ids=list(workspace_ids), flush_all=flush_all
        )
        message.changed_at.GetCurrentTime()
        await natsio.publish(self._nc, subjects.AUTH_KEYS_CHANGED, message)
