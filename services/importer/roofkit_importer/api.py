"""The Partner API routes: thin — check, call one service function, answer.

Route docstrings become the OpenAPI text partners read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from roofkit_importer import edge, errors, upload
from roofkit_importer.gateway import Principal
from roofkit_importer.openapi import GET_OPENAPI, IMPORT_OPENAPI, LIST_OPENAPI
from roofkit_importer.service import IMPORT_PATH, ImportService, check_external_id
from roofkit_importer.settings import ImporterSettings

router = APIRouter()

# The dependencies below are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in
# its thread pool, which would cost every request three thread hops for three attribute reads.


async def _service(request: Request) -> ImportService:
    service: ImportService = request.app.state.service
    return service


async def _gate(request: Request) -> edge.Gate:
    gate: edge.Gate = request.app.state.gate
    return gate


async def _settings(request: Request) -> ImporterSettings:
    settings: ImporterSettings = request.app.state.settings
    return settings


Service = Annotated[ImportService, Depends(_service)]
GateDep = Annotated[edge.Gate, Depends(_gate)]
Settings = Annotated[ImporterSettings, Depends(_settings)]


async def _body(
    request: Request, idle_timeout_s: float, min_rate_bytes_s: float
) -> AsyncIterator[bytes]:
    """The request body chunk by chunk; a body that stalls, or trickles in below
    ``min_rate_bytes_s`` on average once it has been arriving for ``idle_timeout_s``, is
    refused."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    received = 0
    while True:
        try:
            message = await asyncio.wait_for(request.receive(), timeout=idle_timeout_s)
        except TimeoutError as exc:
            raise errors.InvalidRequest(
                "The request body stopped arriving before Content-Length bytes were sent.",
                code="invalid_multipart",
            ) from exc
        if message["type"] == "http.disconnect":
            raise errors.InvalidRequest(
                "The client went away before the body was complete.", code="invalid_multipart"
            )
        chunk = message.get("body", b"")
        received += len(chunk)
        more = message.get("more_body", False)
        elapsed = loop.time() - started
        if more and elapsed > idle_timeout_s and received < min_rate_bytes_s * elapsed:
            raise errors.InvalidRequest(
                f"The request body arrives too slowly (under {min_rate_bytes_s:g} bytes a "
                "second on average).",
                code="invalid_multipart",
            )
        yield chunk
        if not more:
            return


@router.post(
    IMPORT_PATH,
    operation_id="importReport",
    summary="Import report",
    tags=["Reports"],
    status_code=201,
    openapi_extra=IMPORT_OPENAPI,
)
async def import_report(
    request: Request, gate: GateDep, service: Service, settings: Settings
) -> Response:
    """Imports one standalone PDF or a legacy XML/CSV/XLSX/DXF report package. The API key
    supplies the workspace; tenant selector fields are rejected."""
    request.state.body_unread = True
    declared = edge.check_framing(request, settings.max_upload_bytes_ceiling)
    principal = await gate.admit(
        request,
        scope="reports.write",
        endpoint="reports.import",
        per_minute=lambda p: p.imports_per_minute,
    )
    edge.check_declared(declared, principal.max_upload_bytes)
    key = edge.check_idempotency_key(request)
    content_types = request.headers.getlist("content-type")
    boundary = upload.boundary_of(content_types[0] if len(content_types) == 1 else None)
    edge.check_query(request, ())
    edge.check_selector_headers(request)
    max_body = min(declared, principal.max_upload_bytes)
    spool: upload.SpoolBudget = request.app.state.spool_budget
    with spool.reserve(max_body):
        received = await upload.receive(
            _body(request, settings.body_idle_timeout_s, settings.body_min_rate_bytes_s),
            boundary=boundary,
            spool_dir=request.app.state.spool_dir,
            max_body_bytes=max_body,
        )
        request.state.body_unread = False
        try:
            outcome = await service.import_report(
                principal, key, received, request.state.request_id
            )
        finally:
            received.discard()
    headers = dict(outcome.headers)
    if outcome.replayed:
        headers["Idempotency-Replayed"] = "true"
    return _json(request, outcome.body, status=outcome.status, headers=headers)


def _json(
    request: Request, body: bytes, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response carrying the key bucket's X-RateLimit-* headers."""
    return Response(
        body,
        status_code=status,
        headers={**getattr(request.state, "rate_headers", {}), **(headers or {})},
        media_type="application/json",
    )


async def _reader(request: Request, gate: edge.Gate, endpoint: str) -> Principal:
    return await gate.admit(
        request, scope="reports.read", endpoint=endpoint, per_minute=lambda p: p.reads_per_minute
    )


@router.get(IMPORT_PATH, include_in_schema=False)
async def import_takes_post_only() -> Response:
    """``GET`` of the import endpoint: 405, not a lookup of a report called "import"."""
    raise StarletteHTTPException(405, headers={"Allow": "POST"})


@router.get(
    "/api/v1/reports/{report_id}",
    operation_id="getReport",
    summary="Retrieve a report",
    tags=["Reports"],
    openapi_extra=GET_OPENAPI,
)
async def get_report(request: Request, report_id: str, gate: GateDep, service: Service) -> Response:
    """Returns one imported report of the key's workspace. A report of another workspace is
    answered exactly like one that does not exist (404 `report_not_found`)."""
    principal = await _reader(request, gate, "reports.get")
    edge.check_query(request, ())
    edge.check_selector_headers(request)
    return _json(request, await service.get_report(principal, report_id))


@router.get(
    "/api/v1/reports",
    operation_id="listReports",
    summary="List reports",
    tags=["Reports"],
    openapi_extra=LIST_OPENAPI,
)
async def list_reports(request: Request, gate: GateDep, service: Service) -> Response:
    """Lists the workspace's reports, newest first, optionally only those with one
    `external_id`. Page with `cursor` (the previous page's `next_cursor`)."""
    principal = await _reader(request, gate, "reports.list")
    edge.check_query(request, ("external_id", "limit", "cursor"))
    edge.check_selector_headers(request)
    params = request.query_params
    raw_limit = params.get("limit", "20")
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= 100:
        raise errors.InvalidRequest(
            "limit must be an integer from 1 to 100.", code="invalid_parameter", param="limit"
        )
    external_id = check_external_id(params.get("external_id"), "invalid_parameter")
    body = await service.list_reports(
        principal,
        external_id=external_id,
        limit=int(raw_limit),
        cursor=params.get("cursor"),
    )
    return _json(request, body)
