"""Analysis, step 3: references and their specifications (``where``: names,
kinds, the indexes picks will need, the columns copies will read) and ``unique``
(names, and whether the value space can hold the planned count)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from seeder.errors import suggest, with_hint
from seeder.model.kinds import row_kind
from seeder.model.types import KEY, LITERAL, PSEUDO, EntityModel, Kind, SpecIndex
from seeder.providers import (
    Choice,
    Const,
    Counter,
    DateRange,
    From,
    Number,
    Provider,
    Ref,
    Seq,
    Template,
)
from seeder.providers.references import Condition
from seeder.scenario.problems import Path_, Problems


def check_references(em: EntityModel, models: dict[str, EntityModel], problems: Problems) -> None:
    refs: list[tuple[Path_, Ref]] = [
        (em.path(n), p) for n, p in em.providers.items() if isinstance(p, Ref)
    ]
    if isinstance(em.spec.actor, Ref):
        refs.append((em.path("actor"), em.spec.actor))
    for path, ref in refs:
        if ref.entity not in models:
            continue
        target = models[ref.entity]
        if target.existing is not None and ref.mean is not None:
            problems.add(
                (*path, "mean"),
                f"{target.name!r} is existing (read from the service), so a reference "
                "picks among its records and cannot create one; remove mean:",
            )
            continue
        ref = _key_named(em, path, ref, target)
        if ref.mean is not None and not _pool_on_demand(em, path, ref, target, problems):
            continue
        eq_fields: list[str] = []
        for cond in ref.conditions():
            cpath = (*path, "where", cond.target_field)
            tname = cond.target_field
            if tname == KEY and not target.identity_captured:
                tname = target.identity  # the key is a value the plan draws (a field, a var)
            if tname in (KEY, target.identity) and target.identity_captured:
                tkind: Kind | None = Kind(target.name, target.identity, True)
            elif tname in target.providers:
                tkind = target.kinds.get(tname)
            else:
                names = [*target.providers, KEY]
                hint = suggest(tname, names)
                if not hint and target.existing is not None:
                    hint = f"keep it of each record: existing: fields: [..., {tname}]"
                problems.add(
                    cpath, with_hint(f"where: {target.name!r} has no field {tname!r}", hint)
                )
                continue
            if tkind is None:
                continue
            creatable = target.spec.per is None
            if (
                creatable
                and cond.op in ("eq", "in")
                and isinstance(target.providers.get(tname), From)
            ):
                problems.add(
                    cpath,
                    f"where: {target.name}.{tname} is copied (from:), so a "
                    f"{target.name} created to match could not honour it; make "
                    f"{tname} a ref or a value there and derive the copy's source "
                    "from it with where:",
                )
                continue
            for operand in cond.operands:
                _check_operand(em, target, cond, tkind, operand, cpath, problems)
            if (
                cond.op in ("eq", "in")
                and tname != KEY
                and not (tname == target.identity and target.identity_captured)
            ):
                eq_fields.append(tname)
            elif tname in target.providers:
                target.stored.add(tname)  # checked per candidate ($ne)
        if eq_fields:
            key = tuple(sorted(set(eq_fields)))
            if not any(s.fields == key for s in target.specs):
                target.specs.append(SpecIndex(key, tuple(target.kinds[f].is_ref for f in key)))
        attr = ref.field or target.identity
        if attr in target.providers:
            target.stored.add(attr)
    # columns needed by from: copies and template/seed_by reads of other entities
    for provider in em.providers.values():
        if isinstance(provider, From):
            _store_path(em, provider.hops(), models)


def _pool_on_demand(
    em: EntityModel, path: Path_, ref: Ref, target: EntityModel, problems: Problems
) -> bool:
    """``mean`` makes the referenced entities on demand: refused on a fixed pool
    (a ``count``) and on entities made per parent, which cannot be made so."""
    here = (*path, "mean")
    field = str(path[-1])
    if target.spec.per is not None:
        problems.add(
            here,
            f"{em.name}.{field}: mean: {ref.mean:g} makes {target.name} on demand, but "
            f"{target.name} is made per {target.spec.per}; drop mean to reuse the "
            f"{target.name} that exist",
        )
        return False
    if target.spec.count:  # count: 0 makes none: the references may
        problems.add(
            here,
            f"{em.name}.{field}: mean: {ref.mean:g} makes {target.name} on demand, but "
            f"{target.name} has count: {target.spec.count} (a fixed pool); drop mean to "
            f"reuse those, or drop {target.name}'s count to let the references make them",
        )
        return False
    return True


def _key_named(em: EntityModel, path: Path_, ref: Ref, target: EntityModel) -> Ref:
    """``where: {key: ..}`` on an entity whose identity the plan draws (a field or a
    var) filters on that value: the clause is renamed to it, in the model itself."""
    if target.identity_captured or KEY not in ref.where or target.identity in ref.where:
        return ref
    where = {(target.identity if k == KEY else k): v for k, v in ref.where.items()}
    renamed = dataclasses.replace(ref, where=where)
    if path[-1] == "actor":
        em.spec = dataclasses.replace(em.spec, actor=renamed)
    else:
        em.providers[str(path[-1])] = renamed
    return renamed


def _store_path(em: EntityModel, hops: list[str], models: dict[str, EntityModel]) -> None:
    first = hops[0]
    kind = em.kinds.get(first) if first != "parent" else em.kinds.get("parent")
    for attr in hops[1:]:
        if kind is None or kind.target is None:
            return
        target = models[kind.target]
        if attr in target.providers:
            target.stored.add(attr)
            kind = target.kinds.get(attr)
        else:
            return


def _check_operand(
    em: EntityModel,
    target: EntityModel,
    cond: Condition,
    tkind: Kind,
    operand: Any,
    path: Path_,
    problems: Problems,
) -> None:
    if operand.field is None:
        if tkind.is_ref:
            problems.add(
                path,
                f"where.{cond.target_field}: {target.name}.{cond.target_field} "
                f"is {tkind.describe()}; compare it with a $field of this command "
                "that references the same entity, not a literal",
            )
        return
    okind = row_kind(em, operand.field)
    if okind is None and operand.field not in em.providers and operand.field not in PSEUDO:
        names = [*em.providers, *PSEUDO]
        problems.add(
            path,
            with_hint(
                f"where.{cond.target_field}: {em.name!r} has no field "
                f"{operand.field!r} to compare with",
                suggest(operand.field, names),
            ),
        )
        return
    okind = okind or LITERAL
    if okind.is_ref != tkind.is_ref or (okind.is_ref and okind.target != tkind.target):
        problems.add(
            path,
            f"where.{cond.target_field}: {target.name}.{cond.target_field} is "
            f"{tkind.describe()} but ${operand.field} is {okind.describe()}; compare "
            "values of the same kind",
        )


def check_unique(em: EntityModel, models: dict[str, EntityModel], problems: Problems) -> None:
    combos: list[Sequence[str]] = list(em.spec.unique)
    if combos and all(isinstance(c, str) for c in combos):  # unique=["a", "b"]: one combination
        combos = [tuple(str(c) for c in combos)]
    for i, combo in enumerate(combos):
        path: Path_ = ("entities", em.name, "unique", i)
        if isinstance(combo, str) or not isinstance(combo, list | tuple) or not combo:
            problems.add(
                path, "unique needs a list of field names, e.g. unique: [member_id, book_number]"
            )
            continue
        ok = True
        for name in combo:
            if name not in em.providers and name not in PSEUDO:
                problems.add(
                    path,
                    with_hint(
                        f"unique: {em.name!r} has no field {name!r}",
                        suggest(str(name), [*em.providers, *PSEUDO]),
                    ),
                )
                ok = False
            elif name in PSEUDO and name not in em.kinds:
                problems.add(path, f"unique: {em.name!r} has no {name}")
                ok = False
        if ok:
            em.unique.append(tuple(combo))


def check_unique_space(models: dict[str, EntityModel], problems: Problems) -> None:
    for em in models.values():
        if not em.expected:
            continue
        for name, provider in em.providers.items():
            if provider.unique and provider.value_space() < em.expected:
                problems.add(
                    em.path(name),
                    f"unique {name!r} can take at most {provider.value_space():.0f} "
                    f"values but about {em.expected:.0f} {em.name} are planned; "
                    "widen the provider or lower the count",
                )
        for i, combo in enumerate(em.unique):
            space = 1.0
            for f in combo:
                k = em.kinds.get(f, LITERAL)
                if k.is_ref and k.target is not None:
                    target = models[k.target]
                    if _grows(em, f, target):
                        space *= math.inf
                    else:  # its final pool, or the pool it reuses
                        space *= em.pools.get(f, target.expected)
                else:
                    space *= em.providers[f].value_space() if f in em.providers else math.inf
            if space < em.expected:
                problems.add(
                    ("entities", em.name, "unique", i),
                    f"unique {list(combo)} allows at most {space:.0f} combinations but "
                    f"about {em.expected:.0f} {em.name} are planned; lower the count "
                    "or widen a field",
                )


def _grows(em: EntityModel, name: str, target: EntityModel) -> bool:
    """Whether the reference ``name`` grows its pool as it is used (no bound)."""
    provider = em.spec.actor if name == "actor" else em.providers.get(name)
    return isinstance(provider, Ref) and provider.grows_as_used(target.providers)


def check_counter_factors(
    em: EntityModel, models: dict[str, EntityModel], problems: Problems
) -> None:
    """A counter's ``factor`` multiplies its step: the field it names must hold
    numbers (followed through ``from:`` copies to the provider that makes it)."""
    for name, provider in em.providers.items():
        if not isinstance(provider, Counter) or not provider.factor_field():
            continue
        factor = provider.factor_field() or ""
        source = _source(em, factor, models)
        if source is not None and _yields_numbers(source) is False:
            problems.add(
                (*em.path(name), "counter", "factor"),
                f"counter factor ${factor} multiplies the step, but {factor!r} does not "
                "hold numbers; give it a number provider (range, uniform, normal...)",
            )


def _source(em: EntityModel, name: str, models: dict[str, EntityModel]) -> Provider | None:
    """The provider that makes ``em``'s ``name``, through ``from:`` copies."""
    for _ in range(16):  # copies are checked for loops elsewhere
        provider = em.providers.get(name)
        if not isinstance(provider, From):
            return provider
        hops = provider.hops()
        kind = em.kinds.get("parent" if hops[0] == "parent" else hops[0])
        if len(hops) != 2 or kind is None or kind.target not in models:
            return None
        em, name = models[kind.target], hops[1]
    return None


