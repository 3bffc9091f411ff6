"""The one module that talks to the Kubernetes API (besides Kopf's own watching and patching).

It loads the cluster credentials (a kubeconfig, or the Pod's service account), and reads, writes
and deletes the Secrets holding generated keys. :class:`SecretVault` is the Kubernetes flavour
of the reconcilers' ``KeyVault`` (``localvault.FileVault`` is the local stack's): it never
touches a Secret its ApiKey does not own. kubernetes_asyncio's errors are translated here into
``roofkit_operator.errors``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from roofkit_operator import builders
from roofkit_operator.errors import KubernetesUnavailable, SecretNotOwned
from roofkit_operator.resources import ApiKeySpec

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to reach the API server; handed to Kopf's login as well."""

    server: str
    ca_path: str | None
    token: str | None
    certificate_path: str | None
    private_key_path: str | None
    insecure: bool


class Cluster:
    """An API client for one cluster, and its credentials."""

    def __init__(self, configuration: Any) -> None:
        self._configuration = configuration
        self.api = client.ApiClient(configuration)
        self.core = client.CoreV1Api(self.api)

    def credentials(self) -> Credentials:
        cfg = self._configuration
        hook = getattr(cfg, "refresh_api_key_hook", None)
        if hook is not None:
            hook(cfg)  # a rotated service account token is read again
        bearer = str(cfg.api_key.get("BearerToken") or cfg.api_key.get("authorization") or "")
        token = bearer.removeprefix("Bearer ").strip() or None
        return Credentials(
            server=str(cfg.host),
            ca_path=cfg.ssl_ca_cert or None,
            token=token,
            certificate_path=cfg.cert_file or None,
            private_key_path=cfg.key_file or None,
            insecure=not cfg.verify_ssl,
        )

    async def close(self) -> None:
        await self.api.close()


async def connect(kubeconfig: str) -> Cluster:
    """Credentials from ``kubeconfig``, else the service account in a Pod, else the default."""
    configuration = client.Configuration()
    try:
        if kubeconfig:
            await config.load_kube_config(
                config_file=kubeconfig, client_configuration=configuration, persist_config=False
            )
        elif (SERVICE_ACCOUNT / "token").exists() and os.environ.get("KUBERNETES_SERVICE_HOST"):
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            await config.load_kube_config(client_configuration=configuration, persist_config=False)
    except (config.ConfigException, OSError) as exc:
        raise KubernetesUnavailable(f"no usable Kubernetes credentials: {exc}") from exc
    return Cluster(configuration)


class Secrets:
    """Secret reads and writes, as plain dicts in the API's JSON shape."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster

    async def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            secret = await self._call(
                self._cluster.core.read_namespaced_secret(
                    name, namespace, _request_timeout=_TIMEOUT_S
                )
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise _unavailable("read", namespace, name, exc) from exc
        body: dict[str, Any] = self._cluster.api.sanitize_for_serialization(secret)
        return body

    async def create(self, body: dict[str, Any]) -> None:
        namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
        try:
            await self._call(
                self._cluster.core.create_namespaced_secret(
                    namespace, cast(Any, body), _request_timeout=_TIMEOUT_S
                )
            )
        except ApiException as exc:
            raise _unavailable("create", namespace, name, exc) from exc

    async def replace(self, body: dict[str, Any]) -> None:
        """Replace a Secret; ``metadata.resourceVersion`` makes a concurrent edit fail (retried)."""
        namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
        try:
            await self._call(
                self._cluster.core.replace_namespaced_secret(
                    name, namespace, cast(Any, body), _request_timeout=_TIMEOUT_S
                )
            )
        except ApiException as exc:
            raise _unavailable("replace", namespace, name, exc) from exc

    async def delete(self, namespace: str, name: str, *, uid: str) -> None:
        """Delete the Secret with this uid; already gone is fine."""
        try:
            await self._call(
                self._cluster.core.delete_namespaced_secret(
                    name,
                    namespace,
                    body=client.V1DeleteOptions(preconditions=client.V1Preconditions(uid=uid)),
                    _request_timeout=_TIMEOUT_S,
                )
            )
        except ApiException as exc:
            if exc.status in (404, 409):  # gone, or replaced by another object since
                return
            raise _unavailable("delete", namespace, name, exc) from exc

    @staticmethod
    async def _call(awaitable: Any) -> Any:
        try:
            return await awaitable
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise KubernetesUnavailable(f"Kubernetes API unreachable: {exc}") from exc


def _unavailable(verb: str, namespace: str, name: str, exc: ApiException) -> KubernetesUnavailable:
    # The reason only: an ApiException's body may echo the request, which can hold a key.
    return KubernetesUnavailable(
        f"Kubernetes refused to {verb} Secret {namespace}/{name}: {exc.status} {exc.reason}"
    )


class SecretVault:
    """The key's vault for one ApiKey: the Secret it owns, never one it does not."""

    def __init__(self, secrets: Secrets, owner: builders.Owner) -> None:
        self._secrets = secrets
        self._owner = owner

    async def read(self, spec: ApiKeySpec) -> str | None:
        secret = await self._secrets.get(spec.namespace, spec.secret_name)
        if secret is None:
            return None
        self._check_owned(spec, secret)
        return builders.key_in(secret)

    async def write(self, spec: ApiKeySpec, key: str, *, key_id: str) -> None:
        existing = await self._secrets.get(spec.namespace, spec.secret_name)
        if existing is not None:
            self._check_owned(spec, existing)
        body = builders.secret_body(
            namespace=spec.namespace,
            name=spec.secret_name,
            owner=self._owner,
            workspace=spec.workspace_name,
            key=key,
            key_id=key_id,
            resource_version=(existing or {}).get("metadata", {}).get("resourceVersion"),
        )
        if existing is None:
            await self._secrets.create(body)
        else:
            await self._secrets.replace(body)

    async def delete(self, spec: ApiKeySpec) -> None:
        """Delete the ApiKey's Secret at once (garbage collection would, later), if it owns it."""
        secret = await self._secrets.get(spec.namespace, spec.secret_name)
        if secret is None or not builders.owned_by(secret, self._owner.uid):
            return
        await self._secrets.delete(spec.namespace, spec.secret_name, uid=secret["metadata"]["uid"])

    def _check_owned(self, spec: ApiKeySpec, secret: dict[str, Any]) -> None:
        if not builders.owned_by(secret, self._owner.uid):
            raise SecretNotOwned(
                f"Secret {spec.secret_name} exists and is not owned by this ApiKey; it is left "
                "untouched. Delete it, or create the ApiKey with another spec.secretName."
            )
