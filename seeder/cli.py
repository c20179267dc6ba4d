"""The ``seeder`` command line: a thin shell over the library.

It parses arguments, calls the library, and turns ``SeederError`` into one clear
message and an exit code (DESIGN.md: 0 done, 1 some rejected, 2 invalid input,
130 interrupted).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from seeder.errors import SeederError


def _demo(args: argparse.Namespace) -> int:
    try:
        from seeder.demo.server import serve  # the optional 'demo' extra
    except ImportError as exc:
        raise SeederError(
            f"the demo service needs the 'demo' extra ({exc.name} is missing); "
            "install it with: pip install 'seeder[demo]'"
        ) from exc
    serve(host=args.host, port=args.port, db=args.db)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seeder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the embedded demo service")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument(
        "--db", default=None, help="SQLite file path, or a postgresql:// DSN (default: memory)"
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except SeederError as exc:
        print(f"seeder: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
