"""Creating workspaces and API keys for tests through the real reconcile code."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from roofkit_cli import manifests


def workspace(name: str, *, state: str = "Active", **limits: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"displayName": name, "state": state}
    if limits:
        spec["limits"] = limits
    return {
        "apiVersion": "roofkit.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": name},
        "spec": spec,
    }


def apikey(
    name: str,
    workspace_name: str,
    *,
    scopes: tuple[str, ...] = ("reports.write", "reports.read"),
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "roofkit.io/v1alpha1",
        "kind": "ApiKey",
        "metadata": {"name": name},
        "spec": {"workspaceRef": {"name": workspace_name}, "scopes": list(scopes), **spec},
    }


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


async def apply(
    documents: list[dict[str, Any]], *, database_url: str, nats_url: str, home: Path
) -> manifests.Applied:
    return await manifests.apply(documents, database_url=database_url, nats_url=nats_url, home=home)


async def new_key(
    *,
    database_url: str,
    nats_url: str,
    home: Path,
    scopes: tuple[str, ...] = ("reports.write", "reports.read"),
    workspace_state: str = "Active",
    **limits: int,
) -> tuple[str, str, str]:
    """A fresh workspace with one key: (token, key name, workspace name)."""
    ws_name, key_name = unique("ws"), unique("key")
    applied = await apply(
        [
            workspace(ws_name, state=workspace_state, **limits),
            apikey(key_name, ws_name, scopes=scopes),
        ],
        database_url=database_url,
        nats_url=nats_url,
        home=home,
    )
    token = applied.apikeys[key_name]["token"]
    assert token
    return token, key_name, ws_name
