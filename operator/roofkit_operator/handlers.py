"""Kopf handlers: they register, the controller computes, ``k8s.py`` talks to the API.

Each handler hands the resource body to one ``controller`` function and applies the outcome:
the status patch, Events, and a retry when the reconcile could not finish yet. Handlers return
nothing (Kopf would store a return value in the status). Progress and the last handled spec are
kept in ``roofkit.io/`` annotations, so the CRDs' structural status stays the operator's alone.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from roofkit_operator import controller, k8s, resources
from roofkit_operator.settings import OperatorSettings

FINALIZER = "roofkit.io/finalizer"


def kopf_settings(namespaces: list[str]) -> kopf.OperatorSettings:
    """Kopf's own settings for this operator, watching ``namespaces`` (empty: all)."""
    settings = kopf.OperatorSettings()
    # Named namespaces need no namespace listing (the namespaced Role does not allow it); only
    # patterns and the cluster-wide mode scan for namespaces and CRDs as they come and go.
    settings.scanning.disabled = bool(namespaces) and not any(
        char in ns for ns in namespaces for char in "*?[!"
    )
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="roofkit.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="roofkit.io", key="last-handled-configuration"
    )
    settings.peering.standalone = True  # one replica (the chart's Deployment uses Recreate)
    settings.posting.level = logging.INFO
    return settings


def _apply(
    outcome: controller.Outcome,
    body: kopf.Body,
    patch: kopf.Patch,
    *,
    retry_delay: float | None,
) -> None:
    patch.setdefault("status", {}).update(outcome.status)
    for note in outcome.notes:
        post = kopf.warn if note.warning else kopf.info
        post(body, reason=note.reason, message=note.message)
    if outcome.retry and retry_delay is not None:
        raise kopf.TemporaryError(outcome.message, delay=retry_delay)


def register(
    registry: kopf.OperatorRegistry,
    deps: controller.Deps,
    settings: OperatorSettings,
    cluster: k8s.Cluster,
) -> kopf.OperatorRegistry:
    """Register every handler on ``registry``; they reach ``deps`` through their closure."""
    retry = settings.retry_delay_s
    common: dict[str, Any] = {
        "group": resources.GROUP,
        "version": resources.VERSION,
        "registry": registry,
    }
    workspaces = {**common, "plural": "workspaces"}
    apikeys = {**common, "plural": "apikeys"}
    every = settings.reconcile_interval_s

    @kopf.on.login(registry=registry, id="credentials")
    def login(**_: Any) -> kopf.ConnectionInfo:
        creds = cluster.credentials()
        return kopf.ConnectionInfo(
            server=creds.server,
            ca_path=creds.ca_path,
            insecure=creds.insecure,
            scheme="Bearer" if creds.token else None,
            token=creds.token,
            certificate_path=creds.certificate_path,
            private_key_path=creds.private_key_path,
        )

    @kopf.on.resume(**workspaces, id="reconcile", backoff=retry)
    @kopf.on.create(**workspaces, id="reconcile", backoff=retry)
    @kopf.on.update(**workspaces, id="reconcile", backoff=retry)
    async def reconcile_workspace(
        body: kopf.Body, reason: str, patch: kopf.Patch, **_: Any
    ) -> None:
        outcome = await controller.sync_workspace(deps, body, trigger=str(reason))
        _apply(outcome, body, patch, retry_delay=retry)

    @kopf.timer(**workspaces, id="repair", interval=every, initial_delay=every)
    async def repair_workspace(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        outcome = await controller.sync_workspace(deps, body, trigger="timer")
        _apply(outcome, body, patch, retry_delay=None)

    @kopf.on.delete(**workspaces, id="finalize", backoff=retry)
    async def finalize_workspace(body: kopf.Body, **_: Any) -> None:
        await controller.finalize_workspace(deps, body)

    @kopf.on.resume(**apikeys, id="reconcile", backoff=retry)
    @kopf.on.create(**apikeys, id="reconcile", backoff=retry)
    @kopf.on.update(**apikeys, id="reconcile", backoff=retry)
    async def reconcile_apikey(body: kopf.Body, reason: str, patch: kopf.Patch, **_: Any) -> None:
        outcome = await controller.sync_apikey(deps, body, trigger=str(reason))
        _apply(outcome, body, patch, retry_delay=retry)

    @kopf.timer(**apikeys, id="repair", interval=every, initial_delay=every)
    async def repair_apikey(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        outcome = await controller.sync_apikey(deps, body, trigger="timer")
        _apply(outcome, body, patch, retry_delay=None)

    @kopf.timer(**apikeys, id="last-used", interval=settings.last_used_mirror_s)
    async def mirror_last_used(body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        update = await controller.last_used(deps, body)
        if update is not None:
            patch.setdefault("status", {}).update(update)

    @kopf.on.delete(**apikeys, id="finalize", backoff=retry)
    async def finalize_apikey(body: kopf.Body, **_: Any) -> None:
        await controller.finalize_apikey(deps, body)

    return registry
