"""The import contract, row by row (api-contract.md), over real HTTP against the local stack."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
import threading
import uuid
import zipfile
from typing import BinaryIO

import httpx
import pytest

from roofkit_cli.devstack import DevStack
from roofkit_events import apikeys
from tests.corpus.renderers import json_eagleview
from tests.corpus.roofs import all_roofs, roof_truth
from tests.e2e.conftest import EXAMPLE_CSV, import_csv
from tests.e2e.helpers import (
    apply,
    client_address,
    idem,
    multipart,
    new_key,
    raw_request,
    wait_for,
)
from tests.support import provision
from tests.support.sockets import send_until_refused
from tests.support.stack import INVALID_AUTH_PER_MINUTE, UPLOAD_CEILING

IMPORT = "/api/v1/reports/import"
CSV = EXAMPLE_CSV.read_bytes()


def post(
    client: httpx.Client,
    *,
    key: str | None,
    idempotency_key: str | None = "auto",
    files: dict[str, tuple[str, bytes]] | None = None,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {"X-Forwarded-For": client_address()}
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    if idempotency_key is not None:
        sent["Idempotency-Key"] = idem() if idempotency_key == "auto" else idempotency_key
    sent.update(headers or {})
    return client.post(
        IMPORT,
        headers=sent,
        files=files if files is not None else {"file": ("roof.csv", CSV)},
        data=data or {},
        params=params,
    )


def error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body["error"]) == {"type", "code", "message", "param", "request_id", "details"}
    assert body["error"]["request_id"] == response.headers["X-Request-Id"]
    return body["error"]  # type: ignore[no-any-return]


def assert_rate_headers(response: httpx.Response) -> None:
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert name in response.headers, name


@pytest.fixture(scope="module")
def roomy_key(stack: DevStack) -> str:
    """A key of this module's own: its tests import often, and the example dev key's 60 imports
    a minute are shared with every other module of the session."""
    token, _, _ = new_key(stack, importsPerMinute=100_000)
    return token


@pytest.fixture
def dev_key(roomy_key: str) -> str:
    """In this module, "the dev key" is :func:`roomy_key` (a key with every scope, like it)."""
    return roomy_key


# --- 201 -----------------------------------------------------------------------------------------


def test_201_carries_location_rate_headers_and_request_id(
    client: httpx.Client, dev_key: str
) -> None:
    response = post(client, key=dev_key, data={"external_id": f"job-{uuid.uuid4().hex[:8]}"})
    assert response.status_code == 201
    assert response.headers["Location"].startswith("/api/v1/reports/rpt_")
    assert_rate_headers(response)
    assert "Idempotency-Replayed" not in response.headers


def test_201_keeps_a_file_name_sent_as_utf8(client: httpx.Client, roomy_key: str) -> None:
    # httpx, like curl and browsers, puts the name in the part header as raw UTF-8.
    response = post(client, key=roomy_key, files={"file": ("Dachfläche 屋根 ✓.csv", CSV)})
    assert response.status_code == 201, response.text
    assert response.json()["source"]["files"][0]["name"] == "Dachfläche 屋根 ✓.csv"
    stored = client.get(
        response.headers["Location"], headers={"Authorization": f"Bearer {roomy_key}"}
    )
    assert stored.json()["source"]["files"][0]["name"] == "Dachfläche 屋根 ✓.csv"


def test_201_when_the_report_text_holds_nul_which_postgres_cannot_store(
    client: httpx.Client, roomy_key: str
) -> None:
    roof = all_roofs()[0]
    document = json.loads(json_eagleview.render(roof, roof_truth(roof))[0].data)
    document["EAGLEVIEW_EXPORT"]["LOCATION"]["@address"] = "12 Test\x00Lane"
    response = post(
        client, key=roomy_key, files={"file": ("r.json", json.dumps(document).encode())}
    )
    assert response.status_code == 201, response.text
    assert response.json()["report"]["property"]["address"]["line1"] == "12 Test\ufffdLane"


def test_incoming_request_id_is_echoed(client: httpx.Client, dev_key: str) -> None:
    response = post(client, key=dev_key, headers={"X-Request-Id": "partner-trace.42"})
    assert response.headers["X-Request-Id"] == "partner-trace.42"
    bad = post(client, key=dev_key, headers={"X-Request-Id": "no spaces allowed"})
    assert bad.headers["X-Request-Id"].startswith("req_")


def test_replay_returns_stored_201_byte_for_byte_with_replayed_header(
    client: httpx.Client, dev_key: str
) -> None:
    key = idem()
    first = post(client, key=dev_key, idempotency_key=key, data={"metadata": '{"a": 1}'})
    # Same meaning, different multipart boundary and field order: a replay.
    second = client.post(
        IMPORT,
        headers={"Authorization": f"Bearer {dev_key}", "Idempotency-Key": key},
        files={"file": ("roof.csv", CSV)},
        data={"metadata": '{"a": 1}'},
    )
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert_rate_headers(second)


def test_a_retry_that_spells_its_fields_differently_is_a_replay(
    client: httpx.Client, roomy_key: str
) -> None:
    key = idem()
    fields = {
        "metadata": '{"job": {"id": "J-7", "crew": [1, 2]}, "source": "app"}',
        "format": "csv",
    }
    first = post(client, key=roomy_key, idempotency_key=key, data=fields)
    respelled = {"metadata": '{"source":"app","job":{"crew":[1,2],"id":"J-7"}}', "format": " CSV"}
    second = post(client, key=roomy_key, idempotency_key=key, data=respelled)
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.content == first.content
    changed = {"metadata": '{"source":"app","job":{"crew":[2,1],"id":"J-7"}}', "format": "csv"}
    other = post(client, key=roomy_key, idempotency_key=key, data=changed)
    assert other.status_code == 409
    assert error(other)["code"] == "idempotency_key_reused"


# --- 400 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idempotency_key", "code"),
    [
        (None, "idempotency_key_missing"),
        ("", "idempotency_key_invalid"),
        ("has space", "idempotency_key_invalid"),
        ("x" * 256, "idempotency_key_invalid"),
        ("caf\u00e9", "idempotency_key_invalid"),
    ],
)
def test_400_idempotency_key(
    client: httpx.Client, dev_key: str, idempotency_key: str | None, code: str
) -> None:
    headers: dict[str, str | bytes] = {"Authorization": f"Bearer {dev_key}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key.encode()  # bytes: sent as they are
    response = client.post(IMPORT, headers=headers, files={"file": ("roof.csv", CSV)})
    assert response.status_code == 400
    assert error(response)["code"] == code
    assert error(response)["param"] == "Idempotency-Key"
    assert_rate_headers(response)


def test_400_invalid_content_type(client: httpx.Client, dev_key: str) -> None:
    response = client.post(
        IMPORT,
        headers={
            "Authorization": f"Bearer {dev_key}",
            "Idempotency-Key": idem(),
            "Content-Type": "application/json",
        },
        content=b'{"file": "x"}',
    )
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_content_type"


def test_400_invalid_multipart(client: httpx.Client, dev_key: str) -> None:
    response = client.post(
        IMPORT,
        headers={
            "Authorization": f"Bearer {dev_key}",
            "Idempotency-Key": idem(),
            "Content-Type": "multipart/form-data; boundary=b0undary",
        },
        content=b'--b0undary\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
    )
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_multipart"


@pytest.mark.parametrize(
    ("files", "data", "code", "param"),
    [
        ({}, {"external_id": "x"}, "file_missing", "file"),
        ({"colour": ("c.txt", b"red")}, {}, "unknown_field", "colour"),
        ({}, {"workspace_id": "ws_other"}, "tenant_selector_not_allowed", "workspace_id"),
        ({}, {"organizationId": "o"}, "tenant_selector_not_allowed", "organizationId"),
        ({}, {"external_id": "has spaces"}, "invalid_field", "external_id"),
        ({}, {"format": "docx"}, "invalid_field", "format"),
        ({}, {"format": "pdf"}, "format_mismatch", "format"),
        ({}, {"metadata": "[1, 2]"}, "invalid_metadata", "metadata"),
        ({}, {"metadata": "{not json"}, "invalid_metadata", "metadata"),
        ({}, {"metadata": '{"k": "' + "v" * 17000 + '"}'}, "invalid_metadata", "metadata"),
        ({}, {"metadata": '{"k": "a\\u0000b"}'}, "invalid_metadata", "metadata"),
        ({}, {"metadata": '{"a\\u0000": 1}'}, "invalid_metadata", "metadata"),
        ({}, {"metadata": '{"a":' * 300 + "1" + "}" * 300}, "invalid_metadata", "metadata"),
    ],
)
def test_400_form_rules(
    client: httpx.Client,
    dev_key: str,
    files: dict[str, tuple[str, bytes]],
    data: dict[str, str],
    code: str,
    param: str,
) -> None:
    if code == "file_missing":  # a multipart form without any file part
        response = client.post(
            IMPORT,
            headers={
                "Authorization": f"Bearer {dev_key}",
                "Idempotency-Key": idem(),
                "Content-Type": "multipart/form-data; boundary=b0undary",
            },
            content=multipart([(k, v.encode(), None) for k, v in data.items()]),
        )
    else:
        response = post(client, key=dev_key, files={"file": ("roof.csv", CSV), **files}, data=data)
    assert response.status_code == 400, response.text
    body = error(response)
    assert (body["code"], body["param"]) == (code, param)
    assert_rate_headers(response)


def test_400_more_than_one_file(client: httpx.Client, dev_key: str) -> None:
    body = multipart([("file", CSV, "a.csv"), ("file", CSV, "b.csv")])
    response = client.post(
        IMPORT,
        headers={
            "Authorization": f"Bearer {dev_key}",
            "Idempotency-Key": idem(),
            "Content-Type": "multipart/form-data; boundary=b0undary",
        },
        content=body,
    )
    assert response.status_code == 400
    assert error(response)["code"] == "too_many_files"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"debug": "1"}, "unknown_parameter"),
        ({"workspace": "ws_x"}, "tenant_selector_not_allowed"),
        ({"tenant_id": "t"}, "tenant_selector_not_allowed"),
    ],
)
def test_400_query_string(
    client: httpx.Client, dev_key: str, params: dict[str, str], code: str
) -> None:
    response = post(client, key=dev_key, params=params)
    assert response.status_code == 400
    assert error(response)["code"] == code


@pytest.mark.parametrize("header", ["X-Workspace-Id", "X-Tenant-Id", "X-Org-Id"])
def test_400_tenant_selector_header(client: httpx.Client, dev_key: str, header: str) -> None:
    response = post(client, key=dev_key, headers={header: "ws_other"})
    assert response.status_code == 400
    assert (error(response)["code"], error(response)["param"]) == (
        "tenant_selector_not_allowed",
        header.lower(),
    )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\x00\x01\x02binary garbage\xff" * 40, "report_unsupported"),
        (b"%PDF-1.7\n%garbage that is no pdf", "report_unreadable"),
        (b"Facet,Area\n", "report_unreadable"),
    ],
)
def test_400_unreadable_or_unsupported_report_with_per_file_reasons(
    client: httpx.Client, dev_key: str, content: bytes, code: str
) -> None:
    response = post(client, key=dev_key, files={"file": ("roof.bin", content)})
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] in {code, "report_unreadable", "report_unsupported"}
    assert body["details"]["files"][0]["name"] == "roof.bin"  # type: ignore[index]
    assert body["details"]["files"][0]["reason"]  # type: ignore[index]


def _zip_bomb() -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("roof.csv", b"0" * (8 * 1024 * 1024))  # about 1,000:1
    return packed.getvalue()


def _many_structures() -> bytes:
    # One facet per structure: 180 KB of CSV, a normalized report of about 19 MB.
    rows = "".join(f"S{i},F{i},{100 + i % 50},6/12\n" for i in range(8000))
    return b"Structure,Facet,Area (sq ft),Pitch\n" + rows.encode()


@pytest.mark.parametrize(
    ("content", "reasons"),
    [
        (_zip_bomb(), {"zip_ratio_too_high", "zip_expansion_too_large"}),
        (_many_structures(), {"report_too_large"}),
    ],
    ids=["zip-bomb", "report-too-large"],
)
def test_413_when_the_file_expands_beyond_the_limits_and_the_key_stays_free(
    client: httpx.Client, roomy_key: str, content: bytes, reasons: set[str]
) -> None:
    key = idem()
    response = post(client, key=roomy_key, idempotency_key=key, files={"file": ("f", content)})
    assert response.status_code == 413, response.text
    body = error(response)
    assert (body["code"], body["param"]) == ("payload_too_large", "file")
    assert not str(body["message"]).startswith("payload_too_large")
    assert body["details"]["files"][0]["reason"] in reasons  # type: ignore[index]
    assert post(client, key=roomy_key, idempotency_key=key).status_code == 201


# --- 401 / 403 -----------------------------------------------------------------------------------


def test_401_missing_key_has_no_error_attribute(client: httpx.Client) -> None:
    response = post(client, key=None)
    assert response.status_code == 401
    assert error(response)["code"] == "api_key_missing"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="roofkit"'
    assert "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Bearer rk_live_short", "api_key_malformed"),
        ("Basic dXNlcjpwYXNz", "api_key_malformed"),
        ("Bearer " + apikeys.generate(), "api_key_unknown"),
    ],
)
def test_401_malformed_and_unknown_keys(
    client: httpx.Client, authorization: str, code: str
) -> None:
    response = post(client, key=None, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert error(response)["code"] == code
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="roofkit", error="invalid_token"'


@pytest.mark.parametrize(
    ("repeated", "status", "code"),
    [
        ("Authorization", 401, "api_key_malformed"),
        ("Idempotency-Key", 400, "idempotency_key_invalid"),
        ("Content-Type", 400, "invalid_content_type"),
    ],
)
def test_a_header_that_counts_once_is_refused_when_repeated(
    client: httpx.Client, dev_key: str, repeated: str, status: int, code: str
) -> None:
    """Two values, both valid on their own: which one counts would depend on the proxies."""
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="roof.csv"\r\n\r\n'
        + CSV
        + b"\r\n--b0undary--\r\n"
    )
    single = {
        "Authorization": f"Bearer {dev_key}",
        "Idempotency-Key": idem(),
        "Content-Type": "multipart/form-data; boundary=b0undary",
    }
    second = {
        "Authorization": f"Bearer {apikeys.generate()}",
        "Idempotency-Key": idem(),
        "Content-Type": "multipart/form-data; boundary=b0undary",
    }
    headers = [("X-Forwarded-For", client_address()), *single.items()]
    headers.append((repeated, second[repeated]))
    response = client.post(IMPORT, headers=headers, content=body)
    assert response.status_code == status, response.text
    assert error(response)["code"] == code
    assert post(client, key=dev_key).status_code == 201  # each header once: imported


def test_401_comes_before_400_and_never_reads_the_body(client: httpx.Client) -> None:
    response = post(
        client, key=apikeys.generate(), idempotency_key=None, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 401


def test_401_revoked_deleted_expired(stack: DevStack, client: httpx.Client) -> None:
    token, key_name, ws_name = new_key(stack)
    assert post(client, key=token).status_code == 201
    apply(stack, provision.apikey(key_name, ws_name, revoked=True))
    assert error(post(client, key=token))["code"] == "api_key_revoked"

    token, key_name, ws_name = new_key(stack)
    asyncio_delete(stack, key_name)
    assert error(post(client, key=token))["code"] == "api_key_deleted"

    ws, key = provision.unique("ws"), provision.unique("key")
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    apply(stack, provision.workspace(ws), provision.apikey(key, ws, expiresAt=past))
    token = (stack.home / f"{key}-api-key").read_text().strip()
    response = post(client, key=token)
    assert response.status_code == 401
    assert error(response)["code"] == "api_key_expired"


def asyncio_delete(stack: DevStack, key_name: str) -> None:
    import asyncio

    from roofkit_cli import manifests

    assert stack.database_url and stack.nats_url
    asyncio.run(
        manifests.delete(
            [provision.apikey(key_name, "unused")],
            database_url=stack.database_url,
            nats_url=stack.nats_url,
        )
    )


def test_403_insufficient_scope_names_the_scope(stack: DevStack, client: httpx.Client) -> None:
    token, _, _ = new_key(stack, scopes=("reports.read",))
    response = post(client, key=token)
    assert response.status_code == 403
    assert error(response)["code"] == "insufficient_scope"
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="roofkit", error="insufficient_scope", scope="reports.write"'
    )


def test_403_inactive_workspace(stack: DevStack, client: httpx.Client) -> None:
    token, _, ws_name = new_key(stack)
    apply(stack, provision.workspace(ws_name, state="Suspended"))
    response = post(client, key=token)
    assert response.status_code == 403
    assert error(response)["code"] == "workspace_inactive"
    apply(stack, provision.workspace(ws_name, state="Active"))
    assert post(client, key=token).status_code == 201


# --- 409 -----------------------------------------------------------------------------------------


def test_409_idempotency_key_reused_with_another_payload(
    client: httpx.Client, dev_key: str
) -> None:
    key = idem()
    assert post(client, key=dev_key, idempotency_key=key).status_code == 201
    other = post(
        client,
        key=dev_key,
        idempotency_key=key,
        files={"file": ("roof.csv", CSV + b"F3,10,4/12,90\n")},
    )
    assert other.status_code == 409
    assert error(other)["code"] == "idempotency_key_reused"
    assert error(other)["type"] == "idempotency_error"


def test_a_failed_attempt_releases_its_idempotency_key(client: httpx.Client, dev_key: str) -> None:
    key = idem()
    bad = post(client, key=dev_key, idempotency_key=key, files={"file": ("r.csv", b"Facet,Area\n")})
    assert bad.status_code == 400
    assert post(client, key=dev_key, idempotency_key=key).status_code == 201


def test_409_external_id_conflict_names_the_existing_report(
    client: httpx.Client, dev_key: str
) -> None:
    external = f"job-{uuid.uuid4().hex[:10]}"
    first = post(client, key=dev_key, data={"external_id": external})
    second = post(client, key=dev_key, data={"external_id": external})
    assert second.status_code == 409
    body = error(second)
    assert body["code"] == "external_id_conflict"
    assert body["details"] == {"report_id": first.json()["id"]}


def test_idempotency_keys_are_scoped_to_the_workspace(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    key = idem()
    other, _, _ = new_key(stack)
    a = post(client, key=dev_key, idempotency_key=key)
    b = post(client, key=other, idempotency_key=key)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


# --- 411 / 413 (raw sockets: decided from the headers alone) -----------------------------------


def test_411_without_content_length(stack: DevStack) -> None:
    status, headers, body, _ = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nIdempotency-Key: k\nContent-Type: multipart/form-data; boundary=b\n",
    )
    assert status == 411
    assert b'"content_length_required"' in body
    assert "x-request-id" in headers


def test_411_for_chunked_bodies_before_authentication(stack: DevStack) -> None:
    status, _, body, _ = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
        "Content-Type: multipart/form-data; boundary=b\n",
        b"5\r\nhello\r\n0\r\n\r\n",
    )
    assert status == 411
    assert b'"content_length_required"' in body


@pytest.mark.parametrize(
    "framing",
    [
        "Content-Length: \u00b2",
        "Content-Length: -1",
        "Content-Length: +5",
        "Content-Length: 5, 5",
        "Content-Length: 5\nContent-Length: 6",
        "Content-Length: 5\nTransfer-Encoding: chunked",
    ],
    ids=["superscript", "negative", "plus", "list", "repeated", "with-chunked"],
)
def test_a_malformed_content_length_is_400_and_the_connection_closed(
    stack: DevStack, client: httpx.Client, roomy_key: str, framing: str
) -> None:
    # Refused by the HTTP server's own parser (against request smuggling), before the
    # application or any of its checks run.
    key = idem()
    status, headers, body, closed = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nAuthorization: Bearer {roomy_key}\n"
        f"Idempotency-Key: {key}\nContent-Type: multipart/form-data; boundary=b\n{framing}\n",
        b"hello",
    )
    assert status == 400 and closed
    error = json.loads(body)["error"]
    assert error["code"] == "malformed_request"
    assert headers["x-request-id"] == error["request_id"]
    assert post(client, key=roomy_key, idempotency_key=key).status_code == 201  # the key is free


def test_413_from_the_declared_length_before_the_body_and_connection_closed(
    stack: DevStack,
) -> None:
    status, headers, body, closed = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nContent-Length: {UPLOAD_CEILING + 1}\n"
        "Content-Type: multipart/form-data; boundary=b\n",
    )
    assert status == 413
    assert b'"payload_too_large"' in body
    assert headers.get("connection") == "close"
    assert closed


def test_413_over_the_workspace_limit_after_authentication(stack: DevStack) -> None:
    token, _, _ = new_key(stack, maxUploadBytes=1000)
    status, _, body, closed = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\nIdempotency-Key: k1\n"
        "Content-Length: 5000\nContent-Type: multipart/form-data; boundary=b\n",
    )
    assert status == 413
    assert b'"max_bytes":1000' in body
    assert closed


def _gauge(stack: DevStack, name: str) -> float:
    metrics = httpx.get(stack.url + "/metrics", timeout=10).text
    return float(next(x for x in metrics.splitlines() if x.startswith(name + " ")).split()[-1])


def _spool_reserved(stack: DevStack) -> float:
    return _gauge(stack, "roofkit_importer_spool_reserved_bytes")


def test_503_when_the_spool_budget_is_taken_by_uploads_in_flight_then_room_again(
    stack: DevStack, client: httpx.Client
) -> None:
    # The test stack's spool budget equals its upload ceiling: one upload of that size in
    # flight leaves no room for a second large one.
    assert _gauge(stack, "roofkit_importer_spool_capacity_bytes") == UPLOAD_CEILING
    token, _, _ = new_key(stack, maxUploadBytes=UPLOAD_CEILING)
    first_size = UPLOAD_CEILING * 5 // 8
    head = (
        f"POST {IMPORT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Idempotency-Key: {idem()}\r\nContent-Length: {first_size}\r\n"
        "Content-Type: multipart/form-data; boundary=b0undary\r\n\r\n"
        '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    )
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=30) as first:
        first.sendall(head.encode())

        def drip() -> None:  # well above the minimum rate, well inside the idle timeout
            while not stop.wait(0.2):
                first.sendall(b"x" * 16384)

        dripping = threading.Thread(target=drip, daemon=True)
        dripping.start()
        try:
            wait_for(
                lambda: _spool_reserved(stack) >= first_size,
                timeout_s=15,
                what="the first upload's reservation",
            )
            status, headers, body, closed = raw_request(
                stack.http_port,
                f"POST {IMPORT} HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\n"
                f"Idempotency-Key: {idem()}\nContent-Length: {UPLOAD_CEILING // 2}\n"
                "Content-Type: multipart/form-data; boundary=b\n",
            )
            assert status == 503
            assert json.loads(body)["error"]["code"] == "upload_capacity_exhausted"
            assert int(headers["retry-after"]) >= 1
            assert "x-ratelimit-remaining" in headers
            assert closed  # refused before its body: nothing of it was read
            small = import_csv(client, token)  # a small upload still fits beside the first
            assert small.status_code == 201, small.text
        finally:
            stop.set()
            dripping.join()
    wait_for(lambda: _spool_reserved(stack) == 0, timeout_s=15, what="the reservation returned")
    status, _, body, _ = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\n"
        f"Idempotency-Key: {idem()}\nContent-Length: {UPLOAD_CEILING // 2}\n"
        "Content-Type: multipart/form-data; boundary=b\n",
        b"--b\r\n",  # reserved this time: the body is read, found to end early
        read_timeout_s=15,
    )
    assert status == 400 and b'"invalid_multipart"' in body


def test_a_request_head_that_stops_arriving_gets_408_not_a_held_connection(
    stack: DevStack, dev_key: str
) -> None:
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=15) as sock:
        sock.sendall(f"POST {IMPORT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ".encode())
        answer = b""
        while chunk := sock.recv(65536):  # ends only when the server closes
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ")
    head, _, body = answer.partition(b"\r\n\r\n")
    error = json.loads(body)["error"]
    assert error["code"] == "request_timeout"
    assert f"x-request-id: {error['request_id']}".encode() in head.lower()
    assert dev_key not in answer.decode()


def test_request_headers_without_end_get_431_before_they_use_memory(stack: DevStack) -> None:
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=15) as sock:
        sock.sendall(f"POST {IMPORT} HTTP/1.1\r\nHost: x\r\n".encode())
        sent = send_until_refused(sock, b"X-Filler: " + b"a" * 1000 + b"\r\n", 100_000)
        answer = sock.recv(65536)
    assert sent < 16 << 20  # of 100 MB: refused once past the limit (the rest is socket buffers)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"request_headers_too_large"' in answer


def test_a_lying_content_length_longer_than_the_body_is_refused_not_hung(
    stack: DevStack, dev_key: str
) -> None:
    payload = multipart([("file", CSV, "roof.csv")])
    status, _, body, _ = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nAuthorization: Bearer {dev_key}\nIdempotency-Key: {idem()}\n"
        f"Content-Length: {len(payload) + 500}\nContent-Type: multipart/form-data; boundary=b0undary\n",
        payload,
        read_timeout_s=15,
    )
    assert status == 400
    assert b'"invalid_multipart"' in body


def test_a_body_dripping_in_below_the_minimum_rate_is_refused_not_held_open(
    stack: DevStack, dev_key: str
) -> None:
    # Each byte comes sooner than the idle timeout (2 s in the test stack), so only the
    # average rate can end this request.
    payload = multipart([("file", CSV, "roof.csv")])
    head = (
        f"POST {IMPORT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {dev_key}\r\n"
        f"Idempotency-Key: {idem()}\r\nContent-Length: {len(payload)}\r\n"
        "Content-Type: multipart/form-data; boundary=b0undary\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=30) as sock:
        sock.sendall(head.encode() + payload[:10])
        sock.settimeout(1.0)
        answer = b""
        for byte in payload[10:40]:
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                sock.sendall(bytes([byte]))
                continue
            break
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b'"invalid_multipart"' in answer and b"too slowly" in answer


def test_a_lying_content_length_shorter_than_the_body_is_refused(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    payload = multipart([("file", CSV, "roof.csv")])
    key = idem()
    status, _, _, closed = raw_request(
        stack.http_port,
        f"POST {IMPORT} HTTP/1.1\nHost: x\nAuthorization: Bearer {dev_key}\nIdempotency-Key: {key}\n"
        f"Content-Length: {len(payload) - 40}\nContent-Type: multipart/form-data; boundary=b0undary\n",
        payload,
    )
    # The bytes past Content-Length are a malformed next request: the HTTP server answers 400
    # and closes, whichever of the two refusals reaches the wire first. Nothing is stored: the
    # Idempotency-Key is still free.
    assert status == 400
    assert closed
    assert (
        post(client, key=dev_key, idempotency_key=key).headers.get("Idempotency-Replayed") is None
    )


# --- 429 -----------------------------------------------------------------------------------------


def test_429_key_bucket_with_retry_after_and_rate_headers(
    stack: DevStack, client: httpx.Client
) -> None:
    token, _, _ = new_key(stack, importsPerMinute=3)
    statuses = [post(client, key=token) for _ in range(4)]
    assert [r.status_code for r in statuses[:3]] == [201, 201, 201] or statuses[0].headers[
        "X-RateLimit-Remaining"
    ] != "2"  # a window boundary may fall between the calls
    limited = [r for r in statuses if r.status_code == 429]
    if not limited:  # the window rolled over mid-test: exhaust the new one
        limited = [post(client, key=token) for _ in range(4)]
        limited = [r for r in limited if r.status_code == 429]
    response = limited[0]
    assert error(response)["code"] == "rate_limited"
    assert error(response)["type"] == "rate_limit_error"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_429_invalid_auth_bucket_spares_a_valid_key_from_elsewhere(
    client: httpx.Client, dev_key: str
) -> None:
    attacker = client_address()
    for _ in range(INVALID_AUTH_PER_MINUTE):
        assert (
            post(client, key=apikeys.generate(), headers={"X-Forwarded-For": attacker}).status_code
            == 401
        )
    blocked = post(client, key=apikeys.generate(), headers={"X-Forwarded-For": attacker})
    if blocked.status_code == 401:  # the minute rolled over between the calls: fill the new window
        for _ in range(INVALID_AUTH_PER_MINUTE):
            post(client, key=apikeys.generate(), headers={"X-Forwarded-For": attacker})
        blocked = post(client, key=apikeys.generate(), headers={"X-Forwarded-For": attacker})
    assert blocked.status_code == 429
    assert error(blocked)["code"] == "auth_rate_limited"
    assert blocked.headers["X-RateLimit-Limit"] == str(INVALID_AUTH_PER_MINUTE)
    assert blocked.headers["X-RateLimit-Remaining"] == "0"
    assert int(blocked.headers["Retry-After"]) >= 1
    assert post(client, key=dev_key).status_code == 201  # another address, a valid key


# --- tenant isolation and reading back ---------------------------------------------------------


def test_reports_of_another_workspace_are_404_like_missing_ones(
    stack: DevStack, client: httpx.Client
) -> None:
    mine, _, _ = new_key(stack)
    theirs, _, _ = new_key(stack)
    created = post(client, key=mine)
    location = created.headers["Location"]
    assert client.get(location, headers={"Authorization": f"Bearer {mine}"}).status_code == 200
    foreign = client.get(location, headers={"Authorization": f"Bearer {theirs}"})
    missing = client.get(
        "/api/v1/reports/rpt_doesnotexist", headers={"Authorization": f"Bearer {theirs}"}
    )
    assert foreign.status_code == missing.status_code == 404
    assert error(foreign)["code"] == error(missing)["code"] == "report_not_found"
    for odd in ("%00", "rpt_%00", "a" * 5000, "rpt_ABC"):  # no such id, ever
        response = client.get(f"/api/v1/reports/{odd}", headers={"Authorization": f"Bearer {mine}"})
        assert response.status_code == 404, (odd, response.text)
        assert error(response)["code"] == "report_not_found"
    listed = client.get("/api/v1/reports", headers={"Authorization": f"Bearer {theirs}"}).json()
    assert created.json()["id"] not in [r["id"] for r in listed["data"]]


def test_list_filters_by_external_id_and_pages_newest_first(
    stack: DevStack, client: httpx.Client
) -> None:
    token, _, _ = new_key(stack)
    ids = [post(client, key=token, data={"external_id": f"job-{i}"}).json()["id"] for i in range(3)]
    auth = {"Authorization": f"Bearer {token}"}
    page = client.get("/api/v1/reports", params={"limit": "2"}, headers=auth)
    assert page.status_code == 200
    assert_rate_headers(page)
    first = page.json()
    assert [r["id"] for r in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    rest = client.get(
        "/api/v1/reports", params={"limit": "2", "cursor": first["next_cursor"]}, headers=auth
    ).json()
    assert [r["id"] for r in rest["data"]] == [ids[0]]
    assert rest["has_more"] is False and rest["next_cursor"] is None
    only = client.get("/api/v1/reports", params={"external_id": "job-1"}, headers=auth).json()
    assert [r["id"] for r in only["data"]] == [ids[1]]


def test_reading_needs_the_read_scope_and_refuses_selectors(
    stack: DevStack, client: httpx.Client
) -> None:
    writer, _, _ = new_key(stack, scopes=("reports.write",))
    response = client.get("/api/v1/reports", headers={"Authorization": f"Bearer {writer}"})
    assert response.status_code == 403
    assert 'scope="reports.read"' in response.headers["WWW-Authenticate"]
    reader, _, _ = new_key(stack, scopes=("reports.read",))
    for params, code in (
        ({"workspace_id": "x"}, "tenant_selector_not_allowed"),
        ({"limit": "0"}, "invalid_parameter"),
        ({"cursor": "!!"}, "invalid_parameter"),
        ({"sort": "x"}, "unknown_parameter"),
        ({"external_id": "a\x00b"}, "invalid_parameter"),
        ({"external_id": "has spaces"}, "invalid_parameter"),
        ({"external_id": ["a", "b"]}, "invalid_parameter"),
        ({"limit": ["1", "2"]}, "invalid_parameter"),
        ({"cursor": "czo5MjIzMzcyMDM2ODU0Nzc1ODA4"}, "invalid_parameter"),  # "s:" + 2**63
        ({"limit": "²"}, "invalid_parameter"),  # a digit to str.isdigit(), not to int()
        ({"limit": "٣"}, "invalid_parameter"),
    ):
        response = client.get(
            "/api/v1/reports", params=params, headers={"Authorization": f"Bearer {reader}"}
        )
        assert response.status_code == 400
        assert error(response)["code"] == code


def test_reads_have_their_own_rate_limit_bucket(stack: DevStack, client: httpx.Client) -> None:
    token, _, _ = new_key(stack, importsPerMinute=1, readsPerMinute=50)
    assert post(client, key=token).status_code == 201
    response = client.get("/api/v1/reports", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "50"


def test_unknown_paths_and_methods_answer_the_error_body(
    client: httpx.Client, dev_key: str
) -> None:
    auth = {"Authorization": f"Bearer {dev_key}"}
    for method, path, status, code, allow in (
        ("GET", "/api/v2/reports", 404, "not_found", None),
        ("POST", IMPORT + "/", 404, "not_found", None),  # no redirect the client would follow
        ("PUT", IMPORT, 405, "method_not_allowed", "POST"),
        ("GET", IMPORT, 405, "method_not_allowed", "POST"),  # not a report called "import"
        ("DELETE", "/api/v1/reports/rpt_abc", 405, "method_not_allowed", "GET, HEAD"),
        ("HEAD", IMPORT, 405, "method_not_allowed", "POST"),
    ):
        response = client.request(method, path, headers=auth)
        assert response.status_code == status, (method, path, response.text)
        if method != "HEAD":
            assert error(response)["code"] == code
        assert response.headers.get("Allow") == allow


def test_head_answers_like_get_without_a_body(client: httpx.Client, dev_key: str) -> None:
    auth = {"Authorization": f"Bearer {dev_key}"}
    report_id = post(client, key=dev_key).json()["id"]
    for path in (f"/api/v1/reports/{report_id}", "/api/v1/reports?limit=1", "/healthz"):
        got = client.get(path, headers=auth)
        head = client.head(path, headers=auth)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        assert head.headers["Content-Length"] == got.headers["Content-Length"], path
        assert head.headers["Content-Type"] == got.headers["Content-Type"], path
    missing = client.head("/api/v1/reports/rpt_0", headers=auth)
    assert (missing.status_code, missing.content) == (404, b"")
    assert "X-RateLimit-Limit" in missing.headers


def test_metrics_count_decisions_and_outcomes(
    stack: DevStack, client: httpx.Client, dev_key: str
) -> None:
    post(client, key=dev_key)
    text = client.get("/metrics").text
    for name in (
        "roofkit_importer_auth_decisions_total",
        "roofkit_importer_ratelimit_decisions_total",
        "roofkit_idempotency_outcomes_total",
        "roofkit_imports_total",
        "roofkit_http_requests_total",
    ):
        assert name in text, name
    assert 'roofkit_idempotency_outcomes_total{outcome="new"}' in text


def read_response(reader: BinaryIO) -> bytes:
    """One whole HTTP/1.1 response with a Content-Length (a recv may return any part of it)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline()
        assert line, f"connection closed after {head!r}"
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + reader.read(length)


def test_a_refusal_before_a_small_body_drains_it_and_keeps_the_connection(stack: DevStack) -> None:
    import socket

    payload = multipart([("file", CSV, "roof.csv")])
    request = (
        f"POST {IMPORT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {apikeys.generate()}\r\n"
        f"X-Forwarded-For: {client_address()}\r\nIdempotency-Key: {idem()}\r\n"
        f"Content-Length: {len(payload)}\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n\r\n"
    ).encode() + payload
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=10) as sock:
        sock.sendall(request)
        reader = sock.makefile("rb")
        first = read_response(reader)
        assert first.startswith(b"HTTP/1.1 401")
        assert b"connection: close" not in first.lower()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        second = read_response(reader)
        assert second.startswith(b"HTTP/1.1 200")
