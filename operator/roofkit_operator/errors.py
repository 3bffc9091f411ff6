"""Errors of the operator: a closed set, each mapped once to a Ready condition reason.

::

    OperatorError
     ├── MissingWorkspace        the ApiKey's workspaceRef names no live Workspace (yet)
     ├── SecretNotOwned          the key's Secret exists and this ApiKey does not own it
     └── KubernetesUnavailable   the API server refused or could not be reached
    roofkit_runtime.errors.DependencyUnavailable
     └── DatabaseUnavailable, BrokerUnavailable, …   Postgres or NATS cannot answer
    roofkit_operator.resources.InvalidManifest      a spec the reconcilers cannot act on

Foreign exceptions are translated where the foreign library is called: kubernetes_asyncio's in
``k8s.py``, SQLAlchemy's by ``roofkit_runtime.db``. :data:`REASONS` is the one table from error
class to condition reason; anything else surfaces as ``ReconcileFailed``.
"""

from __future__ import annotations

from roofkit_operator.resources import InvalidManifest
from roofkit_runtime.errors import DependencyUnavailable


class OperatorError(Exception):
    """Base of the operator's errors."""


class MissingWorkspace(OperatorError, LookupError):
    """The ApiKey's workspaceRef names no (live) Workspace."""


class SecretNotOwned(OperatorError):
    """A Secret with the key's name exists but belongs to someone else; it is never overwritten."""


class KubernetesUnavailable(OperatorError):
    """The Kubernetes API could not be reached or refused a request it should have accepted."""


REASONS: dict[type[Exception], str] = {
    MissingWorkspace: "WorkspaceNotFound",
    SecretNotOwned: "SecretNotOwned",
    KubernetesUnavailable: "KubernetesUnavailable",
    DependencyUnavailable: "DependencyUnavailable",
    InvalidManifest: "InvalidSpec",
}
"""Condition reason per error class (subclasses inherit their base's reason)."""

UNEXPECTED_REASON = "ReconcileFailed"


def reason(error: Exception) -> str:
    """The Ready condition reason for ``error``."""
    for cls in type(error).__mro__:
        if cls in REASONS:
            return REASONS[cls]
    return UNEXPECTED_REASON
