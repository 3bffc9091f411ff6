"""The CRDs as the API server enforces them: schemas, enums, formats, CEL rules, columns."""

from __future__ import annotations

import copy
from typing import Any

from tests.envtest.controlplane import ControlPlane
from tests.integration.k8s.manifests import apply

WORKSPACE: dict[str, Any] = {
    "apiVersion": "roofkit.io/v1alpha1",
    "kind": "Workspace",
    "metadata": {"name": "acme-roofing"},
    "spec": {
        "displayName": "Acme Roofing",
        "state": "Active",
        "limits": {"importsPerMinute": 60, "readsPerMinute": 600, "maxUploadBytes": 52428800},
    },
}

API_KEY: dict[str, Any] = {
    "apiVersion": "roofkit.io/v1alpha1",
    "kind": "ApiKey",
    "metadata": {"name": "acme-ci"},
    "spec": {
        "workspaceRef": {"name": "acme-roofing"},
        "scopes": ["reports.write", "reports.read"],
        "expiresAt": "2027-01-01T00:00:00Z",
        "secretName": "acme-ci-api-key",
        "limits": {"importsPerMinute": 30},
    },
}


def with_spec(obj: dict[str, Any], **spec: Any) -> dict[str, Any]:
    changed = copy.deepcopy(obj)
    changed["spec"].update(spec)
    return changed


def test_valid_workspace_and_api_key_are_accepted_with_defaults(
    crds_applied: ControlPlane, namespace: str
) -> None:
    assert apply(crds_applied, namespace, WORKSPACE).returncode == 0
    assert apply(crds_applied, namespace, API_KEY).returncode == 0

    revoked = crds_applied.kubectl(
        "get", "apikey", "acme-ci", "-n", namespace, "-o", "jsonpath={.spec.revoked}"
    ).stdout
    assert revoked == "false"
    minimal = copy.deepcopy(WORKSPACE)
    minimal["metadata"]["name"] = "minimal"
    minimal["spec"] = {"displayName": "Minimal"}
    assert apply(crds_applied, namespace, minimal).returncode == 0
    state = crds_applied.kubectl(
        "get", "ws", "minimal", "-n", namespace, "-o", "jsonpath={.spec.state}"
    ).stdout
    assert state == "Active"


def test_unknown_scope_is_refused_by_the_api_server(
    crds_applied: ControlPlane, namespace: str
) -> None:
    result = apply(crds_applied, namespace, with_spec(API_KEY, scopes=["reports.delete"]))

    assert result.returncode != 0
    assert 'Unsupported value: "reports.delete"' in result.stderr
    assert '"reports.write", "reports.read"' in result.stderr


def test_bad_workspace_state_is_refused_by_the_api_server(
    crds_applied: ControlPlane, namespace: str
) -> None:
    result = apply(crds_applied, namespace, with_spec(WORKSPACE, state="Paused"))

    assert result.returncode != 0
    assert 'spec.state: Unsupported value: "Paused"' in result.stderr
    assert '"Active", "Suspended"' in result.stderr


def test_changing_workspace_ref_is_refused_with_the_cel_message(
    crds_applied: ControlPlane, namespace: str
) -> None:
    assert apply(crds_applied, namespace, API_KEY).returncode == 0

    result = apply(crds_applied, namespace, with_spec(API_KEY, workspaceRef={"name": "other"}))

    assert result.returncode != 0
    assert "spec.workspaceRef" in result.stderr
    assert "workspaceRef is immutable" in result.stderr


def test_changing_secret_name_is_refused(crds_applied: ControlPlane, namespace: str) -> None:
    assert apply(crds_applied, namespace, API_KEY).returncode == 0

    result = apply(crds_applied, namespace, with_spec(API_KEY, secretName="elsewhere"))

    assert result.returncode != 0
    assert "secretName is immutable" in result.stderr


def test_a_revoked_key_cannot_be_reinstated(crds_applied: ControlPlane, namespace: str) -> None:
    assert apply(crds_applied, namespace, with_spec(API_KEY, revoked=True)).returncode == 0

    result = apply(crds_applied, namespace, with_spec(API_KEY, revoked=False))

    assert result.returncode != 0
    assert "a revoked key cannot be reinstated" in result.stderr


def test_expires_at_must_be_a_date_time(crds_applied: ControlPlane, namespace: str) -> None:
    result = apply(crds_applied, namespace, with_spec(API_KEY, expiresAt="next tuesday"))

    assert result.returncode != 0
    assert "spec.expiresAt" in result.stderr
    assert "date-time" in result.stderr


def test_missing_workspace_ref_and_empty_scopes_are_refused(
    crds_applied: ControlPlane, namespace: str
) -> None:
    key = copy.deepcopy(API_KEY)
    del key["spec"]["workspaceRef"]
    key["spec"]["scopes"] = []

    result = apply(crds_applied, namespace, key)

    assert result.returncode != 0
    assert "spec.workspaceRef: Required value" in result.stderr
    assert "spec.scopes" in result.stderr


def test_status_is_a_subresource_the_spec_update_cannot_write(
    crds_applied: ControlPlane, namespace: str
) -> None:
    key = copy.deepcopy(API_KEY)
    key["status"] = {"keyId": "key_forged"}
    assert apply(crds_applied, namespace, key).returncode == 0

    key_id = crds_applied.kubectl(
        "get", "apikey", "acme-ci", "-n", namespace, "-o", "jsonpath={.status.keyId}"
    ).stdout
    assert key_id == ""

    crds_applied.kubectl(
        "patch",
        "apikey",
        "acme-ci",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status": {"keyId": "key_1", "lastUsedAt": "2026-05-01T10:00:00Z",'
        ' "conditions": [{"type": "Ready", "status": "True", "reason": "KeyIssued",'
        ' "message": "ok", "observedGeneration": 1,'
        ' "lastTransitionTime": "2026-05-01T10:00:00Z"}]}}',
    )
    key_id = crds_applied.kubectl(
        "get", "apikey", "acme-ci", "-n", namespace, "-o", "jsonpath={.status.keyId}"
    ).stdout
    assert key_id == "key_1"


def test_printer_columns_show_workspace_scopes_ready_and_last_used(
    crds_applied: ControlPlane, namespace: str
) -> None:
    assert apply(crds_applied, namespace, WORKSPACE).returncode == 0
    assert apply(crds_applied, namespace, API_KEY).returncode == 0

    keys = crds_applied.kubectl("get", "ak", "-n", namespace).stdout.splitlines()
    workspaces = crds_applied.kubectl("get", "rkws", "-n", namespace).stdout.splitlines()

    assert keys[0].split() == ["NAME", "WORKSPACE", "SCOPES", "READY", "LAST", "USED", "AGE"]
    assert keys[1].split()[:2] == ["acme-ci", "acme-roofing"]
    assert "reports.write" in keys[1]
    assert workspaces[0].split() == ["NAME", "STATE", "READY", "AGE"]
    assert workspaces[1].split()[:2] == ["acme-roofing", "Active"]
