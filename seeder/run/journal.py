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
While a run sends, the commits happen in a worker thread, in order (a queue of
batches), so that a slow disk never stalls the event loop's sending.
What a crash can lose is the tail of the buffer; resume re-sends those items with
their idempotency keys, which the service answers without applying them twice. For
a command whose service does not honour idempotency keys, the "sent" mark is made
durable *before* the command goes out, so after a crash it is known to be uncertain
rather than silently sent again.

Credentials captured from answers (member tokens) are never written: resume
re-acquires them by re-sending the idempotent command that returned them.

The rows live in a :mod:`store <seeder.run.stores>`: an SQLite file, or PostgreSQL
(``--journal postgresql://...``) shared by the shards of a run. A sharded run's
journal holds one plan (its fingerprint and parts, and the number of shards); each
shard keeps its own status (``status@I``) and rows, and reads every shard's done
items, which is how a reference to an item another shard made is resolved.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import orjson

from seeder.errors import JournalMismatch, SeederError
from seeder.plan.items import split_key
from seeder.run.results import Results
from seeder.run.stores import PostgresStore, Row, SqliteStore, Store, is_postgres, open_store

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

_NONE: frozenset[str] = frozenset()
_STANDARD = json.JSONEncoder(separators=(",", ":"), default=str).encode


def _encode(captured: Mapping[str, Any]) -> str:
    """Captured values as JSON: orjson (a few times the standard encoder, on every
    item's record); the standard one for what orjson refuses (a whole number past
    64 bits)."""
    try:
        return orjson.dumps(captured, default=str).decode()
    except TypeError:
        return _STANDARD(captured)


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
    ``secrets`` lists, per entity, captured attributes never to be written;
    ``shard`` is this process's shard (1-based; 0: the run is not sharded)."""

    def __init__(
        self,
        path: Path | str,
        store: Store,
        identity: Mapping[str, str],
        secrets: Mapping[str, frozenset[str]] | None = None,
        shard: int = 0,
    ) -> None:
        self.path = path
        self.where = store.where  # for messages: never a password
        self.store = store
        self.shard = shard
        self._status_key = f"status@{shard}" if shard else "status"
        self.identity = dict(identity)
        self.secrets = dict(secrets or {})
        self._buffer: dict[str, Row] = {}
        # batches taken from the buffer, written in this order by whichever thread
        # holds the lock (a batch leaves the queue once committed)
        self._queue: deque[list[Row]] = deque()
        self._lock = threading.Lock()  # the store: one writer at a time
        self._wake: anyio.Event | None = None  # set while keep_flushing runs
        self._last = time.monotonic()
        self.prior: dict[str, bytearray] = {}  # states from the run being resumed
        self.prior_written_at = 0.0  # when the run being resumed last wrote (epoch s)
        # how many runs this journal's target held before (refresh): a run's
        # idempotency keys differ per generation, so a refreshed run is new to the service
        self.generation = 0

    # -- opening ------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        path: Path | str,
        identity: Mapping[str, str],
        *,
        resume: bool,
        fresh: bool = False,
        secrets: Mapping[str, frozenset[str]] | None = None,
        resume_hint: str = "--resume",
        generation: int = 0,
        undo: bool = False,
        shard: int = 0,
    ) -> Journal:
        """Opens the journal for a new run (``resume`` False) or to continue the run it
        holds. A new run refuses to overwrite an unfinished run's journal unless
        ``fresh``; a resume refuses a journal of another run and says what differs."""
        store = open_store(path)
        if resume and shard and not store.exists():
            resume = False  # a shard's first try and its retries run one command
        if resume and not store.exists():
            raise SeederError(
                f"--resume: no journal at {store.where}; run without --resume to start, or "
                "give the journal of the run to resume with --journal PATH"
            )
        store.open(shard)
        journal = cls(path, store, identity, secrets, shard)
        journal.generation = generation
        try:
            if undo:
                journal._begin_undo()
            else:
                journal._begin(resume, fresh, resume_hint)
        except BaseException:
            store.close()
            raise
        return journal

    def _begin(self, resume: bool, fresh: bool, resume_hint: str) -> None:
        store = self.store
        with store.transaction():  # one shard at a time decides what the journal holds
            old = store.meta()
            if resume and self.shard and self._status_key not in old:
                resume = False  # nothing of this shard yet: it starts
            if resume:
                self._check_same_run(old)
                self.generation = int(old.get("generation", "0"))
                self._load_prior()
                store.write_meta({self._status_key: "running"})
                return
            status = old.get(self._status_key)
            if status is not None and status not in ("finished", "undone") and not fresh:
                done = store.count_done(self.shard if self.shard else None, Mark.DONE)
                raise SeederError(
                    f"an unfinished run's journal is at {self.where} ({done:,} commands done, "
                    f"started {old.get('started_at', '?')}); continue it with {resume_hint}, "
                    "or start over with --fresh (its record is discarded)"
                )
            same = bool(old) and not describe_differences(old, self.identity)
            unfinished = [
                k
                for k, v in old.items()
                if k.partition("@")[0] == "status" and v not in ("finished", "undone")
            ]
            if self.shard and unfinished and not same and not fresh:
                raise JournalMismatch(
                    f"the journal {self.where} holds another plan: "
                    f"{'; '.join(describe_differences(old, self.identity))}. The shards of one "
                    "run share a journal, and that plan is not finished; give this plan its "
                    "own --journal (another database or search_path), or --fresh to discard it"
                )
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            if self.shard and same:  # another shard of this run started it
                store.clear(self.shard)
                store.write_meta({self._status_key: "running", f"started_at@{self.shard}": now})
                return
            store.clear(None)
            store.write_meta(
                {
                    **self.identity,
                    "schema": SCHEMA_VERSION,
                    self._status_key: "running",
                    "started_at": now,
                    "generation": str(self.generation),
                }
            )

    def _begin_undo(self) -> None:
        old = self.store.meta()
        if not old:
            raise SeederError(f"undo: {self.where} holds no run; nothing to undo")
        if old.get("target") != self.identity["target"]:
            raise JournalMismatch(
                f"undo: the journal {self.where} is of a run to {old.get('target')}, not "
                f"{self.identity['target']}; give that target, or the journal of this one"
            )
        self.identity = dict(old)
        self.generation = int(old.get("generation", "0"))
        self._load_prior()
        self.set_status("undoing")

    def _check_same_run(self, old: Mapping[str, str]) -> None:
        if not old:
            raise SeederError(
                f"--resume: {self.where} holds no run; run without --resume to start one"
            )
        if old.get("schema") != SCHEMA_VERSION:
            raise JournalMismatch(
                f"--resume: {self.where} was written by another version of seeder "
                f"(journal schema {old.get('schema')}); start over with --fresh"
            )
        differs = describe_differences(old, self.identity)
        if differs:
            raise JournalMismatch(
                f"--resume: the journal {self.where} is of another run: {'; '.join(differs)}. "
                "Resume with the same scenario, flags and target, or start over with --fresh"
            )

    def _load_prior(self) -> None:
        self.prior_written_at = self.store.written_at()
        prior = self.prior
        for key, state, _ in self.store.rows():
            entity, n = split_key(key)
            states = prior.get(entity)
            if states is None:
                states = prior[entity] = bytearray()
            if len(states) <= n:
                states.extend(bytes(n + 1 - len(states)))
            states[n] = state  # a later row overrides

    def prior_state(self, key: str) -> int:
        entity, n = split_key(key)
        states = self.prior.get(entity)
        if states is None or n >= len(states):
            return 0
        return states[n]

    def restore(self, results: Results) -> None:
        """Puts the real ids of what earlier runs did into ``results`` (done is final:
        a done item is never written again)."""
        for key, state, captured in self.store.rows():
            if state != Mark.DONE:
                continue
            values = json.loads(captured) if captured else {}
            if "~undo" in values:  # how to delete it (seeder undo), not an answer
                values = {k: v for k, v in values.items() if not k.startswith("~")}
            results.done(key, values)

    def latest(self, keys: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        """The latest journaled state and values of ``keys`` (any shard's): how a
        shard learns of what another has made."""
        self.flush()
        found = {}
        for key, (state, captured) in self.store.latest(keys).items():
            values = json.loads(captured) if captured else {}
            found[key] = (state, {k: v for k, v in values.items() if not k.startswith("~")})
        return found

    def meta(self) -> dict[str, str]:
        return self.store.meta()

    # -- undo -------------------------------------------------------------------------

    @classmethod
    def start_undo(cls, path: Path | str, target: str) -> Journal:
        """Opens the journal of the run to undo (any status: a crashed run is undone
        as far as it went), refusing one whose run went to another target."""
        if not journal_exists(path):
            raise SeederError(
                f"undo: no journal at {open_store(path).where}; give the journal of the run "
                "to undo with --journal PATH (runs to a URL keep one unless --no-journal)"
            )
        return cls.start(path, {"target": target}, resume=False, undo=True)

    def done_in_order(self) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The items done (in order of completion, with their journaled values) and,
        among them, those an earlier undo deleted."""
        done: dict[str, dict[str, Any]] = {}
        undone: list[str] = []
        for key, state, captured in self.store.rows():
            if state == Mark.DONE:
                done.pop(key, None)
                done[key] = json.loads(captured) if captured else {}
            elif state == Mark.UNDONE:
                undone.append(key)
        return done, [k for k in undone if k in done]

    @staticmethod
    def read_meta(path: Path | str) -> dict[str, str]:
        """What the journal at ``path`` says of its run (without opening it for one)."""
        if is_postgres(path):
            return PostgresStore(str(path)).read_meta()
        return SqliteStore.read_meta(Path(path))

    def set_status(self, status: str) -> None:
        with self._lock, self.store.transaction():
            self.store.write_meta({self._status_key: status})

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
            hidden = self.secrets.get(key.rpartition(":")[0], _NONE) if self.secrets else _NONE
            if hidden or any(map(_secret_name, captured)):
                captured = {
                    k: v for k, v in captured.items() if k not in hidden and not _secret_name(k)
                }
            text = _encode(captured)
        buffer = self._buffer
        buffer[key] = (key, state, text, status, message, self.shard)
        if len(buffer) >= BATCH:
            if self._wake is not None and len(self._queue) < 4:
                self._wake.set()  # keep_flushing commits it in its thread
            else:  # no thread, or it falls behind: commit here (in order)
                self.flush()

    async def durable(self, key: str) -> None:
        """Returns once ``key``'s latest state is committed. Yields once first, so the
        marks of every worker that gets here together go out in one commit."""
        await anyio.lowlevel.checkpoint()
        if key in self._buffer or self._queue:
            if self._wake is None:
                self.flush()
            else:
                await self._commit()

    def tick(self) -> None:
        """Commits the buffer if it has waited long enough."""
        if self._buffer and time.monotonic() - self._last >= EVERY:
            self.flush()

    def _take(self) -> None:
        """The buffer, queued as the next batch (in the event loop's thread)."""
        self._last = time.monotonic()
        if self._buffer:
            self._queue.append(list(self._buffer.values()))
            self._buffer.clear()

    def _write_queued(self) -> None:
        """Commits the queued batches in order (in any thread)."""
        with self._lock:
            queue = self._queue
            while queue:
                self.store.append(queue[0])
                queue.popleft()

    def flush(self) -> None:
        """Commits everything recorded so far, before returning."""
        self._take()
        if self._queue:
            self._write_queued()

    async def _commit(self) -> None:
        """Commits everything recorded so far in a worker thread; the event loop
        goes on meanwhile."""
        self._take()
        if self._queue:
            await anyio.to_thread.run_sync(self._write_queued)

    async def keep_flushing(self) -> None:
        """Runs beside the executor: commits a batch once it is full, and at least
        every ``EVERY`` seconds even when no item finishes (a long retry), so little
        is ever only in memory — in a worker thread."""
        self._wake = anyio.Event()
        try:
            while True:
                with anyio.move_on_after(EVERY):
                    await self._wake.wait()
                self._wake = anyio.Event()
                await self._commit()
        finally:
            self._wake = None

    def close(self, status: str) -> None:
        """Flushes, records how the run ended (finished / interrupted), closes."""
        try:
            self.flush()
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            with self._lock, self.store.transaction():
                self.store.write_meta(
                    {
                        self._status_key: status,
                        (f"ended_at@{self.shard}" if self.shard else "ended_at"): now,
                    }
                )
        finally:
            self.store.close()


def journal_exists(path: Path | str) -> bool:
    """Whether ``path`` (a file, or a PostgreSQL DSN) holds a journal."""
    return open_store(path).exists()


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
