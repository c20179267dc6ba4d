"""Where a journal keeps its rows: an SQLite file (one machine; WAL, shared by the
processes of ``--workers``) or a PostgreSQL database (``--journal postgresql://...``,
shared by the shards of a run on many machines). Both hold the same two tables —
``meta`` (key → value) and an append-only log of item states, each row tagged with
the shard that wrote it — and both pass the same contract tests
(tests/run/test_journal_stores.py).

A store is used by one :class:`seeder.run.journal.Journal`; it knows SQL, not runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from seeder.errors import SeederError
from seeder.run.guard import redact_url

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore", "Row", "SqliteStore", "Store", "is_postgres", "open_store"]

# (key, state, captured JSON, status, message, shard)
Row = tuple[str, int, str | None, int | None, str | None, int]


def is_postgres(location: Path | str) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


class Store(Protocol):
    """The storage of one journal, for one process (and one shard of it: 0 when the
    run is not sharded)."""

    where: str  # shown in messages: a path, or the DSN without its password

    def exists(self) -> bool:
        """Whether it holds a journal (before ``open``)."""
        ...

    def open(self, shard: int) -> None:
        """Creates the tables if needed and takes the shard's lock: a SeederError
        when another process holds it."""
        ...

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """A transaction that no other process's ``transaction`` overlaps."""
        ...

    def meta(self) -> dict[str, str]: ...

    def write_meta(self, values: Mapping[str, str]) -> None: ...

    def clear(self, shard: int | None) -> None:
        """Deletes the rows of ``shard``, or all rows and the meta (None)."""
        ...

    def append(self, rows: Sequence[Row]) -> None: ...

    def rows(self) -> Iterator[tuple[str, int, str | None]]:
        """Every row's key, state and captured values, oldest first."""
        ...

    def count_done(self, shard: int | None, done: int) -> int:
        """Distinct keys in state ``done`` (of ``shard``, or all)."""
        ...

    def latest(self, keys: Sequence[str]) -> dict[str, tuple[int, str | None]]:
        """The latest state and captured values of each of ``keys`` that has a row."""
        ...

    def written_at(self) -> float:
        """When the journal was last written (epoch seconds; 0 unknown)."""
        ...

    def close(self) -> None: ...


def open_store(location: Path | str) -> Store:
    if is_postgres(location):
        return PostgresStore(str(location))
    return SqliteStore(Path(location))


