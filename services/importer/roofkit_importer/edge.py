"""The checks every Partner API request passes before any body is read (steps 1–6).

Order (api-contract.md): framing from headers alone → the client's invalid-auth bucket →
authentication over NATS (each 401 charged to that bucket) → authorization → the key's bucket for
the endpoint → required headers and parameters. Each step runs only if the ones before passed,
so a caller without a valid key can never make the service read or parse a body.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.requests import Request

from roofkit_events import apikeys
from roofkit_importer import errors, metrics, tenancy
from roofkit_importer.gateway import Authenticator, Limiter, Principal, Window

INVALID_AUTH_ENDPOINT = "auth"
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def rate_headers(window: Window) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(window.limit),
        "X-RateLimit-Remaining": str(window.remaining),
        "X-RateLimit-Reset": window.reset_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@dataclass
class Gate:
    """Authentication, authorization and rate limiting for one API process."""

    authenticator: Authenticator
    limiter: Limiter
    invalid_auth_per_minute: int
    trusted_proxy_hops: int

    def client_address(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        if self.trusted_proxy_hops <= 0:
            return peer
        hops = [
            h.strip()
            for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")
            if h.strip()
        ]
        # The entry the outermost trusted proxy appended is the client; anything left of it
        # was written by the client and is not trusted.
        return hops[-self.trusted_proxy_hops] if len(hops) >= self.trusted_proxy_hops else peer

    async def admit(
        self,
        request: Request,
        *,
        scope: str,
        endpoint: str,
        per_minute: Callable[[Principal], int],
    ) -> Principal:
        client = self.client_address(request)
        window = await self.limiter.take(
            kind="invalid_auth",
            subject=client,
            endpoint=INVALID_AUTH_ENDPOINT,
            limit=self.invalid_auth_per_minute,
            window_s=60,
            cost=0,
        )
        if not window.allowed:
            metrics.RATE_LIMIT_DECISIONS.labels(kind="invalid_auth", result="limited").inc()
            request.state.rate_headers = rate_headers(window)
            raise errors.RateLimited(
                "Too many failed authentications from this address. Retry later.",
                code="auth_rate_limited",
                retry_after_s=window.retry_after_s,
            )
        principal = await self._authenticate(request, client)
        if not principal.workspace_active:
            metrics.AUTH_DECISIONS.labels(result="workspace_inactive").inc()
            raise errors.PermissionDenied(
                "The workspace of this API key is not active.", code="workspace_inactive"
            )
        if scope not in principal.scopes:
            metrics.AUTH_DECISIONS.labels(result="insufficient_scope").inc()
            raise errors.InsufficientScope(f"This API key lacks the scope {scope}.", scope=scope)
        metrics.AUTH_DECISIONS.labels(result="ok").inc()
        window = await self.limiter.take(
            kind="key_endpoint",
            subject=principal.key_id,
            endpoint=endpoint,
            limit=max(1, per_minute(principal)),
            window_s=60,
            cost=1,
        )
        request.state.rate_headers = rate_headers(window)
        result = "allowed" if window.allowed else "limited"
        metrics.RATE_LIMIT_DECISIONS.labels(kind="key_endpoint", result=result).inc()
        if not window.allowed:
            raise errors.RateLimited(
                "Rate limit exceeded for this API key and endpoint. Retry later.",
                retry_after_s=window.retry_after_s,
            )
        return principal

    async def _authenticate(self, request: Request, client: str) -> Principal:
        headers = request.headers.getlist("authorization")
        code: str | None
        if not headers or (len(headers) == 1 and not headers[0].strip()):
            code, key = "api_key_missing", ""
        elif len(headers) > 1:  # which one counts would depend on the proxy in front of us
            code, key = "api_key_malformed", ""
        else:
            scheme, _, key = headers[0].strip().partition(" ")
            key = key.strip()
            code = None
            if scheme.lower() != "bearer" or not apikeys.well_formed(key):
                code = "api_key_malformed"
        if code is None:
            outcome = await self.authenticator.verify(key, client)
            if outcome.principal is not None:
                return outcome.principal
            code = outcome.code or "api_key_unknown"
        metrics.AUTH_DECISIONS.labels(result=code).inc()
        await self._charge_invalid_auth(client)
        raise errors.AuthenticationFailed(
            _AUTH_MESSAGES[code], code=code, credentials_sent=code != "api_key_missing"
        )

    async def _charge_invalid_auth(self, client: str) -> None:
        # The 401 stands either way; the bucket is best effort while the limiter is away.
        with contextlib.suppress(errors.ServiceUnavailable):
            await self.limiter.take(
                kind="invalid_auth",
                subject=client,
                endpoint=INVALID_AUTH_ENDPOINT,
                limit=self.invalid_auth_per_minute,
                window_s=60,
                cost=1,
            )


_AUTH_MESSAGES = {
    "api_key_missing": "Send your API key as 'Authorization: Bearer <key>'.",
    "api_key_malformed": "The API key is malformed.",
    "api_key_unknown": "The API key is not known.",
    "api_key_revoked": "The API key has been revoked.",
    "api_key_deleted": "The API key has been deleted.",
    "api_key_expired": "The API key has expired.",
}


def check_framing(request: Request, ceiling: int) -> int:
    """Step 1: Content-Length present (no chunked bodies) and within the ceiling."""
    if "transfer-encoding" in request.headers or "content-length" not in request.headers:
        raise errors.LengthRequired(
            "Content-Length is required; chunked request bodies are not accepted.",
            param="Content-Length",
        )
    raw = request.headers["content-length"]
    if not (raw.isascii() and raw.isdigit()):  # str.isdigit() also takes "²" and "٣"
        raise errors.InvalidRequest(
            "Content-Length must be a non-negative integer.",
            code="invalid_content_length",
            param="Content-Length",
        )
    declared = int(raw)
    check_declared(declared, ceiling)
    return declared


def check_declared(declared: int, limit: int) -> None:
    if declared > limit:
        raise errors.PayloadTooLarge(
            f"The request body may be at most {limit} bytes.",
            param="Content-Length",
            details={"max_bytes": limit, "declared_bytes": declared},
        )


def check_idempotency_key(request: Request) -> str:
    keys = request.headers.getlist("idempotency-key")
    if not keys:
        raise errors.InvalidRequest(
            "The Idempotency-Key header is required.",
            code="idempotency_key_missing",
            param="Idempotency-Key",
        )
    if len(keys) > 1:
        raise errors.InvalidRequest(
            "Send the Idempotency-Key header once.",
            code="idempotency_key_invalid",
            param="Idempotency-Key",
        )
    key = keys[0]
    if not IDEMPOTENCY_KEY.match(key):
        raise errors.InvalidRequest(
            "Idempotency-Key must be 1-255 visible ASCII characters.",
            code="idempotency_key_invalid",
            param="Idempotency-Key",
        )
    return key


def check_query(request: Request, allowed: Iterable[str]) -> None:
    allowed_set = set(allowed)
    for name in request.query_params:
        if tenancy.is_selector(name):
            raise errors.TenantSelectorRefused(
                "The API key selects the workspace; tenant selectors are not accepted.",
                param=name,
            )
        if name not in allowed_set:
            raise errors.InvalidRequest(
                f"Unknown query parameter {name!r}.", code="unknown_parameter", param=name
            )
    for name in allowed_set:
        if len(request.query_params.getlist(name)) > 1:
            raise errors.InvalidRequest(
                f"The query parameter {name!r} appears more than once.",
                code="invalid_parameter",
                param=name,
            )


def check_selector_headers(request: Request) -> None:
    for name in request.headers:
        if tenancy.is_selector_header(name):
            raise errors.TenantSelectorRefused(
                "The API key selects the workspace; tenant selectors are not accepted.",
                param=name,
            )
