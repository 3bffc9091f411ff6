"""The async SQLAlchemy engine (psycopg 3), a plain psycopg pool, and the translation of failures.

Most code goes through the SQLAlchemy engine. A hot path that runs one fixed statement many
thousand times a second (the rate limiter's take) uses :func:`create_pool` instead: psycopg
directly, autocommit connections, server-side prepared — a fraction of the CPU per statement.

Connection-level failures become :class:`~roofkit_runtime.errors.DatabaseUnavailable` (503 at the
edge). Callers wrap their unit of work in :func:`translate_errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import orjson
import psycopg
import psycopg_pool
import sqlalchemy.exc
from sqlalchemy.engine import make_url
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
        # A failed statement's error names the statement, never its values: they are partner
        # data (reports, metadata) and key hashes, and errors are logged.
        hide_parameters=True,
    )


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_pool(url: str, *, size: int = 4) -> psycopg_pool.AsyncConnectionPool:
    """An open pool of ``size`` autocommit psycopg connections (opened in the background: a
    database that is down makes statements fail with DatabaseUnavailable, not start-up)."""
    pool = psycopg_pool.AsyncConnectionPool(
        conninfo(url),
        min_size=size,
        max_size=size,
        kwargs={"autocommit": True, "connect_timeout": 3},
        timeout=5,
        open=False,
        name="roofkit",
    )
    await pool.open(wait=False)
    return pool


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
    except (
        sqlalchemy.exc.TimeoutError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
        OSError,
        TimeoutError,
    ) as exc:
        raise DatabaseUnavailable("database unavailable") from exc
