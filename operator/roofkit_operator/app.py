"""The operator process: composition root (``serve``).

Kopf runs in this process's event loop beside the ``/healthz``, ``/readyz`` and ``/metrics``
server. Kopf owns SIGTERM and SIGINT: it finishes the handlers in flight and returns, and then
the HTTP server stops too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import kopf

from roofkit_operator import controller, handlers, k8s
from roofkit_operator.notify import NatsNotifier
from roofkit_operator.settings import OperatorSettings
from roofkit_operator.store import ReconcileStore
from roofkit_runtime import db, natsio, ops

log = logging.getLogger(__name__)


def _drop_kopf_extras(record: logging.LogRecord) -> bool:
    # Kopf attaches its whole settings object to every per-object record; the JSON logs keep
    # the object reference only.
    record.__dict__.pop("settings", None)
    record.__dict__.pop("k8s_skip", None)
    return True


async def serve(settings: OperatorSettings) -> None:
    """Reconcile Workspaces and ApiKeys until SIGTERM."""
    engine = db.create_engine(
        settings.database_url.get_secret_value(), pool_size=settings.db_pool_size
    )
    nc = await natsio.connect(settings.nats_url, name="roofkit-operator")
    cluster = await k8s.connect(settings.kubeconfig)
    deps = controller.Deps(
        store=ReconcileStore(engine), notifier=NatsNotifier(nc), secrets=k8s.Secrets(cluster)
    )
    registry = handlers.register(kopf.OperatorRegistry(), deps, settings, cluster)
    watching = asyncio.Event()
    halt = asyncio.Event()  # the HTTP server ended on its own: stop Kopf as well
    http_stop = asyncio.Event()

    async def readiness() -> dict[str, bool]:
        return {"nats": nc.is_connected, "kubernetes": watching.is_set()}

    server = ops.server(ops.app(readiness), settings)
    http = asyncio.create_task(ops.run_until_stopped(server, http_stop))
    http.add_done_callback(lambda _: halt.set())
    # Kopf cancels, when it stops, every task created after it started: the server's own tasks
    # must exist before then.
    while not server.started and not http.done():  # noqa: ASYNC110 - uvicorn has no event
        await asyncio.sleep(0.01)
    logging.getLogger("kopf.objects").addFilter(_drop_kopf_extras)
    namespaces = settings.namespaces
    log.info(
        "operator starting",
        extra={"namespaces": namespaces or "*", "pod": settings.operator_pod_name or None},
    )
    try:
        await kopf.operator(
            registry=registry,
            settings=handlers.kopf_settings(namespaces),
            namespaces=namespaces,
            clusterwide=not namespaces,
            ready_flag=watching,
            stop_flag=halt,
        )
    finally:
        http_stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await http
        await cluster.close()
        with contextlib.suppress(Exception):
            await nc.drain()
        await engine.dispose()
