"""Analysis, step 4: the order fields are drawn in, the order entities are
planned in (dependencies and whole subtrees first), and the expected counts."""

from __future__ import annotations

from pathlib import Path

from seeder.errors import InvalidProvider, suggest, with_hint
from seeder.model.types import KEY, LITERAL, EntityModel
from seeder.providers import (
    Counter,
    From,
    Provider,
    PythonFunction,
    Ref,
    Template,
)
from seeder.providers.values import function_reads
from seeder.scenario.modules import import_function
from seeder.scenario.problems import Problems


def _dependencies(em: EntityModel, name: str) -> set[str]:
    """Names of the row that ``name`` must be drawn after."""
    deps: set[str] = set()
    if name == "actor":
        provider: Provider | None = em.spec.actor if isinstance(em.spec.actor, Ref) else None
    else:
        provider = em.providers[name]
    if provider is None:
        return deps
    if provider.seed_by:
        deps.add(provider.seed_by)
    if isinstance(provider, Ref):
        for cond in provider.conditions():
            deps.update(o.field for o in cond.operands if o.field is not None)
    elif isinstance(provider, From):
        first = provider.hops()[0]
        if first != "parent":
            deps.add(first)
    elif isinstance(provider, Template):
        deps.update(provider.fields())
    elif isinstance(provider, Counter) and provider.factor_field():
        deps.add(provider.factor_field() or "")
    elif isinstance(provider, PythonFunction) and provider.reads is not None:
        deps.update(provider.reads)
    deps.discard("parent")
    return deps


def _python_reads(provider: PythonFunction, base_dir: Path) -> frozenset[str] | None:
    """What a user function reads: declared (``reads:``), else read from its source;
    None when neither tells (a function that cannot be imported is said when its
    field compiles)."""
    if provider.reads is not None:
        return frozenset(provider.reads)
    try:
        return function_reads(import_function(provider.function, base_dir))
    except InvalidProvider:
        return None


def evaluation_order(em: EntityModel, problems: Problems, base_dir: Path) -> None:
    names = list(em.providers) + (["actor"] if em.spec.actor is not None else [])
    known = set(names) | {"parent"}
    deps: dict[str, set[str]] = {}
    opaque: list[str] = []  # user functions whose reading cannot be told
    for name in names:
        path = em.path(name)
        d = _dependencies(em, name)
        provider = em.providers.get(name)
        for dep in sorted(d):
            if dep not in known and not isinstance(provider, Ref) and name != "actor":
                what = (
                    "seed_by"
                    if provider is not None and provider.seed_by == dep
                    else (
                        "template"
                        if isinstance(provider, Template)
                        else "reads"
                        if isinstance(provider, PythonFunction)
                        else "it"
                    )
                )
                problems.add(
                    path,
                    with_hint(
                        f"{what} uses {dep!r}, which is not a field or var of {em.name!r}",
                        suggest(dep, known),
                    ),
                )
        if isinstance(provider, Template):
            for dep in provider.fields():
                k = em.kinds.get(dep)
                if k is not None and k.captured:
                    problems.add(
                        path,
                        f"template uses {dep!r}, whose value only the service "
                        "knows (a captured reference); it cannot go into a string",
                    )
        if isinstance(provider, PythonFunction):
            reads = _python_reads(provider, base_dir)
            if reads is None:  # it may read any field declared before it, and the vars
                d |= set(names[: names.index(name)])
                opaque.append(name)
            else:
                d |= reads
        deps[name] = {x for x in d if x in known and x != "parent"}
    for name in opaque:  # the vars that do not themselves wait on this field
        deps[name] |= {v for v in em.var_names if v != name and name not in _reach(v, deps)}
    order: list[str] = []
    done: set[str] = set()
    pending = list(names)
    while pending:
        ready = [n for n in pending if deps[n] <= done]
        if not ready:
            if problems.said(("from-loop", em.name)):
                return  # its from: loop is already said
            problems.add(
                ("entities", em.name, "fields"),
                f"fields depend on each other in a loop ({', '.join(pending)}); break the loop",
            )
            return
        for n in ready:  # declaration order among the ready ones
            order.append(n)
            done.add(n)
        pending = [n for n in pending if n not in done]
    em.order = order
    fields_in_model = [f for f in em.command.model_fields if f in em.providers]
    em.ref_fields = [f for f in fields_in_model if em.kinds.get(f, LITERAL).captured]
    em.body_fields = [f for f in fields_in_model if f not in em.ref_fields]


