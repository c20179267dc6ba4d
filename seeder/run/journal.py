"""The journal: what a run has done, kept in SQLite so a crashed or interrupted run
resumes without losing or repeating a write.

A row per state an item reached: done with the real ids and captured values,
rejected with the service's words, failed, uncertain; and "sent" before a command
whose service does not honour idempotency keys goes out (for the others, an item
with no outcome is simply sent again with its key). A
``meta`` table holds what the run was: the scenario's fingerprint and its parts (seed,
scale, shard, entities), the target. ``--resume`` refuses a journal whose run differs,
and says what differs.

Writes are buffered and committed in batches (by count and by time), in WAL mode
with ``synchronous=NORMAL``: a committed batch survives the process being killed.
What a crash can lose is the tail of the buffer; resume re-sends those items with
their idempotency keys, which the service answers without applying them twice. For
a command whose service does not honour idempotency keys, the "sent" mark is made
durable *before* the command goes out, so after a crash it is known to be uncertain
rather than silently sent again.

Credentials captured from answers (member tokens) are never written: resume
re-acquires them by re-sending the idempotent command that returned them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import fcntl
import functools
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import anyio

from seeder.errors import JournalMismatch, SeederError
from seeder.plan.items import split_key
from seeder.run.results import Results

__all__ = [
    "Journal",
    "JournalMismatch",
    "Mark",
    "default_path",
]


class Mark(enum.IntEnum):
    """An item's state in the journal (0: it never reached the journal)."""

    SENT = 1  # went out (or was about to); no answer recorded
    DONE = 2  # the service accepted it; its real ids are kept
    REJECTED = 3  # the service refused it (its answer is final)
    FAILED = 4  # gave up on transient failures known not to have applied it
    UNCERTAIN = 5  # may or may not have been applied (no idempotency to ask again)
    UNDONE = 6  # done, then deleted by an undo (seeder undo, run --refresh)


