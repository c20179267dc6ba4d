"""Analysis, step 2: what kind of value every field holds — a literal, or a
reference to an instance of another entity (whose value may be a placeholder the
service fills) — following ``from:`` paths and ``ref``'s ``field:``."""

from __future__ import annotations

from seeder.errors import suggest, with_hint
from seeder.model.types import KEY, LITERAL, PSEUDO, EntityModel, Kind
from seeder.providers import From, Ref
from seeder.scenario.problems import Path_, Problems


def _kind_of_path(
    em: EntityModel,
    hops: list[str],
    models: dict[str, EntityModel],
    path: Path_,
    problems: Problems,
    visiting: dict[tuple[str, str], None],
) -> Kind | None:
    """Kind of a ``from`` path like ``author_id.tenant_id``."""
    first = hops[0]
    if first == "parent":
        if em.parent is None:
            problems.add(path, f"from: {'.'.join(hops)} but {em.name!r} has no per: parent")
            return None
        kind: Kind | None = Kind(
            em.parent, models[em.parent].identity, models[em.parent].identity_captured
        )
    elif first == "actor":
        kind = em.kinds.get("actor") or _field_kind(em, "actor", models, problems, visiting)
        if kind is None or not kind.is_ref:
            problems.add(path, f"from: {'.'.join(hops)} but {em.name!r} has no actor")
            return None
    elif first in em.providers:
        kind = _field_kind(em, first, models, problems, visiting)
    else:
        names = [*em.providers, *PSEUDO]
        problems.add(
            path,
            with_hint(
                f"from: {'.'.join(hops)}: {em.name!r} has no field {first!r}", suggest(first, names)
            ),
        )
        return None
    for attr in hops[1:]:
        if kind is None:
            return None
        if not kind.is_ref:
            problems.add(
                path,
                f"from: {'.'.join(hops)}: {hops[0]!r} is a literal, not a "
                "reference, so it has no fields to copy",
            )
            return None
        assert kind.target is not None
        target = models[kind.target]
        if attr in target.providers:
            inner = _field_kind(target, attr, models, problems, visiting)
            kind = inner if inner is None or inner.is_ref else LITERAL
        elif attr in target.captures or target.http is None:
            kind = Kind(target.name, attr, True)
        else:
            names = [*target.providers, *target.captures]
            problems.add(
                path,
                with_hint(
                    f"from: {'.'.join(hops)}: {target.name!r} has no field or captured value "
                    f"{attr!r}",
                    suggest(attr, names),
                ),
            )
            return None
    return kind


def _field_kind(
    em: EntityModel,
    name: str,
    models: dict[str, EntityModel],
    problems: Problems,
    visiting: dict[tuple[str, str], None] | None = None,
) -> Kind | None:
    if name in em.kinds:
        return em.kinds[name]
    visiting = visiting if visiting is not None else {}
    if (em.name, name) in visiting:
        chain = list(visiting)
        cycle = chain[chain.index((em.name, name)) :]
        if problems.first(("from-loop", frozenset(cycle))):  # said once, however reached
            entity, field = cycle[0]
            shown = " -> ".join(f"{e}.{f}" for e, f in [*cycle, cycle[0]])
            problems.add(
                ("entities", entity, "fields", field),
                f"from: copies form a loop: {shown}; break it",
            )
        for entity, _ in cycle:
            problems.first(("from-loop", entity))
        return None
    visiting[(em.name, name)] = None
    path = em.path(name)
    kind: Kind | None = LITERAL
    if name == "actor":
        actor = em.spec.actor
        if actor is None:
            kind = None
        elif actor == "parent":
            if em.parent is None:
                problems.add(path, f"actor: parent but {em.name!r} has no per: parent")
                kind = None
            else:
                parent = models[em.parent]
                kind = Kind(parent.name, parent.identity, parent.identity_captured)
        elif isinstance(actor, Ref):
            kind = _ref_kind(em, actor, models, path, problems)
        else:
            problems.add(path, f"actor must be parent or {{ref: entity}}, got {actor!r}")
            kind = None
    else:
        provider = em.providers[name]
        if isinstance(provider, Ref):
            kind = _ref_kind(em, provider, models, path, problems)
        elif isinstance(provider, From):
            kind = _kind_of_path(em, provider.hops(), models, path, problems, visiting)
    if kind is not None:
        em.kinds[name] = kind
    return kind


def _ref_kind(
    em: EntityModel, ref: Ref, models: dict[str, EntityModel], path: Path_, problems: Problems
) -> Kind | None:
    if ref.entity not in models:
        problems.add(
            (*path, "ref"),
            with_hint(f"ref: {ref.entity!r} is not an entity", suggest(ref.entity, models)),
        )
        return None
    target = models[ref.entity]
    attr = ref.field or target.identity
    if attr in target.providers:
        inner = target.providers[attr]
        if isinstance(inner, Ref | From):
            problems.add(
                path,
                f"field: {attr} of {target.name!r} is itself a reference; "
                f"reference {target.name!r} and copy it with {{from: <this field>.{attr}}}",
            )
            return None
        return Kind(target.name, attr, captured=False)
    if attr != target.identity and target.http is not None and attr not in target.captures:
        names = [*target.providers, *target.captures]
        problems.add(
            path,
            with_hint(
                f"field: {attr!r} is neither a field of "
                f"{target.name!r} nor a value its binding captures",
                suggest(attr, names),
            ),
        )
        return None
    return Kind(target.name, attr, captured=True)


def field_kinds(em: EntityModel, models: dict[str, EntityModel], problems: Problems) -> None:
    for name in em.providers:
        _field_kind(em, name, models, problems)
    if em.spec.actor is not None:
        _field_kind(em, "actor", models, problems)
    if em.parent is not None:
        parent = models[em.parent]
        em.kinds["parent"] = Kind(parent.name, parent.identity, parent.identity_captured)


def row_kind(em: EntityModel, name: str) -> Kind | None:
    if name == KEY:
        return Kind(em.name, em.identity, em.identity_captured)
    return em.kinds.get(name)


def existing_refs(models: dict[str, EntityModel], problems: Problems) -> None:
    """Existing entities' ``refs``: kept fields holding the identity of another
    existing entity's record, made references (their links are found when the
    records are read). Before any other kind, so ``from:`` paths see them."""
    for em in models.values():
        if em.existing is not None:
            _existing_refs(em, models, problems)


def _existing_refs(em: EntityModel, models: dict[str, EntityModel], problems: Problems) -> None:
    assert em.existing is not None
    for fname, target in em.existing.refs.items():
        path: Path_ = ("entities", em.name, "existing", "refs", fname)
        if fname not in em.providers:
            problems.add(
                path,
                with_hint(
                    f"existing refs: {fname!r} is not a field kept of {em.name!r}; "
                    f"keep it (existing: fields: [..., {fname}])",
                    suggest(fname, em.providers),
                ),
            )
        elif fname == em.identity:
            problems.add(path, f"existing refs: {fname!r} is {em.name!r}'s own identity")
        elif target not in models:
            problems.add(
                path,
                with_hint(f"existing refs: {target!r} is not an entity", suggest(target, models)),
            )
        elif models[target].existing is None:
            problems.add(
                path,
                f"existing refs: {target!r} is created by this plan, so records read from "
                f"the service cannot hold its identities; make {target!r} existing too",
            )
        elif target == em.name:
            problems.add(path, f"existing refs: {em.name!r} references itself; not supported")
        else:
            em.kinds[fname] = Kind(target, models[target].identity, captured=False)
