"""One renderer module per format; each exposes ``render(roof, truth) -> list[Sample]``.

To add a format, write ``renderers/<format>.py`` and add its ``render`` to :data:`RENDERERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.corpus.roofs import RoofDef


@dataclass
class Sample:
    name: str
    """File name, e.g. ``gable.eagleview.xml``."""
    format: str
    """Format detection must yield (``xml``, ``csv``, …)."""
    data: bytes
    expects: frozenset[str] = field(default_factory=frozenset)
    """Truth groups this rendering carries: total_area, facet_count, predominant_pitch,
    area_by_pitch, edges, penetrations, structures, identity."""


Renderer = Callable[[RoofDef, dict[str, object]], list[Sample]]


def renderers() -> list[Renderer]:
    from tests.corpus.renderers import (
        csv_tables,
        json_eagleview,
        xlsx_tables,
        xml_eagleview,
        xml_hover,
    )

    return [
        xml_eagleview.render,
        xml_hover.render,
        json_eagleview.render,
        csv_tables.render,
        xlsx_tables.render,
    ]