SCHEMA_VERSION = "1"
BATCH = 2048  # rows per commit at most
EVERY = 0.2  # seconds between commits while items finish

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    key TEXT NOT NULL,
    state INTEGER NOT NULL,
    captured TEXT,
    status INTEGER,
    message TEXT
);
"""
# an append-only log: an item's latest row (highest rowid) is its state. Appending
# costs half of an upsert, and a resume reads the log once in order anyway.
_APPEND = "INSERT INTO items (key, state, captured, status, message) VALUES (?, ?, ?, ?, ?)"
_ENCODE = json.JSONEncoder(separators=(",", ":"), default=str).encode


# captured values never journaled whatever the binding says (a replayed log has no
# bindings, and keeps every top-level value of an answer)
_SECRET_NAME = re.compile(
    r"token|secret|passw|api[_-]?key|auth|credential|session|cookie", re.IGNORECASE
)


@functools.lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


def default_path(source: Path, target: str, environ: Mapping[str, str]) -> Path:
    """``scenarios/library.yaml`` sent to ``http://127.0.0.1:8000`` →
    ``scenarios/.seeder/library@127.0.0.1_8000.journal`` (one journal per scenario
    and target, so runs to two targets never share one), or in ``$SEEDER_JOURNAL_DIR``
    when set (a CI cache, a read-only checkout)."""
    from urllib.parse import urlsplit

    parts = urlsplit(target)
    host = f"{parts.hostname}_{parts.port}" if parts.port else str(parts.hostname)
    where = re.sub(r"[^A-Za-z0-9.-]+", "_", host + parts.path).strip("_")
    folder = environ.get("SEEDER_JOURNAL_DIR")
    base = Path(folder) if folder else source.parent / ".seeder"
    return base / f"{source.stem}@{where}.journal"


class Journal:
    """A run's journal. ``identity`` describes the run (compared on resume);
    ``secrets`` lists, per entity, captured attributes never to be written."""

    def __init__(
        self,
        path: Path,
        connection: sqlite3.Connection,
        identity: Mapping[str, str],
        secrets: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.path = path
        self._db = connection
        self.identity = dict(identity)
        self.secrets = dict(secrets or {})
        self._buffer: dict[str, tuple[Any, ...]] = {}
        self._last = time.monotonic()
        self.prior: dict[str, bytearray] = {}  # states from the run being resumed
        self.prior_written_at = 0.0  # when the run being resumed last wrote (epoch s)
        # how many runs this journal's target held before (refresh): a run's
        # idempotency keys differ per generation, so a refreshed run is new to the service
        self.generation = 0
        self._lock: Any = None

    # -- opening ------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        path: Path,
        identity: Mapping[str, str],
        *,
        resume: bool,
        fresh: bool = False,
        secrets: Mapping[str, frozenset[str]] | None = None,
        resume_hint: str = "--resume",
        generation: int = 0,
        undo: bool = False,
    ) -> Journal:
        """Opens the journal for a new run (``resume`` False) or to continue the run it
        holds. A new run refuses to overwrite an unfinished run's journal unless
        ``fresh``; a resume refuses a journal of another run and says what differs."""
        exists = path.exists()
        if resume and not exists:
            raise SeederError(
                f"--resume: no journal at {path}; run without --resume to start, or give "
                "the journal of the run to resume with --journal PATH"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = _lock(path)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise SeederError(
                f"cannot use the journal {path}: {exc}; choose another --journal PATH"
            ) from exc
        except OSError as exc:
            raise SeederError(
                f"cannot create the journal {path}: {exc.strerror}; choose another --journal PATH"
            ) from exc
        journal = cls(path, db, identity, secrets)
        journal._lock = lock
        journal.generation = generation
        try:
            if undo:
                journal._begin_undo()
            else:
                journal._begin(resume, fresh, resume_hint)
        except BaseException:
            db.close()
            lock.close()
            raise
        return journal

    def _begin(self, resume: bool, fresh: bool, resume_hint: str) -> None:
        old = self._meta()
        if resume:
            self._check_same_run(old)
            self.generation = int(old.get("generation", "0"))
            self._load_prior()
            return
        if old and old.get("status") not in ("finished", "undone") and not fresh:
            (done,) = self._db.execute(
                "SELECT count(DISTINCT key) FROM items WHERE state = ?", (Mark.DONE,)
            ).fetchone()
            raise SeederError(
                f"an unfinished run's journal is at {self.path} ({done:,} commands done, "
                f"started {old.get('started_at', '?')}); continue it with {resume_hint}, "
                "or start over with --fresh (its record is discarded)"
            )
        with self._transaction():
            self._db.execute("DELETE FROM items")
            self._db.execute("DELETE FROM meta")
            self._write_meta(
                {
                    **self.identity,
                    "schema": SCHEMA_VERSION,
                    "status": "running",
                    "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "generation": str(self.generation),
                }
            )

    def _begin_undo(self) -> None:
        old = self._meta()
        if not old:
            raise SeederError(f"undo: {self.path} holds no run; nothing to undo")
        if old.get("target") != self.identity["target"]:
            raise JournalMismatch(
                f"undo: the journal {self.path} is of a run to {old.get('target')}, not "
                f"{self.identity['target']}; give that target, or the journal of this one"
            )
        self.identity = dict(old)
        self.generation = int(old.get("generation", "0"))
        self._load_prior()
        self.set_status("undoing")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def _write_meta(self, values: Mapping[str, str]) -> None:
        self._db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    def _check_same_run(self, old: Mapping[str, str]) -> None:
        if not old:
            raise SeederError(
                f"--resume: {self.path} holds no run; run without --resume to start one"
            )
        if old.get("schema") != SCHEMA_VERSION:
            raise JournalMismatch(
                f"--resume: {self.path} was written by another version of seeder "
                f"(journal schema {old.get('schema')}); start over with --fresh"
            )
        differs = describe_differences(old, self.identity)
        if differs:
            raise JournalMismatch(
                f"--resume: the journal {self.path} is of another run: {'; '.join(differs)}. "
                "Resume with the same scenario, flags and target, or start over with --fresh"
            )

    def _load_prior(self) -> None:
        self.prior_written_at = max(
            (p.stat().st_mtime for p in (self.path, Path(f"{self.path}-wal")) if p.exists()),
            default=0.0,
        )
        prior = self.prior
        for key, state in self._db.execute("SELECT key, state FROM items ORDER BY rowid"):
            entity, n = split_key(key)
            states = prior.get(entity)
            if states is None:
                states = prior[entity] = bytearray()
            if len(states) <= n:
                states.extend(bytes(n + 1 - len(states)))
            states[n] = state  # a later row overrides
        with self._transaction():
            self._write_meta({"status": "running"})

    def prior_state(self, key: str) -> int:
        entity, n = split_key(key)
        states = self.prior.get(entity)
        if states is None or n >= len(states):
            return 0
        return states[n]

    def restore(self, results: Results) -> None:
        """Puts the real ids of what earlier runs did into ``results`` (done is final:
        a done item is never written again)."""
        rows = self._db.execute("SELECT key, captured FROM items WHERE state = ?", (Mark.DONE,))
        for key, captured in rows:
            values = json.loads(captured) if captured else {}
            if "~undo" in values:  # how to delete it (seeder undo), not an answer
                values = {k: v for k, v in values.items() if not k.startswith("~")}
            results.done(key, values)

    # -- undo -------------------------------------------------------------------------

    @classmethod
    def start_undo(cls, path: Path, target: str) -> Journal:
        """Opens the journal of the run to undo (any status: a crashed run is undone
        as far as it went), refusing one whose run went to another target."""
        if not path.exists():
            raise SeederError(
                f"undo: no journal at {path}; give the journal of the run to undo with "
                "--journal PATH (runs to a URL keep one unless --no-journal)"
            )
        return cls.start(path, {"target": target}, resume=False, undo=True)

    def done_in_order(self) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The items done (in order of completion, with their journaled values) and,
        among them, those an earlier undo deleted."""
        done: dict[str, dict[str, Any]] = {}
        undone: list[str] = []
        for key, state, captured in self._db.execute(
            "SELECT key, state, captured FROM items ORDER BY rowid"
        ):
            if state == Mark.DONE:
                done.pop(key, None)
                done[key] = json.loads(captured) if captured else {}
            elif state == Mark.UNDONE:
                undone.append(key)
        return done, [k for k in undone if k in done]

    @staticmethod
    def read_meta(path: Path) -> dict[str, str]:
        """What the journal at ``path`` says of its run (without opening it for one)."""
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return dict(db.execute("SELECT key, value FROM meta").fetchall())
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise SeederError(f"cannot read the journal {path}: {exc}") from exc

    def set_status(self, status: str) -> None:
        with self._transaction():
            self._write_meta({"status": status})

    # -- recording ----------------------------------------------------------------

    def record(
        self,
        key: str,
        state: Mark,
        captured: Mapping[str, Any] | None = None,
        status: int | None = None,
        message: str | None = None,
    ) -> None:
        text = None
        if captured:
            hidden = self.secrets.get(split_key(key)[0], frozenset())
            if hidden or any(map(_secret_name, captured)):
                captured = {
                    k: v for k, v in captured.items() if k not in hidden and not _secret_name(k)
                }
            text = _ENCODE(captured)
        self._buffer[key] = (key, state, text, status, message)
        if len(self._buffer) >= BATCH:
            self.flush()

    async def durable(self, key: str) -> None:
        """Returns once ``key``'s latest state is committed. Yields once first, so the
        marks of every worker that gets here together go out in one commit."""
        await anyio.lowlevel.checkpoint()
        if key in self._buffer:
            self.flush()

    def tick(self) -> None:
        """Commits the buffer if it has waited long enough."""
        if self._buffer and time.monotonic() - self._last >= EVERY:
            self.flush()

    def flush(self) -> None:
        self._last = time.monotonic()
        if not self._buffer:
            return
        rows = list(self._buffer.values())
        self._buffer.clear()
        with self._transaction():
            self._db.executemany(_APPEND, rows)

    async def keep_flushing(self) -> None:
        """Runs beside the executor: commits at least every ``EVERY`` seconds, even
        when no item finishes (a long retry), so little is ever only in memory."""
        while True:
            await anyio.sleep(EVERY)
            self.tick()

    def close(self, status: str) -> None:
        """Flushes, records how the run ended (finished / interrupted), closes."""
        try:
            self.flush()
            with self._transaction():
                self._write_meta(
                    {
                        "status": status,
                        "ended_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    }
                )
        finally:
            self._db.close()
            if self._lock is not None:
                self._lock.close()  # releases the lock
                self._lock = None


def _lock(path: Path) -> Any:
    """An exclusive lock on ``PATH.lock`` for the run's lifetime (released by the OS if
    the process dies): two runs writing one journal would corrupt each other's
    record."""
    handle = open(f"{path}.lock", "a+")  # noqa: SIM115 - held until close()
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


def describe_differences(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """What differs between two run identities, in words."""
    differs = [
        f"{key} was {old.get(key)!r}, now {value!r}"
        for key, value in new.items()
        if key != "fingerprint" and not key.startswith("entity:") and old.get(key) != value
    ]
    old_entities = {k[7:]: v for k, v in old.items() if k.startswith("entity:")}
    new_entities = {k[7:]: v for k, v in new.items() if k.startswith("entity:")}
    differs += [f"entity {name} was removed" for name in sorted(old_entities - new_entities.keys())]
    differs += [f"entity {name} was added" for name in sorted(new_entities.keys() - old_entities)]
    differs += [
        f"entity {name} changed"
        for name in sorted(old_entities.keys() & new_entities.keys())
        if old_entities[name] != new_entities[name]
    ]
    if not differs and old.get("fingerprint") != new.get("fingerprint"):
        differs.append("the scenario changed (its fingerprint differs)")
    return differs
