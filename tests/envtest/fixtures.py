"""Session fixtures for tests that need the real Kubernetes control plane.

Import them into a test folder's conftest.py::

    from tests.envtest.fixtures import control_plane, helm_bin  # noqa: F401

``control_plane`` is one etcd + kube-apiserver pair for the whole session; tests share it, so
each test works in its own namespace (see ``namespace`` in tests/integration/k8s/conftest.py).
If the binaries cannot be built or the control plane does not start, the tests fail: nothing
is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.envtest import controlplane


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[controlplane.ControlPlane]:
    """A running kube-apiserver (with etcd) and an admin kubeconfig."""
    with controlplane.start(tmp_path_factory.mktemp("control-plane")) as plane:
        yield plane


@pytest.fixture(scope="session")
def helm_bin() -> Path:
    """The helm binary built by tests/envtest/build.sh."""
    return controlplane.helm_binary()
