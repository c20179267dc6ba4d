"""Snowfakery's side of benchmarks/plan_bench.py: an output stream writing seeder's
JSONL command-log records (the same fields, orjson), loaded by Snowfakery as
``--output-format plan_bench_snowfakery.JsonlCommandStream``. Runs only in the
benchmark's own Snowfakery virtualenv."""

from __future__ import annotations

import datetime
import json
import os
from typing import Any, ClassVar

import orjson
from snowfakery.output_streams import FileOutputStream  # type: ignore[import-not-found]

BODY = {
    "tenant": ("name", "plan"),
    "author": ("name", "birth_year"),
    "book": ("isbn", "title", "subtitle", "status", "published_on"),
}


class JsonlCommandStream(FileOutputStream):  # type: ignore[misc]
    encoders: ClassVar[dict[Any, Any]] = {
        **FileOutputStream.encoders,
        datetime.date: str,
        bool: bool,
    }
    is_text = True

    def __init__(self, file: Any, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        shape = json.loads(os.environ["PLAN_BENCH_SHAPE"])
        self.bindings = shape["bindings"]
        self.fp = shape["fingerprint"]
        self.seq = 0

    def write_single_row(self, tablename: str, row: dict[str, Any]) -> None:
        self.seq += 1
        key = f"{tablename}:{row['id']}"
        refs: dict[str, str] = {}
        deps: list[str] = []
        for field in ("tenant", "author"):
            if field in row:
                refs[f"{field}_id"] = f"{field}:{row[field]}.id"
                deps.append(f"{field}:{row[field]}")
        command, method, path = self.bindings[tablename]
        record = {
            "seq": self.seq,
            "key": key,
            "command": command,
            "method": method,
            "path": path,
            "body": {f: row[f] for f in BODY[tablename]},
            "refs": refs,
            "deps": deps,
            "idempotency_key": f"{self.fp}:{key}",
        }
        self.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode())
