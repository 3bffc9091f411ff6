"""``roofkit apply`` / ``roofkit delete``: Workspace and ApiKey manifests on the local stack.

The manifests are the ones the operator takes from Kubernetes; the same reconcile code runs, with
a file (``<home>/<secretName>``) in place of the Secret.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from roofkit_operator import reconcile, resources
from roofkit_operator.localvault import FileVault
from roofkit_operator.notify import NatsNotifier
from roofkit_operator.store import ReconcileStore
from roofkit_runtime import db, natsio


def load(paths: Iterable[str], stdin: TextIO = sys.stdin) -> list[dict[str, Any]]:
    """Every Workspace/ApiKey document of the files (``-`` is standard input), workspaces first."""
    documents: list[dict[str, Any]] = []
    for path in paths:
        try:
            text = stdin.read() if path == "-" else Path(path).read_text()
            loaded = list(yaml.safe_load_all(text))
        except OSError as exc:
            raise resources.InvalidManifest(f"{path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise resources.InvalidManifest(f"{path}: not UTF-8 text") from exc
        except yaml.YAMLError as exc:
            raise resources.InvalidManifest(f"{path}: not valid YAML ({exc})") from exc
        for document in loaded:
            if not document:
                continue
            if not isinstance(document, dict):
                raise resources.InvalidManifest(f"{path}: a manifest must be a mapping")
            if document.get("kind") == "List":
                documents.extend(document.get("items") or [])
            else:
                documents.append(document)
    for document in documents:
        if document.get("apiVersion") != resources.API_VERSION or document.get("kind") not in (
            "Workspace",
            "ApiKey",
        ):
            raise resources.InvalidManifest(
                f"only {resources.API_VERSION} Workspace and ApiKey are accepted, "
                f"got {document.get('apiVersion')} {document.get('kind')}"
            )
    return sorted(documents, key=lambda d: 0 if d["kind"] == "Workspace" else 1)


@dataclass
class Applied:
    workspaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    apikeys: dict[str, dict[str, Any]] = field(default_factory=dict)


async def apply(
    documents: list[dict[str, Any]], *, database_url: str, nats_url: str, home: Path
) -> Applied:
    engine = db.create_engine(database_url, pool_size=2)
    nc = await natsio.connect(nats_url, name="roofkit-apply", connect_deadline_s=10)
    try:
        store = ReconcileStore(engine)
        notifier = NatsNotifier(nc)
        vault = FileVault(home)
        applied = Applied()
        for document in documents:
            if document["kind"] == "Workspace":
                ws = resources.workspace_spec(document)
                result = await reconcile.reconcile_workspace(store, notifier, ws)
                applied.workspaces[ws.name] = {
                    "workspace_id": result.workspace_id,
                    "changed": result.changed,
                }
            else:
                spec = resources.apikey_spec(document)
                key = await reconcile.reconcile_apikey(store, vault, notifier, spec)
                entry: dict[str, Any] = {
                    "key_id": key.key_id,
                    "workspace_id": key.workspace_id,
                    "prefix": key.prefix,
                    "secret_file": str(vault.path(spec)),
                    "changed": key.changed,
                    "token": key.new_key,
                }
                applied.apikeys[spec.name] = entry
        return applied
    finally:
        await nc.drain()
        await engine.dispose()


async def delete(documents: list[dict[str, Any]], *, database_url: str, nats_url: str) -> list[str]:
    engine = db.create_engine(database_url, pool_size=2)
    nc = await natsio.connect(nats_url, name="roofkit-delete", connect_deadline_s=10)
    deleted: list[str] = []
    try:
        store = ReconcileStore(engine)
        notifier = NatsNotifier(nc)
        for document in reversed(documents):  # keys before their workspaces
            meta = document.get("metadata") or {}
            namespace, name = str(meta.get("namespace") or "default"), str(meta.get("name"))
            if document["kind"] == "Workspace":
                found = await reconcile.delete_workspace(store, notifier, namespace, name)
            else:
                found = await reconcile.delete_apikey(store, notifier, namespace, name)
            deleted.append(
                f"{document['kind'].lower()}/{name} {'deleted' if found else 'not found'}"
            )
        return deleted
    finally:
        await nc.drain()
        await engine.dispose()
