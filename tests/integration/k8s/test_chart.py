"""The chart: helm lint, helm template, and a server-side dry run against a real API server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roofkit_importer.parsers import ParseLimits
from roofkit_importer.settings import ImporterSettings
from tests.envtest.controlplane import ControlPlane
from tests.integration.k8s.manifests import (
    ALL_FEATURES_VALUES,
    CHART,
    DEV_VALUES,
    documents,
    helm,
    render,
)

VALUE_SETS = {
    "defaults": (),
    "all-features": (ALL_FEATURES_VALUES,),
    "dev": (DEV_VALUES,),
}


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_helm_lint_passes_strictly(helm_bin: Path, values: tuple[Path, ...]) -> None:
    args = ["lint", "--strict", str(CHART)]
    for path in values:
        args += ["--values", str(path)]
    helm(helm_bin, *args)


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_rendered_chart_is_accepted_by_a_server_side_dry_run(
    helm_bin: Path, crds_applied: ControlPlane, namespace: str, values: tuple[Path, ...]
) -> None:
    manifest = render(helm_bin, *values, namespace=namespace)

    result = crds_applied.kubectl(
        "apply", "--dry-run=server", "-n", namespace, "-f", "-", input=manifest, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "(server dry run)" in result.stdout


def test_defaults_render_the_four_components_without_optional_features(helm_bin: Path) -> None:
    docs = documents(render(helm_bin))

    assert set(by_kind(docs, "Deployment")) == {
        "roofkit-importer",
        "roofkit-auth",
        "roofkit-ratelimit",
        "roofkit-operator",
    }
    kinds = {doc["kind"] for doc in docs}
    assert not kinds & {"Ingress", "HTTPRoute", "ServiceMonitor", "PrometheusRule", "StatefulSet"}
    assert set(by_kind(docs, "PodDisruptionBudget")) == {
        "roofkit-importer",
        "roofkit-auth",
        "roofkit-ratelimit",
    }
    assert "roofkit-migrations" in by_kind(docs, "Job")


def test_every_process_gets_its_port_probes_and_environment(helm_bin: Path) -> None:
    deployments = by_kind(documents(render(helm_bin)), "Deployment")
    ports = {"importer": 8080, "auth": 8081, "ratelimit": 8082, "operator": 8083}

    for component, port in ports.items():
        container = deployments[f"roofkit-{component}"]["spec"]["template"]["spec"]["containers"][0]
        env = {item["name"]: item for item in container["env"]}
        assert env["ROOFKIT_HTTP_PORT"]["value"] == str(port)
        assert env["ROOFKIT_NATS_URL"]["value"] == "nats://nats:4222"
        assert env["ROOFKIT_LOG_LEVEL"]["value"] == "INFO"
        assert env["ROOFKIT_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": "roofkit-database",
            "key": "url",
        }
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        # Requests in flight finish within the pod's grace, after the preStop sleep.
        pod = deployments[f"roofkit-{component}"]["spec"]["template"]["spec"]
        grace = int(env["ROOFKIT_SHUTDOWN_GRACE_S"]["value"])
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {})
        assert 1 <= grace <= pod["terminationGracePeriodSeconds"] - pre_stop.get("seconds", 0) - 5
    importer = deployments["roofkit-importer"]["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e for e in importer["env"]}["ROOFKIT_SHUTDOWN_GRACE_S"]["value"] == "50"


def _mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_the_importer_memory_limit_holds_its_parser_workers_budgets(
    helm_bin: Path, values: tuple[Path, ...]
) -> None:
    deployments = by_kind(documents(render(helm_bin, *values)), "Deployment")
    container = deployments["roofkit-importer"]["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item.get("value") for item in container["env"]}
    workers = int(env["ROOFKIT_PARSE_WORKERS"])
    budget_mib = int(env["ROOFKIT_PARSE_MEMORY_BYTES"]) / 2**20
    assert workers >= 1 and float(env["ROOFKIT_PARSE_TIMEOUT_S"]) > 0
    limit_mib = _mebibytes(container["resources"]["limits"]["memory"])
    assert limit_mib >= workers * budget_mib + 256


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_the_importer_tmp_holds_its_spool_budget_and_each_workers_largest_package(
    helm_bin: Path, values: tuple[Path, ...]
) -> None:
    deployments = by_kind(documents(render(helm_bin, *values)), "Deployment")
    pod = deployments["roofkit-importer"]["spec"]["template"]["spec"]
    env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    budget_mib = int(env["ROOFKIT_SPOOL_BUDGET_BYTES"]) / 2**20
    package_mib = ParseLimits().max_zip_expanded_bytes / 2**20
    tmp = {volume["name"]: volume for volume in pod["volumes"]}["tmp"]["emptyDir"]
    assert budget_mib * 2**20 >= ImporterSettings.model_fields["max_upload_bytes_ceiling"].default
    workers = int(env["ROOFKIT_PARSE_WORKERS"])
    assert _mebibytes(tmp["sizeLimit"]) >= budget_mib + workers * package_mib


def test_operator_runs_one_replica_and_is_the_only_pod_with_an_api_token(helm_bin: Path) -> None:
    deployments = by_kind(documents(render(helm_bin, ALL_FEATURES_VALUES)), "Deployment")

    operator = deployments["roofkit-operator"]["spec"]
    assert operator["replicas"] == 1
    assert operator["strategy"] == {"type": "Recreate"}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is (name == "roofkit-operator")


def test_ingress_does_not_buffer_request_bodies(helm_bin: Path) -> None:
    docs = documents(render(helm_bin, ALL_FEATURES_VALUES))

    ingress = by_kind(docs, "Ingress")["roofkit-importer"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert annotations["nginx.ingress.kubernetes.io/proxy-http-version"] == "1.1"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "64m"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "roofkit-importer", "port": {"name": "http"}}
    route = by_kind(docs, "HTTPRoute")["roofkit-importer"]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "roofkit-importer", "port": 8080}]


def test_monitoring_objects_follow_their_flags_and_auto_stays_off_without_the_api(
    helm_bin: Path,
) -> None:
    auto = {doc["kind"] for doc in documents(render(helm_bin))}
    detected = {
        doc["kind"]
        for doc in documents(
            render(helm_bin, extra=("--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"))
        )
    }
    forced = documents(render(helm_bin, ALL_FEATURES_VALUES))

    assert "ServiceMonitor" not in auto
    assert "ServiceMonitor" in detected
    assert "PrometheusRule" not in detected
    monitor = by_kind(forced, "ServiceMonitor")["roofkit"]
    assert monitor["spec"]["endpoints"][0] == {
        "port": "http",
        "path": "/metrics",
        "interval": "30s",
    }
    rules = by_kind(forced, "PrometheusRule")["roofkit"]["spec"]["groups"][0]["rules"]
    assert {rule["alert"] for rule in rules} >= {
        "RoofKitTargetDown",
        "RoofKitImporterErrors",
        "RoofKitImporterSpoolFull",
        "RoofKitOutboxEventRejected",
    }


def test_migration_job_is_a_hook_that_runs_before_install_unless_the_database_is_in_the_chart(
    helm_bin: Path,
) -> None:
    external = by_kind(documents(render(helm_bin)), "Job")["roofkit-migrations"]
    in_chart = by_kind(documents(render(helm_bin, DEV_VALUES)), "Job")["roofkit-migrations"]

    assert external["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert in_chart["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    container = external["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["migrate"]


def test_operator_rbac_is_limited_to_its_namespace_and_resources(
    helm_bin: Path, crds_applied: ControlPlane, namespace: str
) -> None:
    docs = documents(render(helm_bin, namespace=namespace))
    rbac = [
        doc
        for doc in docs
        if doc["kind"]
        in {"ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}
        and doc["metadata"]["name"].startswith("roofkit-operator")
    ]
    crds_applied.kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": rbac}),
    )
    operator = f"system:serviceaccount:{namespace}:roofkit-operator"

    def can(verb: str, resource: str, ns: str = namespace, subresource: str = "") -> bool:
        args = ["auth", "can-i", verb, resource, "-n", ns, "--as", operator]
        if subresource:
            args += ["--subresource", subresource]
        return crds_applied.kubectl(*args, check=False).stdout.strip() == "yes"

    assert can("watch", "apikeys.roofkit.io")
    assert can("patch", "apikeys.roofkit.io", subresource="status")
    assert can("update", "workspaces.roofkit.io", subresource="finalizers")
    assert can("create", "secrets")
    assert can("create", "events")
    assert can("list", "customresourcedefinitions.apiextensions.k8s.io", ns="")
    assert not can("create", "secrets", ns="kube-system")
    assert not can("delete", "apikeys.roofkit.io")
    assert not can("create", "workspaces.roofkit.io")
    assert not can("create", "pods")
    assert not can("get", "configmaps")
