"""The read side: lists and counts, for clients that verify what was seeded.

Library and energy lists page by ``offset``/``limit``; the school hub's lists page
by ``navigationPage`` (0-based) and ``navigationPageSize``, as that API family does.
An unknown owner (tenant, customer, meter, centre code) is a 404.
"""

from __future__ import annotations

import math
from typing import Any

from seeder.demo.errors import NotFound
from seeder.demo.storage import reads
from seeder.demo.storage.sql import Database

SCHOOL_VIEWS = frozenset(
    {
        "classes",
        "students",
        "photos",
        "flags",
        "addresses",
        "parents",
        "emergency-contacts",
        "enrolment-history",
        "staff",
        "staff-photos",
    }
)

# The owner of each list view: (table, key column, error name, noun).
_OWNERS: dict[str, tuple[str, str, str, str]] = {
    "tenant": ("tenants", "id", "tenant_not_found", "tenant"),
    "customer": ("customers", "id", "customer_not_found", "customer"),
    "meter": ("meters", "meter_id", "meter_not_found", "meter"),
    "school": ("schools", "centre_code", "school_not_found", "school with centre code"),
}
_OWNER_OF_VIEW = {
    "authors": "tenant",
    "books": "tenant",
    "members": "tenant",
    "loans": "tenant",
    "meters": "customer",
    "readings": "meter",
    **{view: "school" for view in SCHOOL_VIEWS},
}


class Queries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def counts(self) -> dict[str, int]:
        with self._db.transaction() as sql:
            return reads.counts(sql)

    def get(self, owner: str, key: Any) -> dict[str, Any]:
        """One tenant, customer, meter or school."""
        table, column, error, noun = _OWNERS[owner]
        with self._db.transaction() as sql:
            row = reads.record(sql, table, column, key)
        if row is None:
            raise NotFound(error, f"no {noun} {key}")
        return row

    def list_view(
        self,
        view: str,
        owner: Any,
        *,
        offset: int,
        limit: int,
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``{"items": [...], "total": n, "offset": o, "limit": l}``; ``filters``:
        only the rows with these values (a lookup by a natural key)."""
        items, total = self._page(view, owner, offset, limit, filters)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    def tenants(self, *, offset: int, limit: int, name: str | None) -> dict[str, Any]:
        """Every tenant, or those named ``name``."""
        with self._db.transaction() as sql:
            items, total = reads.page(sql, "tenants", None, offset, limit, {"name": name})
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    def school_list(self, view: str, centre_code: str, *, page: int, size: int) -> dict[str, Any]:
        """The school hub's page: items plus ``totalItems``/``totalPages``."""
        items, total = self._page(view, centre_code, page * size, size)
        return {
            "items": items,
            "navigationPage": page,
            "navigationPageSize": size,
            "totalItems": total,
            "totalPages": math.ceil(total / size),
        }

    def _page(
        self, view: str, owner: Any, offset: int, limit: int, filters: dict[str, Any] | None = None
    ) -> tuple[list[Any], int]:
        table, column, error, noun = _OWNERS[_OWNER_OF_VIEW[view]]
        with self._db.transaction() as sql:
            if reads.record(sql, table, column, owner) is None:
                raise NotFound(error, f"no {noun} {owner}")
            return reads.page(sql, view, owner, offset, limit, filters)
