"""The auth process: composition root (``serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from roofkit_auth import handlers
from roofkit_auth.repository import KeyStore, PostgresKeyStore
from roofkit_auth.settings import AuthSettings
from roofkit_auth.verifier import Verifier
from roofkit_events import subjects
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.common.v1 import error_code_pb2 as codes
from roofkit_runtime import db, natsio, ops
from roofkit_runtime.errors import DependencyUnavailable

log = logging.getLogger(__name__)


async def _flush_last_used(verifier: Verifier, store: KeyStore, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        used = verifier.take_used()
        try:
            await store.touch(used, dt.datetime.now(dt.UTC))
        except DependencyUnavailable:
            verifier.used |= used  # try again next round


async def serve(settings: AuthSettings) -> None:
    """Answer ``roofkit.auth.v1.verify`` until SIGTERM."""
    stop = ops.stop_event()
    engine = db.create_engine(
        settings.database_url.get_secret_value(), pool_size=settings.db_pool_size
    )
    store = PostgresKeyStore(engine)
    verifier = Verifier(
        store,
        ttl_s=settings.cache_ttl_s,
        negative_ttl_s=settings.negative_cache_ttl_s,
        max_entries=settings.cache_max_entries,
    )
    nc = await natsio.connect(settings.nats_url, name="roofkit-auth")
    await natsio.listen(
        nc,
        subjects.AUTH_KEYS_CHANGED,
        auth_pb2.KeysChanged,
        handlers.keys_changed_handler(verifier),
    )
    responder = await natsio.serve(
        nc,
        subjects.AUTH_VERIFY,
        auth_pb2.VerifyRequest,
        handlers.verify_handler(verifier),
        queue=subjects.AUTH_QUEUE_GROUP,
        answer_now=handlers.verify_now(verifier),
        invalid_reply=auth_pb2.VerifyReply(ok=False, error=codes.ERROR_CODE_INVALID_REQUEST),
        failed_reply=auth_pb2.VerifyReply(ok=False, error=codes.ERROR_CODE_INTERNAL),
    )
    flusher = asyncio.create_task(_flush_last_used(verifier, store, settings.last_used_flush_s))

    async def readiness() -> dict[str, bool]:
        return {"nats": nc.is_connected}

    log.info("auth serving", extra={"subject": subjects.AUTH_VERIFY})
    try:
        await ops.run_until_stopped(
            ops.server(ops.app(readiness), settings),
            stop,
        )
    finally:
        flusher.cancel()
        with contextlib.suppress(Exception):
            await store.touch(verifier.take_used(), dt.datetime.now(dt.UTC))
        with contextlib.suppress(Exception):
            await responder.drain()
        with contextlib.suppress(Exception):
            await nc.drain()
        await engine.dispose()
