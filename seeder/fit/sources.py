"""Database sources: a DSN, its connection, and the SQL that differs per dialect.

``postgresql://`` (or ``postgres://``) goes through psycopg; ``mysql://`` and
``mariadb://`` through PyMySQL. Both drivers come with the ``fit`` extra (psycopg
with ``demo`` too). A DSN's password is masked (``***``) in every message,
including the drivers' own, and never printed. Sessions are read-only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from seeder.errors import SeederError

__all__ = ["FitError", "Source", "connect", "mask_dsn"]

POSTGRES_SCHEMES = ("postgresql", "postgres")
MYSQL_SCHEMES = ("mysql", "mariadb", "mysql+pymysql")


class FitError(SeederError):
    """A ``seeder fit`` input is wrong: a DSN, a database that cannot be reached,
    an unknown schema, table or column (exit 2)."""


def mask_dsn(dsn: str) -> str:
    """The DSN with its password (in the URL or a ``password=`` parameter) as ``***``."""
    masked = re.sub(r"(://[^/@:]*:)[^@/]*@", r"\1***@", dsn)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", masked)


def _scrub(text: str, secret: str | None) -> str:
    one_line = " ".join(str(text).split())
    if secret:
        one_line = one_line.replace(secret, "***")
    return one_line


@dataclass
class Source:
    """An open connection and its dialect ("postgresql" or "mysql")."""

    dialect: str
    conn: Any
    schema: str
    shown: str  # the DSN, masked

    def quote(self, name: str) -> str:
        if self.dialect == "mysql":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def table(self, name: str) -> str:
        return f"{self.quote(self.schema)}.{self.quote(name)}"

    def real(self, expr: str) -> str:
        """``expr`` as a double (integer arithmetic would divide or overflow)."""
        return f"CAST({expr} AS DOUBLE)" if self.dialect == "mysql" else f"({expr})::float8"

    def matches(self, expr: str, pattern: str) -> str:
        op = "REGEXP" if self.dialect == "mysql" else "~"
        return f"{expr} {op} '{pattern}'"

    @property
    def param(self) -> str:
        return "%s"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, tuple(params))
                return list(cur.fetchall())
        except Exception as exc:  # the driver's error, on a query seeder wrote
            if self.dialect == "postgresql":
                self.conn.rollback()
            raise FitError(
                f"{self.shown}: the database refused a fit query: {_scrub(str(exc), None)}"
            ) from exc

    def close(self) -> None:
        self.conn.close()


def _parts(dsn: str) -> SplitResult:
    try:
        parts = urlsplit(dsn)
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise FitError(f"--dsn {mask_dsn(dsn)} is not a valid URL ({exc})") from exc
    return parts


def connect(dsn: str, schema: str | None) -> Source:
    """Opens ``dsn``; ``schema`` defaults to the connection's current schema
    (PostgreSQL: ``current_schema()``, which a ``search_path`` option sets) or the
    database the DSN names (MySQL)."""
    shown = mask_dsn(dsn)
    parts = _parts(dsn)
    secret = unquote(parts.password) if parts.password else None
    scheme = parts.scheme.lower()
    if scheme in POSTGRES_SCHEMES:
        return _postgres(dsn, schema, shown, secret)
    if scheme in MYSQL_SCHEMES:
        return _mysql(parts, schema, shown, secret)
    raise FitError(
        f"--dsn {shown}: unknown database scheme {parts.scheme or '(none)'!r}; "
        "use postgresql://user@host/db or mysql://user@host/db"
    )


def _missing(driver: str, exc: ImportError) -> FitError:
    return FitError(
        f"seeder fit needs {driver} ({exc.name} is missing); "
        "install it with: pip install 'command-seeder[fit]'"
    )


def _postgres(dsn: str, schema: str | None, shown: str, secret: str | None) -> Source:
    try:
        import psycopg
    except ImportError as exc:
        raise _missing("psycopg", exc) from exc
    try:
        conn = psycopg.connect(dsn, connect_timeout=5)
    except (psycopg.Error, ValueError) as exc:
        raise FitError(
            f"cannot connect to {shown}: {_scrub(str(exc), secret)}; check --dsn"
        ) from exc
    conn.read_only = True  # fit only reads: a production database is safe from it
    source = Source("postgresql", conn, schema or "", shown)
    if not schema:
        (current,) = source.rows("SELECT current_schema()")[0]
        source.schema = current or "public"
    found = source.rows(
        "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [source.schema]
    )
    if not found:
        names = [r[0] for r in source.rows("SELECT nspname FROM pg_namespace ORDER BY 1")]
        conn.close()
        raise FitError(_unknown_schema(source.schema, shown, names))
    return source


def _mysql(parts: SplitResult, schema: str | None, shown: str, secret: str | None) -> Source:
    try:
        import pymysql
    except ImportError as exc:
        raise _missing("PyMySQL", exc) from exc
    database = unquote(parts.path.lstrip("/")) or None
    try:
        conn = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username) if parts.username else "root",
            password=secret or "",
            database=None,
            connect_timeout=5,
            charset="utf8mb4",
        )
    except pymysql.Error as exc:
        raise FitError(
            f"cannot connect to {shown}: {_scrub(str(exc), secret)}; check --dsn"
        ) from exc
    source = Source("mysql", conn, schema or database or "", shown)
    source.rows("SET SESSION TRANSACTION READ ONLY")
    if not source.schema:
        conn.close()
        raise FitError(f"--dsn {shown} names no database; add /DATABASE or give --schema")
    names = [r[0] for r in source.rows("SELECT schema_name FROM information_schema.schemata")]
    if source.schema not in names:
        conn.close()
        raise FitError(_unknown_schema(source.schema, shown, names))
    return source


def _unknown_schema(schema: str, shown: str, names: list[str]) -> str:
    from seeder.errors import suggest

    hint = suggest(schema, names)
    return f"{shown}: no schema {schema!r}; {hint + ' ' if hint else ''}check --schema"
