"""Prometheus metrics of the operator (default registry, served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

RECONCILES = Counter(
    "roofkit_operator_reconciles_total",
    "Reconciles run, by kind (Workspace, ApiKey), trigger and result "
    "(ready, not_ready, retry, error).",
    ["kind", "trigger", "result"],
)
RECONCILE_SECONDS = Histogram(
    "roofkit_operator_reconcile_seconds",
    "Duration of one reconcile, by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
KEYS_ISSUED = Counter(
    "roofkit_operator_keys_issued_total",
    "Keys generated and written to a Secret (first reconcile, or the Secret was lost).",
)
