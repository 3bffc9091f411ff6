"""The whole local stack for end-to-end tests, started by the launcher ``roofkit dev`` uses.

Services run as separate OS processes on free ports, over their own Postgres and nats-server.
Tests that stop a process start it again before they end (``stack.start_service``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from roofkit_cli import infra
from roofkit_cli.devstack import DevStack
from tests.support.infra import scratch_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def stack() -> Iterator[DevStack]:
    home = scratch_dir("roofkit-test-stack-")
    dev = DevStack(
        home=home,
        http_port=infra.free_port(),
        log_level="WARNING",
        extra_env={"ROOFKIT_INVALID_AUTH_PER_MINUTE": "1000"},
    )
    try:
        dev.start_infrastructure()
        dev.apply(sorted(str(p) for p in (REPO / "examples" / "local").glob("*.yaml")))
        dev.start_services()
        yield dev
    finally:
        dev.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def dev_key(stack: DevStack) -> str:
    return stack.key_file.read_text().strip()