def _reach(name: str, deps: dict[str, set[str]]) -> set[str]:
    """Every name that ``name`` waits on, directly or not."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for dep in deps.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def entity_order(models: dict[str, EntityModel], problems: Problems) -> list[str]:
    edges: dict[str, list[str]] = {n: [] for n in models}
    for em in models.values():
        for kind_name, kind in em.kinds.items():
            if kind.target is not None and kind.target != em.name:
                if kind.target not in edges[em.name]:
                    edges[em.name].append(kind.target)
            elif kind.target == em.name and kind_name != KEY:
                problems.add(
                    ("entities", em.name, "fields", kind_name),
                    f"{em.name!r} references itself; references must not form a "
                    "cycle (use a separate entity for the link)",
                )

    # a root is planned with its whole subtree (children right after their parent),
    # so whatever its descendants reference must be planned before that root
    def ancestors_of(name: str) -> list[str]:
        chain: list[str] = []
        parent = models[name].parent
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = models[parent].parent
        return chain

    for em in models.values():
        ancestors = ancestors_of(em.name)
        for target in edges[em.name]:
            inside = {target, *ancestors_of(target)}  # the target's own subtree chain
            for ancestor in ancestors:
                if ancestor not in inside and target not in edges[ancestor]:
                    edges[ancestor].append(target)
    order: list[str] = []
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(n: str, stack: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            cycle = [*stack[stack.index(n) :], n]
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                problems.add(
                    ("entities", cycle[0]),
                    "references form a cycle: "
                    + " -> ".join(cycle)
                    + "; break it (one side must reuse existing "
                    "entities made by a count, or be a separate link entity)",
                )
            return
        state[n] = 1
        for m in edges[n]:
            visit(m, [*stack, n])
        state[n] = 2
        order.append(n)

    for n in models:
        visit(n, [])
    return order


def _refs_of(em: EntityModel) -> list[tuple[str, Ref]]:
    """``em``'s references (fields and actor), by field name."""
    refs = [(n, p) for n, p in em.providers.items() if isinstance(p, Ref)]
    if isinstance(em.spec.actor, Ref):
        refs.append(("actor", em.spec.actor))
    return refs


def final_pool(uses: float, mean: float) -> int:
    """The number of entities a reference with ``mean`` makes for ``uses`` expected
    uses: at least one as soon as it is used."""
    return max(1, round(uses / mean)) if uses > 0 else 0


def expected_counts(models: dict[str, EntityModel], order: list[str]) -> None:
    """Each entity's expected count (its own count, its per-parent counts, and what
    references with ``mean`` make on demand), and the final pool of every
    reference with ``mean`` that draws its uses over one."""
    refs: dict[str, list[tuple[str, str, Ref]]] = {n: [] for n in models}
    for em in models.values():
        for fname, ref in _refs_of(em):
            if ref.entity in models:
                refs[ref.entity].append((em.name, fname, ref))
    for _ in range(2 * len(models) + 2):
        for name in order:
            em = models[name]
            if em.parent is not None:
                assert em.count_provider is not None
                total = models[em.parent].expected * em.count_provider.average()
            elif em.existing is not None:  # records read, never made
                em.expected = float(em.held)
                continue
            else:
                total = float(em.count or 0)
            made = 0.0
            for referrer, _, ref in refs[name]:
                demand = models[referrer].expected
                if ref.mean:
                    made += demand * (1.0 - ref.null_weight) / ref.mean
                else:
                    made += 1.0 if demand and not total else 0.0
            em.expected = total + made
    for name, em in models.items():
        for referrer, fname, ref in refs[name]:
            if ref.mean and not ref.grows_as_used(em.providers):
                uses = models[referrer].expected * (1.0 - ref.null_weight)
                models[referrer].pools[fname] = final_pool(uses, ref.mean)
