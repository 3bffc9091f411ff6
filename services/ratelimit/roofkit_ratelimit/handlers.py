"""NATS entrypoint of the rate limiter: decode, decide, encode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from roofkit_events.common.v1 import error_code_pb2 as codes
from roofkit_events.ratelimit.v1 import ratelimit_pb2
from roofkit_ratelimit.limiter import FixedWindowLimiter
from roofkit_runtime.errors import DependencyUnavailable

DECISIONS = Counter(
    "roofkit_ratelimit_decisions_total",
    "Rate-limit decisions by bucket kind and result.",
    ["kind", "result"],
)
_KINDS = {
    ratelimit_pb2.BUCKET_KIND_KEY_ENDPOINT: "key_endpoint",
    ratelimit_pb2.BUCKET_KIND_INVALID_AUTH: "invalid_auth",
}


def take_handler(
    limiter: FixedWindowLimiter,
) -> Callable[[ratelimit_pb2.TakeRequest], Awaitable[ratelimit_pb2.TakeReply]]:
    async def handle(request: ratelimit_pb2.TakeRequest) -> ratelimit_pb2.TakeReply:
        kind = _KINDS.get(request.kind)
        if kind is None or request.limit == 0 or request.window_seconds == 0 or not request.subject:
            return ratelimit_pb2.TakeReply(error=codes.ERROR_CODE_INVALID_REQUEST)
        bucket = f"{kind}:{request.subject}:{request.endpoint}"
        try:
            decision = await limiter.take(
                bucket,
                limit=request.limit,
                window_s=request.window_seconds,
                cost=request.cost,
            )
        except DependencyUnavailable:
            # Answer at once: the caller turns this into 503 instead of waiting for a timeout.
            DECISIONS.labels(kind=kind, result="unavailable").inc()
            return ratelimit_pb2.TakeReply(error=codes.ERROR_CODE_INTERNAL)
        DECISIONS.labels(kind=kind, result="allowed" if decision.allowed else "limited").inc()
        reply = ratelimit_pb2.TakeReply(
            allowed=decision.allowed,
            limit=decision.limit,
            remaining=decision.remaining,
            retry_after_seconds=decision.retry_after_s,
            error=codes.ERROR_CODE_UNSPECIFIED
            if decision.allowed
            else codes.ERROR_CODE_RATE_LIMITED,
        )
        reply.reset_at.FromDatetime(decision.reset_at)
        return reply

    return handle
