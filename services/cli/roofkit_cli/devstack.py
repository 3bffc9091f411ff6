"""The local stack (``roofkit dev``): infrastructure, migrations, example keys, three services.

Everything lives under the stack's home (``.roofkit/`` by default): the database, the JetStream
store, the logs, the dev key and ``stack.json`` (where ``roofkit apply`` finds the stack). A second
start reuses the data and the key. The services run as separate OS processes; one that dies is
reported loudly and restarted.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from roofkit_cli import infra, manifests
from roofkit_runtime import migrate

SERVICES = ("auth", "ratelimit", "importer")


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "roofkit_cli", "serve", self.name],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited; see {self.log_path}")
        url = f"http://127.0.0.1:{self.port}/readyz"
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class DevStack:
    """The whole product on one machine."""

    home: Path
    http_port: int = 8080
    database_url: str | None = None
    nats_url: str | None = None
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)
    postgres: infra.Postgres | None = None
    nats: infra.NatsServer | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def key_file(self) -> Path:
        return self.home / "dev-api-key"

    def start_infrastructure(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        if self.database_url is None:
            self.postgres = infra.Postgres(self.home / "postgres", infra.free_port())
            self.postgres.start()
            self.database_url = self.postgres.url()
        if self.nats_url is None:
            self.nats = infra.NatsServer(self.home / "nats", infra.free_port())
            self.nats.start()
            self.nats_url = self.nats.url
        migrate.upgrade(self.database_url)
        self._write_state()

    def apply(self, paths: list[str]) -> manifests.Applied:
        assert self.database_url is not None and self.nats_url is not None
        documents = manifests.load(paths)
        return asyncio.run(
            manifests.apply(
                documents, database_url=self.database_url, nats_url=self.nats_url, home=self.home
            )
        )

    def service_env(self, name: str, port: int) -> dict[str, str]:
        assert self.database_url is not None and self.nats_url is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROOFKIT_")}
        env.update(
            ROOFKIT_DATABASE_URL=self.database_url,
            ROOFKIT_NATS_URL=self.nats_url,
            ROOFKIT_HTTP_HOST="127.0.0.1",
            ROOFKIT_HTTP_PORT=str(port),
            ROOFKIT_LOG_LEVEL=self.log_level,
            ROOFKIT_SPOOL_DIR=str(self.home / "spool"),
        )
        env.update(self.extra_env)
        return env

    def add_service(
        self, name: str, *, label: str | None = None, port: int | None = None
    ) -> ServiceProcess:
        """Start one more process of ``name`` (a second replica when ``label`` differs)."""
        label = label or name
        port = port or (
            self.http_port if name == "importer" and label == name else infra.free_port()
        )
        service = ServiceProcess(
            name, port, self.service_env(name, port), self.home / "logs" / f"{label}.log"
        )
        service.start()
        self.services[label] = service
        infra.wait_until(service.ready, timeout_s=60, what=label)
        return service

    def start_services(self) -> None:
        for name in SERVICES:
            self.add_service(name)
        self._write_state()

    def stop_service(self, label: str) -> None:
        self.services[label].stop()

    def start_service(self, label: str) -> None:
        service = self.services[label]
        service.start()
        infra.wait_until(service.ready, timeout_s=60, what=label)

    def supervise_once(self) -> list[str]:
        """Restart every service process that died; returns the labels restarted."""
        restarted = []
        for label, service in self.services.items():
            if service.process is not None and service.process.poll() is not None:
                code = service.process.returncode
                print(
                    f"\n!!! {label} exited with code {code} — restarting (log: {service.log_path})",
                    file=sys.stderr,
                    flush=True,
                )
                service.stop()
                service.restarts += 1
                time.sleep(min(5.0, 0.5 * service.restarts))
                service.start()
                restarted.append(label)
        return restarted

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()

    def _write_state(self) -> None:
        state = {
            "database_url": self.database_url,
            "nats_url": self.nats_url,
            "url": self.url,
            "key_file": str(self.key_file),
            "pid": os.getpid(),
        }
        (self.home / "stack.json").write_text(json.dumps(state, indent=2) + "\n")


def read_state(home: Path) -> dict[str, str]:
    path = home / "stack.json"
    try:
        state: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise SystemExit(
            f"no local stack found at {home} (start it with `make dev`, or set "
            "ROOFKIT_DATABASE_URL and ROOFKIT_NATS_URL)"
        ) from exc
    return state
