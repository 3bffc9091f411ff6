"""Reconcilers: one idempotent function per resource kind.

Run by the Kopf handlers on create, update, resume and a timer, and by ``roofkit apply`` on the
local stack. Each reads the desired spec, compares with the database and the key's vault (a
Kubernetes Secret, or a file locally), repairs whatever drifted, and announces every change on
``roofkit.auth.v1.keys.changed`` so auth replicas drop their caches at once.

Key material: a key is generated only when its vault holds no well-formed key (first reconcile,
or the Secret was deleted or garbled: then a new key replaces the old one, whose hash is
overwritten so it stops working), or when the database marks the key deleted. The new key is
returned to the caller exactly once, in :attr:`ApiKeyResult.new_key`, for ``roofkit apply`` to
print; the operator never puts it in a return value, status, event or log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from roofkit_events import apikeys
from roofkit_operator.resources import ApiKeySpec, WorkspaceSpec
from roofkit_operator.store import ReconcileStore


class KeyVault(Protocol):
    """Where a generated key lives."""

    async def read(self, spec: ApiKeySpec) -> str | None: ...
    async def write(self, spec: ApiKeySpec, key: str, *, key_id: str) -> None: ...


class Notifier(Protocol):
    async def keys_changed(
        self,
        *,
        key_ids: Iterable[str] = (),
        workspace_ids: Iterable[str] = (),
        flush_all: bool = False,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class WorkspaceResult:
    workspace_id: str
    changed: bool


@dataclass(frozen=True, slots=True)
class ApiKeyResult:
    key_id: str
    workspace_id: str
    prefix: str
    secret_name: str
    changed: bool
    new_key: str | None  # set only when a key was generated now; never logged or stored


async def reconcile_workspace(
    store: ReconcileStore, notifier: Notifier, spec: WorkspaceSpec
) -> WorkspaceResult:
    workspace_id, changed = await store.upsert_workspace(spec)
    if changed:
        await notifier.keys_changed(workspace_ids=[workspace_id])
    return WorkspaceResult(workspace_id, changed)


async def delete_workspace(
    store: ReconcileStore, notifier: Notifier, namespace: str, name: str
) -> str | None:
    workspace_id = await store.delete_workspace(namespace, name)
    if workspace_id is not None:
        await notifier.keys_changed(workspace_ids=[workspace_id])
    return workspace_id


async def reconcile_apikey(
    store: ReconcileStore, vault: KeyVault, notifier: Notifier, spec: ApiKeySpec
) -> ApiKeyResult:
    workspace_id = await store.workspace_id(spec.namespace, spec.workspace_name)
    row = await store.find_key(spec.namespace, spec.name)
    held = await vault.read(spec)
    new_key: str | None = None
    if held is not None and apikeys.well_formed(held) and (row is None or row.state != "deleted"):
        # The vault's key is authoritative: a removed or altered row (hash included) is restored.
        # A deleted key never comes back: its name gets a new key.
        key = held
    else:
        key = new_key = apikeys.generate()
    key_id, changed = await store.upsert_key(
        spec,
        workspace_id,
        key_hash=apikeys.key_hash(key),
        prefix=apikeys.display_prefix(key),
        key_id=row.id if row is not None else None,
    )
    if new_key is not None:
        await vault.write(spec, new_key, key_id=key_id)
    if changed:
        await notifier.keys_changed(key_ids=[key_id])
    return ApiKeyResult(
        key_id=key_id,
        workspace_id=workspace_id,
        prefix=apikeys.display_prefix(key),
        secret_name=spec.secret_name,
        changed=changed,
        new_key=new_key,
    )


async def delete_apikey(
    store: ReconcileStore, notifier: Notifier, namespace: str, name: str
) -> str | None:
    key_id = await store.delete_key(namespace, name)
    if key_id is not None:
        await notifier.keys_changed(key_ids=[key_id])
    return key_id
