"""Undo: deleting what a journaled run created, dependents first — ``seeder undo``,
and the first half of ``seeder run --refresh``.

When a command is done and its binding declares an :class:`~seeder.Undo`, the
journal keeps, beside its captured values, the request that deletes it (the path
filled from the fields as sent and the answer) and the items it depended on. An
undo reads only the journal — no re-planning, so it works after the scenario
changed — and sends those requests in reverse order of completion, each one only
after everything that depended on it is deleted (a loan before its book, a book
before its author and tenant). Each deletion is journaled (*undone*), so an undo
killed part-way resumes where it stopped; a ``gone`` answer (404) counts as
deleted. Entities whose binding has no Undo are kept and said so, never guessed;
what they depend on is kept too.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seeder.commands import HttpBinding
from seeder.plan.items import PlanItem
from seeder.ports import Send
from seeder.ports.wire import segment
from seeder.run.bindings import Binding, Bindings

__all__ = ["DEPS_KEY", "UNDO_KEY", "UndoPlan", "undo_entry", "undo_plan", "with_undo"]

UNDO_KEY, DEPS_KEY = "~undo", "~deps"  # in a done item's journaled values
_JOURNAL = ("the journal", 0)


def with_undo(captured: dict[str, Any], item: PlanItem, request: Send | None) -> dict[str, Any]:
    """What the journal keeps of a done item: its captured values, and the request
    that deletes it when its binding declares one (with what it depended on)."""
    if request is None or request.http is None or request.http.undo is None:
        return captured  # the common case: nothing to merge
    entry = undo_entry(request.http, item, {**request.fields, **captured})
    return {**captured, **entry} if entry else captured


def undo_entry(
    http: HttpBinding | None, item: PlanItem, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The request that deletes ``item`` (its fields as sent and its answer in
    ``values``) and what it depended on; empty when its binding declares no Undo or
    nothing fills the Undo's path (the item is then kept, and said so)."""
    undo = http.undo if http is not None else None
    if undo is None:
        return {}
    names = undo.path_fields()
    if any(values.get(n) is None for n in names):
        return {}
    path = undo.path.format_map({n: segment(values[n]) for n in names})
    codes = [*undo.success, *undo.gone]
    return {UNDO_KEY: [undo.method, path, codes], DEPS_KEY: list(item.deps)}


@dataclass
class UndoPlan:
    """The deletions to send (dependents first), their bindings, and what stays."""

    items: list[PlanItem] = field(default_factory=list)
    bindings: Bindings = field(default_factory=Bindings)
    kept: Counter[str] = field(default_factory=Counter)  # entity -> done, no Undo
    kept_keys: list[str] = field(default_factory=list)
    undone_earlier: Counter[str] = field(default_factory=Counter)
    undone_keys: list[str] = field(default_factory=list)


def undo_plan(done: Mapping[str, dict[str, Any]], undone: list[str], run: str) -> UndoPlan:
    """``done``: the journal's done items in order of completion, with their
    journaled values; ``undone``: those already deleted by an earlier undo; ``run``
    names the run (its fingerprint and generation: the deletions' idempotency keys
    are new for each run undone)."""
    plan = UndoPlan()
    gone = set(undone)
    dependents: dict[str, list[str]] = {}
    for key, values in done.items():
        for dep in values.get(DEPS_KEY, ()):
            if dep in done and dep not in gone:
                dependents.setdefault(dep, []).append(key)
    for key in undone:
        plan.undone_earlier[key.rpartition(":")[0]] += 1
        plan.undone_keys.append(key)
    for seq, key in enumerate(reversed(list(done)), 1):
        if key in gone:
            continue
        entity = key.rpartition(":")[0]
        request = done[key].get(UNDO_KEY)
        if request is None:
            plan.kept[entity] += 1
            plan.kept_keys.append(key)
            continue
        method, path, codes = request
        command = f"undo {key}"
        http = HttpBinding(method, path, success=tuple(codes), identity=None, defined_at=_JOURNAL)
        plan.bindings.by_command[command] = Binding(http, None)
        digest = hashlib.blake2b(f"{run}:{key}".encode(), digest_size=8).hexdigest()
        deps = [d for d in dependents.get(key, ()) if d not in gone]
        plan.items.append(PlanItem(seq, key, entity, command, {}, {}, deps, None, f"undo-{digest}"))
    return plan
