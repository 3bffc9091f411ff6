"""Helpers for the operator tests: the Kubernetes API over HTTP, the Partner API, the database.

Nothing here is a stand-in: requests go to the real kube-apiserver (admin token), the real
importer and the real Postgres. Waiting is always a poll loop with a deadline.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg

from tests.envtest.controlplane import ControlPlane
from tests.support.provision import apikey, unique, workspace

REPO = Path(__file__).resolve().parents[3]
REPORT_CSV = REPO / "examples" / "reports" / "gable-facets.csv"
GROUP_PATH = "/apis/roofkit.io/v1alpha1"
T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], *, timeout: float, what: str, every: float = 0.02) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s (last: {last!r})")
        time.sleep(every)


class Kube:
    """The Kubernetes API as the cluster admin, over plain HTTPS."""

    def __init__(self, plane: ControlPlane, namespace: str) -> None:
        self.plane = plane
        self.namespace = namespace
        context = ssl.create_default_context(cafile=str(plane.ca_file))
        self.http = httpx.Client(
            base_url=plane.server,
            headers={"Authorization": f"Bearer {plane.admin_token}"},
            verify=context,
            timeout=10,
        )

    def kubectl(self, *args: str, input: str | None = None, check: bool = True) -> Any:
        return self.plane.kubectl(*args, "-n", self.namespace, input=input, check=check)

    def apply(self, *objects: dict[str, Any], check: bool = True) -> Any:
        """``kubectl apply`` of the objects, as the platform team would."""
        body = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
        return self.kubectl("apply", "-f", "-", input=body, check=check)

    def get(self, plural: str, name: str) -> dict[str, Any] | None:
        response = self.http.get(f"{GROUP_PATH}/namespaces/{self.namespace}/{plural}/{name}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def patch_spec(self, plural: str, name: str, spec: dict[str, Any]) -> None:
        response = self.http.patch(
            f"{GROUP_PATH}/namespaces/{self.namespace}/{plural}/{name}",
            json={"spec": spec},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        response.raise_for_status()

    def delete(self, plural: str, name: str) -> None:
        self.http.delete(
            f"{GROUP_PATH}/namespaces/{self.namespace}/{plural}/{name}"
        ).raise_for_status()

    def secret(self, name: str) -> dict[str, Any] | None:
        response = self.http.get(f"/api/v1/namespaces/{self.namespace}/secrets/{name}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def create_secret(self, name: str, data: dict[str, str]) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name},
            "stringData": data,
        }
        self.http.post(f"/api/v1/namespaces/{self.namespace}/secrets", json=body).raise_for_status()

    def delete_secret(self, name: str) -> None:
        self.http.delete(f"/api/v1/namespaces/{self.namespace}/secrets/{name}").raise_for_status()

    def key(self, secret_name: str) -> str | None:
        secret = self.secret(secret_name)
        if secret is None or "api-key" not in (secret.get("data") or {}):
            return None
        return base64.b64decode(secret["data"]["api-key"]).decode()

    def ready(self, plural: str, name: str) -> dict[str, Any] | None:
        """The Ready condition, once the status has one for the current generation."""
        obj = self.get(plural, name)
        if obj is None:
            return None
        for condition in (obj.get("status") or {}).get("conditions") or []:
            if (
                condition["type"] == "Ready"
                and condition.get("observedGeneration") == obj["metadata"]["generation"]
            ):
                return dict(condition)
        return None

    def events(self) -> list[dict[str, Any]]:
        response = self.http.get(f"/api/v1/namespaces/{self.namespace}/events")
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items


# The manifests are the same builders the other tiers use.
__all__ = ["apikey", "unique", "workspace"]


class Partner:
    """The Partner API, called as a partner would."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def import_report(self, key: str) -> httpx.Response:
        return self.http.post(
            "/api/v1/reports/import",
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
            files={"file": (REPORT_CSV.name, REPORT_CSV.read_bytes(), "text/csv")},
        )

    def report(self, key: str, report_id: str) -> httpx.Response:
        return self.http.get(
            f"/api/v1/reports/{report_id}", headers={"Authorization": f"Bearer {key}"}
        )

    def probe(self, key: str) -> tuple[int, str | None]:
        """(status, error code) of a cheap authenticated read."""
        response = self.http.get(
            "/api/v1/reports", params={"limit": 1}, headers={"Authorization": f"Bearer {key}"}
        )
        return response.status_code, error_code(response)


def error_code(response: httpx.Response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


class Database:
    """Hand edits of the database, as an operator on call might make them."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://", 1)

    def execute(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(sql, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def key_row(self, namespace: str, name: str) -> dict[str, Any] | None:
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(
                "select id, state, scopes, key_hash, last_used_at from api_keys "
                "where namespace = %s and name = %s",
                (namespace, name),
            )
            row = cur.fetchone()
        if row is None:
            return None
        return {
            "id": row[0],
            "state": row[1],
            "scopes": row[2],
            "key_hash": bytes(row[3]),
            "last_used_at": row[4],
        }
