"""``python -m benchmarks [name ...]`` — run the benchmarks and write docs/benchmarks.md.

Each benchmark module exposes ``TITLE`` and ``run() -> list[report.Result]``; add a module to
``MODULES`` to add a section.
"""

from __future__ import annotations

import importlib
import sys

from benchmarks import report

# In-process measurements first, on a quiet machine: the edge benchmark starts and stops a whole
# stack (Postgres, NATS, the services, a second rate limiter, the baselines). Measured right after
# it, PDF throughput read anywhere from 0.70x to 0.85x between full runs, against a steady 0.71x
# when the parser benchmark ran alone.
MODULES = ["benchmarks.parsers", "benchmarks.receive", "benchmarks.edge"]


def main(argv: list[str]) -> int:
    wanted = [m for m in MODULES if not argv or m.rsplit(".", 1)[-1] in argv]
    sections: dict[str, list[report.Result]] = {}
    for name in wanted:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # a benchmark not written yet
            raise
        print(f"== {module.TITLE}", flush=True)
        sections[module.TITLE] = module.run()
        for result in sections[module.TITLE]:
            print(
                f"   {result.name}: {result.ours:.4g} vs {result.baseline:.4g} {result.unit} ({result.ratio:.2f}x) "
                f"target {result.target}: {'met' if result.met else 'NOT met'}",
                flush=True,
            )
    if argv:  # a partial run prints; only the full run rewrites docs/benchmarks.md
        return 0
    print(report.write(sections, "make bench"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
