"""Children made on demand for any key of their parent (``serve: by_key:``).

For a key ``K`` of the parent entity ``P``, the scenario's own planner runs with a
seed derived from (scenario seed, ``P``, ``K``) — the planner's own per-stream
derivation (:func:`seeder.plan.streams.derive_seed`) does the rest — and makes
one ``P`` (its key forced to ``K`` when the key is a planned field; a
service-assigned key is ``K`` itself), after whatever ``P`` needs (its own parent),
then ``P``'s children. So the values depend on (seed, K) only: the same in every
process, whatever was asked before. With a ``window`` field, as many children are
made as reach ``?to=``, and those from ``?from=`` on are shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import OrderedDict
from typing import Any

from seeder.model import Model
from seeder.plan.draws import Forced
from seeder.plan.items import PlanItem
from seeder.plan.planner import Planner
from seeder.plan.streams import derive_seed
from seeder.serve.formats import Item
from seeder.serve.pages import Invalid
from seeder.serve.routes import Keyed, Site
from seeder.serve.store import assigned, row_of

__all__ = ["MAX_CHILDREN", "ByKey"]

MAX_CHILDREN = 100_000  # children one request may make
_CACHED = 256  # parents whose children are kept (most recent first)


def _moment(text: str, name: str) -> dt.datetime | dt.date:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            "query",
            name,
            f"{name} must be an ISO date or time, e.g. 2026-01-01T06:00:00Z, got {text!r}",
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _as_moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            return _as_moment(dt.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


class ByKey:
    """Makes the children of one parent key, from the model's planner."""

    def __init__(self, model: Model, site: Site) -> None:
        self.model = model
        self.site = site
        self._cache: OrderedDict[tuple[str, str, str | None], list[Item]] = OrderedDict()

    def _planner(self, route: Keyed, key: str) -> Planner:
        seed = derive_seed(self.model.scenario.seed, "by_key", route.parent.entity, key)
        scenario = dataclasses.replace(self.model.scenario, seed=seed)
        return Planner(dataclasses.replace(self.model, scenario=scenario), on_demand=True)

    def _parent(self, planner: Planner, route: Keyed, key: str) -> int:
        """Makes the parent (after its own parents); returns its index."""
        chain = [route.parent.entity]
        while (up := self.model.entities[chain[-1]].parent) is not None:
            chain.append(up)
        link = None
        for entity in reversed(chain[1:]):
            link = planner.create(entity, None, link, 1)
            planner.tasks.clear()
        em = self.model.entities[route.parent.entity]
        forced: Forced | None = None if em.identity_captured else {em.identity: (key, None)}
        return planner.create(route.parent.entity, forced, link, 1)

    def children(self, route: Keyed, key: str, until: str | None) -> list[Item]:
        """The children of the parent ``key``: the scenario's count of them, or (with
        a window) as many as reach ``until``."""
        cached = self._cache.get((route.name, key, until))
        if cached is not None:
            self._cache.move_to_end((route.name, key, until))
            return cached
        planner = self._planner(route, key)
        parent = self._parent(planner, route, key)
        entity = route.table.entity
        count = next((t.remaining for t in planner.tasks if t.entity == entity), 0)
        planner.tasks.clear()
        planner.out.clear()
        end = None if until is None or route.window is None else _moment(until, "to")
        made: list[PlanItem] = []
        i = 0
        while True:
            if end is None and i >= count:
                break
            if i >= MAX_CHILDREN:
                raise Invalid(
                    "query",
                    "to",
                    f"the window needs more than {MAX_CHILDREN} {entity} rows; "
                    "ask for an earlier to=",
                )
            i += 1
            planner.create(entity, None, parent, i)
            planner.tasks.clear()  # the children's own children are not asked for
            item = next(x for x in planner.out if x.entity == entity)
            planner.out.clear()
            if end is not None and route.window is not None:
                moment = _as_moment(item.body.get(route.window))
                if moment is None or moment > end:
                    break
            made.append(item)
        resolve = self._resolver(route, key, parent)
        names = route.table.columns
        items: list[Item] = [
            list(zip(names, row_of(self.site.tables, item, resolve)[2:], strict=True))
            for item in made
        ]
        self._cache[(route.name, key, until)] = items
        if len(self._cache) > _CACHED:
            self._cache.popitem(last=False)
        return items

    def _resolver(self, route: Keyed, key: str, parent: int) -> Any:
        by_template = assigned(self.site.tables)
        parent_entity = route.parent.entity
        identity = route.parent.key

        def resolve(entity: str, n: int, attr: str) -> Any:
            if entity == parent_entity and n == parent + 1 and attr == identity:
                return (
                    int(key) if key.isdigit() and route.parent.assigned.get(attr) == "{n}" else key
                )
            return by_template(entity, n, attr)

        return resolve

    def window(self, route: Keyed, items: list[Item], since: str | None) -> list[Item]:
        """``items`` from ``since`` on (by the window field)."""
        if since is None or route.window is None:
            return items
        start = _moment(since, "from")
        column = route.table.columns.index(route.window)
        out = []
        for item in items:
            moment = _as_moment(json.loads(item[column][1]))
            if moment is not None and moment >= start:
                out.append(item)
        return out
