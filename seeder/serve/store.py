"""The served data: a scenario's plan in an embedded SQLite file, one table per
entity, one row per instance.

Every cell holds the canonical JSON text of its value, so a response is put
together from the cells without decoding them (the same bytes in every process),
and a path or query value is matched against the JSON texts it could stand for
(``4650`` as the string ``"4650"`` or the number ``4650``). ``n`` is the instance
number (plan order), ``parent`` the parent's instance number.

A column routes filter by (a path's ``where``) also gets a **rank**: ``r{j}`` is the
row's place among the rows with the same value, 1, 2, 3… in plan order, indexed
with the value. A page deep in a filter is then ``value = ? AND rank > offset`` —
a seek, not a walk over ``offset`` index entries — and its total the largest rank.
Ranks are counted while filling, a counter per distinct value; a column with more
than ``RANKED_VALUES`` distinct values stops being ranked (its filters match few
rows each, so OFFSET is cheap there) and memory stays bounded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from seeder.plan.items import PlanItem, split_key, split_placeholder
from seeder.serve.routes import Site, Table, assigned_value, dumps

__all__ = ["RANKED_VALUES", "Resolve", "Store", "assigned", "candidates", "row_of"]

# (entity, instance number, attribute) -> the value the service would have assigned
Resolve = Callable[[str, int, str], Any]

_BATCH = 20_000
_FIRST_BATCH = 200
RANKED_VALUES = 65_536  # distinct values a ranked column may have


def candidates(text: str) -> list[str]:
    """The JSON texts a path or query value may stand for: itself as a string,
    and the number, boolean or null it spells."""
    out = [dumps(text)]
    try:
        value = json.loads(text)
    except ValueError:
        return out
    if not isinstance(value, str | list | dict):
        out.append(dumps(value))
    return out


class Store:
    """The SQLite file of one served plan (built once by :meth:`build`; read by
    one connection per thread through :meth:`reader`)."""

    def __init__(self, path: Path, site: Site) -> None:
        self.path = path
        self.site = site
        self.rows = 0  # committed so far
        self.complete = False  # every row of the plan is in
        self.failed: str | None = None  # why filling stopped, if it did
        # per entity, the columns with a rank (the where: columns, but the key)
        self.ranks: dict[str, list[str]] = {
            entity: sorted(c for c in columns if c != site.tables[entity].key)
            for entity, columns in site.indexed_columns().items()
        }
        self.unranked: set[tuple[str, str]] = set()  # too many values: ranks not kept

    def ranked(self, table: Table, column: str) -> str | None:
        """The rank column of ``column``, if its ranks are kept."""
        if column in self.ranks[table.entity] and (table.entity, column) not in self.unranked:
            return f"r{table.columns.index(column)}"
        return None

    @staticmethod
    def name(table: Table) -> str:
        return f"t{table.index}"

    @staticmethod
    def col(table: Table, column: str) -> str:
        return f"c{table.columns.index(column)}"

    def reader(self) -> sqlite3.Connection:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        db.execute("PRAGMA query_only = 1")
        return db

    # -- building ------------------------------------------------------------------

    def create(self) -> None:
        """The tables and their indexes, empty: readers may start before any row."""
        tables = self.site.tables
        db = sqlite3.connect(self.path)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            for t in tables.values():
                cols = "".join(f", c{j}" for j in range(len(t.columns)))
                ranks = "".join(f", r{t.columns.index(c)}" for c in self.ranks[t.entity])
                db.execute(
                    f"CREATE TABLE {self.name(t)} "
                    f"(n INTEGER PRIMARY KEY, parent INTEGER{cols}{ranks})"
                )
            for entity, columns in self.site.indexed_columns().items():
                t = tables[entity]
                if t.parent is not None:
                    db.execute(f"CREATE INDEX {self.name(t)}_parent ON {self.name(t)} (parent)")
                for column in sorted(columns):
                    c = self.col(t, column)
                    # a ranked column: (value, rank), so that a page is a seek to a rank
                    on = f"{c}, r{c[1:]}" if column in self.ranks[entity] else c
                    db.execute(f"CREATE INDEX {self.name(t)}_{c} ON {self.name(t)} ({on})")
            db.commit()
        finally:
            db.close()

    def fill(self, items: Iterable[PlanItem]) -> dict[str, int]:
        """Writes the plan's rows, committed a batch at a time (readers see each
        batch as it lands); returns the rows per entity. ``complete`` is set at the end."""
        tables = self.site.tables
        db = sqlite3.connect(self.path)
        try:
            db.execute("PRAGMA synchronous = OFF")
            inserts = {
                name: f"INSERT INTO {self.name(t)} VALUES "
                f"({', '.join('?' * (len(t.columns) + 2 + len(self.ranks[name])))})"
                for name, t in tables.items()
            }
            # per entity, per ranked column: (its place in a row, rows so far per value)
            counters: dict[str, list[tuple[int, str, dict[str, int]]]] = {
                name: [(2 + tables[name].columns.index(c), c, {}) for c in self.ranks[name]]
                for name in tables
            }
            pending: dict[str, list[Sequence[Any]]] = {name: [] for name in tables}
            counts = dict.fromkeys(tables, 0)
            size = 0
            batch = _FIRST_BATCH  # small first, so that the first pages come soon
            assigned_by = assigned(tables)
            for item in items:
                row = row_of(tables, item, assigned_by)
                for at, column, seen in counters[item.entity]:
                    row.append(self._rank(item.entity, column, seen, row[at]))
                pending[item.entity].append(row)
                counts[item.entity] += 1
                size += 1
                if size >= batch:
                    self._flush(db, inserts, pending)
                    self.rows += size
                    size = 0
                    batch = min(batch * 2, _BATCH)
            self._flush(db, inserts, pending)
            self.rows += size
        finally:
            db.close()
        self.complete = True
        return counts

    def _rank(self, entity: str, column: str, seen: dict[str, int], text: str) -> int | None:
        if (entity, column) in self.unranked:
            return None
        rank = seen.get(text, 0) + 1
        if rank == 1 and len(seen) >= RANKED_VALUES:
            self.unranked.add((entity, column))  # readers fall back to OFFSET from now on
            seen.clear()
            return None
        seen[text] = rank
        return rank

    def build(self, items: Iterable[PlanItem]) -> dict[str, int]:
        """:meth:`create` then :meth:`fill`."""
        self.create()
        return self.fill(items)

    @staticmethod
    def _flush(
        db: sqlite3.Connection, inserts: dict[str, str], pending: dict[str, list[Sequence[Any]]]
    ) -> None:
        for name, rows in pending.items():
            if rows:
                db.executemany(inserts[name], rows)
                rows.clear()
        db.commit()


def row_of(tables: Mapping[str, Table], item: PlanItem, resolve: Resolve) -> list[Any]:
    """``[n, parent n, *JSON texts of the columns]`` of one item; ``resolve`` gives
    the values only the service would know (placeholders and assigned columns)."""
    t = tables[item.entity]
    n = split_key(item.key)[1]
    parent = item.links.get("parent") if item.links else None
    values = dict(item.body)
    for field, placeholder in item.refs.items():
        values[field] = resolve(*split_placeholder(placeholder))
    for attr in t.assigned:
        values[attr] = resolve(t.entity, n, attr)
    return [n, None if parent is None else parent + 1, *(dumps(values.get(c)) for c in t.columns)]


def assigned(tables: Mapping[str, Table]) -> Resolve:
    """Values by the tables' templates; a placeholder without one stays as it is."""

    def resolve(entity: str, n: int, attr: str) -> Any:
        template = tables[entity].assigned.get(attr)
        return f"{entity}:{n}.{attr}" if template is None else assigned_value(template, entity, n)

    return resolve
