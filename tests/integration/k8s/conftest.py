"""Fixtures for the chart and CRD tests: a real kube-apiserver, helm, rendered manifests."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
# The shared control-plane helpers live in tests/envtest/; make `tests` importable when pytest
# was started without the repository root on sys.path.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.envtest.controlplane import ControlPlane  # noqa: E402
from tests.envtest.fixtures import control_plane, helm_bin  # noqa: E402, F401
from tests.integration.k8s.manifests import CHART, HERE, THIRD_PARTY_CRDS  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def crds_applied(control_plane: ControlPlane) -> ControlPlane:  # noqa: F811
    """The chart's CRDs (and stand-ins for prometheus-operator and Gateway API), established."""
    control_plane.kubectl("apply", "--server-side", "-f", str(CHART / "crds"))
    control_plane.kubectl("apply", "--server-side", "-f", str(THIRD_PARTY_CRDS))
    control_plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    return control_plane


@pytest.fixture
def namespace(crds_applied: ControlPlane) -> Iterator[str]:
    """A fresh namespace with its default ServiceAccount (no controller-manager creates it)."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    crds_applied.kubectl("create", "namespace", name)
    crds_applied.kubectl("create", "serviceaccount", "default", "-n", name)
    yield name
    crds_applied.kubectl("delete", "namespace", name, "--wait=false")
