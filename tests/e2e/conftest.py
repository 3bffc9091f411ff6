"""End-to-end tier: the whole local stack as separate processes, driven over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roofkit_cli.devstack import DevStack

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CSV = REPO / "examples" / "reports" / "gable-facets.csv"


@pytest.fixture
def client(stack: DevStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        yield http


def import_csv(
    client: httpx.Client,
    key: str,
    *,
    idempotency_key: str | None = None,
    content: bytes | None = None,
    data: dict[str, str] | None = None,
) -> httpx.Response:
    return client.post(
        "/api/v1/reports/import",
        headers={
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": idempotency_key or str(uuid.uuid4()),
        },
        files={"file": ("roof.csv", content if content is not None else EXAMPLE_CSV.read_bytes())},
        data=data or {},
    )
