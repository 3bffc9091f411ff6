"""Regenerate the Python code of the protobuf contracts, or check it is current.

    python proto-events/generate.py           # rewrite roofkit_events/ from proto/
    python proto-events/generate.py --check   # exit 1 if the committed code is stale

The sources live under ``proto/`` laid out by proto package
(``proto/roofkit/auth/v1/auth.proto`` declares ``roofkit.auth.v1``), which is the
layout buf's lint expects. protoc therefore emits Python modules named
``roofkit.auth.v1.auth_pb2``; this script generates into a scratch directory,
moves the output under the ``roofkit_events`` package and rewrites the
cross-file imports (``from roofkit.common.v1 import ...``) to
``from roofkit_events.common.v1 import ...``. Only import lines and the module
name handed to the protobuf builder are rewritten: the serialized descriptors
keep the real proto file and package names, so the wire contract and the
descriptor pool are the same as for any other language.

Output is deterministic for a given protoc (grpcio-tools) and mypy-protobuf,
both pinned in ``uv.lock``: upgrading either means regenerating.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import importlib.resources
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE / "proto"
OUTPUT_ROOT = HERE / "roofkit_events"

#: Top-level proto package and the Python package that hosts its generated code.
PROTO_PACKAGE = "roofkit"
PYTHON_PACKAGE = "roofkit_events"

#: Files this script owns inside ``roofkit_events/``; anything else there
#: (``__init__.py`` of the root, ``subjects.py``, ``py.typed``) is hand-written.
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi")
PACKAGE_INIT_TEXT = '"""Generated protobuf package; see proto-events/README.md."""\n'

_FROM_IMPORT = re.compile(rf"^(\s*from ){PROTO_PACKAGE}((?:\.\w+)+ import )", re.MULTILINE)
_BUILDER_MODULE = re.compile(rf"(BuildTopDescriptorsAndMessages\(DESCRIPTOR, '){PROTO_PACKAGE}\.")
_LEFTOVER_IMPORT = re.compile(rf"^\s*(from|import) {PROTO_PACKAGE}[.\s]", re.MULTILINE)


def proto_files() -> list[Path]:
    """All .proto sources, sorted so protoc sees them in a stable order."""
    return sorted(PROTO_ROOT.rglob("*.proto"))


def run_protoc(out_dir: Path) -> None:
    """Run protoc (from grpcio-tools) with the Python and mypy-protobuf plugins."""
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    plugin = Path(sys.executable).parent / "protoc-gen-mypy"
    if not plugin.exists():
        sys.exit(f"protoc-gen-mypy not found next to {sys.executable}; run `uv sync`")
    sources = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    if not sources:
        sys.exit(f"no .proto files under {PROTO_ROOT}")
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--plugin=protoc-gen-mypy={plugin}",
        f"--python_out={out_dir}",
        f"--mypy_out={out_dir}",
        *sources,
    ]
    result = subprocess.run(cmd, cwd=PROTO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit(f"protoc failed with exit code {result.returncode}")


def rewrite_imports(text: str, path: Path) -> str:
    """Point generated imports of ``roofkit.*`` at ``roofkit_events.*``."""
    text = _FROM_IMPORT.sub(rf"\g<1>{PYTHON_PACKAGE}\g<2>", text)
    text = _BUILDER_MODULE.sub(rf"\g<1>{PYTHON_PACKAGE}.", text)
    leftover = _LEFTOVER_IMPORT.search(text)
    if leftover:
        # A new shape of generated import: fail loudly rather than ship code
        # that imports a package which does not exist.
        sys.exit(f"{path}: unrewritten import {leftover.group(0).strip()!r}")
    return text


def generate(dest: Path) -> None:
    """Write the complete generated tree for ``roofkit_events`` into ``dest``."""
    with tempfile.TemporaryDirectory(prefix="roofkit-protoc-") as scratch:
        scratch_root = Path(scratch)
        run_protoc(scratch_root)
        generated_root = scratch_root / PROTO_PACKAGE
        for src in sorted(generated_root.rglob("*")):
            if not src.is_file():
                continue
            rel = src.relative_to(generated_root)
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                rewrite_imports(src.read_text(encoding="utf-8"), rel), encoding="utf-8"
            )
    # Every directory between roofkit_events/ and a generated module is a
    # regular package, so mypy and importers resolve it without namespace rules.
    for directory in sorted({p.parent for p in dest.rglob("*_pb2.py")}):
        while directory != dest:
            (directory / "__init__.py").write_text(PACKAGE_INIT_TEXT, encoding="utf-8")
            directory = directory.parent


def owned_files(root: Path) -> set[Path]:
    """Generated files under ``root`` (relative paths): modules, stubs, package inits."""
    owned: set[Path] = set()
    for path in root.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root)
        if path.name.endswith(GENERATED_SUFFIXES) or (
            path.name == "__init__.py" and len(rel.parts) > 1
        ):
            owned.add(rel)
    return owned


def compare(expected_root: Path, actual_root: Path) -> list[str]:
    """Differences between a fresh generation and the committed tree."""
    problems: list[str] = []
    expected = owned_files(expected_root)
    actual = owned_files(actual_root)
    for rel in sorted(expected - actual):
        problems.append(f"missing: {PYTHON_PACKAGE}/{rel}")
    for rel in sorted(actual - expected):
        problems.append(f"not generated from any .proto (remove it): {PYTHON_PACKAGE}/{rel}")
    for rel in sorted(expected & actual):
        if not filecmp.cmp(expected_root / rel, actual_root / rel, shallow=False):
            diff = difflib.unified_diff(
                (actual_root / rel).read_text(encoding="utf-8").splitlines(keepends=True),
                (expected_root / rel).read_text(encoding="utf-8").splitlines(keepends=True),
                fromfile=f"committed/{rel}",
                tofile=f"generated/{rel}",
                n=1,
            )
            problems.append(f"stale: {PYTHON_PACKAGE}/{rel}\n" + "".join(list(diff)[:40]))
    return problems


def write(dest_root: Path) -> None:
    """Replace the generated files under ``dest_root`` with a fresh generation."""
    with tempfile.TemporaryDirectory(prefix="roofkit-gen-") as fresh:
        fresh_root = Path(fresh)
        generate(fresh_root)
        for rel in owned_files(dest_root) - owned_files(fresh_root):
            (dest_root / rel).unlink()
        for rel in sorted(owned_files(fresh_root)):
            target = dest_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh_root / rel, target)
    # Drop directories left empty by a removed .proto.
    for directory in sorted(dest_root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(
            p for p in directory.iterdir() if p.name != "__pycache__"
        ):
            shutil.rmtree(directory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 when the committed code differs from a fresh generation",
    )
    args = parser.parse_args(argv)
    if not args.check:
        write(OUTPUT_ROOT)
        print(
            f"generated {len(owned_files(OUTPUT_ROOT))} files under "
            f"{OUTPUT_ROOT.relative_to(HERE.parent)}"
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="roofkit-gen-check-") as fresh:
        generate(Path(fresh))
        problems = compare(Path(fresh), OUTPUT_ROOT)
    if problems:
        print(
            "generated protobuf code is stale; run `make proto` and commit the result:",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("generated protobuf code is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
