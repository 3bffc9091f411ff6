"""Parser unit tests: warnings are errors, markers are strict, corpus accuracy is printed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_configure(config: pytest.Config) -> None:
    config.option.strict_markers = True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.filterwarnings("error"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.corpus.compare import TALLY

    if not TALLY:
        return
    terminalreporter.section("per-format accuracy against the generated corpus")
    for fmt, (compared, passed) in sorted(TALLY.items()):
        share = 100.0 * passed / compared if compared else 0.0
        terminalreporter.write_line(
            f"{fmt:>6}: {passed}/{compared} fields within tolerance ({share:.1f} %)"
        )
