"""Read models: plain SQL over the tables, straight to JSON-ready rows.

The read side bypasses the domain (CQRS): it only lists what the commands wrote, in
a stable order, one page at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seeder.demo.storage.schema import COUNTED_TABLES
from seeder.demo.storage.sql import Row, Sql, scalar


@dataclass(frozen=True, slots=True)
class View:
    """``SELECT columns FROM source WHERE owner = ? [AND condition] ORDER BY order``."""

    columns: str
    source: str
    owner: str
    order: str
    condition: str = ""
    decode: Callable[[Row], Row] | None = None
    filters: tuple[str, ...] = ()  # columns a client may filter on by equality


def _decode_flags(row: Row) -> Row:
    return {**row, "flags": json.loads(row["flags"])}


VIEWS: dict[str, View] = {
    # library, owned by a tenant id
    "tenants": View("id, name, plan", "tenants", "", "id", filters=("name",)),
    "authors": View(
        "id, tenant_id, name, birth_year", "authors", "tenant_id", "id", filters=("name",)
    ),
    "books": View(
        "tenant_id, number, author_id, isbn, title, subtitle, status, published_on",
        "books",
        "tenant_id",
        "number",
        filters=("isbn",),
    ),
    "members": View("id, tenant_id, name, email", "members", "tenant_id", "id", filters=("email",)),
    "loans": View(
        "id, tenant_id, book_number, member_id, due_on, returned_on",
        "loans",
        "tenant_id",
        "id",
        filters=("book_number", "member_id"),
    ),
    # energy, owned by a customer id or a meter id
    "meters": View(
        "meter_id, customer_id, kind, installed_on", "meters", "customer_id", "meter_id"
    ),
    "readings": View("id, meter_id, taken_at, value", "readings", "meter_id", "taken_at"),
    # school, owned by a centre code
    "classes": View(
        "centre_code, class_code, year_level, teacher_staff_id",
        "classes",
        "centre_code",
        "class_code",
    ),
    "students": View(
        "enrolment_id, centre_code, class_code, given_name, family_name, date_of_birth, gender",
        "students",
        "centre_code",
        "enrolment_id",
    ),
    "photos": View(
        "enrolment_id, photo_url",
        "students",
        "centre_code",
        "enrolment_id",
        "photo_url IS NOT NULL",
    ),
    "flags": View(
        "enrolment_id, flags",
        "students",
        "centre_code",
        "enrolment_id",
        "flags <> '[]'",
        _decode_flags,
    ),
    "addresses": View(
        "enrolment_id, street, suburb, postcode", "students", "centre_code", "enrolment_id"
    ),
    "parents": View(
        "p.id, p.enrolment_id, p.given_name, p.family_name, p.relationship, p.phone, p.email",
        "parents p JOIN students s ON s.enrolment_id = p.enrolment_id",
        "s.centre_code",
        "p.id",
    ),
    "emergency-contacts": View(
        "c.id, c.enrolment_id, c.name, c.phone, c.relationship",
        "emergency_contacts c JOIN students s ON s.enrolment_id = c.enrolment_id",
        "s.centre_code",
        "c.id",
    ),
    "enrolment-history": View(
        "e.id, e.enrolment_id, e.class_code, e.start_date, e.end_date, e.recorded_by_staff_id",
        "enrolments e JOIN students s ON s.enrolment_id = e.enrolment_id",
        "s.centre_code",
        "e.enrolment_id, e.start_date",
    ),
    "staff": View(
        "staff_id, centre_code, given_name, family_name, role, email",
        "staff",
        "centre_code",
        "staff_id",
    ),
    "staff-photos": View(
        "staff_id, photo_url", "staff", "centre_code", "staff_id", "photo_url IS NOT NULL"
    ),
}


def page(
    sql: Sql,
    view: str,
    owner: Any,
    offset: int,
    limit: int,
    filters: Mapping[str, Any] | None = None,
) -> tuple[list[Row], int]:
    """One page of ``view`` for ``owner`` (a view without an owner column lists
    everything), the rows equal to ``filters`` only, and how many rows match."""
    spec = VIEWS[view]
    conditions, params = [], []
    if spec.owner:
        conditions.append(f"{spec.owner} = ?")
        params.append(owner)
    if spec.condition:
        conditions.append(spec.condition)
    for column, value in (filters or {}).items():
        if value is not None:
            assert column in spec.filters, column  # the endpoints name their filters
            conditions.append(f"{column} = ?")
            params.append(value)
    where = f"FROM {spec.source} WHERE " + (" AND ".join(conditions) or "1 = 1")
    total = int(scalar(sql, f"SELECT count(*) {where}", params))
    rows = sql.query(
        f"SELECT {spec.columns} {where} ORDER BY {spec.order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return ([spec.decode(r) for r in rows] if spec.decode else rows), total


def record(sql: Sql, table: str, key: str, value: Any) -> Row | None:
    """One row of ``table`` by its key column, or None."""
    rows = sql.query(f"SELECT * FROM {table} WHERE {key} = ?", (value,))
    if not rows:
        return None
    return {k: v for k, v in rows[0].items() if k not in _PRIVATE_COLUMNS}


def counts(sql: Sql, tables: Sequence[str] = tuple(COUNTED_TABLES)) -> dict[str, int]:
    return {
        name: int(scalar(sql, f"SELECT count(*) FROM {COUNTED_TABLES[name]}")) for name in tables
    }


_PRIVATE_COLUMNS = frozenset({"token_sha256", "next_book_number"})
