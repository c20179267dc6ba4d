"""``seeder fit``'s entry points: a database to a scenario skeleton, a CSV column
to a field, a seeded database against its scenario."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from pathlib import Path

from seeder.commands import Command
from seeder.fit.introspect import introspect
from seeder.fit.measure import measure_table
from seeder.fit.skeleton import Options, match_commands, write_skeleton
from seeder.fit.sources import FitError, connect

__all__ = ["fit_database"]


def fit_database(
    dsn: str,
    *,
    schema: str | None = None,
    tables: Sequence[str] | None = None,
    pools: str = "fixed",
    commands: Path | None = None,
    out: Path | None = None,
) -> str:
    """The scenario skeleton (YAML text) of a database's schema."""
    command_fields = _command_fields(commands) if commands is not None else None
    source = connect(dsn, schema)
    try:
        found = introspect(source, tables)
        stats = {name: measure_table(source, table) for name, table in found.items()}
        options = Options(pools=pools, source=source.shown)
        if commands is not None and command_fields is not None:
            options.commands = _relative(commands, out)
            options.command_of = match_commands(list(found.values()), command_fields)
        return write_skeleton(source, found, stats, options)
    finally:
        source.close()


def _relative(path: Path, out: Path | None) -> str:
    base = out.resolve().parent if out is not None else Path.cwd()
    try:
        return Path(os.path.relpath(path.resolve(), base)).as_posix()
    except ValueError:  # another drive
        return path.resolve().as_posix()


def _command_fields(path: Path) -> dict[str, frozenset[str]]:
    from seeder.scenario.modules import load_module_file

    if not path.is_file():
        raise FitError(f"--commands {path}: no such file; give the Python file of your commands")
    try:
        module = load_module_file(path, "commands")
    except Exception as exc:
        raise FitError(
            f"--commands {path}: cannot import it ({type(exc).__name__}: {exc})"
        ) from exc
    found = {
        name: frozenset(cls.model_fields)
        for name, cls in vars(module).items()
        if inspect.isclass(cls) and issubclass(cls, Command) and cls is not Command
    }
    if not found:
        raise FitError(f"--commands {path}: defines no seeder.Command class")
    return found
