"""``seeder fit``'s flags, checked, and what each mode prints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seeder.fit.sources import FitError, mask_dsn

__all__ = ["fit_command"]


def fit_command(args: argparse.Namespace) -> int:
    if args.csv is not None:
        if args.dsn or args.check:
            raise FitError("--csv fits one column of a file; leave out --dsn and --check")
        if not args.column:
            raise FitError("--csv needs --column C: the column to fit")
        from seeder.fit.csvfile import fit_csv

        return _write(fit_csv(Path(args.csv), args.column), args.out)
    if not args.dsn:
        raise FitError("seeder fit needs --dsn postgresql://... (or mysql://...), or --csv FILE")
    if args.column:
        raise FitError("--column goes with --csv; with --dsn use --tables")
    tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None
    if args.check:
        if tables:
            raise FitError("--check compares every entity of the scenario; leave out --tables")
        return _check(args)
    if args.map or args.scale != 1.0:
        raise FitError("--map and --scale go with --check")
    from seeder.fit.api import fit_database

    out = Path(args.out) if args.out != "-" else None
    text = fit_database(
        args.dsn,
        schema=args.schema,
        tables=tables,
        pools=args.pools,
        commands=Path(args.commands) if args.commands else None,
        out=out,
    )
    return _write(text, args.out)


def _write(text: str, out: str) -> int:
    if out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FitError(f"cannot write {out}: {exc.strerror}; choose another --out") from exc
    print(f"seeder fit: wrote {out}", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    from seeder.fit.check import check_model, format_table
    from seeder.fit.sources import connect
    from seeder.model import load_model

    mapping: dict[str, str] = {}
    for item in args.map:
        entity, sep, table = item.partition("=")
        if not sep or not entity or not table:
            raise FitError(f"--map {item!r}: write it ENTITY=TABLE (author=authors)")
        mapping[entity.strip()] = table.strip()
    model = load_model(args.check, scale=args.scale)
    unknown = [e for e in mapping if e not in model.entities]
    if unknown:
        raise FitError(f"--map {unknown[0]}: the scenario has no entity {unknown[0]!r}")
    source = connect(args.dsn, args.schema)
    try:
        rows = check_model(source, model, mapping)
    finally:
        source.close()
    print(f"seeder fit --check {args.check} against {mask_dsn(args.dsn)}")
    print(format_table(rows))
    failed = [r for r in rows if not r.ok]
    if failed:
        print(f"seeder fit: {len(failed)} of {len(rows)} outside tolerance", file=sys.stderr)
        return 1
    print(f"seeder fit: all {len(rows)} within tolerance", file=sys.stderr)
    return 0
