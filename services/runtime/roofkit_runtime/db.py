"""The async SQLAlchemy engine (psycopg 3) and the translation of its failures.

Connection-level failures become :class:`~roofkit_runtime.errors.DatabaseUnavailable` (503 at the
edge). Callers wrap their unit of work in :func:`translate_errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy.exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from roofkit_runtime.errors import DatabaseUnavailable


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine with a bounded pool, pre-ping and short connect timeout."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )


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
