"""The chart starts our processes: its container arguments are commands the roofkit CLI has.

Starting the processes for real is covered by the end-to-end tests; here the rendered
Deployments and Job are checked against the image's entrypoint and the CLI's own help.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.integration.k8s.manifests import DEV_VALUES, REPO_ROOT, documents, render

ROOFKIT = REPO_ROOT / ".venv" / "bin" / "roofkit"


def image_entrypoint() -> list[str]:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    match = re.search(r"^ENTRYPOINT\s+\[(.*)\]\s*$", dockerfile, re.MULTILINE)
    assert match, "Dockerfile has no exec-form ENTRYPOINT"
    return [part.strip().strip('"') for part in match.group(1).split(",")]


def cli_help(*args: str) -> str:
    result = subprocess.run(
        [str(ROOFKIT), *args, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"roofkit {' '.join(args)} --help failed:\n{result.stderr}"
    return result.stdout


def test_image_entrypoint_is_the_roofkit_command() -> None:
    assert image_entrypoint() == ["roofkit"]


def test_every_deployment_runs_a_serve_component_the_cli_offers(helm_bin: Path) -> None:
    docs = documents(render(helm_bin, DEV_VALUES))
    serve_help = cli_help("serve")

    components = []
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        container = doc["spec"]["template"]["spec"]["containers"][0]
        assert "command" not in container, "the image entrypoint must stay in effect"
        verb, component = container["args"]
        assert verb == "serve"
        assert re.search(rf"\b{component}\b", serve_help), f"`roofkit serve` lacks {component}"
        components.append(component)
    assert sorted(components) == ["auth", "importer", "operator", "ratelimit"]


def test_migration_job_runs_roofkit_migrate(helm_bin: Path) -> None:
    jobs = [doc for doc in documents(render(helm_bin)) if doc["kind"] == "Job"]
    assert [job["spec"]["template"]["spec"]["containers"][0]["args"] for job in jobs] == [
        ["migrate"]
    ]
    cli_help("migrate")
