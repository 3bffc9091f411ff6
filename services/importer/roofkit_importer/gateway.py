"""Clients of the auth and rate-limit services over NATS.

The importer's seams: :class:`Authenticator` and :class:`Limiter` are Protocols, the NATS classes
below the real adapters. A dependency that cannot answer (timeout, no responders, broker down, or
the service reporting its own database down) becomes a 503 ``*_unavailable`` — never a 401.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from nats.aio.client import Client as NatsClient

from roofkit_events import subjects
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.common.v1 import error_code_pb2 as codes
from roofkit_events.ratelimit.v1 import ratelimit_pb2
from roofkit_importer.errors import ServiceUnavailable
from roofkit_runtime import natsio
from roofkit_runtime.errors import BrokerUnavailable, DependencyUnavailable

RETRY_AFTER_S = 1


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the verified key and its workspace."""

    key_id: str
    workspace_id: str
    scopes: frozenset[str]
    workspace_active: bool
    imports_per_minute: int
    reads_per_minute: int
    max_upload_bytes: int


@dataclass(frozen=True, slots=True)
class AuthOutcome:
    principal: Principal | None
    code: str | None  # the 401 code when principal is None


@dataclass(frozen=True, slots=True)
class Window:
    allowed: bool
    limit: int
    remaining: int
    reset_at: dt.datetime
    retry_after_s: int


class Authenticator(Protocol):
    async def verify(self, api_key: str, client_address: str) -> AuthOutcome: ...


class Limiter(Protocol):
    async def take(
        self, *, kind: str, subject: str, endpoint: str, limit: int, window_s: int, cost: int
    ) -> Window: ...


def _unavailable(code: str, exc: Exception | None = None) -> ServiceUnavailable:
    what = {
        "auth_unavailable": "The authentication service",
        "ratelimit_unavailable": "The rate-limit service",
        "broker_unavailable": "The message broker",
    }[code]
    return ServiceUnavailable(
        f"{what} is unavailable. Retry later.", code=code, retry_after_s=RETRY_AFTER_S
    )


_AUTH_CODES = {
    codes.ERROR_CODE_API_KEY_MISSING: "api_key_missing",
    codes.ERROR_CODE_API_KEY_MALFORMED: "api_key_malformed",
    codes.ERROR_CODE_API_KEY_UNKNOWN: "api_key_unknown",
    codes.ERROR_CODE_API_KEY_REVOKED: "api_key_revoked",
    codes.ERROR_CODE_API_KEY_DELETED: "api_key_deleted",
    codes.ERROR_CODE_API_KEY_EXPIRED: "api_key_expired",
}


class NatsAuthenticator:
    def __init__(self, nc: NatsClient, *, timeout_s: float) -> None:
        self._nc = nc
        self._timeout = timeout_s

    async def verify(self, api_key: str, client_address: str) -> AuthOutcome:
        request = auth_pb2.VerifyRequest(api_key=api_key, client_address=client_address)
        try:
            reply = await natsio.request(
                self._nc,
                subjects.AUTH_VERIFY,
                request,
                auth_pb2.VerifyReply,
                timeout_s=self._timeout,
            )
        except BrokerUnavailable as exc:
            raise _unavailable("broker_unavailable") from exc
        except DependencyUnavailable as exc:
            raise _unavailable("auth_unavailable") from exc
        if reply.ok:
            return AuthOutcome(
                Principal(
                    key_id=reply.key_id,
                    workspace_id=reply.workspace_id,
                    scopes=frozenset(reply.scopes),
                    workspace_active=reply.workspace_state == auth_pb2.WORKSPACE_STATE_ACTIVE,
                    imports_per_minute=reply.limits.imports_per_minute,
                    reads_per_minute=reply.limits.reads_per_minute,
                    max_upload_bytes=reply.limits.max_upload_bytes,
                ),
                None,
            )
        code = _AUTH_CODES.get(reply.error)
        if code is None:  # the auth service could not decide (its database is down)
            raise _unavailable("auth_unavailable")
        return AuthOutcome(None, code)


_KINDS = {
    "key_endpoint": ratelimit_pb2.BUCKET_KIND_KEY_ENDPOINT,
    "invalid_auth": ratelimit_pb2.BUCKET_KIND_INVALID_AUTH,
}


class NatsLimiter:
    def __init__(self, nc: NatsClient, *, timeout_s: float) -> None:
        self._nc = nc
        self._timeout = timeout_s

    async def take(
        self, *, kind: str, subject: str, endpoint: str, limit: int, window_s: int, cost: int
    ) -> Window:
        request = ratelimit_pb2.TakeRequest(
            kind=_KINDS[kind],
            subject=subject,
            endpoint=endpoint,
            limit=limit,
            window_seconds=window_s,
            cost=cost,
        )
        try:
            reply = await natsio.request(
                self._nc,
                subjects.RATELIMIT_TAKE,
                request,
                ratelimit_pb2.TakeReply,
                timeout_s=self._timeout,
            )
        except BrokerUnavailable as exc:
            raise _unavailable("broker_unavailable") from exc
        except DependencyUnavailable as exc:
            raise _unavailable("ratelimit_unavailable") from exc
        if reply.error not in (codes.ERROR_CODE_UNSPECIFIED, codes.ERROR_CODE_RATE_LIMITED):
            raise _unavailable("ratelimit_unavailable")
        return Window(
            allowed=reply.allowed,
            limit=reply.limit,
            remaining=reply.remaining,
            reset_at=reply.reset_at.ToDatetime(dt.UTC),
            retry_after_s=reply.retry_after_seconds,
        )
