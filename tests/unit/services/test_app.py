"""The importer app's edges that need no network: 500s, OpenAPI, /docs. Fakes of our own seams."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.testclient import TestClient

from roofkit_importer.app import Deps, create_app
from roofkit_importer.settings import ImporterSettings

OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


class _OfflineNats:
    is_connected = False


def _app() -> Any:
    deps = Deps(nc=_OfflineNats(), engine=None, parser=None)  # type: ignore[arg-type]
    return create_app(ImporterSettings(), deps=deps)


def document() -> dict[str, Any]:
    app = _app()
    inner: FastAPI = app.app
    return inner.openapi()


def test_an_unexpected_error_is_a_500_that_leaks_nothing() -> None:
    app = _app()

    async def boom() -> None:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    app.app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-Id": "trace-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "trace-1"
    error = response.json()["error"]
    assert (error["type"], error["code"], error["request_id"]) == (
        "api_error",
        "internal_error",
        "trace-1",
    )
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


def test_unknown_routes_still_carry_a_request_id() -> None:
    with TestClient(_app()) as client:
        response = client.get("/nope")
    assert response.status_code == 404
    assert response.headers["X-Request-Id"].startswith("req_")


def test_docs_render_the_live_openapi() -> None:
    with TestClient(_app()) as client:
        docs = client.get("/docs")
        live = client.get("/openapi.json").json()
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "/api/v1/reports/import" in live["paths"]


def test_openapi_describes_the_import_as_the_published_page() -> None:
    operation = document()["paths"]["/api/v1/reports/import"]["post"]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert headers["Idempotency-Key"]["required"] and headers["Content-Length"]["required"]
    assert operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].endswith(
        "ReportImportForm"
    )
    responses = operation["responses"]
    assert set(responses) == {"201", "400", "401", "403", "409", "411", "413", "429", "500", "503"}
    assert {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Idempotency-Replayed",
    } <= set(responses["201"]["headers"])
    assert responses["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ReportImportResponse"
    )
    assert "WWW-Authenticate" in responses["401"]["headers"]
    assert {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
    } <= set(responses["429"]["headers"])
    for status in ("400", "401", "403", "409", "411", "413", "429", "500", "503"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith(
            "ErrorResponse"
        )


def test_the_committed_openapi_copy_is_current() -> None:
    committed = json.loads(OPENAPI.read_text())
    assert committed == document(), (
        "docs/openapi.json is stale: run `python tests/unit/services/test_app.py`"
    )


if __name__ == "__main__":  # regenerate docs/openapi.json
    OPENAPI.write_text(json.dumps(document(), indent=2) + "\n")
    sys.exit(0)
