"""``/healthz``, ``/readyz`` and ``/metrics`` for every process, and running an ASGI app.

``/healthz`` answers as long as the process's event loop runs; ``/readyz`` asks the process's
readiness check (its connections are up); ``/metrics`` is the Prometheus exposition.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from roofkit_runtime import metrics
from roofkit_runtime.http_protocol import BoundedHeadProtocol
from roofkit_runtime.settings import ServiceSettings

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


def routes(readiness: ReadinessCheck) -> list[Route]:
    """The three operational routes, to mount on any Starlette/FastAPI app."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    async def metrics_endpoint(_: Request) -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return [
        Route("/healthz", healthz, include_in_schema=False),
        Route("/readyz", readyz, include_in_schema=False),
        Route("/metrics", metrics_endpoint, include_in_schema=False),
    ]


def app(readiness: ReadinessCheck) -> Starlette:
    """A bare app with only the operational routes (auth, ratelimit, operator)."""
    return Starlette(routes=routes(readiness))


def server(
    asgi: ASGIApp, settings: ServiceSettings, *, log_level: str = "warning"
) -> uvicorn.Server:
    """A uvicorn server for ``asgi`` on the process's HTTP address, with the request-head bounds
    of :mod:`roofkit_runtime.http_protocol`, that does not install its own signal handlers."""
    config = uvicorn.Config(
        asgi,
        host=settings.http_host,
        port=settings.http_port,
        http=BoundedHeadProtocol.with_limits(
            head_timeout_s=settings.http_head_timeout_s,
            max_head_bytes=settings.http_max_head_bytes,
        ),
        log_level=log_level.lower(),
        access_log=False,
        lifespan="on",
        log_config=None,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
    )
    srv = uvicorn.Server(config)
    # The process owns SIGTERM/SIGINT (see stop_event); uvicorn must not capture them.
    srv.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    return srv


async def run_until_stopped(srv: uvicorn.Server, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set, then shut the server down gracefully."""
    # Everything built so far (modules, engines, clients) lives as long as the process: keep it
    # out of the collector's full passes, which would otherwise walk it every time and show as
    # latency spikes under load.
    gc.freeze()
    serving = asyncio.create_task(srv.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    srv.should_exit = True
    await serving
    stopping.cancel()
    if not srv.started:
        raise RuntimeError(f"HTTP server could not start on {srv.config.host}:{srv.config.port}")


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run a service's ``serve(settings)`` coroutine to completion on a uvloop event loop.

    uvloop (libuv) is what ``uvicorn.run`` picks on its own when it is installed; a service that
    starts uvicorn inside its own ``asyncio.run`` would otherwise stay on the pure-Python loop,
    which costs every NATS message, HTTP request and database round trip a measurable share of
    its CPU time.
    """
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def stop_event() -> asyncio.Event:
    """An event set on SIGTERM or SIGINT."""
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, event.set)
    return event
