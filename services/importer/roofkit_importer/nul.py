"""Characters a report's JSON cannot carry into Postgres: U+0000 and lone surrogates.

JSONB (and text) cannot store U+0000, and a lone surrogate (``\\ud800`` without its pair) has no
UTF-8 form at all. Partner metadata is stored as given, so a NUL in it is refused
(``invalid_metadata``; orjson already refuses lone surrogates there). Text taken from a report
file is the file's, not the partner's choice of words: such characters are replaced by U+FFFD,
the replacement character, as undecodable bytes are. JSON exports may escape either; PDF text
layers produce both from broken font maps.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def contains_nul(value: Any) -> bool:
    """Whether any string of a JSON value (keys included) contains U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


def storable(value: Any) -> Any:
    """``value`` with every U+0000 and lone surrogate in its strings (keys included) replaced by
    U+FFFD."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def json_without_nul(data: bytes) -> bytes:
    """JSON text with every U+0000 in its strings replaced; ``data`` itself when it has none."""
    if b"\\u0000" not in data:  # JSON text spells U+0000 this way; the usual report has none
        return data
    return orjson.dumps(storable(orjson.loads(data)))
