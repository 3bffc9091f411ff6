"""What a DXF layer name says: an edge type, a facet kind, a pitch (report-model.md edge table).

CAD users name layers freely (``ROOF-RIDGE``, ``E``, ``STEP_FLASH``, ``PITCH 6-12``); the whole
name is tried first, then each word, so ``STEP-FLASHING`` is step flashing and not flashing.
"""

from __future__ import annotations

import re

from roofkit_importer.report.edge_types import compact, known_edge_type
from roofkit_importer.report.model import EdgeType, FacetKind, Pitch
from roofkit_importer.report.units import parse_pitch

_PENETRATION_WORDS = ("penetration", "skylight", "chimney", "vent", "opening", "hole")
_LAYER_PITCH = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d+)?)\s*(?:-|_|/|:|in)\s*12(?![\d.])", re.I)
_WORD = re.compile(r"[A-Za-z]+")


def edge_type(layer: str) -> EdgeType | None:
    """The edge type a layer's name gives its lines, or ``None``."""
    whole = known_edge_type(layer)
    if whole is not None and compact(layer) not in ("drip", "dripedge"):
        return whole
    for word in _WORD.findall(layer):
        if len(word) == 1 and len(compact(layer)) > 1:
            continue  # single letters only count as the whole name (layer "E", not "ROOF-E")
        found = known_edge_type(word)
        if found is not None and found not in ("drip_edge", "ridge_and_hip"):
            return found
    return None


def facet_kind(layer: str) -> FacetKind:
    lowered = layer.lower()
    if any(word in lowered for word in _PENETRATION_WORDS):
        return "penetration"
    if "wall" in lowered:
        return "wall"
    return "roof"


def pitch(text: str) -> Pitch | None:
    """A pitch written in a layer name or a label (``PITCH_6_12``, ``6/12``, ``F3 8:12``)."""
    match = _LAYER_PITCH.search(text)
    if match is None:
        return None
    return parse_pitch(f"{match.group(1)}/12")
