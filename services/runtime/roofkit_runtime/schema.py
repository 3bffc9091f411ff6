"""The database schema, shared by the processes that read and write it.

Tables only (SQLAlchemy Core); each service owns its queries. Alembic migrations in
``roofkit_runtime/migrations`` create exactly this schema, and a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

NOW = text("now()")

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Text, primary_key=True),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("state", Text, nullable=False, server_default="active"),
    Column("imports_per_minute", Integer, nullable=False),
    Column("reads_per_minute", Integer, nullable=False),
    Column("max_upload_bytes", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("deleted_at", DateTime(timezone=True)),
    UniqueConstraint("namespace", "name", name="uq_workspaces_namespace_name"),
    CheckConstraint("state in ('active', 'suspended', 'deleted')", name="state"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Text, primary_key=True),
    Column("workspace_id", Text, ForeignKey("workspaces.id"), nullable=False),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("key_hash", LargeBinary, nullable=False, unique=True),
    Column("scopes", ARRAY(Text), nullable=False),
    Column("state", Text, nullable=False, server_default="active"),
    Column("expires_at", DateTime(timezone=True)),
    Column("imports_per_minute", Integer),
    Column("reads_per_minute", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("revoked_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    UniqueConstraint("namespace", "name", name="uq_api_keys_namespace_name"),
    CheckConstraint("state in ('active', 'revoked', 'deleted')", name="state"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

# Blob content in chunks of at most 1 MiB, so neither writing nor reading a large upload ever
# holds the whole file in memory.
blob_chunks = Table(
    "blob_chunks",
    metadata,
    Column("sha256", Text, ForeignKey("blobs.sha256", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    PrimaryKeyConstraint("sha256", "seq", name="pk_blob_chunks"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("workspace_id", Text, ForeignKey("workspaces.id"), nullable=False),
    Column("api_key_id", Text, ForeignKey("api_keys.id"), nullable=False),
    Column("external_id", Text),
    Column("status", Text, nullable=False, server_default="imported"),
    Column("format", Text, nullable=False),
    Column("vendor", Text, nullable=False, server_default="unknown"),
    Column("document", JSONB, nullable=False),
    Column("source", JSONB, nullable=False),
    Column("warnings", JSONB, nullable=False, server_default="[]"),
    Column("metadata", JSONB, nullable=False, server_default="{}"),
    Column("request_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    UniqueConstraint("workspace_id", "external_id", name="uq_reports_workspace_external_id"),
    Index("ix_reports_workspace_seq", "workspace_id", "seq"),
)

report_files = Table(
    "report_files",
    metadata,
    Column("report_id", Text, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", Text, ForeignKey("blobs.sha256"), nullable=False),
    Column("role", Text, nullable=False),
    Column("status", Text, nullable=False),
    PrimaryKeyConstraint("report_id", "position", name="pk_report_files"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("workspace_id", Text, ForeignKey("workspaces.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("claim_token", Text),
    Column("locked_until", DateTime(timezone=True)),
    Column("report_id", Text, ForeignKey("reports.id", ondelete="CASCADE")),
    Column("response_status", Integer),
    Column("response_headers", JSONB),
    Column("response_body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("workspace_id", "key", name="pk_idempotency_keys"),
    CheckConstraint("state in ('in_progress', 'completed')", name="state"),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("event_id", Text, nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Set when the broker refuses the event for good (larger than its max_payload): the relay
    # goes on with the events behind it; clearing it sends the event again.
    Column("rejected_at", DateTime(timezone=True)),
    Column("error", Text),
    Index(
        "ix_outbox_unpublished",
        "id",
        postgresql_where=text("published_at IS NULL AND rejected_at IS NULL"),
    ),
    Index(
        "ix_outbox_published_at",
        "published_at",
        postgresql_where=text("published_at IS NOT NULL"),
    ),
)

ratelimit_windows = Table(
    "ratelimit_windows",
    metadata,
    Column("bucket", Text, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("count", Integer, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("bucket", "window_start", name="pk_ratelimit_windows"),
)
