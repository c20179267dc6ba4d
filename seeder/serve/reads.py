"""Reading the store: one page of a collection (with its total), one instance by
its key. Path and query values are matched as the JSON texts they could stand for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seeder.serve.formats import Item
from seeder.serve.pages import Window
from seeder.serve.routes import Collection, Table
from seeder.serve.store import Store, candidates

__all__ = ["NotFound", "Page", "Reads"]


_COUNTS_KEPT = 10_000


class NotFound(Exception):
    """No instance matches the path (a 404)."""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    total: int
    next_n: int | None  # the last instance shown, when more follow (cursor paging)


def _in(column: str, texts: list[str]) -> str:
    return f"{column} IN ({', '.join('?' * len(texts))})"


class Reads:
    def __init__(self, store: Store, db: sqlite3.Connection) -> None:
        self.store = store
        self.db = db
        self._counts: dict[tuple[str, str, tuple[Any, ...]], int] = {}

    def _number(self, table: Table, column: str, value: str) -> int | None:
        texts = candidates(value)
        row = self.db.execute(
            f"SELECT n FROM {Store.name(table)} WHERE {_in(Store.col(table, column), texts)} "
            "ORDER BY n LIMIT 1",
            texts,
        ).fetchone()
        return None if row is None else int(row[0])

    def page(
        self,
        c: Collection,
        path: Mapping[str, str],
        filters: Mapping[str, str],
        window: Window,
    ) -> Page:
        t = c.table
        clauses: list[str] = []
        args: list[Any] = []
        if c.parent is not None and c.parent_param is not None:
            parent = self._number(c.parent, c.parent.key, path[c.parent_param])
            if parent is None:
                raise NotFound(f"no {c.parent.entity} with {c.parent.key} {path[c.parent_param]!r}")
            clauses.append("parent = ?")
            args.append(parent)
        if c.owner is not None:
            owner_clauses = []
            owner_args: list[str] = []
            for column, param in c.owner_where:
                texts = candidates(path[param])
                owner_clauses.append(_in(Store.col(c.owner, column), texts))
                owner_args += texts
            found = self.db.execute(
                f"SELECT 1 FROM {Store.name(c.owner)} WHERE {' AND '.join(owner_clauses)} LIMIT 1",
                owner_args,
            ).fetchone()
            if found is None:
                said = ", ".join(f"{col} {path[p]!r}" for col, p in c.owner_where)
                raise NotFound(f"no {c.owner.entity} with {said}")
        columns = dict(c.shown)
        equal = [(column, candidates(path[param])) for column, param in c.where]
        equal += [(columns[name], candidates(value)) for name, value in filters.items()]
        if not clauses and not c.fixed and len(equal) == 1:
            rank = self.store.ranked(t, equal[0][0])
            if rank is not None:
                ranked = self._ranked(c, equal[0][0], rank, equal[0][1], window)
                if ranked is not None:
                    return ranked
        for column, texts in equal[: len(c.where)]:
            clauses.append(_in(Store.col(t, column), texts))
            args += texts
        for column, is_equal, text in c.fixed:
            clauses.append(f"{Store.col(t, column)} {'=' if is_equal else 'IS NOT'} ?")
            args.append(text)
        for column, texts in equal[len(c.where) :]:
            clauses.append(_in(Store.col(t, column), texts))
            args += texts
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        name = Store.name(t)
        picked = ", ".join(Store.col(t, col) for _, col in c.shown)
        if not clauses:
            # the whole table: instance numbers run 1..count (rows land in plan order),
            # so the total is the last one and a page is a range of them
            total = int(self.db.execute(f"SELECT coalesce(max(n), 0) FROM {name}").fetchone()[0])
            after = window.offset if window.after is None else window.after
            sql = f"SELECT n, {picked} FROM {name} WHERE n > ? ORDER BY n LIMIT ?"
            rows = self.db.execute(sql, [after, window.limit + 1]).fetchall()
        else:
            total = self._count(name, where, args)
            if window.after is not None:
                sql = f"SELECT n, {picked} FROM {name}{where} AND n > ? ORDER BY n LIMIT ?"
                rows = self.db.execute(sql, [*args, window.after, window.limit + 1]).fetchall()
            else:
                sql = f"SELECT n, {picked} FROM {name}{where} ORDER BY n LIMIT ? OFFSET ?"
                rows = self.db.execute(sql, [*args, window.limit + 1, window.offset]).fetchall()
        return self._page(c, rows, window, total)

    @staticmethod
    def _page(c: Collection, rows: list[Any], window: Window, total: int) -> Page:
        more = len(rows) > window.limit
        rows = rows[: window.limit]
        names = [shown for shown, _ in c.shown]
        items: list[Item] = [list(zip(names, row[1:], strict=True)) for row in rows]
        return Page(items, total, int(rows[-1][0]) if more and rows else None)

    def _ranked(
        self, c: Collection, column: str, rank: str, texts: list[str], window: Window
    ) -> Page | None:
        """A page of the rows whose ``column`` is one of ``texts``, by their rank: a
        seek at any depth, the total the largest rank. None when two spellings of
        the value both have rows (their ranks are apart: the general query counts)."""
        t = c.table
        name, col = Store.name(t), Store.col(t, column)
        found = []
        for text in texts:
            top = self.db.execute(
                f"SELECT max({rank}) FROM {name} WHERE {col} = ?", [text]
            ).fetchone()[0]
            if top is not None:
                found.append((text, int(top)))
        if len(found) > 1:
            return None
        if not found:
            return Page([], 0, None)
        text, total = found[0]
        start = window.offset
        if window.after is not None:  # a cursor: the rank of the row it names
            row = self.db.execute(
                f"SELECT {rank}, {col} FROM {name} WHERE n = ?", [window.after]
            ).fetchone()
            if row is None or row[1] != text or row[0] is None:
                return None
            start = int(row[0])
        picked = ", ".join(Store.col(t, col) for _, col in c.shown)
        rows = self.db.execute(
            f"SELECT n, {picked} FROM {name} WHERE {col} = ? AND {rank} > ? "
            f"ORDER BY {rank} LIMIT ?",
            [text, start, window.limit + 1],
        ).fetchall()
        return self._page(c, rows, window, total)

    def _count(self, name: str, where: str, args: list[Any]) -> int:
        """How many rows match; once the store is complete, remembered (a count
        over millions of index entries is the slowest part of a page)."""
        key = (name, where, tuple(args))
        known = self._counts.get(key)
        if known is not None:
            return known
        total = int(self.db.execute(f"SELECT count(*) FROM {name}{where}", args).fetchone()[0])
        if self.store.complete:
            if len(self._counts) >= _COUNTS_KEPT:
                self._counts.pop(next(iter(self._counts)))
            self._counts[key] = total
        return total

    def instance(self, t: Table, key: str) -> Item:
        texts = candidates(key)
        cols = ", ".join(f"c{j}" for j in range(len(t.columns)))
        row = self.db.execute(
            f"SELECT {cols} FROM {Store.name(t)} WHERE {_in(Store.col(t, t.key), texts)} "
            "ORDER BY n LIMIT 1",
            texts,
        ).fetchone()
        if row is None:
            raise NotFound(f"no {t.entity} with {t.key} {key!r}")
        return list(zip(t.columns, row, strict=True))

    def counts(self) -> dict[str, int]:
        return {
            name: int(self.db.execute(f"SELECT count(*) FROM {Store.name(t)}").fetchone()[0])
            for name, t in self.store.site.tables.items()
        }
