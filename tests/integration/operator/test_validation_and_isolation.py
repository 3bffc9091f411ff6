"""What the API server refuses by itself, Secrets the operator does not own, and workspaces
that never see each other's reports."""

from __future__ import annotations

import httpx

from tests.integration.operator.cluster import (
    Kube,
    Partner,
    apikey,
    error_code,
    unique,
    wait_for,
    workspace,
)
from tests.integration.operator.conftest import Operator


def test_a_key_with_an_unknown_scope_is_refused_by_the_api_server(kube: Kube) -> None:
    ws, name = unique("ws"), unique("key")
    result = kube.apply(workspace(ws), apikey(name, ws, scopes=("reports.delete",)), check=False)
    assert result.returncode != 0
    assert "spec.scopes[0]" in result.stderr
    assert 'Unsupported value: "reports.delete"' in result.stderr
    assert kube.get("apikeys", name) is None


def test_changing_a_keys_workspace_ref_is_refused_by_the_api_server(kube: Kube) -> None:
    ws, other, name = unique("ws"), unique("ws"), unique("key")
    kube.apply(workspace(ws), workspace(other), apikey(name, ws))
    result = kube.apply(apikey(name, other), check=False)
    assert result.returncode != 0
    assert "workspaceRef is immutable" in result.stderr
    obj = kube.get("apikeys", name)
    assert obj is not None and obj["spec"]["workspaceRef"]["name"] == ws


def test_a_workspace_with_an_unknown_state_is_refused_by_the_api_server(kube: Kube) -> None:
    ws = unique("ws")
    result = kube.apply(workspace(ws, state="Paused"), check=False)
    assert result.returncode != 0
    assert "spec.state" in result.stderr
    assert 'Unsupported value: "Paused"' in result.stderr


def test_reinstating_a_revoked_key_is_refused_by_the_api_server(kube: Kube) -> None:
    ws, name = unique("ws"), unique("key")
    kube.apply(workspace(ws), apikey(name, ws, revoked=True))
    result = kube.apply(apikey(name, ws, revoked=False), check=False)
    assert result.returncode != 0
    assert "a revoked key cannot be reinstated" in result.stderr


def test_a_secret_the_key_does_not_own_is_never_overwritten(kube: Kube, partner: Partner) -> None:
    ws, name, taken = unique("ws"), unique("key"), unique("someone-elses")
    kube.create_secret(taken, {"password": "hunter2"})
    kube.apply(workspace(ws), apikey(name, ws, secretName=taken))

    # The key may be reconciled before its Workspace (WorkspaceNotFound first): wait for the
    # condition that names the Secret.
    ready = wait_for(
        lambda: (r := kube.ready("apikeys", name)) and r["reason"] == "SecretNotOwned" and r,
        timeout=10,
        what="ApiKey status SecretNotOwned",
    )
    assert ready["status"] == "False"
    assert taken in ready["message"]
    secret = kube.secret(taken)
    assert secret is not None
    assert secret["type"] == "Opaque"
    assert set(secret["data"]) == {"password"}
    assert not secret["metadata"].get("ownerReferences")
    assert any(
        event["reason"] == "SecretNotOwned" and event["involvedObject"]["name"] == name
        for event in kube.events()
    )

    # Once the Secret is out of the way, the key is issued into it.
    kube.delete_secret(taken)
    key = wait_for(lambda: kube.key(taken), timeout=10, what="key written after the conflict")
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted")


def test_keys_of_two_workspaces_never_see_each_others_reports(kube: Kube, partner: Partner) -> None:
    ws_a, ws_b, key_a_name, key_b_name = unique("ws"), unique("ws"), unique("ka"), unique("kb")
    kube.apply(workspace(ws_a), workspace(ws_b), apikey(key_a_name, ws_a), apikey(key_b_name, ws_b))
    key_a = wait_for(lambda: kube.key(f"{key_a_name}-api-key"), timeout=10, what="key A")
    key_b = wait_for(lambda: kube.key(f"{key_b_name}-api-key"), timeout=10, what="key B")

    created: httpx.Response = wait_for(
        lambda: (r := partner.import_report(key_a)).status_code == 201 and r,
        timeout=5,
        what="import with key A",
    )
    report_id = created.json()["id"]
    assert created.json()["workspace_id"] == kube.get("workspaces", ws_a)["status"]["workspaceId"]  # type: ignore[index]

    assert partner.report(key_a, report_id).status_code == 200
    other = partner.report(key_b, report_id)
    assert other.status_code == 404
    assert error_code(other) == "report_not_found"
    listed = partner.http.get(
        "/api/v1/reports", headers={"Authorization": f"Bearer {key_b}"}
    ).json()
    assert report_id not in str(listed)


def test_operator_metrics_count_reconciles_by_kind_and_result(
    kube: Kube, operator: Operator
) -> None:
    ws, name = unique("ws"), unique("key")
    kube.apply(workspace(ws), apikey(name, ws))
    wait_for(lambda: kube.ready("apikeys", name), timeout=5, what="ApiKey Ready")
    text = httpx.get(f"{operator.url}/metrics").text
    assert (
        'roofkit_operator_reconciles_total{kind="ApiKey",result="ready",trigger="create"}' in text
    )
    assert 'roofkit_operator_reconciles_total{kind="Workspace",result="ready"' in text
    assert 'roofkit_operator_reconcile_seconds_bucket{kind="ApiKey"' in text
    assert httpx.get(f"{operator.url}/readyz").json()["checks"] == {
        "nats": True,
        "kubernetes": True,
    }
