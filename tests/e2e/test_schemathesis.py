"""A bounded schemathesis run against the live /openapi.json: no 5xx, no off-schema response."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from roofkit_cli.devstack import DevStack
from tests.e2e.helpers import new_key

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def test_schemathesis_finds_no_server_error_and_no_schema_violation(stack: DevStack) -> None:
    token, _, _ = new_key(stack, importsPerMinute=100000, readsPerMinute=100000)
    schemathesis = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{stack.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "25",
            "--seed",
            "20261203",
            "--checks",
            CHECKS,
            "--generation-database",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
