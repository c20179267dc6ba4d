"""The command log: a plan written to a file, for ``seeder replay`` and for load
engines (k6, Gatling, JMeter, Locust).

JSONL: one command per line, keys in a fixed order, so the same scenario and seed
give a byte-identical file; ``seeder plan`` writes the manifest
(:mod:`seeder.plan.manifest`: the bindings) as its first line. CSV: one file per
command type, see :mod:`seeder.plan.csvlog`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from seeder.errors import SeederError
from seeder.plan.csvlog import CsvCommandLog
from seeder.plan.items import PlanItem, split_key
from seeder.plan.manifest import is_manifest

if TYPE_CHECKING:  # replay reads logs without loading the model (pydantic, providers)
    from seeder.model import Model

__all__ = ["CsvCommandLog", "JsonlCommandLog", "dumps", "item_record", "read_log", "read_manifest"]


def dumps(value: Any) -> bytes:
    """Compact JSON in UTF-8 (orjson: 5-10x the standard encoder; the standard one
    for what orjson refuses, such as a whole number past 64 bits from a user
    function)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def item_record(item: PlanItem, model: Model) -> dict[str, Any]:
    """The log's view of one item, in the contract's key order."""
    http = model.entities[item.entity].http
    record: dict[str, Any] = {
        "seq": item.seq,
        "key": item.key,
        "command": item.command,
        "method": http.method if http else None,
        "path": http.path if http else None,
        "body": item.body,
        "refs": item.refs,
        "deps": item.deps,
    }
    if item.actor is not None:
        record["actor"] = item.actor
    record["idempotency_key"] = item.idempotency_key
    return record


class JsonlCommandLog:
    """Writes items as JSON lines to a text stream (to its byte buffer when it has
    one: orjson makes UTF-8, which the text layer would only copy)."""

    def __init__(self, model: Model, out: IO[str], manifest: dict[str, Any] | None = None) -> None:
        self.model = model
        self.out = out
        self.count = 0
        raw = getattr(out, "buffer", None)
        if raw is not None and getattr(out, "encoding", "").lower().replace("-", "") == "utf8":
            out.flush()
            self._put: Callable[[bytes], object] = raw.write
        else:
            self._put = lambda line: out.write(line.decode())
        self._pending: list[bytes] = []  # lines of write_all not written yet
        # per entity: its binding's method and path, looked up once
        self._http = {
            name: (em.http.method, em.http.path) if em.http else (None, None)
            for name, em in model.entities.items()
        }
        if manifest is not None:  # the first line: the bindings (seeder.plan.manifest)
            self._put(dumps(manifest) + b"\n")

    def _record(self, item: PlanItem) -> dict[str, Any]:
        method, path = self._http[item.entity]
        record: dict[str, Any] = {
            "seq": item.seq,
            "key": item.key,
            "command": item.command,
            "method": method,
            "path": path,
            "body": item.body,
            "refs": item.refs,
            "deps": item.deps,
        }
        if item.actor is not None:
            record["actor"] = item.actor
        record["idempotency_key"] = item.idempotency_key
        return record

    def _line(self, item: PlanItem) -> bytes:
        record = self._record(item)
        try:
            return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError:
            return dumps(record) + b"\n"

    def _flush_pending(self) -> None:
        if self._pending:
            self._put(b"".join(self._pending))
            self._pending.clear()

    # -- what the planner's builders write through (Planner(sink=...)) -------------

    @property
    def pending(self) -> list[bytes]:
        return self._pending

    def http_of(self, entity: str) -> tuple[str | None, str | None]:
        return self._http[entity]

    def slow_line(self, record: dict[str, Any]) -> bytes:
        """A line orjson refuses (a whole number past 64 bits)."""
        return dumps(record) + b"\n"

    def flush_pending(self) -> None:
        self._flush_pending()

    def add_pending(self, item: PlanItem) -> None:
        self._pending.append(self._line(item))
        if len(self._pending) >= 256:
            self._flush_pending()

    def write_plan(self, model: Model) -> int:
        """Plans ``model`` and writes its lines as they are made (no plan items
        between the planner and the file: the same lines as ``write_all`` of the
        plan's items, faster)."""
        from seeder.plan.planner import Planner

        planner = Planner(model, sink=self)
        try:
            for _ in planner.items():  # the builders wrote every line
                raise AssertionError("an item was queued by a planner with a sink")
        finally:
            self.count += planner.seq
            self._flush_pending()
        return self.count

    def write(self, item: PlanItem) -> None:
        self._flush_pending()
        self._put(self._line(item))
        self.count += 1

    def write_record(self, record: dict[str, Any]) -> None:
        """A line written as given (a read request of ``seeder plan --reads``)."""
        self._flush_pending()
        self._put(dumps(record) + b"\n")
        self.count += 1

    def write_all(self, items: Iterable[PlanItem]) -> int:
        """Writes every item, 256 lines at a time (one write of their bytes); the
        lines made are written even if ``items`` stops with an error."""
        http, pending, opt, encode = (
            self._http,
            self._pending,
            orjson.OPT_APPEND_NEWLINE,
            orjson.dumps,
        )
        add, flush = pending.append, self._flush_pending
        count = 0
        try:
            for item in items:
                method, path = http[item.entity]
                if item.actor is None:
                    record: dict[str, Any] = {
                        "seq": item.seq,
                        "key": item.key,
                        "command": item.command,
                        "method": method,
                        "path": path,
                        "body": item.body,
                        "refs": item.refs,
                        "deps": item.deps,
                        "idempotency_key": item.idempotency_key,
                    }
                else:
                    record = self._record(item)
                try:
                    add(encode(record, option=opt))
                except TypeError:
                    add(dumps(record) + b"\n")
                count += 1
                if len(pending) >= 256:
                    flush()
        finally:
            self.count += count
            flush()
        return self.count

    def close(self) -> None:
        self._flush_pending()
        raw = getattr(self.out, "buffer", None)
        if raw is not None:
            raw.flush()
        self.out.flush()


