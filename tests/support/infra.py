"""Real Postgres and nats-server for the test session, started by the same launcher code as
``roofkit dev`` (``roofkit_cli.infra``), on free loopback ports, in throwaway directories.

Import the fixtures into a folder's conftest.py::

    from tests.support.infra import infra, database_url, nats_url  # noqa: F401
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from roofkit_cli import infra as launcher
from roofkit_runtime import migrate


@dataclass
class Infra:
    postgres: launcher.Postgres
    nats: launcher.NatsServer
    root: Path

    @property
    def database_url(self) -> str:
        return self.postgres.url()

    @property
    def nats_url(self) -> str:
        return self.nats.url


def scratch_dir(prefix: str) -> Path:
    """A directory the unprivileged database user can reach (pytest's tmp dirs are 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    root = scratch_dir("roofkit-test-infra-")
    postgres = launcher.Postgres(root / "postgres", launcher.free_port())
    nats = launcher.NatsServer(root / "nats", launcher.free_port())
    try:
        postgres.start()
        nats.start()
        migrate.upgrade(postgres.url())
        yield Infra(postgres, nats, root)
    finally:
        nats.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(infra: Infra) -> str:
    return infra.database_url


@pytest.fixture(scope="session")
def nats_url(infra: Infra) -> str:
    return infra.nats_url


def run(coro):  # type: ignore[no-untyped-def]
    """Run a coroutine from synchronous test code."""
    return asyncio.run(coro)
