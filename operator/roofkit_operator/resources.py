"""Workspace and ApiKey manifests → typed specs. Pure; no Kubernetes client.

The same YAML goes to the Kubernetes API (the operator's input) and to ``roofkit apply`` on the
local stack, so both read it through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GROUP = "roofkit.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
SCOPES = frozenset({"reports.write", "reports.read"})
STATES = {"Active": "active", "Suspended": "suspended"}

DEFAULT_IMPORTS_PER_MINUTE = 60
DEFAULT_READS_PER_MINUTE = 600
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class InvalidManifest(ValueError):
    """A manifest the reconcilers cannot act on (the API server's schema refuses it too)."""


@dataclass(frozen=True, slots=True)
class WorkspaceSpec:
    namespace: str
    name: str
    display_name: str
    state: str  # active | suspended
    imports_per_minute: int
    reads_per_minute: int
    max_upload_bytes: int


@dataclass(frozen=True, slots=True)
class ApiKeySpec:
    namespace: str
    name: str
    workspace_name: str
    scopes: tuple[str, ...]
    expires_at: dt.datetime | None
    revoked: bool
    secret_name: str
    imports_per_minute: int | None
    reads_per_minute: int | None


def _meta(manifest: Mapping[str, Any], default_namespace: str) -> tuple[str, str]:
    meta = manifest.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidManifest("metadata.name is required")
    return str(meta.get("namespace") or default_namespace), name


def _positive(value: Any, field: str, default: int | None) -> int | None:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidManifest(f"{field} must be a positive integer")
    return value


def workspace_spec(
    manifest: Mapping[str, Any], default_namespace: str = "default"
) -> WorkspaceSpec:
    namespace, name = _meta(manifest, default_namespace)
    spec = manifest.get("spec") or {}
    state = spec.get("state", "Active")
    if state not in STATES:
        raise InvalidManifest(f"spec.state must be one of {', '.join(STATES)}")
    limits = spec.get("limits") or {}
    return WorkspaceSpec(
        namespace=namespace,
        name=name,
        display_name=str(spec.get("displayName") or name),
        state=STATES[state],
        imports_per_minute=_positive(
            limits.get("importsPerMinute"),
            "spec.limits.importsPerMinute",
            DEFAULT_IMPORTS_PER_MINUTE,
        )
        or DEFAULT_IMPORTS_PER_MINUTE,
        reads_per_minute=_positive(
            limits.get("readsPerMinute"), "spec.limits.readsPerMinute", DEFAULT_READS_PER_MINUTE
        )
        or DEFAULT_READS_PER_MINUTE,
        max_upload_bytes=_positive(
            limits.get("maxUploadBytes"), "spec.limits.maxUploadBytes", DEFAULT_MAX_UPLOAD_BYTES
        )
        or DEFAULT_MAX_UPLOAD_BYTES,
    )


def _expiry(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidManifest("spec.expiresAt must be an RFC 3339 date-time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def apikey_spec(manifest: Mapping[str, Any], default_namespace: str = "default") -> ApiKeySpec:
    namespace, name = _meta(manifest, default_namespace)
    spec = manifest.get("spec") or {}
    ref = (spec.get("workspaceRef") or {}).get("name")
    if not isinstance(ref, str) or not ref:
        raise InvalidManifest("spec.workspaceRef.name is required")
    scopes = spec.get("scopes") or []
    if not scopes or any(s not in SCOPES for s in scopes):
        raise InvalidManifest(
            f"spec.scopes must be a non-empty list of {', '.join(sorted(SCOPES))}"
        )
    limits = spec.get("limits") or {}
    return ApiKeySpec(
        namespace=namespace,
        name=name,
        workspace_name=ref,
        scopes=tuple(sorted(set(scopes))),
        expires_at=_expiry(spec.get("expiresAt")),
        revoked=bool(spec.get("revoked", False)),
        secret_name=str(spec.get("secretName") or f"{name}-api-key"),
        imports_per_minute=_positive(
            limits.get("importsPerMinute"), "spec.limits.importsPerMinute", None
        ),
        reads_per_minute=_positive(
            limits.get("readsPerMinute"), "spec.limits.readsPerMinute", None
        ),
    )
