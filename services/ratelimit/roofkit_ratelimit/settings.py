"""Settings of the rate-limit process (``roofkit serve ratelimit``)."""

from __future__ import annotations

from pydantic import Field

from roofkit_runtime.settings import ServiceSettings


class RateLimitSettings(ServiceSettings):
    """Rate-limit responder settings; environment prefix ``ROOFKIT_``."""

    http_port: int = Field(8082, description="Port of /healthz, /readyz and /metrics.")
    purge_every_s: float = Field(60.0, description="How often expired windows are deleted.")
