"""The committed Python generated from proto-events/proto matches the .proto sources."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

PROTO_EVENTS = Path(__file__).resolve().parents[2] / "proto-events"
GENERATE = PROTO_EVENTS / "generate.py"


def _load_generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("roofkit_proto_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_generated_code_matches_a_fresh_generation() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATE), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def fresh_and_committed(tmp_path: Path) -> tuple[ModuleType, Path, Path]:
    generate = _load_generate()
    fresh = tmp_path / "fresh"
    generate.generate(fresh)
    committed = tmp_path / "committed"
    shutil.copytree(fresh, committed)
    return generate, fresh, committed


def test_check_reports_an_edited_generated_module_as_stale(
    fresh_and_committed: tuple[ModuleType, Path, Path],
) -> None:
    generate, fresh, committed = fresh_and_committed
    stub = committed / "auth" / "v1" / "auth_pb2.pyi"
    stub.write_text(stub.read_text() + "# edited by hand\n")

    problems = generate.compare(fresh, committed)

    assert len(problems) == 1
    assert problems[0].startswith("stale: roofkit_events/auth/v1/auth_pb2.pyi")


def test_check_reports_generated_code_without_a_proto_source(
    fresh_and_committed: tuple[ModuleType, Path, Path],
) -> None:
    generate, fresh, committed = fresh_and_committed
    orphan = committed / "billing" / "v1"
    orphan.mkdir(parents=True)
    (orphan / "billing_pb2.py").write_text("")

    problems = generate.compare(fresh, committed)

    assert problems == [
        "not generated from any .proto (remove it): roofkit_events/billing/v1/billing_pb2.py"
    ]


def test_generated_imports_point_at_the_roofkit_events_package(
    fresh_and_committed: tuple[ModuleType, Path, Path],
) -> None:
    _, fresh, _ = fresh_and_committed
    auth = (fresh / "auth" / "v1" / "auth_pb2.py").read_text()

    assert "from roofkit_events.common.v1 import error_code_pb2" in auth
    assert "from roofkit.common" not in auth
    # The descriptor keeps the real proto file name, shared with every language.
    assert "roofkit/common/v1/error_code.proto" in auth
