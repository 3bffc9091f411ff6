"""What a benchmark returns, and writing ``docs/benchmarks.md``."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Result:
    """One figure: ours beside the baseline measured in the same run."""

    group: str
    name: str
    ours: float
    baseline: float
    unit: str
    higher_is_better: bool
    target: str  # e.g. ">= 0.5x", "p99 <= 50 ms"
    met: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.baseline == 0:
            return float("inf")
        return self.ours / self.baseline


def write(sections: dict[str, list[Result]], command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{command}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        "Every figure stands beside a baseline measured in the same run on the same machine; "
        "only the ratio is meant to be compared between machines. What each figure measures, and "
        "why some targets are not met: [performance.md](performance.md).",
        "",
    ]
    for title, results in sections.items():
        lines += [
            f"## {title}",
            "",
            "| Figure | Ours | Baseline | Ratio | Target | Met |",
            "|---|---|---|---|---|---|",
        ]
        for r in results:
            lines.append(
                f"| {r.name} | {r.ours:,.3g} {r.unit} | {r.baseline:,.3g} {r.unit} | {r.ratio:.3g}× "
                f"| {r.target} | {'yes' if r.met else '**no**'} |"
            )
        notes = [f"- {r.name}: {r.note}" for r in results if r.note]
        lines += ["", *notes, ""] if notes else [""]
    text = "\n".join(lines)
    DOC.write_text(text)
    return text
