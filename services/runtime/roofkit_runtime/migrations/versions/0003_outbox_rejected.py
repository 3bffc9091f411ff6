"""outbox: events the broker refuses are set aside instead of holding back the rest; published
rows are found by their publication time for the purge

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _unpublished_index(where: str) -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["id"], unique=False, postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    op.add_column("outbox", sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("error", sa.Text(), nullable=True))
    _unpublished_index("published_at IS NULL AND rejected_at IS NULL")
    op.create_index(
        "ix_outbox_published_at",
        "outbox",
        ["published_at"],
        unique=False,
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    _unpublished_index("published_at IS NULL")
    op.drop_column("outbox", "error")
    op.drop_column("outbox", "rejected_at")
