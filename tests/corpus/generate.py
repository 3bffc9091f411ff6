"""Build the generated report corpus: every roof of roofs.py rendered by every renderer.

    python -m tests.corpus.generate OUTPUT_DIR

writes each sample and ``truth.json`` (the exact measurements per roof, and per sample the truth
groups it carries). Tests call :func:`build` directly.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.corpus.renderers import Sample, renderers
from tests.corpus.roofs import all_roofs, roof_truth


@dataclass
class CorpusItem:
    roof: str
    sample: Sample
    truth: dict[str, Any]


def build() -> list[CorpusItem]:
    items: list[CorpusItem] = []
    for roof in all_roofs():
        truth = roof_truth(roof)
        for render in renderers():
            for sample in render(roof, truth):
                items.append(CorpusItem(roof=roof.name, sample=sample, truth=truth))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path)
    out = parser.parse_args().output
    out.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {"roofs": {}, "samples": {}}
    for item in build():
        (out / item.sample.name).write_bytes(item.sample.data)
        index["roofs"][item.roof] = item.truth
        index["samples"][item.sample.name] = {
            "roof": item.roof,
            "format": item.sample.format,
            "expects": sorted(item.sample.expects),
        }
    (out / "truth.json").write_text(json.dumps(index, indent=2, default=float))
    print(f"wrote {len(index['samples'])} samples to {out}")


if __name__ == "__main__":
    main()