# -- SQLite -------------------------------------------------------------------------

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    key TEXT NOT NULL,
    state INTEGER NOT NULL,
    captured TEXT,
    status INTEGER,
    message TEXT,
    shard INTEGER NOT NULL DEFAULT 0
);
"""
# an append-only log: an item's latest row (highest rowid) is its state. Appending
# costs half of an upsert, and a resume reads the log once in order anyway.
_SQLITE_APPEND = (
    "INSERT INTO items (key, state, captured, status, message, shard) VALUES (?, ?, ?, ?, ?, ?)"
)


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._db: sqlite3.Connection | None = None
        self._lock: Any = None

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "the store is not open"
        return self._db

    def exists(self) -> bool:
        return self.path.exists()

    def open(self, shard: int) -> None:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # one lock per shard (the processes of --workers share the file)
            self._lock = _lock(Path(f"{path}.lock" if not shard else f"{path}.lock-{shard}"), path)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SQLITE_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(items)")}
            if "shard" not in columns:  # a journal of an earlier version
                db.execute("ALTER TABLE items ADD COLUMN shard INTEGER NOT NULL DEFAULT 0")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise SeederError(
                f"cannot use the journal {path}: {exc}; choose another --journal PATH"
            ) from exc
        except OSError as exc:
            self.close()
            raise SeederError(
                f"cannot create the journal {path}: {exc.strerror}; choose another --journal PATH"
            ) from exc
        self._db = db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def write_meta(self, values: Mapping[str, str]) -> None:
        self.db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    def clear(self, shard: int | None) -> None:
        if shard is None:
            self.db.execute("DELETE FROM items")
            self.db.execute("DELETE FROM meta")
        else:
            self.db.execute("DELETE FROM items WHERE shard = ?", (shard,))

    def append(self, rows: Sequence[Row]) -> None:
        with self.transaction():
            self.db.executemany(_SQLITE_APPEND, rows)

    def rows(self) -> Iterator[tuple[str, int, str | None]]:
        yield from self.db.execute("SELECT key, state, captured FROM items ORDER BY rowid")

    def count_done(self, shard: int | None, done: int) -> int:
        query = "SELECT count(DISTINCT key) FROM items WHERE state = ?"
        args: tuple[int, ...] = (done,)
        if shard is not None:
            query, args = query + " AND shard = ?", (done, shard)
        (n,) = self.db.execute(query, args).fetchone()
        return int(n)

    def latest(self, keys: Sequence[str]) -> dict[str, tuple[int, str | None]]:
        found: dict[str, tuple[int, str | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, state, captured in self.db.execute(
                f"SELECT key, state, captured FROM items WHERE key IN ({marks}) ORDER BY rowid",
                chunk,
            ):
                found[key] = (state, captured)
        return found

    def written_at(self) -> float:
        return max(
            (p.stat().st_mtime for p in (self.path, Path(f"{self.path}-wal")) if p.exists()),
            default=0.0,
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None

    @staticmethod
    def read_meta(path: Path) -> dict[str, str]:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return dict(db.execute("SELECT key, value FROM meta").fetchall())
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise SeederError(f"cannot read the journal {path}: {exc}") from exc


def _lock(lock_path: Path, path: Path) -> Any:
    """An exclusive lock on ``lock_path`` for the run's lifetime (released by the OS
    if the process dies): two runs writing one journal (one shard of it) would
    corrupt each other's record."""
    handle = open(lock_path, "a+")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise SeederError(
            f"another seeder run (pid {holder}) is using the journal {path}; wait for it "
            "to end, or give this run its own --journal PATH"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


# -- PostgreSQL ---------------------------------------------------------------------

_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS seeder_journal_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seeder_journal_items (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    state SMALLINT NOT NULL,
    captured TEXT,
    status INTEGER,
    message TEXT,
    shard INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS seeder_journal_items_key ON seeder_journal_items (key);
"""
# advisory locks are per database: keyed by the journal's schema, so that journals in
# two schemas of one database never wait on each other. "meta" guards the meta, a
# shard's number that shard for its process's lifetime.
_PG_LOCK = "hashtextextended(coalesce(current_schema(), '') || '/seeder-journal/' || %s, 0)"


class PostgresStore:
    """A journal in PostgreSQL, in the DSN's database and search_path (give each
    plan its own: ``?options=-csearch_path%3Dmyrun``)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.where = redact_url(dsn)
        self._db: psycopg.Connection[Any] | None = None

    @property
    def db(self) -> psycopg.Connection[Any]:
        assert self._db is not None, "the store is not open"
        return self._db

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            import psycopg
        except ImportError as exc:
            raise SeederError(
                f"a PostgreSQL journal needs psycopg ({exc.name} is missing); install it "
                "with: pip install 'command-seeder[postgres]'"
            ) from None
        try:
            return psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split()).replace(self.dsn, self.where)
            raise SeederError(
                f"cannot reach the journal {self.where}: {reason[:300]}; check --journal"
            ) from None

    def exists(self) -> bool:
        with self._connect() as db:
            (found,) = db.execute(
                "SELECT to_regclass('seeder_journal_meta') IS NOT NULL"
            ).fetchone() or (False,)
            if not found:
                return False
            row = db.execute("SELECT count(*) FROM seeder_journal_meta").fetchone()
            return bool(row and row[0])

    def read_meta(self) -> dict[str, str]:
        if not self.exists():
            return {}
        with self._connect() as db:
            return dict(db.execute("SELECT key, value FROM seeder_journal_meta").fetchall())

    def open(self, shard: int) -> None:
        import psycopg

        db = self._db = self._connect()
        try:
            with db.transaction():
                db.execute(f"SELECT pg_advisory_xact_lock({_PG_LOCK})", ("meta",))
                db.execute(_PG_SCHEMA)
            (locked,) = db.execute(
                f"SELECT pg_try_advisory_lock({_PG_LOCK})", (str(shard),)
            ).fetchone() or (False,)
        except psycopg.Error as exc:
            self.close()
            reason = " ".join(str(exc).split())
            raise SeederError(
                f"cannot use the journal {self.where}: {reason[:300]}; check that its "
                "database and search_path exist and that the user may create tables there"
            ) from None
        if not locked:
            self.close()
            what = f"shard {shard} of the run" if shard else "the run"
            raise SeederError(
                f"another seeder process is running {what} journaled in {self.where}; wait "
                "for it to end, or give this run its own --journal"
            )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            self.db.execute(f"SELECT pg_advisory_xact_lock({_PG_LOCK})", ("meta",))
            yield

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM seeder_journal_meta").fetchall())

    def write_meta(self, values: Mapping[str, str]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO seeder_journal_meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def clear(self, shard: int | None) -> None:
        if shard is None:
            self.db.execute("DELETE FROM seeder_journal_items")
            self.db.execute("DELETE FROM seeder_journal_meta")
        else:
            self.db.execute("DELETE FROM seeder_journal_items WHERE shard = %s", (shard,))

    def append(self, rows: Sequence[Row]) -> None:
        with (
            self.db.transaction(),
            self.db.cursor() as cursor,
            cursor.copy(
                "COPY seeder_journal_items (key, state, captured, status, message, shard) "
                "FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def rows(self) -> Iterator[tuple[str, int, str | None]]:
        with self.db.transaction(), self.db.cursor(name="seeder_journal_rows") as cursor:
            cursor.itersize = 10_000
            cursor.execute("SELECT key, state, captured FROM seeder_journal_items ORDER BY id")
            yield from cursor

    def count_done(self, shard: int | None, done: int) -> int:
        if shard is None:
            row = self.db.execute(
                "SELECT count(DISTINCT key) FROM seeder_journal_items WHERE state = %s", (done,)
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT count(DISTINCT key) FROM seeder_journal_items "
                "WHERE state = %s AND shard = %s",
                (done, shard),
            ).fetchone()
        return int(row[0]) if row else 0

    def latest(self, keys: Sequence[str]) -> dict[str, tuple[int, str | None]]:
        found: dict[str, tuple[int, str | None]] = {}
        for key, state, captured in self.db.execute(
            "SELECT key, state, captured FROM seeder_journal_items WHERE key = ANY(%s) ORDER BY id",
            (list(keys),),
        ):
            found[key] = (state, captured)
        return found

    def written_at(self) -> float:
        row = self.db.execute(
            "SELECT extract(epoch FROM max(at))::float8 FROM seeder_journal_items"
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()  # ends the session: its advisory locks go with it
            self._db = None
