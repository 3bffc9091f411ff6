"""U+0000 in JSON values: Postgres's JSONB (and text) cannot store it.

Partner metadata is stored as given, so a NUL in it is refused (``invalid_metadata``). Text taken
from a report file is the file's, not the partner's choice of words: a NUL there is replaced by
U+FFFD, the replacement character, as undecodable bytes are.
"""

from __future__ import annotations

from typing import Any

import orjson

REPLACEMENT = "\ufffd"


def contains_nul(value: Any) -> bool:
    """Whether any string of a JSON value (keys included) contains U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


def without_nul(value: Any) -> Any:
    """``value`` with every U+0000 in its strings (keys included) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", REPLACEMENT)
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def json_without_nul(data: bytes) -> bytes:
    """JSON text with every U+0000 in its strings replaced; ``data`` itself when it has none."""
    if b"\\u0000" not in data:  # JSON text spells U+0000 this way; the usual report has none
        return data
    return orjson.dumps(without_nul(orjson.loads(data)))
