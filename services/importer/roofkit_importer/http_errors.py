"""The one table from error class to HTTP status and error ``type``, and the error body.

Every :class:`~roofkit_importer.errors.ApiError` subclass appears in ``TABLE`` (a unit test checks
it). Unexpected exceptions become a 500 ``internal_error`` that says nothing about the cause.
"""

from __future__ import annotations

from typing import Any

import orjson

from roofkit_importer import errors

TABLE: dict[type[errors.ApiError], tuple[int, str]] = {
    errors.ApiError: (500, "api_error"),
    errors.InvalidRequest: (400, "invalid_request_error"),
    errors.TenantSelectorRefused: (400, "invalid_request_error"),
    errors.AuthenticationFailed: (401, "authentication_error"),
    errors.PermissionDenied: (403, "permission_error"),
    errors.InsufficientScope: (403, "permission_error"),
    errors.NotFound: (404, "invalid_request_error"),
    errors.IdempotencyConflict: (409, "idempotency_error"),
    errors.ExternalIdConflict: (409, "invalid_request_error"),
    errors.LengthRequired: (411, "invalid_request_error"),
    errors.PayloadTooLarge: (413, "invalid_request_error"),
    errors.RateLimited: (429, "rate_limit_error"),
    errors.ServiceUnavailable: (503, "api_error"),
}

REALM = 'Bearer realm="roofkit"'


def status_and_type(exc: errors.ApiError) -> tuple[int, str]:
    return TABLE[type(exc)]


def body(
    *,
    error_type: str,
    code: str,
    message: str,
    request_id: str,
    param: str | None = None,
    details: dict[str, Any] | None = None,
) -> bytes:
    return orjson.dumps(
        {
            "error": {
                "type": error_type,
                "code": code,
                "message": message,
                "param": param,
                "request_id": request_id,
                "details": details or {},
            }
        }
    )


def render(exc: errors.ApiError, request_id: str) -> tuple[int, dict[str, str], bytes]:
    """Status, extra headers and body of the response to ``exc``."""
    status, error_type = status_and_type(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.AuthenticationFailed):
        headers["WWW-Authenticate"] = (
            f'{REALM}, error="invalid_token"' if exc.credentials_sent else REALM
        )
    elif isinstance(exc, errors.InsufficientScope):
        headers["WWW-Authenticate"] = f'{REALM}, error="insufficient_scope", scope="{exc.scope}"'
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(exc.retry_after_s)
    return (
        status,
        headers,
        body(
            error_type=error_type,
            code=exc.code,
            message=exc.message,
            request_id=request_id,
            param=exc.param,
            details=exc.details,
        ),
    )


def internal(request_id: str) -> bytes:
    return body(
        error_type="api_error",
        code="internal_error",
        message="Something went wrong on our side. It has been logged; retry later.",
        request_id=request_id,
    )
