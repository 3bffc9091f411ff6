"""How files are named in a report and its event: printable text of bounded length.

A name comes from the partner (the upload's ``filename``, a ZIP entry's path) and goes into the
response, the stored report (the ``file`` of every value's provenance), the ``imported`` event and
the logs. Control characters are dropped and the length is bounded, so that no name can carry
terminal escapes into a log or grow a report or an event past what its consumers accept.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 255


def _printable(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")


def upload_name(raw: str) -> str:
    """The last path component, printable, at most 255 characters; ``upload`` if nothing is left."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    return _printable(name).strip(" .")[:MAX_NAME_CHARS] or "upload"


def entry_name(raw: str) -> str:
    """A package entry's path with ``/`` separators, printable, at most 255 characters: a longer
    path keeps its end, where the file's own name is, behind ``…``."""
    name = _printable(raw.replace("\\", "/")).strip()
    if len(name) > MAX_NAME_CHARS:
        name = "…" + name[-(MAX_NAME_CHARS - 1) :]
    return name or "entry"
