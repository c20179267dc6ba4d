"""The command-line side of authoring: ``seeder import openapi`` and ``seeder
schema`` (kept here so that ``seeder/cli.py`` only registers them)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    """Adds ``import`` and ``schema`` to the ``seeder`` subcommands ``sub``."""
    importer = sub.add_parser(
        "import", help="write commands and a starter scenario from an OpenAPI document"
    )
    kinds = importer.add_subparsers(dest="kind", required=True, metavar="KIND")
    openapi = kinds.add_parser("openapi", help="an OpenAPI 3.0/3.1 document (file or http(s) URL)")
    openapi.add_argument("spec", metavar="SPEC", help="a file (JSON or YAML) or an http(s) URL")
    openapi.add_argument("--out", required=True, help="the commands module to write (.py)")
    openapi.add_argument("--scenario", default=None, help="also write a starter scenario here")
    openapi.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only operations whose path, 'METHOD path', operationId or command name "
        "matches this glob (repeatable), e.g. '/tenants*'",
    )
    openapi.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave out the operations this glob matches (repeatable)",
    )
    openapi.set_defaults(handler=_import_openapi)

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--out", default="-", help="file to write, or - for stdout")
    schema.set_defaults(handler=_schema)


def _import_openapi(args: argparse.Namespace) -> int:
    from seeder.importers.openapi import ImportFailed, import_openapi
    from seeder.scenario.schema import SCHEMA_URL

    if not str(args.out).endswith(".py"):
        raise ImportFailed(f"--out {args.out} must name a Python file (commands/x.py)")
    if args.scenario is not None and not str(args.scenario).endswith((".yaml", ".yml")):
        raise ImportFailed(f"--scenario {args.scenario} must name a YAML file (scenarios/x.yaml)")
    done = import_openapi(
        args.spec, args.out, args.scenario, args.include, SCHEMA_URL, args.exclude
    )
    print(f"seeder: wrote {done.module}: {len(done.commands)} commands")
    if done.scenario:
        print(f"seeder: wrote {done.scenario}: {len(done.entities)} entities")
    for line in done.skipped:
        print(f"seeder: left out {line}")
    if done.scenario:
        print(f"next: seeder validate {done.scenario}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    import json

    from seeder.scenario.schema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
    return 0
