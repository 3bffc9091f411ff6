"""Fixtures shared by every test tier (see tests/support/)."""

from tests.support.infra import database_url, infra, nats_url  # noqa: F401
from tests.support.stack import dev_key, stack  # noqa: F401
