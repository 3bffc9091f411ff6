"""The API key format, shared by whoever mints keys (operator) and whoever checks them (auth).

A key is ``rk_live_`` (or ``rk_test_``) + 32 random base62 characters + a 6-character base62
CRC-32 checksum of those 32 characters, e.g. ``rk_live_3Vq…Zt0aBcDe``. The checksum lets auth refuse
a mistyped or made-up key without touching the database, and lets secret scanners recognise a
leaked key. Only :func:`key_hash` (SHA-256) of a key is ever stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from typing import Final

BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIXES: Final = ("rk_live_", "rk_test_")
RANDOM_LENGTH: Final = 32
CHECKSUM_LENGTH: Final = 6
KEY_LENGTH: Final = len(PREFIXES[0]) + RANDOM_LENGTH + CHECKSUM_LENGTH
DISPLAY_PREFIX_LENGTH: Final = len(PREFIXES[0]) + 4
"""How much of a key may be shown (status, logs of operators): ``rk_live_AbCd``."""

_SHAPE = re.compile(r"^rk_(live|test)_[0-9A-Za-z]{38}$")


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(reversed(chars))


def checksum(body: str) -> str:
    """The 6-character checksum of the 32 random characters."""
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate(*, live: bool = True) -> str:
    """A new random key."""
    body = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return f"{PREFIXES[0] if live else PREFIXES[1]}{body}{checksum(body)}"


def well_formed(key: str) -> bool:
    """True when ``key`` has the prefix, the alphabet, the length and a matching checksum."""
    if len(key) != KEY_LENGTH or _SHAPE.match(key) is None:
        return False
    body = key[len(PREFIXES[0]) : len(PREFIXES[0]) + RANDOM_LENGTH]
    return secrets.compare_digest(checksum(body), key[-CHECKSUM_LENGTH:])


def key_hash(key: str) -> bytes:
    """SHA-256 of the key: what the database stores and looks keys up by."""
    return hashlib.sha256(key.encode("ascii")).digest()


def display_prefix(key: str) -> str:
    """The non-secret beginning of a key, for status and support."""
    return key[:DISPLAY_PREFIX_LENGTH]
