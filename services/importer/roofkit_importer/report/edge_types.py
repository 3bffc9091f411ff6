"""Vendor edge names → the model's edge types (report-model.md, edge table).

Unknown names become ``unspecified``; callers keep the vendor's word in ``vendor_type``.
"""

from __future__ import annotations

import functools
import re

from roofkit_importer.report.model import EdgeType

_WORDS: dict[str, EdgeType] = {
    "ridge": "ridge",
    "ridges": "ridge",
    "r": "ridge",
    "hip": "hip",
    "hips": "hip",
    "h": "hip",
    "ridgehip": "ridge_and_hip",
    "ridgeships": "ridge_and_hip",
    "hipridge": "ridge_and_hip",
    "hipsridges": "ridge_and_hip",
    "ridgeandhip": "ridge_and_hip",
    "ridgesandhips": "ridge_and_hip",
    "hipsandridges": "ridge_and_hip",
    "valley": "valley",
    "valleys": "valley",
    "v": "valley",
    "rake": "rake",
    "rakes": "rake",
    "gable": "rake",
    "gables": "rake",
    "fasciagable": "rake",
    "k": "rake",
    "eave": "eave",
    "eaves": "eave",
    "eavesstarter": "eave",
    "eavestarter": "eave",
    "starter": "eave",
    "fascia": "eave",
    "gutter": "eave",
    "gutters": "eave",
    "gutteronly": "eave",
    "e": "eave",
    "dripedge": "drip_edge",
    "dripedgeeavesrakes": "drip_edge",
    "eavesrakes": "drip_edge",
    "eavesandrakes": "drip_edge",
    "flashing": "flashing",
    "flash": "flashing",
    "wallflashing": "flashing",
    "apron": "flashing",
    "headwall": "flashing",
    "stepflash": "step_flashing",
    "stepflashing": "step_flashing",
    "step": "step_flashing",
    "parapet": "parapet",
    "parapets": "parapet",
    "parapetwall": "parapet",
    "parapetwalls": "parapet",
    "transition": "transition",
    "transitions": "transition",
}


_NOT_LETTER = re.compile(r"[^a-z]")


def compact(text: str) -> str:
    """Lower-case letters only: ``Eaves/Starter‡`` → ``eavesstarter``."""
    return _NOT_LETTER.sub("", text.lower())


def edge_type(vendor_word: str) -> EdgeType:
    return known_edge_type(vendor_word) or "unspecified"


def known_edge_type(vendor_word: str) -> EdgeType | None:
    """Like :func:`edge_type` but ``None`` for an unknown word."""
    # Tables and drawings repeat a handful of words: each short one is read once.
    if len(vendor_word) <= _CACHED_WORD_LEN:
        return _cached_known(vendor_word)
    return _known(vendor_word)


def _known(vendor_word: str) -> EdgeType | None:
    return _WORDS.get(compact(vendor_word))


_CACHED_WORD_LEN = 64
_cached_known = functools.lru_cache(maxsize=1024)(_known)
