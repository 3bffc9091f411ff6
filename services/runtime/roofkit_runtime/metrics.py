"""Prometheus metrics of the runtime plumbing, and the ``/metrics`` exposition.

Service-specific metrics live in each service's own ``metrics`` module; all use the default
registry so one ``/metrics`` endpoint per process shows everything.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest

NATS_REQUEST_SECONDS = Histogram(
    "roofkit_nats_request_seconds",
    "Latency of NATS requests this process made, by subject and outcome.",
    ["subject", "outcome"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
NATS_SERVE_SECONDS = Histogram(
    "roofkit_nats_serve_seconds",
    "Time this process took to answer a NATS request, by subject.",
    ["subject"],
    buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
)


def exposition() -> tuple[bytes, str]:
    """The current metrics in the Prometheus text format, with its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
