"""The storage port: a database that runs units of work as transactions.

Repositories and read models speak one portable SQL: ``?`` placeholders,
``RETURNING``, ``ON CONFLICT``, partial indexes. Each backend adapts the rest
(placeholder style, identity columns, row locks, error types);
:func:`seeder.demo.storage.backends.open_database` picks the backend from the
``db`` string the service is started with.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

__all__ = ["Database", "Row", "Sql", "UniqueViolation"]

Row = dict[str, Any]


class UniqueViolation(Exception):
    """A unique constraint refused a write that a concurrent transaction won.

    ``constraint`` is the constraint's name when the backend reports it; the
    constraints are named after the rule they enforce (``isbn_taken``).
    """

    def __init__(self, constraint: str | None, message: str) -> None:
        super().__init__(message)
        self.constraint = constraint


class Sql(Protocol):
    """One open transaction."""

    @property
    def for_update(self) -> str:
        """The clause that row-locks a ``SELECT`` (empty where writers are serial)."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside undoes only its writes."""
        ...


class Database(Protocol):
    """Where the service keeps its state."""

    def transaction(self) -> AbstractContextManager[Sql]:
        """Commit on success, roll back on any exception."""
        ...

    def close(self) -> None: ...


def one(sql: Sql, query: str, params: Sequence[Any] = ()) -> Row | None:
    """The first row of ``query``, or None."""
    rows = sql.query(query, params)
    return rows[0] if rows else None


def scalar(sql: Sql, query: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row of ``query`` (None without rows)."""
    row = one(sql, query, params)
    return None if row is None else next(iter(row.values()))


def exists(sql: Sql, query: str, params: Sequence[Any] = ()) -> bool:
    return one(sql, query, params) is not None
