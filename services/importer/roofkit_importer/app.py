"""The importer process: ``create_app`` (the composition root) and ``serve``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from nats.aio.client import Client as NatsClient
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roofkit_importer import api, errors, http_errors, metrics, openapi, outbox, upload
from roofkit_importer.edge import Gate
from roofkit_importer.gateway import NatsAuthenticator, NatsLimiter
from roofkit_importer.outbox import OutboxRelay
from roofkit_importer.parsers import ParseLimits
from roofkit_importer.parsing import ParserPool
from roofkit_importer.repository import ImportRepository
from roofkit_importer.service import ImportPolicy, ImportService
from roofkit_importer.settings import ImporterSettings
from roofkit_runtime import db, logs, natsio, ops
from roofkit_runtime.errors import DependencyUnavailable

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass
class Deps:
    """What the app runs on; tests may pass their own."""

    nc: NatsClient
    engine: AsyncEngine
    parser: ParserPool


class RequestContext:
    """Pure ASGI middleware: request id, X-Request-Id on every response, HTTP metrics.

    ``HEAD`` is served as ``GET`` (RFC 9110 § 9.3.2: the same status and headers); the server
    sees the original method and sends no body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else f"req_{secrets.token_hex(12)}"
        scope.setdefault("state", {})["request_id"] = request_id
        token = logs.request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "other")
            metrics.HTTP_REQUESTS.labels(route=path, status=str(status)).inc()
            metrics.HTTP_SECONDS.labels(route=path).observe(time.perf_counter() - started)
            logs.request_id_var.reset(token)


def _error_response(request: Request, exc: errors.ApiError) -> Response:
    request_id = getattr(request.state, "request_id", "req_unknown")
    status, headers, body = http_errors.render(exc, request_id)
    headers.update(getattr(request.state, "rate_headers", {}))
    if getattr(request.state, "body_unread", False):
        headers["Connection"] = "close"  # refused before reading the body: do not read it
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def _unavailable(exc: DependencyUnavailable) -> errors.ServiceUnavailable:
    code = {"database": "database_unavailable"}.get(exc.dependency, "broker_unavailable")
    return errors.ServiceUnavailable(
        "A service RoofKit depends on is unavailable. Retry later.", code=code, retry_after_s=2
    )


