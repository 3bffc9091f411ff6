"""Errors the runtime raises; the services map them at their edge.

::

    RuntimeFailure
     └── DependencyUnavailable      a NATS responder, the broker or the database cannot answer
          ├── BrokerUnavailable     no connection to NATS
          ├── ResponderUnavailable  a NATS subject timed out or has no responders
          └── DatabaseUnavailable   Postgres refused, dropped or timed out the connection

Foreign exceptions (nats, psycopg, SQLAlchemy) are translated into these where those libraries are
called, chained with ``from exc``.
"""

from __future__ import annotations


class RuntimeFailure(Exception):
    """Base of the runtime's errors."""


class DependencyUnavailable(RuntimeFailure):
    """A dependency is unavailable; callers answer 503 with Retry-After."""

    dependency: str = "dependency"

    def __init__(self, message: str, *, dependency: str | None = None) -> None:
        super().__init__(message)
        if dependency is not None:
            self.dependency = dependency


class BrokerUnavailable(DependencyUnavailable):
    dependency = "broker"


class ResponderUnavailable(DependencyUnavailable):
    dependency = "responder"


class DatabaseUnavailable(DependencyUnavailable):
    dependency = "database"
