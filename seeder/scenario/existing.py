"""``existing:`` — an entity read from the service instead of created: the YAML
section turned into :class:`~seeder.scenario.api.Existing`, and the checks both
ways of writing it share (so a Python scenario is refused as a YAML one is)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from seeder.errors import suggest
from seeder.scenario.api import PAGING, Existing
from seeder.scenario.problems import Path_, Problems
from seeder.shapes import answer_path

__all__ = ["EXISTING_KEYS", "MAX_EXISTING", "build_existing", "existing_problems"]

EXISTING_KEYS = tuple(f.name for f in dataclasses.fields(Existing))
# what one process keeps in its registry without thinking twice: a catalogue, the
# users of a staging service; more is a query to narrow (a where clause, a filter)
MAX_EXISTING = 10_000_000
# the entity keys an existing entity may have beside existing: (the others create)
WITH_EXISTING = ("existing", "identity")


def build_existing(data: Any, path: Path_, problems: Problems) -> Existing | None:
    """The ``existing:`` mapping as :class:`Existing` (its values checked later,
    with the Python API's, by :func:`existing_problems`)."""
    if not isinstance(data, Mapping):
        problems.add(
            path,
            "existing must be a mapping: {get: /path} (a list endpoint) or {sql: ..., dsn: ...}",
        )
        return None
    ok = True
    for key in data:
        if key not in EXISTING_KEYS:
            hint = suggest(str(key), EXISTING_KEYS) or f"allowed: {', '.join(EXISTING_KEYS)}"
            problems.add((*path, key), f"unknown existing key {key!r}; {hint}")
            ok = False
    if not ok:
        return None
    return Existing(**{str(k): v for k, v in data.items()})


def existing_problems(existing: Existing) -> list[tuple[Path_, str]]:
    """What is wrong in ``existing``: (the key's path below ``existing``, message)."""
    found: list[tuple[Path_, str]] = []

    def text(name: str, value: object) -> bool:
        if value is not None and not (isinstance(value, str) and value.strip()):
            found.append(((name,), f"existing {name} must be a non-empty string"))
            return False
        return value is not None

    has_get, has_sql = text("get", existing.get), text("sql", existing.sql)
    text("dsn", existing.dsn)
    if has_get == has_sql:
        found.append(
            (
                (),
                "existing needs one source: get: /path (a list endpoint on the target) "
                "or sql: SELECT ... with dsn:",
            )
        )
    if has_get and not str(existing.get).startswith("/"):
        found.append(
            (("get",), f"existing get {existing.get!r} must be a path on the target: /tenants")
        )
    if has_sql and existing.dsn is None:
        found.append((("dsn",), "existing sql needs dsn: the database (or $ENV_VAR holding it)"))
    if has_get and existing.dsn is not None:
        found.append((("dsn",), "dsn goes with sql:, not with get:; remove it"))
    for name in ("items", "next"):
        value = getattr(existing, name)
        if value is not None:
            try:
                answer_path(value)
            except ValueError as exc:
                found.append(((name,), f"existing {name}: {exc}"))
    fields = existing.fields
    if isinstance(fields, Mapping):
        for name, where in fields.items():
            if not (isinstance(name, str) and name.isidentifier()):
                found.append((("fields",), f"field name {name!r} must be an identifier"))
                continue
            try:
                answer_path(where)
            except ValueError as exc:
                found.append((("fields", name), f"existing field {name}: {exc}"))
    elif isinstance(fields, Sequence) and not isinstance(fields, str):
        for name in fields:
            if not (isinstance(name, str) and name.isidentifier()):
                found.append((("fields",), f"field name {name!r} must be an identifier"))
    else:
        found.append((("fields",), "existing fields must be a list of names or name: path"))
    if existing.paging not in PAGING:
        hint = suggest(str(existing.paging), PAGING) or f"one of {', '.join(PAGING)}"
        found.append((("paging",), f"existing paging {existing.paging!r} is unknown; {hint}"))
    if existing.paging == "next" and existing.next is None:
        found.append((("next",), "paging: next needs next: the answer path of the next URL"))
    if has_sql and existing.paging not in ("offset", "none"):
        found.append((("paging",), "paging is for get:; a query is read whole (in batches)"))
    if not isinstance(existing.params, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k in _PARAMS
        for k, v in existing.params.items()
    ):
        found.append(
            (
                ("params",),
                f"existing params renames the paging parameters ({', '.join(_PARAMS)}): "
                "{offset: skip, limit: take}",
            )
        )
    for name, low in (("page_size", 1), ("first_page", 0), ("limit", 1)):
        value = getattr(existing, name)
        if name == "limit" and value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            found.append(((name,), f"existing {name} must be a whole number >= {low}"))
    if isinstance(existing.limit, int) and existing.limit > MAX_EXISTING:
        found.append(
            (
                ("limit",),
                f"existing limit {existing.limit:,} is more than the {MAX_EXISTING:,} records "
                "seeder keeps; narrow what is read (a filter, a where clause)",
            )
        )
    refs = existing.refs
    if not isinstance(refs, Mapping) or not all(
        isinstance(k, str) and k.isidentifier() and isinstance(v, str) and v.isidentifier()
        for k, v in refs.items()
    ):
        found.append(
            (
                ("refs",),
                "existing refs maps a kept field to the existing entity whose identity it "
                "holds: {tenant_id: tenant}",
            )
        )
    return found


_PARAMS = ("offset", "limit", "page", "size")
