"""Idempotency keys, kept in the service's own database.

The key is claimed with ``INSERT ... ON CONFLICT DO NOTHING`` in the same
transaction as the command it guards: a concurrent request with the same key waits
on that row (PostgreSQL) or on the write lock (SQLite) until the first commits, then
finds the stored response instead of applying the command again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from seeder.demo.storage.sql import Sql, one


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: str
    status: int
    body: dict[str, Any]


class IdempotencyRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def claim(self, key: str, fingerprint: str) -> StoredResponse | None:
        """None when this transaction now owns ``key``; else what was stored for it."""
        claimed = self._sql.query(
            "INSERT INTO idempotency_keys (key, fingerprint, status, body) VALUES (?, ?, 0, '') "
            "ON CONFLICT DO NOTHING RETURNING key",
            (key, fingerprint),
        )
        if claimed:
            return None
        row = one(
            self._sql,
            "SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ?",
            (key,),
        )
        if row is None:  # pragma: no cover - the conflicting row was committed before
            raise RuntimeError(f"idempotency key {key!r} vanished")
        return StoredResponse(row["fingerprint"], int(row["status"]), json.loads(row["body"]))

    def store(self, key: str, status: int, body: dict[str, Any]) -> None:
        self._sql.query(
            "UPDATE idempotency_keys SET status = ?, body = ? WHERE key = ?",
            (status, json.dumps(body, sort_keys=True), key),
        )
