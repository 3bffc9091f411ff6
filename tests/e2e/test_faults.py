"""Faults mid-load: a stopped dependency yields only documented answers, and full recovery.

While imports run from several threads, one part (auth, ratelimit, Postgres, NATS) is stopped and
started again. Every answer must be a 201 or a 503 with Retry-After and a documented code — never
a 500 or a 401 — no report may be half written, and imports succeed again once the part is back.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import httpx
import psycopg
import pytest

from roofkit_cli.devstack import DevStack
from tests.e2e.conftest import EXAMPLE_CSV
from tests.e2e.helpers import new_key, wait_for

UNAVAILABLE = {
    "auth_unavailable",
    "ratelimit_unavailable",
    "database_unavailable",
    "broker_unavailable",
}


class Load:
    def __init__(self, url: str, token: str, threads: int = 3) -> None:
        self.url, self.token = url, token
        self.answers: list[tuple[int, str | None, str | None]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                r = client.post(
                    "/api/v1/reports/import",
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Idempotency-Key": str(uuid.uuid4()),
                    },
                    files={"file": ("roof.csv", EXAMPLE_CSV.read_bytes())},
                )
                code = r.json()["error"]["code"] if r.status_code != 201 else None
                with self._lock:
                    self.answers.append((r.status_code, code, r.headers.get("Retry-After")))

    def count(self, status: int) -> int:
        with self._lock:
            return sum(1 for s, _, _ in self.answers if s == status)

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)


def _half_written(database_url: str) -> list[str]:
    """Reports missing any of their parts: files, completed idempotency record, outbox event."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        rows = conn.execute(
            """
            SELECT r.id FROM reports r
            WHERE NOT EXISTS (SELECT 1 FROM report_files f WHERE f.report_id = r.id)
               OR NOT EXISTS (SELECT 1 FROM idempotency_keys k
                              WHERE k.report_id = r.id AND k.state = 'completed')
               OR NOT EXISTS (SELECT 1 FROM blobs b JOIN report_files f ON f.sha256 = b.sha256
                              WHERE f.report_id = r.id)
            """
        ).fetchall()
    return [r[0] for r in rows]


def _stoppers(stack: DevStack) -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    assert stack.postgres is not None and stack.nats is not None
    return {
        "auth": (lambda: stack.stop_service("auth"), lambda: stack.start_service("auth")),
        "ratelimit": (
            lambda: stack.stop_service("ratelimit"),
            lambda: stack.start_service("ratelimit"),
        ),
        "postgres": (stack.postgres.stop, stack.postgres.start),
        "nats": (stack.nats.stop, stack.nats.start),
    }


@pytest.mark.parametrize("part", ["auth", "ratelimit", "postgres", "nats"])
def test_stopping_a_part_mid_load_yields_only_documented_answers_and_recovers(
    stack: DevStack, part: str
) -> None:
    for label in ("auth-2", "ratelimit-2"):  # replicas of other tests would mask the stop
        if label in stack.services:
            stack.stop_service(label)
            del stack.services[label]
    token, _, _ = new_key(stack, importsPerMinute=100000)
    stop, start = _stoppers(stack)[part]
    with Load(stack.url, token) as load:
        wait_for(lambda: load.count(201) >= 3, timeout_s=30, what="imports under load")
        stop()
        try:
            wait_for(lambda: load.count(503) >= 3, timeout_s=30, what=f"503 while {part} is down")
        finally:
            start()
        recovered = load.count(201)
        wait_for(
            lambda: load.count(201) >= recovered + 5, timeout_s=60, what=f"recovery after {part}"
        )
    for status, code, retry_after in load.answers:
        assert status in (201, 503), (status, code)
        if status == 503:
            assert code in UNAVAILABLE, code
            assert retry_after is not None and int(retry_after) >= 1
    assert stack.database_url is not None
    assert _half_written(stack.database_url) == []
