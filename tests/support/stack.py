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
INVALID_AUTH_PER_MINUTE = 10
UPLOAD_CEILING = 64 * 1024 * 1024


@pytest.fixture(scope="session")
def stack() -> Iterator[DevStack]:
    home = scratch_dir("roofkit-test-stack-")
    dev = DevStack(
        home=home,
        http_port=infra.free_port(),
        log_level="WARNING",
        extra_env={
            # Tests send X-Forwarded-For to act as distinct clients of the invalid-auth bucket.
            "ROOFKIT_TRUSTED_PROXY_HOPS": "1",
            "ROOFKIT_INVALID_AUTH_PER_MINUTE": str(INVALID_AUTH_PER_MINUTE),
            "ROOFKIT_BODY_IDLE_TIMEOUT_S": "2",
            "ROOFKIT_HTTP_HEAD_TIMEOUT_S": "2",
            "ROOFKIT_MAX_UPLOAD_BYTES_CEILING": str(UPLOAD_CEILING),
            "ROOFKIT_SPOOL_BUDGET_BYTES": str(UPLOAD_CEILING),
        },
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
