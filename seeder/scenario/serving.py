"""The scenario's optional ``serve:`` section: how ``seeder serve`` shows its data.

Only the section's shape is checked here (keys, types, pagination styles); names of
entities and fields are checked against the model by :mod:`seeder.serve.routes`,
each at its line. The section never changes the plan (it is not in the
fingerprint)::

    serve:
      assign:            # values only the service would assign, made by template
        student: {enrolment_id: "E{n:07d}"}
      routes:
        students:
          path: /schools/{centreCode}/students
          entity: student
          where: {centre_code: centreCode}     # field: path parameter
          owner: school                        # 404 when no school matches
          filter: {photo_url: {$ne: null}}     # rows shown at all
          fields: [enrolment_id, given_name]   # or {outName: field}
          paginate: {style: page, page: navigationPage, size: navigationPageSize}
          envelope: {total: totalItems, pages: totalPages}
      paginate: ...    # and envelope: the defaults of every route, the default ones too
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seeder.errors import suggest
from seeder.scenario.problems import Path_, Problems

__all__ = ["ENVELOPE_ROLES", "ByKey", "Paging", "Route", "ServeSpec", "build_serve"]

SERVE_KEYS = ("assign", "routes", "defaults", "paginate", "envelope", "by_key")
BY_KEY_KEYS = ("entity", "path", "window")
ROUTE_KEYS = ("path", "entity", "where", "owner", "filter", "fields", "paginate", "envelope")
PAGE_KEYS = ("style", "page", "size", "offset", "limit", "cursor", "first", "default", "max")
STYLES = ("page", "offset", "cursor")
# what an envelope can rename: the items, the totals, and the paging echoed back
ENVELOPE_ROLES = ("items", "total", "pages", "page", "size", "offset", "limit", "next")


@dataclass(frozen=True)
class Paging:
    """How a collection pages: ``page`` (``page``/``size`` names, ``first`` page 0
    or 1), ``offset`` (``offset``/``limit``) or ``cursor`` (``cursor``/``limit``);
    ``default`` and ``max`` bound the page size."""

    style: str = "offset"
    page: str = "page"
    size: str = "size"
    offset: str = "offset"
    limit: str = "limit"
    cursor: str = "cursor"
    first: int = 0
    default: int = 100
    max: int = 1000


@dataclass(frozen=True)
class Route:
    """One custom collection route over an entity's instances."""

    name: str
    path: str
    entity: str
    where: Mapping[str, str] = field(default_factory=dict)  # field -> path parameter
    owner: str | None = None
    filter: Mapping[str, Any] = field(default_factory=dict)  # field -> value | {$ne: v}
    fields: tuple[tuple[str, str], ...] | None = None  # (name shown, field)
    paging: Paging = Paging()
    envelope: Mapping[str, str] = field(default_factory=dict)  # role -> name shown


@dataclass(frozen=True)
class ByKey:
    """Children made on demand for any key of their parent: ``entity``'s instances
    under the parent named in the path, from the scenario's own providers with a
    seed derived from (seed, parent, key). ``window``: a field of theirs that
    ``?from=..&to=..`` bounds (as many are made as reach ``to``)."""

    name: str
    entity: str
    path: str | None = None
    window: str | None = None


@dataclass(frozen=True)
class ServeSpec:
    """``routes`` beside (``defaults: true``) or instead of the default ones;
    ``assign``: per entity, templates of the values only the service would assign."""

    routes: tuple[Route, ...] = ()
    assign: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    defaults: bool = True
    paging: Paging = Paging()
    envelope: Mapping[str, str] = field(default_factory=dict)
    by_key: tuple[ByKey, ...] = ()


def _unknown(data: Mapping[Any, Any], known: tuple[str, ...], path: Path_, p: Problems) -> None:
    for key in data:
        if key not in known:
            hint = suggest(str(key), known) or f"allowed: {', '.join(known)}"
            p.add((*path, key), f"unknown serve key {key!r}; {hint}")


