"""Manifests → specs: names checked as the Kubernetes API server checks them, so that
``roofkit apply`` accepts exactly what a cluster accepts."""

from __future__ import annotations

from typing import Any

import pytest

from roofkit_operator.resources import InvalidManifest, apikey_spec, workspace_spec


def _workspace(name: Any, namespace: Any = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"metadata": metadata, "spec": {"displayName": "Acme"}}


@pytest.mark.parametrize("name", ["acme", "acme-roofing", "acme.roofing.v2", "a" * 253, "0ws"])
def test_valid_names_are_accepted(name: str) -> None:
    assert workspace_spec(_workspace(name)).name == name


@pytest.mark.parametrize(
    "name", ["", None, 7, "Acme", "bad name", "-acme", "acme-", "acme_roofing", "a" * 254, "é"]
)
def test_names_kubernetes_refuses_are_invalid(name: Any) -> None:
    with pytest.raises(InvalidManifest, match=r"metadata\.name"):
        workspace_spec(_workspace(name))


@pytest.mark.parametrize("namespace", ["Team", "team.a", "a" * 64, 5])
def test_namespaces_must_be_labels(namespace: Any) -> None:
    with pytest.raises(InvalidManifest, match=r"metadata\.namespace"):
        workspace_spec(_workspace("acme", namespace))


def test_a_workspace_reference_is_a_name_too() -> None:
    key = {
        "metadata": {"name": "key-1"},
        "spec": {"workspaceRef": {"name": "Acme Roofing"}, "scopes": ["reports.write"]},
    }
    with pytest.raises(InvalidManifest, match=r"spec\.workspaceRef\.name"):
        apikey_spec(key)
    key["spec"]["workspaceRef"] = {"name": "acme"}
    assert apikey_spec(key).workspace_name == "acme"
