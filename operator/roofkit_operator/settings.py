"""Settings of the operator process (``roofkit serve operator``)."""

from __future__ import annotations

from pydantic import Field

from roofkit_runtime.settings import ServiceSettings


class OperatorSettings(ServiceSettings):
    """Operator settings; environment prefix ``ROOFKIT_`` like every process.

    The chart sets ``ROOFKIT_OPERATOR_NAMESPACE`` to the release namespace (a namespaced Role) or
    to the empty string when ``operator.clusterWide`` is on.
    """

    http_port: int = Field(8083, description="Port of /healthz, /readyz and /metrics.")
    db_pool_size: int = Field(4, description="Connections kept in the database pool.")
    operator_namespace: str = Field(
        "",
        description=(
            "Namespaces whose Workspaces and ApiKeys this operator manages, comma separated "
            "(Kopf globs allowed). Empty: every namespace (needs the cluster-wide RBAC)."
        ),
    )
    operator_pod_name: str = Field(
        "", description="Name of the operator's Pod, used as its identity in logs."
    )
    kubeconfig: str = Field(
        "",
        description=(
            "Path of a kubeconfig file. Empty: the Pod's service account when running in a "
            "cluster, else $KUBECONFIG or ~/.kube/config."
        ),
    )
    reconcile_interval_s: float = Field(
        60.0,
        description=(
            "How often every resource is reconciled again on a timer, repairing drift in the "
            "database and the Secrets (besides create, update and operator start)."
        ),
    )
    last_used_mirror_s: float = Field(
        30.0,
        description="How often each ApiKey's status.lastUsedAt is refreshed from the database.",
    )
    retry_delay_s: float = Field(
        2.0,
        description=(
            "Delay before a reconcile that could not finish (missing Workspace, unavailable "
            "database or API) is retried."
        ),
    )

    @property
    def namespaces(self) -> list[str]:
        """The namespaces to watch; empty means cluster-wide."""
        return [ns.strip() for ns in self.operator_namespace.split(",") if ns.strip()]
