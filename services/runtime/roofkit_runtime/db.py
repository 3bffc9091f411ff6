"""The async SQLAlchemy engine (psycopg 3) and the translation of its failures.

Connection-level failures become :class:`~roofkit_runtime.errors.DatabaseUnavailable` (503 at the
edge). Callers wrap their unit of work in :func:`translate_errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import orjson
import sqlalchemy.exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from roofkit_runtime.errors import DatabaseUnavailable


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine with a bounded pool, a short connect timeout and orjson for JSONB."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping round trip per checkout: a connection broken by a database restart fails
        # one statement (503), and SQLAlchemy then invalidates the whole pool.
        pool_pre_ping=False,
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
    )


@contextlib.asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit: one round trip per statement, no BEGIN/ROLLBACK.

    For single statements that are atomic on their own (reads, one upsert).
    """
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


class RawJSON(bytes):
    """JSON that is already serialized (UTF-8): written to a JSON/JSONB column as it is.

    For documents produced as JSON elsewhere (a parser worker's report), so they are not parsed
    and serialized again on the way to the database.
    """

    __slots__ = ()


def _dumps(value: object) -> bytes:
    """JSON for psycopg's JSON dumpers (which take bytes as they are)."""
    if isinstance(value, RawJSON):
        return value
    return orjson.dumps(value)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn connection failures into DatabaseUnavailable; other errors pass through."""
    try:
        yield
    except sqlalchemy.exc.DBAPIError as exc:
        if exc.connection_invalidated or isinstance(
            exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError
        ):
            raise DatabaseUnavailable("database unavailable") from exc
        raise
    except (sqlalchemy.exc.TimeoutError, OSError, TimeoutError) as exc:
        raise DatabaseUnavailable("database unavailable") from exc
