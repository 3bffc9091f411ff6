"""The importer's errors: one closed set, mapped to HTTP once, in ``http_errors``.

::

    ApiError                               (code, message, param, details)
     ├── InvalidRequest               400  idempotency_key_missing, idempotency_key_invalid,
     │                                     invalid_content_type, invalid_multipart, file_missing,
     │                                     too_many_files, unknown_field, unknown_parameter,
     │                                     invalid_field, invalid_metadata, format_mismatch,
     │                                     report_unreadable, report_unsupported
     │    └── TenantSelectorRefused   400  tenant_selector_not_allowed
     ├── AuthenticationFailed         401  api_key_missing, api_key_malformed, api_key_unknown,
     │                                     api_key_revoked, api_key_deleted, api_key_expired
     ├── PermissionDenied             403  workspace_inactive
     │    └── InsufficientScope       403  insufficient_scope
     ├── NotFound                     404  report_not_found
     ├── IdempotencyConflict          409  idempotency_key_reused, idempotency_key_in_progress
     ├── ExternalIdConflict           409  external_id_conflict
     ├── LengthRequired               411  content_length_required
     ├── PayloadTooLarge              413  payload_too_large
     ├── RateLimited                  429  rate_limited, auth_rate_limited
     ├── ServiceUnavailable           503  auth_unavailable, ratelimit_unavailable,
     │                                     database_unavailable, broker_unavailable,
     │                                     upload_capacity_exhausted
     └── (anything else)              500  internal_error — nothing of it leaks

Nothing below a route raises an HTTP exception; services raise these.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Base: a documented refusal with a stable ``code``."""

    default_code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.param = param
        self.details = details or {}
        self.retry_after_s = retry_after_s


class InvalidRequest(ApiError):
    default_code = "invalid_request"


class TenantSelectorRefused(InvalidRequest):
    default_code = "tenant_selector_not_allowed"


class AuthenticationFailed(ApiError):
    default_code = "api_key_unknown"

    def __init__(self, message: str, *, code: str, credentials_sent: bool) -> None:
        super().__init__(message, code=code)
        self.credentials_sent = credentials_sent


class PermissionDenied(ApiError):
    default_code = "workspace_inactive"


class InsufficientScope(PermissionDenied):
    default_code = "insufficient_scope"

    def __init__(self, message: str, *, scope: str) -> None:
        super().__init__(message)
        self.scope = scope


class NotFound(ApiError):
    default_code = "report_not_found"


class IdempotencyConflict(ApiError):
    default_code = "idempotency_key_reused"


class ExternalIdConflict(ApiError):
    default_code = "external_id_conflict"


class LengthRequired(ApiError):
    default_code = "content_length_required"


class PayloadTooLarge(ApiError):
    default_code = "payload_too_large"


class RateLimited(ApiError):
    default_code = "rate_limited"


class ServiceUnavailable(ApiError):
    default_code = "service_unavailable"