def create_app(settings: ImporterSettings, *, deps: Deps | None = None) -> FastAPI:
    """The Partner API application. Resources open in the lifespan, unless ``deps`` are given."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if deps is None:
                engine = db.create_engine(
                    settings.database_url.get_secret_value(), pool_size=settings.db_pool_size
                )
                stack.push_async_callback(engine.dispose)
                nc = await natsio.connect(settings.nats_url, name="roofkit-importer")
                stack.push_async_callback(_drain, nc)
                parser = ParserPool(
                    workers=settings.parse_workers,
                    limits=ParseLimits(
                        time_budget_s=settings.parse_timeout_s,
                        memory_budget_bytes=settings.parse_memory_bytes,
                    ),
                )
                await parser.start()
                stack.push_async_callback(parser.aclose)
                running = Deps(nc=nc, engine=engine, parser=parser)
            else:
                running = deps
            spool = Path(settings.spool_dir or tempfile.gettempdir())
            spool.mkdir(parents=True, exist_ok=True)
            swept = await asyncio.to_thread(upload.sweep_spool, spool)
            if swept:
                log.info("removed stale spooled uploads", extra={"count": swept})
            repository = ImportRepository(running.engine)
            relay = OutboxRelay(repository, running.nc, poll_s=settings.outbox_poll_s)
            timeout = settings.nats_request_timeout_s
            app.state.settings = settings
            app.state.spool_dir = spool
            app.state.spool_budget = upload.SpoolBudget(settings.spool_budget_bytes)
            app.state.nc = running.nc
            app.state.relay = relay
            app.state.gate = Gate(
                authenticator=NatsAuthenticator(running.nc, timeout_s=timeout),
                limiter=NatsLimiter(running.nc, timeout_s=timeout),
                invalid_auth_per_minute=settings.invalid_auth_per_minute,
                trusted_proxy_hops=settings.trusted_proxy_hops,
            )
            app.state.service = ImportService(
                repository,
                running.parser,
                ImportPolicy(
                    lease=dt.timedelta(seconds=settings.idempotency_lease_s),
                    retention=dt.timedelta(hours=max(24.0, settings.idempotency_retention_h)),
                ),
                on_stored=relay.notify,
            )
            tasks = [
                asyncio.create_task(relay.run()),
                asyncio.create_task(_purge_loop(repository, spool)),
            ]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    app = FastAPI(
        title="RoofKit Partner API",
        version="1.0.0",
        description=(
            "Push roof measurement reports into a RoofKit workspace. Authenticate with "
            "`Authorization: Bearer <API key>`; the key alone selects the workspace."
        ),
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        # A path with a trailing slash is another path (404), not a redirect a client may
        # follow by sending its upload a second time.
        redirect_slashes=False,
    )
    app.include_router(api.router)

    async def readiness() -> dict[str, bool]:
        nc: NatsClient | None = getattr(app.state, "nc", None)
        return {"nats": bool(nc and nc.is_connected)}

    for route in ops.routes(readiness):
        app.router.routes.append(route)

    @app.exception_handler(errors.ApiError)
    async def on_api_error(request: Request, exc: errors.ApiError) -> Response:
        if getattr(request.state, "body_unread", False) and await _drain_small_body(request, exc):
            request.state.body_unread = False
        return _error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_routing_error(request: Request, exc: StarletteHTTPException) -> Response:
        # No route for the path (404) or the method (405): the same error body as every other.
        code, message = _ROUTING_ERRORS.get(
            exc.status_code, ("invalid_request", "The request cannot be served.")
        )
        return Response(
            http_errors.body(
                error_type="invalid_request_error",
                code=code,
                message=message,
                request_id=getattr(request.state, "request_id", "req_unknown"),
            ),
            status_code=exc.status_code,
            headers=_with_head(exc.headers),
            media_type="application/json",
        )

    @app.exception_handler(DependencyUnavailable)
    async def on_unavailable(request: Request, exc: DependencyUnavailable) -> Response:
        return _error_response(request, _unavailable(exc))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error", exc_info=exc)
        request_id = getattr(request.state, "request_id", "req_unknown")
        return Response(
            http_errors.internal(request_id),
            status_code=500,
            headers=getattr(request.state, "rate_headers", {}),
            media_type="application/json",
        )

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = openapi.complete(document)
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return RequestContext(app)  # type: ignore[return-value]


_ROUTING_ERRORS = {
    404: ("not_found", "No such endpoint. The API lives under /api/v1 (see /docs)."),
    405: ("method_not_allowed", "This endpoint does not take this method; see the Allow header."),
}


def _with_head(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """A 405's ``Allow`` names ``HEAD`` wherever it names ``GET`` (RequestContext serves it)."""
    allow = (headers or {}).get("Allow")
    if allow is None or "GET" not in allow.split(", "):
        return headers
    return {**(headers or {}), "Allow": f"{allow}, HEAD"}


SMALL_BODY_BYTES = 64 * 1024
DRAIN_TIMEOUT_S = 2.0


async def _drain_small_body(request: Request, exc: errors.ApiError) -> bool:
    """Read and discard a small unread body so the connection can stay open.

    Closing a socket with unread bytes makes the kernel reset it, which can destroy the refusal
    before the client reads it. 411 and 413 are decided without reading anything (the contract),
    and so is any body over 64 KiB: those answers close the connection instead.
    """
    if isinstance(exc, errors.LengthRequired | errors.PayloadTooLarge):
        return False
    declared = request.headers.get("content-length", "")
    if not (declared.isascii() and declared.isdigit()) or int(declared) > SMALL_BODY_BYTES:
        return False
    try:
        async with asyncio.timeout(DRAIN_TIMEOUT_S):
            while True:
                message = await request.receive()
                if message["type"] != "http.request" or not message.get("more_body", False):
                    return bool(message["type"] == "http.request")
    except TimeoutError:
        return False


async def _drain(nc: NatsClient) -> None:
    with contextlib.suppress(Exception):
        await nc.drain()


async def _purge_loop(repository: ImportRepository, spool: Path) -> None:
    """Every five minutes: expired idempotency records, outbox rows published a day ago, and
    spooled uploads nobody owns."""
    while True:
        await asyncio.sleep(300)
        with contextlib.suppress(DependencyUnavailable):
            await repository.purge_idempotency()
            await repository.purge_outbox(outbox.PUBLISHED_RETENTION)
        await asyncio.to_thread(upload.sweep_spool, spool)


async def serve(settings: ImporterSettings) -> None:
    """Serve the Partner API until SIGTERM."""
    stop = ops.stop_event()
    server = ops.server(create_app(settings), settings)
    await ops.run_until_stopped(server, stop)
