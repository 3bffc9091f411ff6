"""Settings shared by every RoofKit process.

Each process subclasses :class:`ServiceSettings` with its own fields and defaults. Settings are
frozen and read once, in the process's ``__main__`` (``roofkit serve …``); nothing reads the
environment at import time.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/roofkit"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"


class ServiceSettings(BaseSettings):
    """Connection and serving settings every process has (environment prefix ``ROOFKIT_``)."""

    model_config = SettingsConfigDict(env_prefix="ROOFKIT_", frozen=True, extra="ignore")

    nats_url: str = Field(DEFAULT_NATS_URL, description="NATS server URL(s), comma separated.")
    database_url: SecretStr = Field(
        SecretStr(DEFAULT_DATABASE_URL),
        description="SQLAlchemy URL of the Postgres database (driver postgresql+psycopg).",
    )
    log_level: str = Field("INFO", description="Log level of the JSON logs.")
    http_host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    http_port: int = Field(8080, description="Port of /healthz, /readyz, /metrics (and the API).")
    http_head_timeout_s: float = Field(
        10.0,
        description=(
            "A request's line and headers must arrive within this many seconds of the "
            "connection (or the request) starting, else 408 request_timeout."
        ),
    )
    http_max_head_bytes: int = Field(
        32 * 1024,
        description="Largest request line plus headers, else 431 request_headers_too_large.",
    )
    shutdown_grace_s: int = Field(
        20,
        ge=1,
        description=(
            "After SIGTERM, requests in flight get this many seconds to finish (an upload to "
            "arrive, be parsed and stored) before they are cancelled; idle connections close "
            "at once."
        ),
    )
    nats_request_timeout_s: float = Field(
        2.0, description="Timeout of one NATS request to another service, in seconds."
    )
    db_pool_size: int = Field(10, description="Connections kept in the database pool.")
