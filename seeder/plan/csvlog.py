"""The CSV flavour of the command log: one file per command type (what CSV feeders
want), and ``manifest.json`` beside them (the bindings, and each file's columns
with their types).

Columns: ``seq, key, idempotency_key, deps, actor, method, path``, then per field
of the command its value column and, for a field the service fills (a reference
to a server-assigned value), a ``ref:FIELD`` column holding the placeholder
(``author:17.id``; the value column is then empty). ``deps`` are space-separated
keys. Types are kept: the manifest names each field's type, and a cell is
- empty: null;
- in a ``string`` column: the text itself, except the empty string and a text that
  starts with ``"``, which are written as JSON (``""``, ``"\\"quoted\\""``);
- in any other column (``integer``, ``number``, ``boolean``, ``json``): JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import heapq
import json
import types
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from seeder.errors import SeederError
from seeder.plan.items import PlanItem, split_key
from seeder.plan.manifest import manifest_of

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = ["MANIFEST", "CsvCommandLog", "column_type", "decode_cell", "encode_cell", "read_csv_log"]

MANIFEST = "manifest.json"
FIXED = ["seq", "key", "idempotency_key", "deps", "actor", "method", "path"]
REF = "ref:"


def column_type(annotation: Any) -> str:
    """A field's CSV type from its annotation: string, integer, number, boolean, json."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return column_type(args[0])
    if origin is typing.Literal:
        kinds = {column_type(type(a)) for a in typing.get_args(annotation)}
        return kinds.pop() if len(kinds) == 1 else "json"
    if origin is typing.Annotated:
        return column_type(args[0])
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if annotation in (str, dt.date, dt.datetime, dt.time) or (
        isinstance(annotation, type) and issubclass(annotation, str | enum.Enum)
    ):
        return "string"
    return "json"


def encode_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "string" and isinstance(value, str):
        return value if value and not value.startswith('"') else json.dumps(value)
    return _json(value)


def decode_cell(cell: str, kind: str) -> Any:
    if cell == "":
        return None
    if kind == "string" and not cell.startswith('"'):
        return cell
    return json.loads(cell)


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class CsvCommandLog:
    """Writes one CSV file per command type into ``directory``, and its manifest."""

    def __init__(self, model: Model, directory: Path) -> None:
        self.model = model
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SeederError(f"cannot create output folder {directory}: {exc.strerror}") from exc
        self.files: dict[str, tuple[IO[str], Any, list[tuple[str, str, bool]]]] = {}
        self.layout: dict[str, Any] = {}
        self.count = 0

    def _writer(self, item: PlanItem) -> tuple[Any, list[tuple[str, str, bool]]]:
        entry = self.files.get(item.command)
        if entry is None:
            em = self.model.entities[item.entity]
            refs = set(em.ref_fields)
            fields = em.command.model_fields
            columns = [
                (f, column_type(fields[f].annotation), f in refs)
                for f in fields
                if f in em.providers
            ]
            handle = (self.directory / f"{item.command}.csv").open(
                "w", newline="", encoding="utf-8"
            )
            writer = csv.writer(handle, lineterminator="\n")
            header = list(FIXED)
            for f, _, ref in columns:
                header += [f, REF + f] if ref else [f]
            writer.writerow(header)
            self.layout[item.command] = {
                "file": f"{item.command}.csv",
                "columns": {f: kind for f, kind, _ in columns},
                "ref_columns": [REF + f for f, _, ref in columns if ref],
            }
            entry = (handle, writer, columns)
            self.files[item.command] = entry
        return entry[1], entry[2]

    def write(self, item: PlanItem) -> None:
        writer, columns = self._writer(item)
        http = self.model.entities[item.entity].http
        body, refs = item.body, item.refs
        row: list[Any] = [
            item.seq,
            item.key,
            item.idempotency_key,
            " ".join(item.deps),
            item.actor or "",
            http.method if http else "",
            http.path if http else "",
        ]
        for f, kind, ref in columns:
            if f in refs:
                row += ["", refs[f]] if ref else [refs[f]]
            else:
                row.append(encode_cell(body.get(f), kind))
                if ref:
                    row.append("")
        writer.writerow(row)
        self.count += 1

    def write_all(self, items: Iterable[PlanItem]) -> int:
        for item in items:
            self.write(item)
        return self.count

    def close(self) -> None:
        for handle, _, _ in self.files.values():
            handle.close()
        manifest = manifest_of(self.model)
        manifest["csv"] = {
            "cells": "empty: null; string columns: the text (JSON when empty or starting "
            'with "); other columns: JSON',
            "files": self.layout,
        }
        (self.directory / MANIFEST).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeederError(
            f"{path} not found: a CSV command log is a folder written by 'seeder plan "
            "--format csv' (its manifest.json says how to read it); write it again"
        ) from None
    except (OSError, ValueError) as exc:
        raise SeederError(f"{path}: cannot read the manifest ({exc}); write it again") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("csv"), dict):
        raise SeederError(f"{path}: not a CSV command log's manifest; write it again")
    return manifest


def read_csv_log(directory: Path, manifest: dict[str, Any] | None = None) -> Iterator[PlanItem]:
    """The items of a CSV command log, in plan order (the files merged by seq)."""
    manifest = manifest or read_manifest(directory)
    streams = [
        _read_file(directory / layout["file"], command, layout["columns"])
        for command, layout in manifest["csv"]["files"].items()
    ]
    return (item for _, item in heapq.merge(*streams, key=lambda pair: pair[0]))


def _read_file(path: Path, command: str, kinds: dict[str, str]) -> Iterator[tuple[int, PlanItem]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or header[: len(FIXED)] != FIXED:
            raise SeederError(f"{path}:1: not a seeder CSV command log header; write it again")
        names = header[len(FIXED) :]
        for number, row in enumerate(reader, 2):
            try:
                seq, key, idem, deps, actor = row[:5]
                body: dict[str, Any] = {}
                refs: dict[str, str] = {}
                for name, cell in zip(names, row[len(FIXED) :], strict=True):
                    if name.startswith(REF):
                        if cell:
                            refs[name[len(REF) :]] = cell
                            body.pop(name[len(REF) :], None)
                    elif name not in refs:
                        body[name] = decode_cell(cell, kinds.get(name, "json"))
                item = PlanItem(
                    int(seq),
                    key,
                    split_key(key)[0],
                    command,
                    body,
                    refs,
                    deps.split(),
                    actor or None,
                    idem,
                )
            except (ValueError, TypeError) as exc:
                raise SeederError(
                    f"{path}:{number}: not a command log row ({exc}); write it again"
                ) from None
            yield item.seq, item
