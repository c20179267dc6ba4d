"""The command log: a plan written to a file, for ``seeder replay`` and for load
engines (k6, Gatling, JMeter, Locust).

JSONL: one command per line, keys in a fixed order, so the same scenario and seed
give a byte-identical file. CSV: one file per command type (what CSV feeders
want): seq, key, idempotency_key, deps, actor, then the command's fields, with
placeholders (``author:17.id``) where the service assigns the value.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from seeder.errors import SeederError
from seeder.plan.items import PlanItem, split_key

if TYPE_CHECKING:  # replay reads logs without loading the model (pydantic, providers)
    from seeder.model import Model

__all__ = ["CsvCommandLog", "JsonlCommandLog", "dumps", "item_record"]


def dumps(value: Any) -> bytes:
    """Compact JSON in UTF-8 (orjson: 5-10x the standard encoder; the standard one
    for what orjson refuses, such as a whole number past 64 bits from a user
    function)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _dumps(value: Any) -> str:
    return dumps(value).decode()


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
    """Writes items as JSON lines to a text stream."""

    def __init__(self, model: Model, out: IO[str]) -> None:
        self.model = model
        self.out = out
        self.count = 0

    def write(self, item: PlanItem) -> None:
        self.out.write(_dumps(item_record(item, self.model)))
        self.out.write("\n")
        self.count += 1

    def write_all(self, items: Iterable[PlanItem]) -> int:
        write = self.write
        for item in items:
            write(item)
        return self.count

    def close(self) -> None:
        self.out.flush()


class CsvCommandLog:
    """Writes one CSV file per command type into ``directory``."""

    def __init__(self, model: Model, directory: Path) -> None:
        self.model = model
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SeederError(f"cannot create output folder {directory}: {exc.strerror}") from exc
        self.files: dict[str, tuple[IO[str], Any, list[str]]] = {}
        self.count = 0

    def _writer(self, item: PlanItem) -> tuple[Any, list[str]]:
        entry = self.files.get(item.command)
        if entry is None:
            em = self.model.entities[item.entity]
            columns = [f for f in em.command.model_fields if f in em.providers]
            handle = (self.directory / f"{item.command}.csv").open(
                "w", newline="", encoding="utf-8"
            )
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["seq", "key", "idempotency_key", "deps", "actor", *columns])
            entry = (handle, writer, columns)
            self.files[item.command] = entry
        return entry[1], entry[2]

    def write(self, item: PlanItem) -> None:
        writer, columns = self._writer(item)
        body, refs = item.body, item.refs
        row: list[Any] = [
            item.seq,
            item.key,
            item.idempotency_key,
            " ".join(item.deps),
            item.actor or "",
        ]
        for f in columns:
            v = refs[f] if f in refs else body.get(f)
            if v is None:
                row.append("")
            elif isinstance(v, list | dict):
                row.append(_dumps(v))
            else:
                row.append(v)
        writer.writerow(row)
        self.count += 1

    def write_all(self, items: Iterable[PlanItem]) -> int:
        for item in items:
            self.write(item)
        return self.count

    def close(self) -> None:
        for handle, _, _ in self.files.values():
            handle.close()


def read_log(
    path: Path, learn: Callable[[PlanItem, str | None, str | None], object]
) -> Iterator[PlanItem]:
    """Streams a JSONL command log back into plan items (for ``seeder replay``),
    telling ``learn`` each item's method and path (so a replay without the commands
    module knows how to send it). A malformed line stops the replay with its line
    number."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                r = orjson.loads(line)
                item = PlanItem(
                    int(r["seq"]),
                    str(r["key"]),
                    split_key(str(r["key"]))[0],
                    str(r["command"]),
                    dict(r["body"]),
                    dict(r.get("refs") or {}),
                    list(r.get("deps") or []),
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
