"""Settings of the auth process (``roofkit serve auth``)."""

from __future__ import annotations

from pydantic import Field

from roofkit_runtime.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    """Auth responder settings; environment prefix ``ROOFKIT_``."""

    http_port: int = Field(8081, description="Port of /healthz, /readyz and /metrics.")
    cache_ttl_s: float = Field(
        30.0,
        description="How long a verified key stays cached (dropped at once on keys.changed).",
    )
    negative_cache_ttl_s: float = Field(
        5.0, description="How long an unknown key stays cached as unknown."
    )
    cache_max_entries: int = Field(100_000, description="Upper bound of cached keys.")
    last_used_flush_s: float = Field(
        5.0, description="How often the keys' last_used_at is written to the database."
    )