def _names(data: Any, path: Path_, p: Problems, what: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        p.add(path, f"{what} must be a mapping of names, e.g. {{centre_code: centreCode}}")
        return {}
    return dict(data)


def _paging(data: Any, path: Path_, p: Problems, base: Paging) -> Paging:
    if data is None:
        return base
    if not isinstance(data, dict):
        p.add(path, "paginate must be a mapping, e.g. {style: page, page: page, size: size}")
        return base
    _unknown(data, PAGE_KEYS, path, p)
    values: dict[str, Any] = {k: getattr(base, k) for k in PAGE_KEYS}
    for key in PAGE_KEYS:
        if key not in data:
            continue
        value = data[key]
        where = (*path, key)
        if key == "style":
            if value not in STYLES:
                p.add(where, f"paginate style must be one of {', '.join(STYLES)}, got {value!r}")
                continue
        elif key == "first":
            if value not in (0, 1) or isinstance(value, bool):
                p.add(where, f"first must be 0 or 1 (the number of the first page), got {value!r}")
                continue
        elif key in ("default", "max"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                p.add(where, f"{key} must be a whole number of items >= 1, got {value!r}")
                continue
        elif not isinstance(value, str) or not value.isidentifier():
            p.add(where, f"{key} must be a query parameter name, e.g. navigationPage")
            continue
        values[key] = value
    if values["default"] > values["max"]:
        p.add((*path, "default"), f"default {values['default']} is over max {values['max']}")
        values["default"] = values["max"]
    return Paging(**values)


def _fields(data: Any, path: Path_, p: Problems) -> tuple[tuple[str, str], ...] | None:
    if data is None:
        return None
    if isinstance(data, list) and data and all(isinstance(f, str) for f in data):
        return tuple((f, f) for f in data)
    if isinstance(data, dict) and data and all(isinstance(v, str) for v in data.values()):
        return tuple((str(k), v) for k, v in data.items())
    p.add(path, "fields must be a list of field names, or a mapping {name shown: field}")
    return None


def _envelope(data: Any, path: Path_, p: Problems, base: Mapping[str, str]) -> dict[str, str]:
    envelope = _names(data, path, p, "envelope")
    for role in envelope:
        if role not in ENVELOPE_ROLES:
            hint = suggest(role, ENVELOPE_ROLES) or f"allowed: {', '.join(ENVELOPE_ROLES)}"
            p.add((*path, role), f"unknown envelope name {role!r}; {hint}")
    return {**base, **envelope}


def _route(
    name: str, data: Any, path: Path_, p: Problems, paging: Paging, envelope: Mapping[str, str]
) -> Route | None:
    if not isinstance(data, dict):
        p.add(path, f"route {name!r} must be a mapping with path: and entity:")
        return None
    _unknown(data, ROUTE_KEYS, path, p)
    route_path, entity = data.get("path"), data.get("entity")
    if not isinstance(route_path, str) or not route_path.startswith("/"):
        p.add((*path, "path") if "path" in data else path, f"route {name!r} needs a path: /...")
        return None
    if not isinstance(entity, str):
        p.add((*path, "entity") if "entity" in data else path, f"route {name!r} needs entity:")
        return None
    owner = data.get("owner")
    if owner is not None and not isinstance(owner, str):
        p.add((*path, "owner"), "owner must name an entity, e.g. school")
        owner = None
    filters = data.get("filter") or {}
    if not isinstance(filters, dict):
        p.add((*path, "filter"), "filter must be a mapping {field: value or {$ne: value}}")
        filters = {}
    for key, value in filters.items():
        if isinstance(value, dict) and set(value) != {"$ne"}:
            p.add((*path, "filter", key), "a filter is a value, or {$ne: value}")
    return Route(
        name=name,
        path=route_path,
        entity=entity,
        where=_names(data.get("where"), (*path, "where"), p, "where"),
        owner=owner,
        filter={str(k): v for k, v in filters.items()},
        fields=_fields(data.get("fields"), (*path, "fields"), p),
        paging=_paging(data.get("paginate"), (*path, "paginate"), p, paging),
        envelope=_envelope(data.get("envelope"), (*path, "envelope"), p, envelope),
    )


def build_serve(data: Any, p: Problems) -> ServeSpec | None:
    """The ``serve:`` section's value as a :class:`ServeSpec` (problems in ``p``)."""
    path: Path_ = ("serve",)
    if data is None:
        return None
    if not isinstance(data, dict):
        p.add(path, "serve must be a mapping with routes: (and assign:, defaults:)")
        return None
    _unknown(data, SERVE_KEYS, path, p)
    defaults = data.get("defaults", True)
    if not isinstance(defaults, bool):
        p.add((*path, "defaults"), "defaults must be true or false (serve the default routes)")
        defaults = True
    paging = _paging(data.get("paginate"), (*path, "paginate"), p, Paging())
    envelope = _envelope(data.get("envelope"), (*path, "envelope"), p, {})
    assign: dict[str, dict[str, str]] = {}
    raw_assign = data.get("assign") or {}
    if not isinstance(raw_assign, dict):
        p.add((*path, "assign"), "assign must be a mapping {entity: {field: template}}")
        raw_assign = {}
    for entity, templates in raw_assign.items():
        assign[str(entity)] = _names(templates, (*path, "assign", entity), p, "assign of an entity")
    routes: list[Route] = []
    raw_routes = data.get("routes") or {}
    if not isinstance(raw_routes, dict):
        p.add((*path, "routes"), "routes must be a mapping of name: {path:, entity:, ...}")
        raw_routes = {}
    for name, spec in raw_routes.items():
        route = _route(str(name), spec, (*path, "routes", name), p, paging, envelope)
        if route is not None:
            routes.append(route)
    return ServeSpec(
        routes=tuple(routes),
        assign=assign,
        defaults=defaults,
        paging=paging,
        envelope=envelope,
        by_key=_by_key(data.get("by_key"), (*path, "by_key"), p),
    )


def _by_key(data: Any, path: Path_, p: Problems) -> tuple[ByKey, ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        p.add(path, "by_key must be a mapping of name: {entity: child entity, window: field}")
        return ()
    out: list[ByKey] = []
    for name, spec in data.items():
        at = (*path, name)
        if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str):
            p.add(at, f"by_key {name!r} needs entity: (the children to make for any key)")
            continue
        _unknown(spec, BY_KEY_KEYS, at, p)
        route_path, window = spec.get("path"), spec.get("window")
        if route_path is not None and (
            not isinstance(route_path, str) or not route_path.startswith("/")
        ):
            p.add((*at, "path"), "path must be a path: /...")
            route_path = None
        if window is not None and not isinstance(window, str):
            p.add((*at, "window"), "window must name a field, e.g. taken_at")
            window = None
        out.append(ByKey(str(name), spec["entity"], route_path, window))
    return tuple(out)
