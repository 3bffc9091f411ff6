"""A parse function for ParserPool tests that misbehaves on request (chosen by file name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from roofkit_importer import parsers


def misbehaving_parse(
    path: Path, filename: str, *, format_hint: str | None, limits: parsers.ParseLimits
) -> parsers.ParseResult:
    if filename.startswith("slow"):
        time.sleep(600)
    if filename.startswith("greedy"):
        hog = bytearray(4 * 1024 * 1024 * 1024)
        hog[-1] = 1
    if filename.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    if filename.startswith("bug"):
        raise KeyError("a parser bug")
    return parsers.parse_file(path, filename, format_hint=format_hint, limits=limits)
