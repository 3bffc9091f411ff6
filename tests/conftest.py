"""Fixtures shared by every test tier (see tests/support/), and the accuracy summary."""

from __future__ import annotations

import pytest

from tests.support.infra import database_url, infra, nats_url  # noqa: F401
from tests.support.stack import dev_key, stack  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per-format accuracy of the generated corpus, parsed directly and imported over HTTP."""
    from tests.corpus.compare import TALLY

    if not TALLY:
        return
    terminalreporter.section("per-format accuracy against the generated corpus")
    for fmt, (compared, passed) in sorted(TALLY.items()):
        share = 100.0 * passed / compared if compared else 0.0
        terminalreporter.write_line(
            f"{fmt:>9}: {passed}/{compared} fields within tolerance ({share:.1f} %)"
        )
