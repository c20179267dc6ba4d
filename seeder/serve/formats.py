"""Response formats: JSON (items in an envelope), NDJSON (one item a line) and
CSV (a header of the names shown, then one row an item), chosen by ``?format=``
or the ``Accept`` header. Items arrive as (name, JSON text) pairs: JSON and NDJSON
are put together from those texts, so their bytes are the store's."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from seeder.serve.pages import Invalid
from seeder.serve.routes import dumps

__all__ = ["FORMATS", "choose", "csv_body", "json_object", "ndjson_body"]

FORMATS = {
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
}
_ACCEPT = {
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "text/csv": "csv",
    "application/json": "json",
}

Item = Sequence[tuple[str, str]]


def choose(query_format: str | None, accept: str | None) -> str:
    """``?format=`` first; else the first type of ``Accept`` known; else JSON."""
    if query_format is not None:
        if query_format not in FORMATS:
            raise Invalid(
                "query",
                "format",
                f"format must be one of {', '.join(FORMATS)}, got {query_format!r}",
            )
        return query_format
    for part in (accept or "").split(","):
        kind = part.split(";")[0].strip().lower()
        if kind in _ACCEPT:
            return _ACCEPT[kind]
    return "json"


def json_object(pairs: Item) -> str:
    return "{" + ",".join(f"{dumps(k)}:{v}" for k, v in pairs) + "}"


def json_body(items: Sequence[Item], rest: Sequence[tuple[str, Any]], items_name: str) -> str:
    listed = "[" + ",".join(json_object(i) for i in items) + "]"
    return json_object([(items_name, listed), *((k, dumps(v)) for k, v in rest)])


def ndjson_body(items: Sequence[Item]) -> str:
    return "".join(json_object(i) + "\n" for i in items)


def _cell(text: str) -> str:
    value = json.loads(text)
    if value is None:
        return ""
    return value if isinstance(value, str) else text


def csv_body(names: Sequence[str], items: Sequence[Item]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for item in items:
        writer.writerow([_cell(v) for _, v in item])
    return out.getvalue()
