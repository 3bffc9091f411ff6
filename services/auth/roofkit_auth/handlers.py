"""NATS entrypoints of auth: decode, call the verifier, encode."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from roofkit_auth.repository import KeyRecord
from roofkit_auth.verifier import Decision, Verdict, Verifier
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.common.v1 import error_code_pb2 as codes
from roofkit_runtime.errors import DependencyUnavailable

log = logging.getLogger(__name__)

AUTH_DECISIONS = Counter(
    "roofkit_auth_decisions_total", "Key verifications by decision.", ["decision"]
)
CACHE_INVALIDATIONS = Counter(
    "roofkit_auth_cache_invalidations_total", "keys.changed broadcasts applied."
)

_CODES = {
    Decision.OK: codes.ERROR_CODE_UNSPECIFIED,
    Decision.MISSING: codes.ERROR_CODE_API_KEY_MISSING,
    Decision.MALFORMED: codes.ERROR_CODE_API_KEY_MALFORMED,
    Decision.UNKNOWN: codes.ERROR_CODE_API_KEY_UNKNOWN,
    Decision.REVOKED: codes.ERROR_CODE_API_KEY_REVOKED,
    Decision.DELETED: codes.ERROR_CODE_API_KEY_DELETED,
    Decision.EXPIRED: codes.ERROR_CODE_API_KEY_EXPIRED,
}
_STATES = {
    "active": auth_pb2.WORKSPACE_STATE_ACTIVE,
    "suspended": auth_pb2.WORKSPACE_STATE_SUSPENDED,
    "deleted": auth_pb2.WORKSPACE_STATE_DELETED,
}


_COUNTED = {decision: AUTH_DECISIONS.labels(decision=decision.value) for decision in Decision}


def _reply(verdict: Verdict, *, count: bool = True) -> auth_pb2.VerifyReply:
    if count:
        _COUNTED[verdict.decision].inc()
    reply = auth_pb2.VerifyReply(ok=verdict.decision is Decision.OK, error=_CODES[verdict.decision])
    record = verdict.record
    if verdict.decision is Decision.OK and record is not None:
        reply.key_id = record.key_id
        reply.key_prefix = record.prefix
        reply.workspace_id = record.workspace_id
        reply.scopes.extend(record.scopes)
        reply.workspace_state = _STATES.get(
            record.workspace_state, auth_pb2.WORKSPACE_STATE_UNSPECIFIED
        )
        reply.limits.imports_per_minute = record.imports_per_minute
        reply.limits.reads_per_minute = record.reads_per_minute
        reply.limits.max_upload_bytes = record.max_upload_bytes
    return reply


def verify_handler(
    verifier: Verifier,
) -> Callable[[auth_pb2.VerifyRequest], Awaitable[auth_pb2.VerifyReply]]:
    async def handle(request: auth_pb2.VerifyRequest) -> auth_pb2.VerifyReply:
        try:
            verdict = await verifier.verify(request.api_key)
        except DependencyUnavailable:
            # Answer at once: the caller turns this into 503, never into a 401.
            AUTH_DECISIONS.labels(decision="unavailable").inc()
            return auth_pb2.VerifyReply(ok=False, error=codes.ERROR_CODE_INTERNAL)
        return _reply(verdict)

    return handle


@functools.lru_cache(maxsize=4096)
def _ok_reply(record: KeyRecord) -> bytes:
    """The encoded OK reply for a key record; records are immutable, so it never goes stale."""
    return _reply(Verdict(Decision.OK, record), count=False).SerializeToString()


def verify_now(
    verifier: Verifier,
) -> Callable[[auth_pb2.VerifyRequest], auth_pb2.VerifyReply | bytes | None]:
    """The reply for a key the verifier can judge without waiting (cached, missing, malformed)."""

    def answer(request: auth_pb2.VerifyRequest) -> auth_pb2.VerifyReply | bytes | None:
        verdict = verifier.verify_cached(request.api_key)
        if verdict is None:
            return None
        if verdict.decision is Decision.OK and verdict.record is not None:
            _COUNTED[Decision.OK].inc()
            return _ok_reply(verdict.record)
        return _reply(verdict)

    return answer


def keys_changed_handler(
    verifier: Verifier,
) -> Callable[[auth_pb2.KeysChanged], Awaitable[None]]:
    async def handle(message: auth_pb2.KeysChanged) -> None:
        dropped = verifier.invalidate(
            key_ids=message.key_ids,
            workspace_ids=message.workspace_ids,
            everything=message.flush_all,
        )
        CACHE_INVALIDATIONS.inc()
        log.info("keys changed", extra={"dropped_entries": dropped})

    return handle