def read_log(
    path: Path, learn: Callable[[PlanItem, str | None, str | None], object]
) -> Iterator[PlanItem]:
    """Streams a JSONL command log back into plan items (for ``seeder replay``),
    telling ``learn`` each item's method and path (so a replay without the commands
    module knows how to send it). A malformed line stops the replay with its line
    number."""
    with path.open("rb") as handle:  # orjson reads the bytes: no decoding to str first
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                r = orjson.loads(line)
                if number == 1 and is_manifest(r):
                    continue
                key = r["key"]
                body, refs, deps = r["body"], r.get("refs") or {}, r.get("deps") or []
                item = PlanItem(
                    int(r["seq"]),
                    key if key.__class__ is str else str(key),
                    split_key(str(key))[0],
                    str(r["command"]),
                    body if body.__class__ is dict else dict(body),
                    refs if refs.__class__ is dict else dict(refs),
                    deps if deps.__class__ is list else list(deps),
                    r.get("actor"),
                    str(r["idempotency_key"]),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise SeederError(
                    f"{path}:{number}: not a command log line ({exc}); replay "
                    "takes the JSONL that 'seeder plan' writes"
                ) from exc
            learn(item, r.get("method"), r.get("path"))
            yield item


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest on a JSONL log's first line; None for a log written before
    manifests (format 1: replayed from each line's method and path); a newer format
    is refused."""
    from seeder.plan.manifest import FORMAT

    with path.open("rb") as handle:
        first = handle.readline()
    try:
        record = orjson.loads(first) if first.strip() else None
    except ValueError:
        return None  # said by read_log, with its line number
    if not isinstance(record, dict) or not is_manifest(record):
        return None
    version = record.get("seeder_log")
    if not isinstance(version, int) or version > FORMAT:
        raise SeederError(
            f"{path}:1: command log format {version!r} is newer than this seeder reads "
            f"({FORMAT}); upgrade seeder or write the log again with this one"
        )
    return dict(record)
