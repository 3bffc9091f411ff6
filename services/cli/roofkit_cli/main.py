"""The ``roofkit`` command: the local stack, manifests, migrations and the process entrypoints.

This is the only place that reads the environment (``ROOFKIT_*``) and builds settings.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from roofkit_runtime import logs

COMPONENTS = ("importer", "auth", "ratelimit", "operator")


def _home() -> Path:
    return Path(os.environ.get("ROOFKIT_HOME", ".roofkit")).resolve()


def _serve(component: str) -> int:
    from roofkit_runtime import ops

    if component == "importer":
        from roofkit_importer.app import serve as serve_importer
        from roofkit_importer.settings import ImporterSettings

        importer_settings = ImporterSettings()
        logs.configure("importer", importer_settings.log_level)
        ops.run(serve_importer(importer_settings))
    elif component == "auth":
        from roofkit_auth.app import serve as serve_auth
        from roofkit_auth.settings import AuthSettings

        auth_settings = AuthSettings()
        logs.configure("auth", auth_settings.log_level)
        ops.run(serve_auth(auth_settings))
    elif component == "ratelimit":
        from roofkit_ratelimit.app import serve as serve_ratelimit
        from roofkit_ratelimit.settings import RateLimitSettings

        ratelimit_settings = RateLimitSettings()
        logs.configure("ratelimit", ratelimit_settings.log_level)
        ops.run(serve_ratelimit(ratelimit_settings))
    else:
        from roofkit_operator.app import serve as serve_operator
        from roofkit_operator.settings import OperatorSettings

        operator_settings = OperatorSettings()
        logs.configure("operator", operator_settings.log_level)
        asyncio.run(serve_operator(operator_settings))
    return 0


def _migrate() -> int:
    from roofkit_runtime.migrate import upgrade
    from roofkit_runtime.settings import ServiceSettings

    settings = ServiceSettings()
    logs.configure("migrate", settings.log_level)
    upgrade(settings.database_url.get_secret_value())
    print("database migrated")
    return 0


def _urls() -> tuple[str, str]:
    database_url = os.environ.get("ROOFKIT_DATABASE_URL")
    nats_url = os.environ.get("ROOFKIT_NATS_URL")
    if database_url and nats_url:
        return database_url, nats_url
    from roofkit_cli.devstack import read_state

    state = read_state(_home())
    return database_url or state["database_url"], nats_url or state["nats_url"]


def _apply(files: list[str], output: str | None) -> int:
    from roofkit_cli import manifests
    from roofkit_operator.errors import OperatorError
    from roofkit_operator.resources import InvalidManifest

    try:
        documents = manifests.load(files)  # a broken manifest is refused before any connection
        database_url, nats_url = _urls()
        applied = asyncio.run(
            manifests.apply(documents, database_url=database_url, nats_url=nats_url, home=_home())
        )
    except (InvalidManifest, OperatorError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if output == "json":
        print(
            json.dumps(
                {
                    "apikeys": {
                        name: {
                            "token": entry["token"],
                            "key_id": entry["key_id"],
                            "prefix": entry["prefix"],
                            "workspace_id": entry["workspace_id"],
                            "secret_file": entry["secret_file"],
                        }
                        for name, entry in applied.apikeys.items()
                    },
                    "workspaces": {
                        name: {"workspace_id": entry["workspace_id"]}
                        for name, entry in applied.workspaces.items()
                    },
                },
                indent=2,
            )
        )
        return 0
    for name, entry in applied.workspaces.items():
        print(f"workspace/{name} {'configured' if entry['changed'] else 'unchanged'}")
    for name, entry in applied.apikeys.items():
        print(
            f"apikey/{name} {'configured' if entry['changed'] else 'unchanged'} "
            f"({entry['prefix']}…)"
        )
        if entry["token"]:
            print(f"  key (shown once; also written to {entry['secret_file']}): {entry['token']}")
    return 0


def _delete(files: list[str]) -> int:
    from roofkit_cli import manifests
    from roofkit_operator.resources import InvalidManifest

    try:
        documents = manifests.load(files)
    except InvalidManifest as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    database_url, nats_url = _urls()
    for line in asyncio.run(
        manifests.delete(documents, database_url=database_url, nats_url=nats_url)
    ):
        print(line)
    return 0


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop()


def _dev(examples: str) -> int:
    from roofkit_cli.devstack import DevStack

    stack = DevStack(
        home=_home(),
        http_port=int(os.environ.get("ROOFKIT_HTTP_PORT", "8080")),
        database_url=os.environ.get("ROOFKIT_DATABASE_URL"),
        nats_url=os.environ.get("ROOFKIT_NATS_URL"),
        log_level=os.environ.get("ROOFKIT_LOG_LEVEL", "INFO"),
    )
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        print(f"roofkit dev: starting the local stack in {stack.home}", flush=True)
        stack.start_infrastructure()
        print(f"  postgres  {stack.database_url}\n  nats      {stack.nats_url}", flush=True)
        paths = sorted(glob.glob(os.path.join(examples, "*.yaml")))
        if paths:
            applied = stack.apply(paths)
            for name, entry in applied.apikeys.items():
                state = "new key" if entry["token"] else "existing key"
                print(f"  apikey/{name}: {state} in {entry['secret_file']}", flush=True)
        stack.start_services()
        print(
            f"""
RoofKit is running.
  Partner API   {stack.url}   (docs: {stack.url}/docs)
  dev API key   {stack.key_file}
  logs          {stack.home / "logs"}

Import the example report:
  curl -sS {stack.url}/api/v1/reports/import \\
    -H "Authorization: Bearer $(cat {stack.key_file})" \\
    -H "Idempotency-Key: $(uuidgen 2>/dev/null || date +%s%N)" \\
    -F file=@examples/reports/gable-facets.csv

Ctrl-C stops everything.""",
            flush=True,
        )
        while True:
            stack.supervise_once()
            time.sleep(0.5)
    except (_Stop, KeyboardInterrupt):
        print("\nroofkit dev: stopping", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roofkit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run the whole product locally (make dev)")
    dev.add_argument("--examples", default="examples/local", help="manifests applied at start")
    apply = commands.add_parser("apply", help="apply Workspace/ApiKey manifests to the stack")
    apply.add_argument("-f", "--filename", action="append", required=True, help="file or -")
    apply.add_argument("-o", "--output", choices=["json"], help="output format")
    delete = commands.add_parser("delete", help="delete Workspace/ApiKey manifests")
    delete.add_argument("-f", "--filename", action="append", required=True, help="file or -")
    commands.add_parser("migrate", help="apply the database migrations")
    serve = commands.add_parser("serve", help="run one component (container entrypoint)")
    serve.add_argument("component", choices=COMPONENTS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "dev":
        return _dev(args.examples)
    if args.command == "apply":
        return _apply(args.filename, args.output)
    if args.command == "delete":
        return _delete(args.filename)
    if args.command == "migrate":
        return _migrate()
    return _serve(args.component)
