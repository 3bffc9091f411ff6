"""The importer's Prometheus metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "roofkit_http_requests_total", "HTTP responses by route and status.", ["route", "status"]
)
HTTP_SECONDS = Histogram(
    "roofkit_http_request_seconds",
    "HTTP request latency by route.",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUTH_DECISIONS = Counter(
    "roofkit_importer_auth_decisions_total",
    "Authentication outcomes seen at the edge (ok or the 401/403/503 code).",
    ["result"],
)
RATE_LIMIT_DECISIONS = Counter(
    "roofkit_importer_ratelimit_decisions_total",
    "Rate-limit outcomes at the edge by bucket kind.",
    ["kind", "result"],
)
IDEMPOTENCY = Counter(
    "roofkit_idempotency_outcomes_total",
    "Idempotency outcomes: new, replayed, reused, in_progress, lease_taken_over.",
    ["outcome"],
)
IMPORTS = Counter(
    "roofkit_imports_total", "Imports by detected format and outcome.", ["format", "outcome"]
)
OUTBOX_UNPUBLISHED = Gauge(
    "roofkit_outbox_unpublished", "Events in the outbox not yet published (up to one batch)."
)
OUTBOX_LAG = Gauge(
    "roofkit_outbox_lag_seconds", "Age of the oldest event in the outbox not yet published."
)
OUTBOX_PUBLISHED = Counter("roofkit_outbox_published_total", "Events published to JetStream.")
OUTBOX_REJECTED = Counter(
    "roofkit_outbox_rejected_total",
    "Events set aside unpublished because the broker refuses them (larger than its max_payload).",
)
SPOOL_RESERVED = Gauge(
    "roofkit_importer_spool_reserved_bytes",
    "Spool space reserved by uploads being received or imported (declared Content-Length).",
)
SPOOL_CAPACITY = Gauge(
    "roofkit_importer_spool_capacity_bytes", "The spool budget (ROOFKIT_SPOOL_BUDGET_BYTES)."
)
