"""The rate-limit process: composition root (``serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from roofkit_events import subjects
from roofkit_events.common.v1 import error_code_pb2 as codes
from roofkit_events.ratelimit.v1 import ratelimit_pb2
from roofkit_ratelimit import handlers
from roofkit_ratelimit.limiter import FixedWindowLimiter
from roofkit_ratelimit.settings import RateLimitSettings
from roofkit_ratelimit.store import PostgresWindowStore, WindowStore
from roofkit_runtime import db, natsio, ops
from roofkit_runtime.errors import DependencyUnavailable

log = logging.getLogger(__name__)

BATCHES_IN_FLIGHT = 4


async def _purge(store: WindowStore, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        with contextlib.suppress(DependencyUnavailable):
            await store.purge(dt.datetime.now(dt.UTC))


async def serve(settings: RateLimitSettings) -> None:
    """Answer ``roofkit.ratelimit.v1.take`` until SIGTERM."""
    stop = ops.stop_event()
    # One connection per batch in flight; more would only make batches smaller.
    in_flight = max(1, min(settings.db_pool_size, BATCHES_IN_FLIGHT))
    pool = await db.create_pool(settings.database_url.get_secret_value(), size=in_flight)
    store = PostgresWindowStore(pool, max_in_flight=in_flight)
    limiter = FixedWindowLimiter(store)
    nc = await natsio.connect(settings.nats_url, name="roofkit-ratelimit")
    responder = await natsio.serve(
        nc,
        subjects.RATELIMIT_TAKE,
        ratelimit_pb2.TakeRequest,
        handlers.take_handler(limiter),
        queue=subjects.RATELIMIT_QUEUE_GROUP,
        invalid_reply=ratelimit_pb2.TakeReply(error=codes.ERROR_CODE_INVALID_REQUEST),
        failed_reply=ratelimit_pb2.TakeReply(error=codes.ERROR_CODE_INTERNAL),
    )
    purger = asyncio.create_task(_purge(store, settings.purge_every_s))

    async def readiness() -> dict[str, bool]:
        return {"nats": nc.is_connected}

    log.info("ratelimit serving", extra={"subject": subjects.RATELIMIT_TAKE})
    try:
        await ops.run_until_stopped(
            ops.server(ops.app(readiness), settings),
            stop,
        )
    finally:
        purger.cancel()
        with contextlib.suppress(Exception):
            await responder.drain()
        with contextlib.suppress(Exception):
            await nc.drain()
        await pool.close()
