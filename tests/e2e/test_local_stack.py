"""The foundation's promises, against the local stack as a partner sees it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

import httpx
import psutil
import pytest

from roofkit_cli import infra
from roofkit_cli.devstack import DevStack
from roofkit_importer import upload
from tests.e2e.conftest import EXAMPLE_CSV, REPO, import_csv
from tests.e2e.helpers import multipart, read_response, wait_for
from tests.support.infra import scratch_dir

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_import_of_the_example_csv_returns_201_with_report_and_rate_limit_headers(
    client: httpx.Client, dev_key: str
) -> None:
    response = import_csv(client, dev_key)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("rpt_")
    assert response.headers["Location"] == f"/api/v1/reports/{body['id']}"
    assert body["report"]["summary"]["total_area_sqft"] == 2683.2
    assert body["source"]["files"][0]["format"] == "csv"
    assert int(response.headers["X-RateLimit-Limit"]) == 60
    assert 0 <= int(response.headers["X-RateLimit-Remaining"]) < 60
    reset = response.headers["X-RateLimit-Reset"]
    assert ISO_UTC.match(reset)
    assert dt.datetime.fromisoformat(reset.replace("Z", "+00:00")) > dt.datetime.now(dt.UTC)
    assert response.headers["X-Request-Id"].startswith("req_")


def test_the_stored_report_reads_back_identically(client: httpx.Client, dev_key: str) -> None:
    created = import_csv(client, dev_key)
    fetched = client.get(
        created.headers["Location"], headers={"Authorization": f"Bearer {dev_key}"}
    )
    assert fetched.status_code == 200
    assert fetched.json() == created.json()


def test_stopping_auth_answers_503_auth_unavailable_and_recovers(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    stack.stop_service("auth")
    try:
        response = import_csv(client, dev_key)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "auth_unavailable"
        assert int(response.headers["Retry-After"]) >= 1
    finally:
        stack.start_service("auth")
    assert import_csv(client, dev_key).status_code == 201


def test_apply_prints_a_token_that_authenticates_at_once(
    stack: DevStack, client: httpx.Client
) -> None:
    manifest = """
apiVersion: roofkit.io/v1alpha1
kind: Workspace
metadata: {name: partner-json}
spec: {displayName: Partner, state: Active}
---
apiVersion: roofkit.io/v1alpha1
kind: ApiKey
metadata: {name: partner-json-key}
spec:
  workspaceRef: {name: partner-json}
  scopes: [reports.write]
