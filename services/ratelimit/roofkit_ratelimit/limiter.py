"""Fixed-window rate limiting.

A window is ``[start, start + window)`` with ``start`` aligned to the epoch, so every replica
computes the same window for the same instant. ``cost=0`` asks without charging (the importer's
invalid-auth check before authentication); a positive cost is admitted only if the whole cost
fits. The reset instant is the end of the current window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from roofkit_ratelimit.store import WindowStore


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: dt.datetime
    retry_after_s: int


class FixedWindowLimiter:
    def __init__(
        self,
        store: WindowStore,
        *,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._store = store
        self._now = now

    async def take(self, bucket: str, *, limit: int, window_s: int, cost: int) -> Decision:
        now = self._now()
        epoch = now.timestamp()
        start_s = math.floor(epoch / window_s) * window_s
        start = dt.datetime.fromtimestamp(start_s, dt.UTC)
        reset = start + dt.timedelta(seconds=window_s)
        allowed, count = await self._store.take(
            bucket, start, reset + dt.timedelta(seconds=window_s), cost, limit
        )
        retry_after = 0 if allowed else max(1, math.ceil((reset - now).total_seconds()))
        return Decision(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - count),
            reset_at=reset,
            retry_after_s=retry_after,
        )
