"""Workspaces and ApiKeys applied with kubectl become keys that work, and stop working when the
resources say so — through the real API server, operator, auth service and importer."""

from __future__ import annotations

import time

from tests.integration.operator.cluster import (
    Database,
    Kube,
    Partner,
    apikey,
    unique,
    wait_for,
    workspace,
)
from tests.integration.operator.conftest import Operator


def _issued(kube: Kube, ws: str, key: str, **spec: object) -> str:
    """Apply a Workspace and an ApiKey; the key once the operator wrote it."""
    kube.apply(workspace(ws), apikey(key, ws, **spec))
    return wait_for(lambda: kube.key(f"{key}-api-key"), timeout=10, what="the key's Secret")


def test_applied_key_imports_a_report_within_two_seconds_and_shows_ready(
    kube: Kube, partner: Partner, operator: Operator
) -> None:
    ws, name = unique("acme"), unique("acme-ci")
    started = time.monotonic()
    kube.apply(workspace(ws), apikey(name, ws))

    def imported() -> str | None:
        key = kube.key(f"{name}-api-key")
        if key is None:
            return None
        response = partner.import_report(key)
        return key if response.status_code == 201 else None

    key = wait_for(imported, timeout=2.0, what="a report imported with the new key")
    assert time.monotonic() - started < 2.0

    ready = wait_for(lambda: kube.ready("apikeys", name), timeout=5, what="ApiKey Ready")
    assert (ready["status"], ready["reason"]) == ("True", "Active")
    table = kube.kubectl("get", "apikeys", name).stdout.splitlines()
    assert table[0].split()[:4] == ["NAME", "WORKSPACE", "SCOPES", "READY"]
    assert table[1].split()[:2] == [name, ws]
    assert "True" in table[1].split()

    obj = kube.get("apikeys", name)
    assert obj is not None
    status = obj["status"]
    assert status["keyId"].startswith("key_")
    assert key.startswith(status["prefix"])
    assert len(status["prefix"]) == len("rk_live_") + 4
    assert status["secretName"] == f"{name}-api-key"
    ws_ready = wait_for(lambda: kube.ready("workspaces", ws), timeout=5, what="Workspace Ready")
    assert ws_ready["status"] == "True"
    ws_obj = kube.get("workspaces", ws)
    assert ws_obj is not None and ws_obj["status"]["workspaceId"].startswith("ws_")

    secret = kube.secret(f"{name}-api-key")
    assert secret is not None
    assert secret["type"] == "roofkit.io/api-key"
    assert secret["metadata"]["labels"]["roofkit.io/apikey"] == name
    assert secret["metadata"]["labels"]["roofkit.io/workspace"] == ws
    (owner,) = secret["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("ApiKey", name, obj["metadata"]["uid"])
    assert owner["controller"] is True

    # lastUsedAt is mirrored from the database (auth writes it, the operator copies it).
    used = wait_for(
        lambda: (kube.get("apikeys", name) or {}).get("status", {}).get("lastUsedAt"),
        timeout=10,
        what="status.lastUsedAt",
    )
    assert used.endswith("Z")

    # The key never reaches the operator's logs, the resource, or Events.
    assert key not in operator.log_path.read_text()
    assert key not in str(kube.get("apikeys", name))
    assert all(key not in str(event) for event in kube.events())


def test_revoking_a_key_refuses_it_within_one_second(kube: Kube, partner: Partner) -> None:
    ws, name = unique("ws"), unique("key")
    key = _issued(kube, ws, name)
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted")

    started = time.monotonic()
    kube.patch_spec("apikeys", name, {"revoked": True})
    wait_for(
        lambda: partner.probe(key) == (401, "api_key_revoked"),
        timeout=1.0,
        what="401 api_key_revoked",
    )
    assert time.monotonic() - started < 1.0
    ready = wait_for(lambda: kube.ready("apikeys", name), timeout=5, what="Ready after revoke")
    assert (ready["status"], ready["reason"]) == ("False", "Revoked")


def test_deleting_an_apikey_answers_api_key_deleted_and_removes_its_secret(
    kube: Kube, partner: Partner, database: Database
) -> None:
    ws, name = unique("ws"), unique("key")
    key = _issued(kube, ws, name)
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted")

    kube.delete("apikeys", name)
    wait_for(
        lambda: partner.probe(key) == (401, "api_key_deleted"),
        timeout=2.0,
        what="401 api_key_deleted",
    )
    wait_for(lambda: kube.get("apikeys", name) is None, timeout=10, what="finalizer removed")
    assert kube.secret(f"{name}-api-key") is None
    row = database.key_row(kube.namespace, name)
    assert row is not None and row["state"] == "deleted"


def test_suspending_the_workspace_answers_403_and_reactivating_restores_access(
    kube: Kube, partner: Partner
) -> None:
    ws, name = unique("ws"), unique("key")
    key = _issued(kube, ws, name)
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted")

    kube.patch_spec("workspaces", ws, {"state": "Suspended"})
    wait_for(
        lambda: partner.probe(key) == (403, "workspace_inactive"),
        timeout=1.0,
        what="403 workspace_inactive",
    )
    assert partner.import_report(key).status_code == 403
    ready = wait_for(lambda: kube.ready("workspaces", ws), timeout=5, what="Workspace status")
    assert ready["reason"] == "Suspended"

    kube.patch_spec("workspaces", ws, {"state": "Active"})
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=1.0, what="access restored")


def test_an_expired_key_answers_api_key_expired(kube: Kube, partner: Partner) -> None:
    ws, name = unique("ws"), unique("key")
    key = _issued(kube, ws, name, expiresAt="2024-01-01T00:00:00Z")
    wait_for(
        lambda: partner.probe(key) == (401, "api_key_expired"),
        timeout=2.0,
        what="401 api_key_expired",
    )
    ready = wait_for(lambda: kube.ready("apikeys", name), timeout=5, what="ApiKey status")
    assert (ready["status"], ready["reason"]) == ("False", "Expired")


def test_deleting_the_workspace_stops_its_keys(kube: Kube, partner: Partner) -> None:
    ws, name = unique("ws"), unique("key")
    key = _issued(kube, ws, name)
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted")

    kube.delete("workspaces", ws)
    wait_for(
        lambda: partner.probe(key) == (401, "api_key_deleted"),
        timeout=2.0,
        what="401 api_key_deleted after the workspace went",
    )
    wait_for(lambda: kube.get("workspaces", ws) is None, timeout=10, what="workspace finalized")