"""
    result = subprocess.run(
        [sys.executable, "-m", "roofkit_cli", "apply", "-f", "-", "-o", "json"],
        input=manifest,
        capture_output=True,
        text=True,
        env={**os.environ, "ROOFKIT_HOME": str(stack.home)},
        check=True,
        timeout=60,
    )
    output = json.loads(result.stdout)
    token = output["apikeys"]["partner-json-key"]["token"]
    assert output["apikeys"]["partner-json-key"]["key_id"].startswith("key_")
    assert output["workspaces"]["partner-json"]["workspace_id"].startswith("ws_")
    assert token not in result.stderr
    assert import_csv(client, token).status_code == 201
    again = subprocess.run(
        [sys.executable, "-m", "roofkit_cli", "apply", "-f", "-", "-o", "json"],
        input=manifest,
        capture_output=True,
        text=True,
        env={**os.environ, "ROOFKIT_HOME": str(stack.home)},
        check=True,
        timeout=60,
    )
    assert json.loads(again.stdout)["apikeys"]["partner-json-key"]["token"] is None


@pytest.mark.parametrize(
    ("manifest", "says"),
    [
        (": : :\n\t- not yaml", "not valid YAML"),
        ("apiVersion: roofkit.io/v1alpha1\nkind: Gizmo\nmetadata: {name: x}\n", "Gizmo"),
        (
            "apiVersion: roofkit.io/v1alpha1\nkind: Workspace\nmetadata: {name: Acme Roofing}\n",
            "RFC 1123",
        ),
        (
            "apiVersion: roofkit.io/v1alpha1\nkind: ApiKey\nmetadata: {name: orphan-key}\n"
            "spec: {workspaceRef: {name: no-such-workspace}, scopes: [reports.write]}\n",
            "does not exist",
        ),
    ],
    ids=["not-yaml", "unknown-kind", "bad-name", "missing-workspace"],
)
def test_apply_refuses_a_bad_manifest_with_one_line_and_no_traceback(
    stack: DevStack, manifest: str, says: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "roofkit_cli", "apply", "-f", "-"],
        input=manifest,
        capture_output=True,
        text=True,
        env={**os.environ, "ROOFKIT_HOME": str(stack.home)},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_dead_service_process_is_reported_and_restarted(
    stack: DevStack, client: httpx.Client, dev_key: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    process = stack.services["ratelimit"].process
    assert process is not None
    process.kill()
    process.wait()
    assert stack.supervise_once() == ["ratelimit"]
    assert "ratelimit exited" in capsys.readouterr().err
    wait_for(lambda: import_csv(client, dev_key).status_code == 201, timeout_s=30, what="recovery")


def test_an_importer_that_died_mid_upload_leaves_no_spooled_file_behind(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    spool = stack.home / "spool"
    left = spool / f"{upload.SPOOL_PREFIX}crashed"  # what a killed request leaves
    left.write_bytes(b"x" * 1024)
    long_ago = time.time() - upload.STALE_SPOOL_S - 60
    os.utime(left, (long_ago, long_ago))
    process = stack.services["importer"].process
    assert process is not None
    process.kill()
    process.wait()
    assert stack.supervise_once() == ["importer"]
    infra.wait_until(stack.services["importer"].ready, timeout_s=60, what="importer")
    assert import_csv(client, dev_key).status_code == 201
    assert not left.exists()
    assert not [p for p in spool.iterdir() if p.name.startswith(upload.SPOOL_PREFIX)]


def test_an_upload_in_flight_when_the_importer_gets_sigterm_is_finished_before_it_exits(
    stack: DevStack, dev_key: str
) -> None:
    """The chart gives the importer's requests the pod's grace period less 10 s; the server
    used to cancel them 5 s after SIGTERM, mid-upload."""
    service = stack.add_service("importer", label="importer-draining")
    metadata = json.dumps({"note": "x" * 9000}).encode()
    body = multipart([("metadata", metadata, None), ("file", EXAMPLE_CSV.read_bytes(), "roof.csv")])
    head = (
        "POST /api/v1/reports/import HTTP/1.1\r\nHost: roofkit\r\n"
        f"Authorization: Bearer {dev_key}\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
        "Content-Type: multipart/form-data; boundary=b0undary\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    process = service.process
    assert process is not None
    try:
        with socket.create_connection(("127.0.0.1", service.port), timeout=30) as sock:
            sock.sendall(head.encode() + body[:600])
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            for offset in range(600, len(body), 600):  # 1.2 kB/s, above the body's minimum rate
                time.sleep(0.5)
                sock.sendall(body[offset : offset + 600])
            assert time.monotonic() - started > 6  # longer than the old grace of 5 s
            status, headers, answer, _ = read_response(sock)
        assert status == 201, answer
        assert headers["connection"] == "close"
        assert process.wait(timeout=30) == 0
    finally:
        service.stop()
        del stack.services["importer-draining"]


def test_roofkit_dev_runs_everything_and_sigterm_stops_every_process() -> None:
    home = scratch_dir("roofkit-test-dev-")
    port = infra.free_port()
    env = {**os.environ, "ROOFKIT_HOME": str(home), "ROOFKIT_HTTP_PORT": str(port)}
    env.pop("ROOFKIT_DATABASE_URL", None)
    env.pop("ROOFKIT_NATS_URL", None)
    dev = subprocess.Popen(
        [sys.executable, "-m", "roofkit_cli", "dev"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert dev.stdout is not None
        for line in dev.stdout:
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}" in output, output
        assert str(home / "dev-api-key") in output
        assert "curl" in output
        key = (home / "dev-api-key").read_text().strip()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            response = import_csv(http, key)
        assert response.status_code == 201, response.text
        children = psutil.Process(dev.pid).children(recursive=True)
        assert len(children) >= 5  # postgres, nats-server, auth, ratelimit, importer
    finally:
        dev.send_signal(signal.SIGTERM)
        dev.communicate(timeout=60)
    assert dev.returncode == 0
    wait_for(
        lambda: not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE],
        timeout_s=20,
        what="every child stopped",
    )
    assert EXAMPLE_CSV.exists()
