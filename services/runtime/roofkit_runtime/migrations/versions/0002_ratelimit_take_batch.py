"""ratelimit_take: many window takes in one statement

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 20:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Element i is exactly the single-take decision: with 0 < cost <= limit, add cost to the window
# only if it stays within limit (one conditional upsert); otherwise only read the window. The
# elements run in order inside one statement, so a batch is atomic and its row locks are taken
# in the order the caller gives (callers sort by bucket and window to avoid deadlocks).
# ``admitted`` is the count after an admitted take, NULL when refused or only read; ``current``
# is the window's count after the element.
TAKE_FUNCTION = """
CREATE FUNCTION ratelimit_take(
    buckets text[], starts timestamptz[], expires timestamptz[], costs integer[], limits integer[]
) RETURNS TABLE (admitted integer, current integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    i integer;
BEGIN
    FOR i IN 1 .. coalesce(array_length(buckets, 1), 0) LOOP
        admitted := NULL;
        IF costs[i] > 0 AND costs[i] <= limits[i] THEN
            INSERT INTO ratelimit_windows AS w (bucket, window_start, count, expires_at)
            VALUES (buckets[i], starts[i], costs[i], expires[i])
            ON CONFLICT (bucket, window_start) DO UPDATE
                SET count = w.count + EXCLUDED.count
                WHERE w.count + EXCLUDED.count <= limits[i]
            RETURNING w.count INTO admitted;
        END IF;
        IF admitted IS NULL THEN
            SELECT w.count INTO current FROM ratelimit_windows AS w
             WHERE w.bucket = buckets[i] AND w.window_start = starts[i];
        ELSE
            current := admitted;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    op.execute(TAKE_FUNCTION)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ratelimit_take(text[], timestamptz[], timestamptz[], integer[], integer[])"
    )
