"""NATS entrypoints of auth: decode, call the verifier, encode."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from roofkit_auth.verifier import Decision, Verifier
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
        AUTH_DECISIONS.labels(decision=verdict.decision.value).inc()
        reply = auth_pb2.VerifyReply(
            ok=verdict.decision is Decision.OK, error=_CODES[verdict.decision]
        )
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

    return handle


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
