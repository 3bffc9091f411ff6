"""Settings of the importer process (``roofkit serve importer``)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from roofkit_runtime.settings import ServiceSettings


class ImporterSettings(ServiceSettings):
    """Partner API settings; environment prefix ``ROOFKIT_``."""

    http_port: int = Field(
        8080, description="Port of the Partner API, /healthz, /readyz, /metrics."
    )
    max_upload_bytes_ceiling: int = Field(
        200 * 1024 * 1024,
        description=(
            "Largest Content-Length accepted from anyone, checked before authentication. "
            "Each workspace's own maxUploadBytes (default 50 MiB) is checked right after it."
        ),
    )
    invalid_auth_per_minute: int = Field(
        30, description="Failed authentications allowed per client address per minute."
    )
    trusted_proxy_hops: int = Field(
        0,
        description=(
            "Proxies in front of the importer whose X-Forwarded-For entries are trusted; 0 means "
            "the TCP peer is the client. Behind one ingress, set 1."
        ),
    )
    spool_dir: Path | None = Field(
        None, description="Where uploads are spooled while received (default: the temp dir)."
    )
    spool_budget_bytes: int = Field(
        1024 * 1024 * 1024,
        description=(
            "Spool space one importer may hold at once: each upload reserves its Content-Length "
            "before its body is read, and one that does not fit is refused with 503 "
            "upload_capacity_exhausted. At least max_upload_bytes_ceiling."
        ),
    )
    body_idle_timeout_s: float = Field(
        30.0, description="A body that sends nothing for this long is refused (invalid_multipart)."
    )
    body_min_rate_bytes_s: float = Field(
        256.0,
        description=(
            "Once a body has been arriving for body_idle_timeout_s, it must average at least this "
            "many bytes a second, or it is refused (invalid_multipart): a client dripping a byte "
            "now and then would otherwise hold a request open without end."
        ),
    )
    idempotency_lease_s: float = Field(
        60.0, description="How long an in-progress claim holds its key before another may take it."
    )
    idempotency_retention_h: float = Field(
        24.0, description="How long a completed Idempotency-Key is remembered (at least 24 h)."
    )
    parse_workers: int = Field(2, description="Parser worker processes.")
    parse_timeout_s: float = Field(20.0, description="Time budget of one parse.")
    parse_memory_bytes: int = Field(
        1024 * 1024 * 1024, description="Address-space budget of a parser worker."
    )
    outbox_poll_s: float = Field(1.0, description="How often the outbox relay looks for events.")

    @model_validator(mode="after")
    def _one_upload_fits_the_spool(self) -> Self:
        if self.spool_budget_bytes < self.max_upload_bytes_ceiling:
            raise ValueError(
                "spool_budget_bytes must be at least max_upload_bytes_ceiling: an upload the "
                "ceiling allows could otherwise never be received"
            )
        return self