def _yields_numbers(provider: Provider) -> bool | None:
    """Whether ``provider``'s values are numbers: True, False, or None (unknown)."""
    if isinstance(provider, Number | Counter):
        return True
    if isinstance(provider, Choice):
        return all(_is_number(v) for v in provider.values)
    if isinstance(provider, Const):
        return _is_number(provider.value)
    if isinstance(provider, Seq | Template | DateRange):
        return False
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_actor(em: EntityModel, models: dict[str, EntityModel], problems: Problems) -> None:
    """A command sent on behalf of an actor over HTTP needs the actor's credential:
    the actor's binding must capture one."""
    kind = em.kinds.get("actor")
    if kind is None or kind.target not in models or em.http is None:
        return
    actor = models[kind.target]
    if actor.existing is not None:
        problems.add(
            em.path("actor"),
            f"actor: {actor.name!r} is existing (read from the service): seeder holds no "
            "credential of its records to send on their behalf; drop actor:",
        )
        return
    if actor.http is not None and actor.http.credential is None:
        how = "actor: parent" if em.spec.actor == "parent" else f"actor: {{ref: {actor.name}}}"
        problems.add(
            em.path("actor"),
            f"{how} sends {em.command.__name__} on behalf of {actor.name!r}, but "
            f"{actor.command.__name__}'s binding captures no credential; give its "
            "HttpBinding a credential=Credential(...), or drop actor:",
        )
