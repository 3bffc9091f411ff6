"""The operator's error table and settings."""

from __future__ import annotations

import pytest

from roofkit_operator import errors, handlers
from roofkit_operator.resources import InvalidManifest
from roofkit_operator.settings import OperatorSettings
from roofkit_runtime.errors import DatabaseUnavailable


def _leaf_classes(base: type[Exception]) -> list[type[Exception]]:
    found: list[type[Exception]] = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(_leaf_classes(sub))
    return found


@pytest.mark.parametrize("cls", _leaf_classes(errors.OperatorError))
def test_every_operator_error_has_its_own_condition_reason(cls: type[Exception]) -> None:
    assert cls in errors.REASONS


def test_errors_map_to_condition_reasons() -> None:
    assert errors.reason(errors.MissingWorkspace("x")) == "WorkspaceNotFound"
    assert errors.reason(errors.SecretNotOwned("x")) == "SecretNotOwned"
    assert errors.reason(errors.KubernetesUnavailable("x")) == "KubernetesUnavailable"
    assert errors.reason(DatabaseUnavailable("x")) == "DependencyUnavailable"
    assert errors.reason(InvalidManifest("x")) == "InvalidSpec"
    assert errors.reason(RuntimeError("x")) == "ReconcileFailed"


def test_settings_default_to_port_8083_and_every_namespace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ROOFKIT_OPERATOR_NAMESPACE", raising=False)
    monkeypatch.delenv("ROOFKIT_HTTP_PORT", raising=False)
    settings = OperatorSettings()
    assert settings.http_port == 8083
    assert settings.namespaces == []


def test_settings_read_the_namespaces_the_chart_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOFKIT_OPERATOR_NAMESPACE", "partners, staging ,")
    monkeypatch.setenv("ROOFKIT_RECONCILE_INTERVAL_S", "15")
    settings = OperatorSettings()
    assert settings.namespaces == ["partners", "staging"]
    assert settings.reconcile_interval_s == 15.0


def test_named_namespaces_need_no_namespace_scanning_but_patterns_do() -> None:
    assert handlers.kopf_settings(["partners"]).scanning.disabled is True
    assert handlers.kopf_settings(["partners-*"]).scanning.disabled is False
    assert handlers.kopf_settings([]).scanning.disabled is False


def test_kopf_keeps_its_state_in_roofkit_annotations_and_finalizer() -> None:
    settings = handlers.kopf_settings(["partners"])
    assert settings.persistence.finalizer == "roofkit.io/finalizer"
    assert settings.peering.standalone is True
