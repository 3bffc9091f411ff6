"""Integration tier: real Postgres and nats-server, with the services as processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from roofkit_cli import infra as launcher
from roofkit_cli.devstack import DevStack
from tests.support.infra import Infra, scratch_dir


@pytest.fixture(scope="session")
def services(infra: Infra) -> Iterator[DevStack]:
    """auth, ratelimit and importer processes over the session's Postgres and NATS."""
    home = scratch_dir("roofkit-test-services-")
    stack = DevStack(
        home=home,
        http_port=launcher.free_port(),
        database_url=infra.database_url,
        nats_url=infra.nats_url,
        log_level="WARNING",
    )
    try:
        stack.start_infrastructure()
        stack.start_services()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def keys_home() -> Iterator[Path]:
    home = scratch_dir("roofkit-test-keys-")
    yield home
    shutil.rmtree(home, ignore_errors=True)
