"""Database side of reconciliation: Workspace and ApiKey rows. Only key hashes are stored."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from roofkit_operator.errors import MissingWorkspace
from roofkit_operator.resources import ApiKeySpec, WorkspaceSpec
from roofkit_runtime import db
from roofkit_runtime.schema import api_keys, workspaces

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(20))


@dataclass(frozen=True, slots=True)
class KeyRow:
    id: str
    workspace_id: str
    key_hash: bytes
    prefix: str
    state: str
    last_used_at: dt.datetime | None


class ReconcileStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def upsert_workspace(self, spec: WorkspaceSpec) -> tuple[str, bool]:
        """Create or update the workspace row; returns (id, changed)."""
        values = {
            "display_name": spec.display_name,
            "state": spec.state,
            "imports_per_minute": spec.imports_per_minute,
            "reads_per_minute": spec.reads_per_minute,
            "max_upload_bytes": spec.max_upload_bytes,
        }
        with db.translate_errors():
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        sa.select(workspaces).where(
                            workspaces.c.namespace == spec.namespace, workspaces.c.name == spec.name
                        )
                    )
                ).first()
                if row is None:
                    workspace_id = new_id("ws_")
                    await conn.execute(
                        insert(workspaces).values(
                            id=workspace_id, namespace=spec.namespace, name=spec.name, **values
                        )
                    )
                    return workspace_id, True
                current = {k: getattr(row, k) for k in values}
                if current == values and row.deleted_at is None:
                    return str(row.id), False
                await conn.execute(
                    sa.update(workspaces)
                    .where(workspaces.c.id == row.id)
                    .values(**values, deleted_at=None, updated_at=sa.func.now())
                )
                return str(row.id), True

    async def delete_workspace(self, namespace: str, name: str) -> str | None:
        """Mark the workspace deleted (its keys stop working); returns its id if it existed."""
        with db.translate_errors():
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        sa.update(workspaces)
                        .where(workspaces.c.namespace == namespace, workspaces.c.name == name)
                        .values(state="deleted", deleted_at=sa.func.now(), updated_at=sa.func.now())
                        .returning(workspaces.c.id)
                    )
                ).first()
        return str(row.id) if row else None

    async def workspace_id(self, namespace: str, name: str) -> str:
        with db.translate_errors():
            async with self._engine.connect() as conn:
                value = (
                    await conn.execute(
                        sa.select(workspaces.c.id).where(
                            workspaces.c.namespace == namespace,
                            workspaces.c.name == name,
                            workspaces.c.state != "deleted",
                        )
                    )
                ).scalar_one_or_none()
        if value is None:
            raise MissingWorkspace(f"Workspace {namespace}/{name} does not exist")
        return str(value)

    async def find_key(self, namespace: str, name: str) -> KeyRow | None:
        with db.translate_errors():
            async with self._engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.select(api_keys).where(
                            api_keys.c.namespace == namespace, api_keys.c.name == name
                        )
                    )
                ).first()
        if row is None:
            return None
        return KeyRow(
            row.id, row.workspace_id, bytes(row.key_hash), row.prefix, row.state, row.last_used_at
        )

    async def upsert_key(
        self,
        spec: ApiKeySpec,
        workspace_id: str,
        *,
        key_hash: bytes,
        prefix: str,
        key_id: str | None,
    ) -> tuple[str, bool]:
        """Write the key row for ``key_hash`` (a new key replaces the old hash); (id, changed)."""
        values = {
            "workspace_id": workspace_id,
            "key_hash": key_hash,
            "prefix": prefix,
            "scopes": list(spec.scopes),
            "state": "revoked" if spec.revoked else "active",
            "expires_at": spec.expires_at,
            "imports_per_minute": spec.imports_per_minute,
            "reads_per_minute": spec.reads_per_minute,
        }
        with db.translate_errors():
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        sa.select(api_keys)
                        .where(api_keys.c.namespace == spec.namespace, api_keys.c.name == spec.name)
                        .with_for_update()
                    )
                ).first()
                if row is None:
                    new = key_id or new_id("key_")
                    await conn.execute(
                        insert(api_keys).values(
                            id=new, namespace=spec.namespace, name=spec.name, **values
                        )
                    )
                    return new, True
                current = {k: getattr(row, k) for k in values}
                current["key_hash"] = bytes(row.key_hash)
                current["scopes"] = list(row.scopes)
                if current == values:
                    return str(row.id), False
                revoked_at = (
                    sa.func.now() if spec.revoked and row.state != "revoked" else row.revoked_at
                )
                await conn.execute(
                    sa.update(api_keys)
                    .where(api_keys.c.id == row.id)
                    .values(
                        **values,
                        revoked_at=revoked_at,
                        deleted_at=None,
                        updated_at=sa.func.now(),
                    )
                )
                return str(row.id), True

    async def delete_key(self, namespace: str, name: str) -> str | None:
        """Mark the key deleted (401 api_key_deleted from now on); returns its id."""
        with db.translate_errors():
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        sa.update(api_keys)
                        .where(api_keys.c.namespace == namespace, api_keys.c.name == name)
                        .values(state="deleted", deleted_at=sa.func.now(), updated_at=sa.func.now())
                        .returning(api_keys.c.id)
                    )
                ).first()
        return str(row.id) if row else None
