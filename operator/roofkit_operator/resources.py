"""Workspace and ApiKey manifests → typed specs. Pure; no Kubernetes client.

The same YAML goes to the Kubernetes API (the operator's input) and to ``roofkit apply`` on the
local stack, so both read it through these functions.
"""

from __future__ import annotations

import datetime as dt
import re
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


_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _object_name(value: Any, field: str) -> str:
    """A Kubernetes object name (RFC 1123 subdomain), checked as the API server checks it, so
    that ``roofkit apply`` accepts exactly the manifests a cluster accepts."""
    if not isinstance(value, str) or not value:
        raise InvalidManifest(f"{field} is required")
    if len(value) > 253 or not _SUBDOMAIN.match(value):
        raise InvalidManifest(
            f"{field} {value!r} must be lowercase letters, digits, '-' and '.', "
            "start and end with a letter or digit, at most 253 characters (RFC 1123)"
        )
    return value


def _meta(manifest: Mapping[str, Any], default_namespace: str) -> tuple[str, str]:
    meta = manifest.get("metadata") or {}
    if not isinstance(meta, Mapping):
        raise InvalidManifest("metadata must be a mapping")
    name = _object_name(meta.get("name"), "metadata.name")
    namespace = meta.get("namespace") or default_namespace
    if not isinstance(namespace, str) or len(namespace) > 63 or not _LABEL.match(namespace):
        raise InvalidManifest(f"metadata.namespace {namespace!r} is not a valid namespace name")
    return namespace, name


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
    ref = _object_name((spec.get("workspaceRef") or {}).get("name"), "spec.workspaceRef.name")
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
