"""The local stack's key vault: a file per ApiKey instead of a Kubernetes Secret.

``<home>/<secretName>`` holds the key alone (mode 0600), e.g. ``.roofkit/dev-api-key``.
"""

from __future__ import annotations

import os
from pathlib import Path

from roofkit_operator.resources import ApiKeySpec


class FileVault:
    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def path(self, spec: ApiKeySpec) -> Path:
        return self._dir / spec.secret_name

    async def read(self, spec: ApiKeySpec) -> str | None:
        try:
            return self.path(spec).read_text().strip() or None
        except FileNotFoundError:
            return None

    async def write(self, spec: ApiKeySpec, key: str, *, key_id: str) -> None:
        path = self.path(spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        tmp.replace(path)
