"""Pure builders: the key's Secret, status blocks and standard conditions. No I/O, no clients.

Everything the operator writes to the Kubernetes API is shaped here, so it is tested without a
cluster. Key material appears only in :func:`secret_body`'s ``data``; statuses, conditions and
messages carry the key's id and its public prefix at most.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roofkit_events import apikeys
from roofkit_operator.resources import API_VERSION

SECRET_TYPE = "roofkit.io/api-key"  # noqa: S105 - a Secret type, not a credential
"""The type of every Secret the operator writes; Kubernetes makes a Secret's type immutable."""
SECRET_DATA_KEY = "api-key"  # noqa: S105 - a field name
"""The field of the Secret's ``data`` holding the key."""
MANAGED_BY = "roofkit-operator"
READY = "Ready"


@dataclass(frozen=True, slots=True)
class Owner:
    """The ApiKey a Secret belongs to."""

    name: str
    uid: str

    def reference(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": "ApiKey",
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }


def rfc3339(moment: dt.datetime) -> str:
    """``2026-12-03T15:31:00Z``: the form Kubernetes uses for times (second precision, UTC)."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def secret_labels(apikey: str, workspace: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/part-of": "roofkit",
        "roofkit.io/apikey": apikey,
        "roofkit.io/workspace": workspace,
    }


def secret_body(
    *,
    namespace: str,
    name: str,
    owner: Owner,
    workspace: str,
    key: str,
    key_id: str,
    resource_version: str | None = None,
) -> dict[str, Any]:
    """The Secret holding ``key``, owned (and garbage-collected with) its ApiKey."""
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": secret_labels(owner.name, workspace),
        "annotations": {
            "roofkit.io/key-id": key_id,
            "roofkit.io/key-prefix": apikeys.display_prefix(key),
        },
        "ownerReferences": [owner.reference()],
    }
    if resource_version is not None:
        metadata["resourceVersion"] = resource_version
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": SECRET_TYPE,
        "metadata": metadata,
        "data": {SECRET_DATA_KEY: base64.b64encode(key.encode("ascii")).decode("ascii")},
    }


def owned_by(secret: Mapping[str, Any], owner_uid: str) -> bool:
    """True when ``secret`` is a RoofKit key Secret controlled by the ApiKey ``owner_uid``."""
    if secret.get("type") != SECRET_TYPE:
        return False
    references = (secret.get("metadata") or {}).get("ownerReferences") or []
    return any(
        ref.get("uid") == owner_uid and ref.get("kind") == "ApiKey" and ref.get("controller")
        for ref in references
    )


def key_in(secret: Mapping[str, Any]) -> str | None:
    """The well-formed key held by ``secret``, or None (missing, garbled or edited by hand)."""
    encoded = (secret.get("data") or {}).get(SECRET_DATA_KEY)
    if not isinstance(encoded, str):
        return None
    try:
        key = base64.b64decode(encoded, validate=True).decode("ascii").strip()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return key if apikeys.well_formed(key) else None


def condition(
    *,
    status: bool,
    reason: str,
    message: str,
    generation: int | None,
    now: dt.datetime,
    previous: Sequence[Mapping[str, Any]] = (),
    type_: str = READY,
) -> dict[str, Any]:
    """A standard condition; ``lastTransitionTime`` moves only when the status changes."""
    value = "True" if status else "False"
    old = next((c for c in previous if c.get("type") == type_), None)
    transition = (
        old["lastTransitionTime"]
        if old is not None and old.get("status") == value and old.get("lastTransitionTime")
        else rfc3339(now)
    )
    entry: dict[str, Any] = {
        "type": type_,
        "status": value,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
    }
    if generation is not None:
        entry["observedGeneration"] = generation
    return entry


def with_condition(
    previous: Sequence[Mapping[str, Any]], new: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """``previous`` with the condition of ``new``'s type replaced (or added), order kept."""
    out = [dict(c) for c in previous if c.get("type") != new["type"]]
    position = next((i for i, c in enumerate(previous) if c.get("type") == new["type"]), len(out))
    out.insert(position, dict(new))
    return out


def _conditions(
    previous_status: Mapping[str, Any] | None,
    *,
    ready: bool,
    reason: str,
    message: str,
    generation: int | None,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    previous = list((previous_status or {}).get("conditions") or [])
    new = condition(
        status=ready,
        reason=reason,
        message=message,
        generation=generation,
        now=now,
        previous=previous,
    )
    return with_condition(previous, new)


def workspace_status(
    *,
    workspace_id: str,
    suspended: bool,
    generation: int | None,
    now: dt.datetime,
    previous_status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Status of a Workspace whose database record matches its spec."""
    if suspended:
        reason, message = "Suspended", "Suspended: every request answers 403 workspace_inactive."
    else:
        reason, message = "Active", "The workspace record matches the spec."
    return {
        "workspaceId": workspace_id,
        "observedGeneration": generation,
        "conditions": _conditions(
            previous_status,
            ready=True,
            reason=reason,
            message=message,
            generation=generation,
            now=now,
        ),
    }


def apikey_readiness(
    *, revoked: bool, expires_at: dt.datetime | None, secret_name: str, now: dt.datetime
) -> tuple[bool, str, str]:
    """(ready, reason, message) of a key whose record and Secret match its spec."""
    if revoked:
        return False, "Revoked", "The key is revoked: requests get 401 api_key_revoked."
    if expires_at is not None and expires_at <= now:
        return (
            False,
            "Expired",
            f"The key expired at {rfc3339(expires_at)}: requests get 401 api_key_expired.",
        )
    return True, "Active", f"The key is in Secret {secret_name} and authenticates."


def apikey_status(
    *,
    key_id: str,
    prefix: str,
    secret_name: str,
    revoked: bool,
    expires_at: dt.datetime | None,
    last_used_at: dt.datetime | None,
    generation: int | None,
    now: dt.datetime,
    previous_status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Status of an ApiKey whose database record and Secret match its spec."""
    ready, reason, message = apikey_readiness(
        revoked=revoked, expires_at=expires_at, secret_name=secret_name, now=now
    )
    status: dict[str, Any] = {
        "keyId": key_id,
        "prefix": prefix,
        "secretName": secret_name,
        "observedGeneration": generation,
        "conditions": _conditions(
            previous_status,
            ready=ready,
            reason=reason,
            message=message,
            generation=generation,
            now=now,
        ),
    }
    if last_used_at is not None:
        status["lastUsedAt"] = rfc3339(last_used_at)
    return status


def failed_status(
    *,
    reason: str,
    message: str,
    generation: int | None,
    now: dt.datetime,
    previous_status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A status patch saying why a reconcile could not finish; other fields stay as they were."""
    return {
        "observedGeneration": generation,
        "conditions": _conditions(
            previous_status,
            ready=False,
            reason=reason,
            message=message,
            generation=generation,
            now=now,
        ),
    }


def last_used_patch(
    last_used_at: dt.datetime | None, previous_status: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The status patch mirroring ``last_used_at``, or None when the status already shows it."""
    if last_used_at is None:
        return None
    value = rfc3339(last_used_at)
    if (previous_status or {}).get("lastUsedAt") == value:
        return None
    return {"lastUsedAt": value}
