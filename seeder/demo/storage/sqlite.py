"""SQLite backend (standard library ``sqlite3``), a file or ``:memory:``.

One connection per database, shared by every thread under a lock: SQLite has a
single writer anyway, and an in-memory database exists only inside its connection.
Write transactions start with ``BEGIN IMMEDIATE``, so two service instances on one
file serialise too; that is what makes check-then-insert rules (unique ISBN, one
loan per book, idempotency keys) race-free here without row locks.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from seeder.demo.storage.schema import statements
from seeder.demo.storage.sql import Row, UniqueViolation

__all__ = ["SqliteDatabase"]


class _SqliteSql:
    for_update = ""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._savepoints = itertools.count()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            cursor = self._conn.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(None, str(exc)) from exc
            raise
        return [dict(row) for row in cursor.fetchall()]

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        name = f"sp{next(self._savepoints)}"
        self._conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            raise
        self._conn.execute(f"RELEASE {name}")


class SqliteDatabase:
    """``path`` is a file name or ``:memory:``."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction() as sql:
            for statement in statements("INTEGER PRIMARY KEY AUTOINCREMENT"):
                sql.query(statement)

    @contextmanager
    def transaction(self) -> Iterator[_SqliteSql]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteSql(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
