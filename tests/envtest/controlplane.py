"""A real Kubernetes control plane for integration tests: etcd and kube-apiserver on loopback.

The binaries come from ``tests/envtest/build.sh`` (built once from pinned Go modules and
cached, or taken from ``KUBEBUILDER_ASSETS``). :func:`start` runs etcd and kube-apiserver on
free ``127.0.0.1`` ports with token authentication and RBAC authorization, waits until the API
server reports ready, writes a kubeconfig for an admin token in ``system:masters``, and stops
both processes on exit. There is no controller-manager or scheduler: objects are stored and
validated (schemas, CEL rules, admission, RBAC, server-side dry run), but nothing reconciles
Deployments into Pods.

Test folders use it through the session fixtures in ``tests/envtest/fixtures.py``.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import functools
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

BUILD_SCRIPT = Path(__file__).resolve().with_name("build.sh")
ADMIN_USER = "roofkit-admin"
_READY_TIMEOUT = 90.0


class ControlPlaneError(RuntimeError):
    """The binaries could not be built, or etcd / kube-apiserver did not become ready."""


@functools.cache
def assets_dir() -> Path:
    """Directory holding kube-apiserver, etcd and kubectl; builds them on first use."""
    return Path(_run_build_script("assets"))


@functools.cache
def helm_binary() -> Path:
    """The helm binary; builds it on first use."""
    return Path(_run_build_script("helm"))


def _run_build_script(what: str) -> str:
    # The build's progress goes to stderr (visible with -s); a failure fails the caller.
    result = subprocess.run(
        ["bash", str(BUILD_SCRIPT), what], stdout=subprocess.PIPE, text=True, check=False
    )
    path = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0 or not path:
        raise ControlPlaneError(f"{BUILD_SCRIPT} {what} failed with exit code {result.returncode}")
    return path


@dataclass(frozen=True)
class ControlPlane:
    """A running etcd + kube-apiserver pair and how to reach it."""

    server: str
    """``https://127.0.0.1:<port>`` of the API server."""
    ca_file: Path
    """PEM bundle that verifies the API server's serving certificate."""
    kubeconfig: Path
    """Kubeconfig of the admin user (group ``system:masters``), current context set."""
    tokens: Mapping[str, str]
    """Bearer token per user name: the admin and any extra users given to :func:`start`."""
    assets: Path
    workdir: Path
    etcd_url: str

    @property
    def admin_token(self) -> str:
        return self.tokens[ADMIN_USER]

    @property
    def kubectl_path(self) -> Path:
        return self.assets / "kubectl"

    def env(self) -> dict[str, str]:
        """A copy of the process environment pointing KUBECONFIG at this control plane."""
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl as the admin; with ``check`` a non-zero exit raises with its stderr."""
        result = subprocess.run(
            [str(self.kubectl_path), "--kubeconfig", str(self.kubeconfig), *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise ControlPlaneError(
                f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    def write_kubeconfig(self, path: Path, *, user: str = ADMIN_USER) -> Path:
        """Write a kubeconfig authenticating as ``user`` (one of :attr:`tokens`)."""
        path.write_text(_kubeconfig(self.server, self.ca_file, user, self.tokens[user]))
        path.chmod(0o600)
        return path


@contextlib.contextmanager
def start(
    workdir: Path,
    *,
    users: Mapping[str, Sequence[str]] | None = None,
    extra_apiserver_args: Sequence[str] = (),
    ready_timeout: float = _READY_TIMEOUT,
) -> Iterator[ControlPlane]:
    """Start etcd and kube-apiserver under ``workdir``; stop them when the block exits.

    ``users`` maps extra user names to their groups; each gets a token in
    :attr:`ControlPlane.tokens` (useful to check RBAC as a non-admin identity).
    """
    assets = assets_dir()
    workdir.mkdir(parents=True, exist_ok=True)
    pki = workdir / "pki"
    pki.mkdir(exist_ok=True)

    tokens = {ADMIN_USER: secrets.token_urlsafe(32)}
    groups: dict[str, Sequence[str]] = {ADMIN_USER: ["system:masters"]}
    for name, user_groups in (users or {}).items():
        tokens[name] = secrets.token_urlsafe(32)
        groups[name] = user_groups
    token_file = pki / "tokens.csv"
    with token_file.open("w", newline="") as fh:
        writer = csv.writer(fh)
        for name, token in tokens.items():
            writer.writerow([token, name, f"uid-{name}", ",".join(groups[name])])
    token_file.chmod(0o600)
    sa_key = _service_account_key(pki / "sa.key")

    with contextlib.ExitStack() as stack:
        etcd_port, etcd_peer_port, api_port = _free_ports(3)
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        etcd = stack.enter_context(
            _process(
                "etcd",
                [
                    str(assets / "etcd"),
                    "--name=roofkit-test",
                    f"--data-dir={workdir / 'etcd'}",
                    f"--listen-client-urls={etcd_url}",
                    f"--advertise-client-urls={etcd_url}",
                    f"--listen-peer-urls=http://127.0.0.1:{etcd_peer_port}",
                    f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer_port}",
                    f"--initial-cluster=roofkit-test=http://127.0.0.1:{etcd_peer_port}",
                    "--unsafe-no-fsync=true",
                    "--log-level=warn",
                ],
                workdir / "etcd.log",
            )
        )
        _wait_until(
            lambda: _http_ok(f"{etcd_url}/health"),
            deadline=time.monotonic() + ready_timeout,
            what="etcd /health",
            process=etcd,
            log=workdir / "etcd.log",
        )

        server = f"https://127.0.0.1:{api_port}"
        apiserver = stack.enter_context(
            _process(
                "kube-apiserver",
                [
                    str(assets / "kube-apiserver"),
                    f"--etcd-servers={etcd_url}",
                    f"--cert-dir={pki}",
                    "--bind-address=127.0.0.1",
                    "--advertise-address=127.0.0.1",
                    f"--secure-port={api_port}",
                    f"--token-auth-file={token_file}",
                    "--authorization-mode=RBAC",
                    "--anonymous-auth=false",
                    f"--service-account-key-file={sa_key}",
                    f"--service-account-signing-key-file={sa_key}",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    "--service-cluster-ip-range=10.96.0.0/16",
                    "--allow-privileged=true",
                    "--enable-priority-and-fairness=false",
                    "--profiling=false",
                    # No kubernetes Service endpoints: the API server listens on loopback only.
                    "--endpoint-reconciler-type=none",
                    *extra_apiserver_args,
                ],
                workdir / "kube-apiserver.log",
            )
        )
        ca_file = pki / "apiserver.crt"
        _wait_until(
            lambda: ca_file.exists() and _api_ready(server, ca_file, tokens[ADMIN_USER]),
            deadline=time.monotonic() + ready_timeout,
            what="kube-apiserver /readyz",
            process=apiserver,
            log=workdir / "kube-apiserver.log",
        )

        kubeconfig = workdir / "kubeconfig"
        kubeconfig.write_text(_kubeconfig(server, ca_file, ADMIN_USER, tokens[ADMIN_USER]))
        kubeconfig.chmod(0o600)
        yield ControlPlane(
            server=server,
            ca_file=ca_file,
            kubeconfig=kubeconfig,
            tokens=tokens,
            assets=assets,
            workdir=workdir,
            etcd_url=etcd_url,
        )


def _service_account_key(path: Path) -> Path:
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    path.chmod(0o600)
    return path


def _free_ports(count: int) -> list[int]:
    # Hold all sockets open together so the ports are distinct.
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def _die_with_parent() -> None:
    # Linux: deliver SIGTERM to the child if the test session dies without cleaning up.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _process(name: str, argv: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def _wait_until(
    probe: object,
    *,
    deadline: float,
    what: str,
    process: subprocess.Popen[bytes],
    log: Path,
) -> None:
    assert callable(probe)
    delay = 0.05
    while True:
        if process.poll() is not None:
            raise ControlPlaneError(
                f"{what}: process exited with {process.returncode}\n{_tail(log)}"
            )
        if probe():
            return
        if time.monotonic() >= deadline:
            raise ControlPlaneError(f"{what} not ready before the deadline\n{_tail(log)}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _api_ready(server: str, ca_file: Path, token: str) -> bool:
    try:
        context = ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError):
        return False  # the certificate file is still being written
    request = urllib.request.Request(
        f"{server}/readyz", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2, context=context) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _kubeconfig(server: str, ca_file: Path, user: str, token: str) -> str:
    # JSON is valid YAML; kubectl, helm, kopf and kubernetes-asyncio all read it.
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "roofkit-test",
                "cluster": {"server": server, "certificate-authority": str(ca_file)},
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {
                "name": f"{user}@roofkit-test",
                "context": {"cluster": "roofkit-test", "user": user, "namespace": "default"},
            }
        ],
        "current-context": f"{user}@roofkit-test",
        "preferences": {},
    }
    return json.dumps(config, indent=2) + "\n"
