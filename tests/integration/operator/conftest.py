"""The operator against a real control plane: etcd + kube-apiserver, Postgres, nats-server, the
auth, ratelimit and importer processes, and ``roofkit serve operator`` as its own process.

The operator runs with the chart's own RBAC: the chart's Role, ClusterRole and ServiceAccount are
rendered by helm into the test namespace and the operator authenticates with a token of that
ServiceAccount (TokenRequest), so a permission the chart lacks fails these tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from roofkit_cli import infra as launcher
from roofkit_cli.devstack import DevStack, ServiceProcess
from tests.envtest.controlplane import ControlPlane
from tests.envtest.fixtures import control_plane, helm_bin  # noqa: F401
from tests.integration.operator.cluster import REPO, Database, Kube, Partner
from tests.support.infra import Infra, scratch_dir

CHART = REPO / "charts" / "roofkit"
HERE = Path(__file__).resolve().parent
RECONCILE_INTERVAL_S = 3.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kube_namespace(control_plane: ControlPlane, helm_bin: Path) -> str:  # noqa: F811
    """A namespace with the CRDs installed and the chart's operator RBAC applied."""
    control_plane.kubectl("apply", "--server-side", "-f", str(CHART / "crds"))
    control_plane.kubectl(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/workspaces.roofkit.io",
        "crd/apikeys.roofkit.io",
    )
    namespace = f"partners-{uuid.uuid4().hex[:6]}"
    control_plane.kubectl("create", "namespace", namespace)
    control_plane.kubectl("create", "serviceaccount", "default", "-n", namespace)
    rendered = subprocess.run(
        [
            str(helm_bin),
            "template",
            "roofkit",
            str(CHART),
            "--namespace",
            namespace,
            "--show-only",
            "templates/rbac.yaml",
            "--show-only",
            "templates/serviceaccounts.yaml",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    objects = [
        doc
        for doc in yaml.safe_load_all(rendered)
        if doc and doc["metadata"]["name"].startswith("roofkit-operator")
    ]
    control_plane.kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}),
    )
    return namespace


@pytest.fixture(scope="session")
def operator_kubeconfig(
    control_plane: ControlPlane,  # noqa: F811
    kube_namespace: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A kubeconfig for the operator's ServiceAccount (a TokenRequest token)."""
    token = control_plane.kubectl(
        "create", "token", "roofkit-operator", "-n", kube_namespace, "--duration=6h"
    ).stdout.strip()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "test",
                "cluster": {
                    "server": control_plane.server,
                    "certificate-authority": str(control_plane.ca_file),
                },
            }
        ],
        "users": [{"name": "roofkit-operator", "user": {"token": token}}],
        "contexts": [
            {
                "name": "operator",
                "context": {
                    "cluster": "test",
                    "user": "roofkit-operator",
                    "namespace": kube_namespace,
                },
            }
        ],
        "current-context": "operator",
    }
    path = tmp_path_factory.mktemp("operator") / "kubeconfig"
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def platform(infra: Infra) -> Iterator[DevStack]:
    """The auth, ratelimit and importer processes over the session's Postgres and nats-server."""
    home = scratch_dir("roofkit-test-operator-")
    dev = DevStack(
        home=home,
        http_port=launcher.free_port(),
        database_url=infra.database_url,
        nats_url=infra.nats_url,
        log_level="WARNING",
        extra_env={
            "ROOFKIT_INVALID_AUTH_PER_MINUTE": "100000",
            "ROOFKIT_LAST_USED_FLUSH_S": "0.5",
        },
    )
    try:
        dev.start_infrastructure()
        dev.start_services()
        yield dev
    finally:
        dev.stop()
        shutil.rmtree(home, ignore_errors=True)


class Operator:
    """``roofkit serve operator`` as its own process; tests may stop and start it."""

    def __init__(self, platform: DevStack, kubeconfig: Path, namespace: str) -> None:
        port = launcher.free_port()
        env = platform.service_env("operator", port)
        env.update(
            ROOFKIT_LOG_LEVEL="INFO",
            ROOFKIT_KUBECONFIG=str(kubeconfig),
            ROOFKIT_OPERATOR_NAMESPACE=namespace,
            ROOFKIT_RECONCILE_INTERVAL_S=str(RECONCILE_INTERVAL_S),
            ROOFKIT_LAST_USED_MIRROR_S="1",
            ROOFKIT_RETRY_DELAY_S="0.5",
        )
        env.pop("KUBECONFIG", None)
        self.process = ServiceProcess(
            "operator", port, env, platform.home / "logs" / "operator.log"
        )
        self.url = f"http://127.0.0.1:{port}"

    @property
    def log_path(self) -> Path:
        return self.process.log_path

    def start(self) -> None:
        self.process.start()
        launcher.wait_until(self.process.ready, timeout_s=60, what="operator /readyz")

    def stop(self) -> None:
        self.process.stop()

    def ensure_running(self) -> None:
        if not self.process.alive():
            self.process.stop()
            self.start()


@pytest.fixture(scope="session")
def operator(
    platform: DevStack, operator_kubeconfig: Path, kube_namespace: str
) -> Iterator[Operator]:
    running = Operator(platform, operator_kubeconfig, kube_namespace)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def kube(
    control_plane: ControlPlane,  # noqa: F811
    kube_namespace: str,
    operator: Operator,
) -> Iterator[Kube]:
    client = Kube(control_plane, kube_namespace)
    yield client
    client.http.close()
    # Shown by pytest only when the test failed.
    print("--- operator log (tail) ---")
    print("\n".join(operator.log_path.read_text(errors="replace").splitlines()[-80:]))
    operator.ensure_running()


@pytest.fixture
def partner(platform: DevStack) -> Iterator[Partner]:
    client = Partner(platform.url)
    yield client
    client.http.close()


@pytest.fixture
def database(platform: DevStack) -> Database:
    assert platform.database_url is not None
    return Database(platform.database_url)
