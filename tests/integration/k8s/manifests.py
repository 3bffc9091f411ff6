"""Rendering the chart with the real helm and applying objects with the real kubectl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.envtest.controlplane import ControlPlane

REPO_ROOT = Path(__file__).resolve().parents[3]
CHART = REPO_ROOT / "charts" / "roofkit"
HERE = Path(__file__).resolve().parent
ALL_FEATURES_VALUES = HERE / "values-all-features.yaml"
DEV_VALUES = CHART / "values-dev.yaml"
THIRD_PARTY_CRDS = HERE / "third-party-crds.yaml"


def helm(helm_bin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run helm with a throwaway home; raise with its output when it fails."""
    result = subprocess.run(
        [str(helm_bin), *args], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def render(
    helm_bin: Path, *values: Path, namespace: str = "roofkit", extra: tuple[str, ...] = ()
) -> str:
    args = ["template", "roofkit", str(CHART), "--namespace", namespace]
    for path in values:
        args += ["--values", str(path)]
    return helm(helm_bin, *args, *extra).stdout


def documents(manifest: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(manifest) if doc]


def apply(
    plane: ControlPlane, namespace: str, obj: dict[str, Any], *extra: str
) -> subprocess.CompletedProcess[str]:
    """kubectl apply one object; returns the result without raising (tests check refusals)."""
    return plane.kubectl(
        "apply", "-n", namespace, *extra, "-f", "-", input=json.dumps(obj), check=False
    )
