"""What ``seeder serve`` serves: each entity as a table of columns, and the routes
over them, checked against the model (a wrong name in ``serve:`` is a problem at
its line).

Default routes, for every entity ``e`` (plural ``es``, key ``k`` = its identity):
``/es`` (a collection), ``/es/{k}`` (one instance), and ``/parents/{pk}/es`` (the
children of one parent). Custom routes (``serve: routes:``) add collections at any
path, filtered by path parameters, with their own shape and pagination.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seeder.errors import suggest
from seeder.model import Model
from seeder.scenario.problems import Path_, Problems
from seeder.scenario.serving import Paging, Route, ServeSpec

__all__ = ["PATH_PARAM", "Collection", "Instance", "Site", "Table", "dumps", "plural", "site_of"]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def dumps(value: Any) -> str:
    """The canonical JSON text of a value (what the store keeps, what is sent)."""
    return _encode(value)


def plural(name: str) -> str:
    """``meter`` → ``meters``, ``class`` → ``classes``, ``company`` → ``companies``;
    ``staff`` stays."""
    if name.endswith(("staff", "data", "info")):
        return name
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


@dataclass(frozen=True)
class Table:
    """One entity as the store keeps it: ``columns`` (assigned values first, then
    the command's fields), its ``key`` column and the templates of ``assigned``
    values (``{n}`` is the instance number)."""

    entity: str
    index: int
    columns: tuple[str, ...]
    key: str
    assigned: Mapping[str, str]
    parent: str | None

    @property
    def param(self) -> str:
        """The path parameter naming one instance (``customer_id``, ``meter_id``)."""
        return self.key if self.key.startswith(self.entity) else f"{self.entity}_{self.key}"


def assigned_value(template: str, entity: str, n: int) -> Any:
    """The value the service would have assigned to instance ``n``: the instance
    number itself for ``{n}``, else the template formatted."""
    if template == "{n}":
        return n
    return template.format(n=n, entity=entity)


@dataclass(frozen=True)
class Collection:
    """A paged list of one table's rows, in plan order. ``where``: (column, path
    parameter) pairs; ``parent_param``: the path parameter holding the parent's key
    (default child routes); ``owner``: a table that must have a row matching
    ``owner_where`` (else 404); ``fixed``: (column, equal?, JSON text) always
    applied; ``shown``: (name shown, column)."""

    name: str
    path: str
    table: Table
    shown: tuple[tuple[str, str], ...]
    where: tuple[tuple[str, str], ...] = ()
    parent_param: str | None = None
    parent: Table | None = None
    owner: Table | None = None
    owner_where: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, bool, str], ...] = ()
    paging: Paging = field(default_factory=Paging)
    envelope: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Instance:
    """One row by its key: ``/es/{k}``."""

    path: str
    table: Table


@dataclass(frozen=True)
class Keyed:
    """Children of ``parent`` made on demand for any key in the path parameter
    ``param``; ``window``: their field that ``?from=..&to=..`` bounds."""

    name: str
    path: str
    param: str
    table: Table
    parent: Table
    window: str | None = None
    paging: Paging = field(default_factory=Paging)
    envelope: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Site:
    tables: Mapping[str, Table]
    collections: tuple[Collection, ...]
    instances: tuple[Instance, ...]
    keyed: tuple[Keyed, ...] = ()

    def paths(self) -> list[str]:
        """Every path served, collections first."""
        return [
            *(c.path for c in self.collections),
            *(i.path for i in self.instances),
            *(k.path for k in self.keyed),
        ]

    def indexed_columns(self) -> dict[str, set[str]]:
        """Per entity, the columns a route looks rows up by."""
        out: dict[str, set[str]] = {name: {t.key} for name, t in self.tables.items()}
        for c in self.collections:
            out[c.table.entity].update(col for col, _ in c.where)
            if c.owner is not None:
                out[c.owner.entity].update(col for col, _ in c.owner_where)
        return out


PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _tables(model: Model, spec: ServeSpec | None, problems: Problems) -> dict[str, Table]:
    assign = dict(spec.assign) if spec else {}
    for entity in assign:
        if entity not in model.entities:
            problems.add(("serve", "assign", entity), _unknown_entity(entity, model))
    tables: dict[str, Table] = {}
    for i, (name, em) in enumerate(model.entities.items()):
        fields = [f for f in em.command.model_fields if f in em.body_fields or f in em.ref_fields]
        templates: dict[str, str] = {}
        if em.identity_captured:
            templates[em.identity] = "{n}" if em.identity == "id" else f"{name}-{{n}}"
        for attr, template in assign.get(name, {}).items():
            where: Path_ = ("serve", "assign", name, attr)
            if attr in fields:
                problems.add(
                    where,
                    f"{name}.{attr} is planned already; assign only what "
                    "the service would assign (e.g. its identity)",
                )
                continue
            try:
                assigned_value(template, name, 1)
            except (KeyError, IndexError, ValueError) as exc:
                problems.add(
                    where,
                    f"cannot format {template!r} ({exc}); use {{n}} for the "
                    "instance number, e.g. 'E{n:07d}'",
                )
                continue
            templates[attr] = template
        tables[name] = Table(
            entity=name,
            index=i,
            columns=(*templates, *(f for f in fields if f not in templates)),
            key=em.identity,
            assigned=templates,
            parent=em.parent,
        )
    return tables


def _unknown_entity(name: str, model: Model) -> str:
    hint = suggest(name, model.entities) or f"entities: {', '.join(model.entities)}"
    return f"no entity {name!r}; {hint}"


def _column(table: Table, name: str, where: Path_, problems: Problems) -> bool:
    if name in table.columns:
        return True
    hint = suggest(name, table.columns) or f"its fields: {', '.join(table.columns)}"
    problems.add(where, f"{table.entity} has no field {name!r}; {hint}")
    return False


def _custom(
    route: Route, tables: Mapping[str, Table], model: Model, p: Problems
) -> Collection | None:
    at: Path_ = ("serve", "routes", route.name)
    table = tables.get(route.entity)
    if table is None:
        p.add((*at, "entity"), _unknown_entity(route.entity, model))
        return None
    params = PATH_PARAM.findall(route.path)
    ok = True
    for column, param in route.where.items():
        ok &= _column(table, column, (*at, "where", column), p)
        if param not in params:
            p.add(
                (*at, "where", column),
                f"{param!r} is not a parameter of {route.path}; "
                f"write it in the path as {{{param}}}",
            )
            ok = False
    for param in params:
        if param not in route.where.values():
            p.add(
                (*at, "path"),
                f"path parameter {{{param}}} filters nothing; add it to "
                f"where: (e.g. where: {{field: {param}}})",
            )
            ok = False
    owner = None
    if route.owner is not None:
        owner = tables.get(route.owner)
        if owner is None:
            p.add((*at, "owner"), _unknown_entity(route.owner, model))
            ok = False
        else:
            for column in route.where:
                if column not in owner.columns:
                    p.add(
                        (*at, "owner"),
                        f"owner {owner.entity} has no field {column!r} to "
                        "match the path against; name an owner that has the where: fields",
                    )
                    ok = False
    fixed: list[tuple[str, bool, str]] = []
    for column, value in route.filter.items():
        if _column(table, column, (*at, "filter", column), p):
            if isinstance(value, dict):
                fixed.append((column, False, dumps(value.get("$ne"))))
            else:
                fixed.append((column, True, dumps(value)))
        else:
            ok = False
    shown = route.fields or tuple((c, c) for c in table.columns)
    for _, column in shown:
        ok &= _column(table, column, (*at, "fields"), p)
    if not ok:
        return None
    return Collection(
        name=route.name,
        path=route.path,
        table=table,
        shown=shown,
        where=tuple(route.where.items()),
        owner=owner,
        owner_where=tuple(route.where.items()) if owner else (),
        fixed=tuple(fixed),
        paging=route.paging,
        envelope=route.envelope,
    )


def _keyed(spec: ServeSpec, tables: Mapping[str, Table], model: Model, p: Problems) -> list[Keyed]:
    out: list[Keyed] = []
    for by in spec.by_key:
        at: Path_ = ("serve", "by_key", by.name)
        table = tables.get(by.entity)
        if table is None:
            p.add((*at, "entity"), _unknown_entity(by.entity, model))
            continue
        if table.parent is None:
            p.add(
                (*at, "entity"),
                f"{by.entity} has no parent (per:) to make it for; name a child entity",
            )
            continue
        parent = tables[table.parent]
        path = by.path or f"/{plural(parent.entity)}/{{{parent.param}}}/{plural(table.entity)}"
        params = PATH_PARAM.findall(path)
        if len(params) != 1:
            p.add((*at, "path"), f"path {path} must have one parameter: the {parent.entity}'s key")
            continue
        if by.window is not None and not _column(table, by.window, (*at, "window"), p):
            continue
        out.append(
            Keyed(by.name, path, params[0], table, parent, by.window, spec.paging, spec.envelope)
        )
    return out


def site_of(model: Model) -> Site:
    """The tables and routes of ``model``'s scenario; raises ScenarioError listing
    every problem of its ``serve:`` section."""
    spec = model.scenario.serve
    problems = Problems(model.scenario.source, model.locate)
    tables = _tables(model, spec, problems)
    collections: list[Collection] = []
    for route in spec.routes if spec else ():
        found = _custom(route, tables, model, problems)
        if found is not None:
            collections.append(found)
    keyed = _keyed(spec, tables, model, problems) if spec else []
    problems.raise_if_any()
    instances: list[Instance] = []
    if spec is None or spec.defaults:
        paging = spec.paging if spec else Paging()
        names = dict(spec.envelope) if spec else {}
        for t in tables.values():
            base = "/" + plural(t.entity)
            shown = tuple((c, c) for c in t.columns)
            collections.append(Collection(t.entity, base, t, shown, paging=paging, envelope=names))
            instances.append(Instance(f"{base}/{{{t.param}}}", t))
            if t.parent is not None:
                pt = tables[t.parent]
                path = f"/{plural(pt.entity)}/{{{pt.param}}}{base}"
                collections.append(
                    Collection(
                        f"{pt.entity}.{t.entity}",
                        path,
                        t,
                        shown,
                        parent_param=pt.param,
                        parent=pt,
                        paging=paging,
                    )
                )
    taken: set[str] = {k.path for k in keyed}
    unique = []
    for c in collections:  # a custom route wins over a default one at the same path
        if c.path not in taken:
            taken.add(c.path)
            unique.append(c)
    return Site(
        tables, tuple(unique), tuple(i for i in instances if i.path not in taken), tuple(keyed)
    )
