"""Compiling the draws that follow links between entities: references (reuse or
create, popularity, specification indexes, ``$ne`` checks, forced fields) and
``from:`` copies (multi-hop, literal or placeholder).

They see the graph only through :class:`Graph` — the registry's stores, the
value a reference to an instance holds, and ``create`` for instances made on
demand — and hand back what the graph needs from them (:class:`RefDraw`: the
draw, and how to make a new instance when a unique combination has used up the
existing ones)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from seeder.errors import InvalidProvider, PlanError
from seeder.model.types import EntityModel, Kind, Model
from seeder.plan.pools import FinalPool
from seeder.plan.registry import Store, hashable
from seeder.providers import From, Provider, Ref, Row
from seeder.providers.base import Draw
from seeder.providers.references import Condition, Operand, popularity

__all__ = ["Forced", "Graph", "RefDraw", "from_draw", "ref_draw"]

# field → (value, link): what a created instance must hold (a where: equality)
Forced = dict[str, tuple[Any, int | None]]


class Graph(Protocol):
    """What reference and copy draws need of the planner."""

    @property
    def model(self) -> Model: ...

    @property
    def stores(self) -> dict[str, Store]: ...

    @property
    def on_demand(self) -> bool:
        """Whether instances are planned only as a caller asks for them (``given``
        in tests): then no pool is fixed, and a reference creates what it needs."""
        ...

    def value_of(self, kind: Kind) -> Callable[[int], Any]:
        """Index of a ``kind.target`` instance → the value a reference to it holds."""
        ...

    def create(self, entity: str, forced: Forced | None, parent: int | None, i: int) -> int:
        """Makes one instance of ``entity`` (and queues its item); returns its index."""
        ...


@dataclass(frozen=True, slots=True)
class RefDraw:
    """A compiled reference: ``draw`` picks (or creates) the referenced instance;
    ``create_new`` finds one for a unique combination that has exhausted the
    draws (a fixed pool: any candidate, drawn evenly; a final pool: a rank not
    created yet; a pool growing as used: a new one); ``pool`` is its final pool,
    whose never-used ranks the planner creates at the end."""

    draw: Draw
    create_new: Draw
    pool: FinalPool | None = None


Check = Callable[[Row, int], bool]
NE_TRIES = 16
# a new entity of a skewed pool takes the first free rank of the drawn rank's band
# (of at least SKEW_BAND_RANKS ranks): the entities are made about in rank order,
# and the use that creates one moves only within its band
SKEW_BANDS = 32
SKEW_BAND_RANKS = 64


def ref_draw(
    graph: Graph, entity: str, name: str, ref: Ref, kind: Kind, rng: random.Random
) -> RefDraw:
    """Compiles a reference: over its final pool (``mean``, see
    :mod:`seeder.plan.pools`), or reuse an existing candidate (by popularity,
    among those the specification allows) and create one when none fits (or,
    growing as used, with probability 1/mean)."""
    target = ref.entity
    tmodel = graph.model.entities[target]
    store = graph.stores[target]
    rand = rng.random
    position = popularity(rng, ref.skew, ref.weights)
    value_of = graph.value_of(kind)
    null_p = ref.null_weight
    conds = ref.conditions()
    # equality/$in clauses → one specification index on the target
    eq = [c for c in conds if c.op in ("eq", "in") and c.target_field in tmodel.providers]
    buckets, keys_of, one_key = _spec_index(store, tmodel, eq)
    checks = _candidate_checks([c for c in conds if c not in eq], tmodel, store)
    ne = [c for c in conds if c.op == "ne" and c.target_field in tmodel.providers]
    forcing = _forcing(graph, tmodel, eq, ne, rand)
    make = _maker(graph, entity, name, tmodel, forcing, checks)
    # planned on demand, the final pool is not made: what exists is reused
    size = None if graph.on_demand else graph.model.entities[entity].pools.get(name)
    if size is not None:
        return _final_draw(graph, entity, name, ref, kind, rng, size, checks, forcing)
    inv_mean = 1.0 / ref.mean if ref.mean else 0.0
    # a fixed pool (a root with a count) never grows: a pick is over all of it,
    # and the instances not planned yet are planned ahead of their turn
    fixed = tmodel.count if tmodel.parent is None and tmodel.count and not graph.on_demand else None
    create = graph.create

    def ahead(upto: int) -> bool:
        """Plans the fixed pool's instances up to index ``upto`` (False: complete)."""
        if fixed is None or store.count >= fixed:
            return False
        while store.count <= upto and store.count < fixed:
            create(target, None, None, store.count + 1)
        return True

    def none_fits(row: Row) -> int:
        if fixed is None:
            return make(row, False)
        raise PlanError(
            f"{entity}.{name}: none of the {fixed} {target} (a fixed pool: count: "
            f"{fixed}) satisfies its where: clause at item {entity}:{row.n}; plan "
            f"more {target} or relax the where: clause",
            entity=entity,
            field=name,
        )

    def matching(buckets: dict[Any, Any], row: Row) -> list[Any]:
        """The non-empty buckets of the specification index the row asks for."""
        return [a for a in (buckets.get(k) for k in keys_of(row)) if a]

    def pick(row: Row, position: Callable[[], float], grow: float) -> int:
        if buckets is None:
            n = store.done if fixed is None else fixed
            arrays = None
        else:
            while True:
                arrays = matching(buckets, row)
                if arrays or not ahead(store.count):
                    break
            n = sum(len(a) for a in arrays)
        if n == 0 or (grow and rand() < grow):
            return none_fits(row) if n == 0 else make(row, False)
        for _ in range(NE_TRIES if checks else 1):
            pos = int(n * position())
            if arrays is None:
                idx = pos
                ahead(idx)
            else:
                for a in arrays:
                    if pos < len(a):
                        idx = a[pos]
                        break
                    pos -= len(a)
            if not checks or all(check(row, idx) for check in checks):
                return idx
        # rejection failed: scan (planning the rest of a fixed pool if need be)
        if arrays is None:
            for i in range(n):
                ahead(i)
                if all(ch(row, i) for ch in checks):
                    return i
            return none_fits(row)
        while True:
            found = next(
                (i for i in itertools.chain(*arrays) if all(c(row, i) for c in checks)), None
            )
            if found is not None or buckets is None or not ahead(store.count):
                break
            arrays = matching(buckets, row)
        return none_fits(row) if found is None else found

    def draw(row: Row) -> Any:
        if null_p and rand() < null_p:
            row.links[name] = None
            return None
        idx = pick(row, position, inv_mean)
        row.links[name] = idx
        return value_of(idx)

    if one_key is not None and buckets is not None and not checks and fixed is None:
        # the common shape (``where: {tenant_id: $tenant_id}`` over a pool growing as
        # used): one bucket, no check. The same draws as ``pick``, without its loops
        get_bucket = buckets.get

        def draw_one_bucket(row: Row) -> Any:
            if null_p and rand() < null_p:
                row.links[name] = None
                return None
            a = get_bucket(one_key(row))
            if not a or (inv_mean and rand() < inv_mean):
                idx = make(row, False)
            else:
                idx = a[int(len(a) * position())]
            row.links[name] = idx
            return value_of(idx)

        draw = draw_one_bucket

    def create_new(row: Row) -> Any:
        # growing as used: a new one. A fixed pool never grows: any candidate,
        # evenly, once one more of the pool is planned (if some are still to plan)
        if inv_mean or graph.on_demand:
            idx = make(row, True)
        else:
            ahead(store.count)
            idx = pick(row, rand, 0.0)
        row.links[name] = idx
        return value_of(idx)

    return RefDraw(draw, create_new)


def _final_draw(
    graph: Graph,
    entity: str,
    name: str,
    ref: Ref,
    kind: Kind,
    rng: random.Random,
    size: int,
    checks: list[Check],
    forcing: Callable[[Row], Forced] | None = None,
) -> RefDraw:
    """A reference with ``mean`` over its final pool of ``size`` ranks: each use
    draws a rank (by the shape, or dealt evenly), whose entity is created at its
    first use (holding what the use's ``$ne`` clauses ask, see :func:`_forcing`)."""
    target = ref.entity
    if graph.model.entities[target].parent is not None:  # refused when compiling
        raise AssertionError(f"{target} is made per parent: no pool on demand")
    create = graph.create
    uniform = ref.weights is None and (ref.skew is None or ref.skew == 1.0)
    shape = None if uniform else popularity(rng, ref.skew, ref.weights)
    bands = len(ref.weights) if ref.weights else min(SKEW_BANDS, size // SKEW_BAND_RANKS)
    pool = FinalPool.of(size, rng, shape, bands)
    slots, next_rank = pool.slots, pool.rank
    value_of = graph.value_of(kind)
    rand = rng.random
    null_p = ref.null_weight

    def at(rank: int, row: Row | None = None) -> int:
        idx = slots[rank]
        if idx < 0:
            # a new one. Shaped, it takes the first rank still free (in the rank's
            # band, with weights): entities are made in rank order, the oldest the
            # most used, as in a fixed pool; the use that creates one moves to it
            # (n of the uses, 1/mean of them; with weights, within its band)
            free = rank if uniform else pool.next_free(pool.band_of(rank))
            assert free is not None
            forced = forcing(row) if forcing is not None and row is not None else None
            slots[free] = idx = create(target, forced, None, 0)
        return idx

    def fits(row: Row, idx: int) -> bool:
        return all(check(row, idx) for check in checks)

    def draw(row: Row) -> Any:
        if null_p and rand() < null_p:
            row.links[name] = None
            return None
        if size == 0:  # planned with no expected uses, used all the same
            raise PlanError(
                f"{entity}.{name}: used at item {entity}:{row.n}, but the plan expected "
                f"no uses, so its pool of {target} is empty; plan {entity} with a count",
                entity=entity,
                field=name,
            )
        idx = at(next_rank(), row)
        if checks and not fits(row, idx):
            for _ in range(NE_TRIES):
                idx = at(next_rank(), row)
                if fits(row, idx):
                    break
            else:  # rejection failed: the first rank that fits (created if need be)
                made = (at(rank, row) for rank in range(size))
                found = next((i for i in made if fits(row, i)), None)
                if found is None:
                    raise PlanError(
                        f"{entity}.{name}: none of the {size} {target} of its pool "
                        f"satisfies its where: clause at item {entity}:{row.n}; lower "
                        "mean (a larger pool) or relax the where: clause",
                        entity=entity,
                        field=name,
                    )
                idx = found
        row.links[name] = idx
        return value_of(idx)

    def create_new(row: Row) -> Any:
        rank = pool.next_free()
        if rank is None:
            raise PlanError(
                f"{entity}.{name}: every one of the {size} {target} of its pool (its uses "
                f"/ mean) is already in a unique combination at item {entity}:{row.n}; "
                f"lower mean (a larger pool) or plan fewer {entity}",
                entity=entity,
                field=name,
            )
        idx = at(rank)
        row.links[name] = idx
        return value_of(idx)

    return RefDraw(draw, create_new, pool)


Getter = Callable[[Row], Any]


def _operand_getter(operand: Operand, tkind: Kind | None) -> Getter:
    """Reads a ``where`` operand for the row: a literal, or this row's field (its
    link, when the field compared is a reference)."""
    if operand.field is None:
        value = operand.value
        return lambda row: value
    f = operand.field
    if tkind is not None and tkind.is_ref:
        return lambda row: row.links.get(f)
    return lambda row: row.values.get(f)


def _spec_index(
    store: Store, tmodel: EntityModel, eq: list[Condition]
) -> tuple[dict[Any, Any] | None, Callable[[Row], list[Any]], Callable[[Row], Any] | None]:
    """The target's specification index for the equality/``$in`` clauses, the
    bucket keys a row looks up in it (several for ``$in``), and, when a row looks
    up exactly one, the function of that one key."""
    if not eq:
        return None, lambda row: [], None
    spec_fields = tuple(sorted({c.target_field for c in eq}))
    buckets = next((b for spec, b in store.indexes if spec.fields == spec_fields), None)
    assert buckets is not None, f"no specification index {spec_fields} on {tmodel.name}"
    by_field = {c.target_field: c for c in eq}
    key_parts = [
        [_operand_getter(o, tmodel.kinds.get(f)) for o in by_field[f].operands] for f in spec_fields
    ]
    if len(key_parts) == 1:
        only = key_parts[0]
        one = None
        if len(only) == 1:
            getter = only[0]
            operand, kind = by_field[spec_fields[0]].operands[0], tmodel.kinds.get(spec_fields[0])
            if operand.field is not None and kind is not None and kind.is_ref:
                one = getter  # a link: an index or None, hashable as it is
            else:

                def one(row: Row) -> Any:
                    return hashable(getter(row))

        return buckets, lambda row: [hashable(g(row)) for g in only], one

    def keys(row: Row) -> list[Any]:
        parts = [[hashable(g(row)) for g in gs] for gs in key_parts]
        return [tuple(k) for k in itertools.product(*parts)]

    return buckets, keys, None


def _candidate_checks(conds: list[Condition], tmodel: EntityModel, store: Store) -> list[Check]:
    """Checks made per candidate: ``$ne``, and any clause on the identity (``key``)."""
    checks: list[Check] = []
    for c in conds:
        tf = c.target_field
        tkind = tmodel.kinds.get(tf) if tf in tmodel.providers else Kind(tmodel.name, tf, True)
        if tf not in tmodel.providers:  # the instance itself
            column: Callable[[int], Any] = int
        elif tkind is not None and tkind.is_ref:
            column = store.links[tf].__getitem__
        else:
            column = store.values[tf].__getitem__
        if c.op == "ne":
            checks.append(_differs(column, _operand_getter(c.operands[0], tkind)))
        else:
            checks.append(_among(column, [_operand_getter(o, tkind) for o in c.operands]))
    return checks


def _forcing(
    graph: Graph,
    tmodel: EntityModel,
    eq: list[Condition],
    ne: list[Condition],
    rand: Callable[[], float],
) -> Callable[[Row], Forced] | None:
    """What an instance created for the row must hold to match the equality/``$in``
    clauses (one of the ``$in`` values, drawn) and the ``$ne`` clauses on its
    references (another instance than the row's: drawn evenly among the others, or
    made when there is none and one may be); None without such clauses."""
    parts = [
        (
            c.target_field,
            [_operand_getter(o, tmodel.kinds.get(c.target_field)) for o in c.operands],
            tmodel.kinds.get(c.target_field),
        )
        for c in eq
    ]
    avoid = [
        (c.target_field, _operand_getter(o, kind), kind)
        for c in ne
        if (kind := tmodel.kinds.get(c.target_field)) is not None and kind.is_ref
        for o in c.operands
        if o.field is not None
    ]
    if not parts and not avoid:
        return None

    def another(kind: Kind, link: int) -> int:
        target = kind.target
        assert target is not None
        n = graph.stores[target].done
        if n > 1 or (n == 1 and link != 0):
            if link >= n:
                return int(rand() * n)
            i = int(rand() * (n - 1))
            return i + (i >= link)
        tm = graph.model.entities[target]
        if tm.parent is None and tm.existing is None and (tm.count is None or graph.on_demand):
            return graph.create(target, None, None, 0)
        return link  # none other may exist: the $ne check says so

    def forced_for(row: Row) -> Forced:
        forced: Forced = {}
        for tf, getters, tkind in parts:
            g = getters[0] if len(getters) == 1 else getters[int(rand() * len(getters))]
            v = g(row)
            if tkind is not None and tkind.is_ref:
                forced[tf] = (None if v is None else graph.value_of(tkind)(v), v)
            else:
                forced[tf] = (v, None)
        for tf, getter, kind in avoid:
            link = getter(row)
            if link is None or tf in forced:
                continue
            other = another(kind, link)
            forced[tf] = (graph.value_of(kind)(other), other)
        return forced

    return forced_for


def _maker(
    graph: Graph,
    entity: str,
    name: str,
    tmodel: EntityModel,
    forced_for: Callable[[Row], Forced] | None,
    checks: list[Check],
) -> Callable[[Row, bool], int]:
    """Creates the referenced instance a row needs (``used_up``: because a unique
    combination has used up the existing ones); refuses where the target is made
    per parent, so cannot be created on demand."""
    target, create = tmodel.name, graph.create

    def make(row: Row, used_up: bool) -> int:
        if tmodel.existing is not None:
            held = graph.stores[target].done
            why = (
                f"every matching existing {target} is already taken by a unique combination"
                if used_up
                else f"no existing {target} matches"
            )
            raise PlanError(
                f"{entity}.{name}: {why} at item {entity}:{row.n} "
                f"({held:,} records read), and existing records are never created; read "
                f"more of them, plan fewer {entity}, or relax the where: clause",
                entity=entity,
                field=name,
            )
        if tmodel.parent is not None:
            why = (
                f"every matching {target} is already taken by a unique combination"
                if used_up
                else f"no {target} matches"
            )
            raise PlanError(
                f"{entity}.{name}: {why} at item {entity}:{row.n}, and a {target} cannot "
                f"be created on demand because it is made per {tmodel.parent}; make more "
                f"of them, plan fewer {entity}, or relax the where: clause",
                entity=entity,
                field=name,
            )
        idx = create(target, forced_for(row) if forced_for is not None else None, None, 0)
        if checks and not all(check(row, idx) for check in checks):
            raise PlanError(
                f"{entity}.{name}: the {target} created for item {entity}:"
                f"{row.n} does not satisfy its where: $ne clause",
                entity=entity,
                field=name,
            )
        return idx

    return make


def from_draw(graph: Graph, entity: str, name: str, src: From, rng: random.Random) -> Draw:
    em = graph.model.entities[entity]
    hops = src.hops()
    first = hops[0]
    kind: Kind | None = em.kinds.get(first)
    if first not in em.kinds:  # a literal field of this row
        if len(hops) > 1:
            raise InvalidProvider(f"from: {src.path}: {first!r} is not a reference")

        def literal(row: Row) -> Any:
            return row.values.get(first)

        return _nullable(literal, src, rng, name)
    walk: list[Callable[[int], int]] = []
    for attr in hops[1:-1]:
        assert kind is not None and kind.target is not None
        col = graph.stores[kind.target].links[attr]
        walk.append(col.__getitem__)
        kind = graph.model.entities[kind.target].kinds[attr]
    assert kind is not None and kind.target is not None
    if len(hops) > 1:
        tmodel = graph.model.entities[kind.target]
        last = hops[-1]
        if last in tmodel.providers:
            lkind = tmodel.kinds.get(last)
            if lkind is not None and lkind.is_ref:
                links = graph.stores[kind.target].links[last].__getitem__
                final = graph.value_of(lkind)

                def copy_ref(row: Row) -> Any:
                    link = _walk(row.links.get(first), walk)
                    link = None if link is None else links(link)
                    if link is None or link < 0:
                        row.links[name] = None
                        return None
                    row.links[name] = link
                    return final(link)

                return _nullable(copy_ref, src, rng, name)
            values = graph.stores[kind.target].values[last].__getitem__

            def copy_value(row: Row) -> Any:
                link = _walk(row.links.get(first), walk)
                return None if link is None else values(link)

            return _nullable(copy_value, src, rng, name)
        kind = Kind(kind.target, last, True)
    else:
        kind = em.kinds[name]
    value_of = graph.value_of(kind)

    def copy_identity(row: Row) -> Any:
        link = _walk(row.links.get(first), walk)
        row.links[name] = link
        return None if link is None else value_of(link)

    return _nullable(copy_identity, src, rng, name)


def _walk(link: int | None, walk: list[Callable[[int], int]]) -> int | None:
    for step in walk:
        if link is None or link < 0:
            return None
        link = step(link)
    return None if link is None or link < 0 else link


def _nullable(draw: Draw, provider: Provider, rng: random.Random, name: str) -> Draw:
    p = provider.null_weight
    if not p:
        return draw
    rand = rng.random

    def nullable(row: Row) -> Any:
        if rand() < p:
            row.links[name] = None
            return None
        return draw(row)

    return nullable


def _differs(column: Callable[[int], Any], operand: Callable[[Row], Any]) -> Check:
    def check(row: Row, idx: int) -> bool:
        return bool(column(idx) != operand(row))

    return check


def _among(column: Callable[[int], Any], operands: list[Callable[[Row], Any]]) -> Check:
    def check(row: Row, idx: int) -> bool:
        return column(idx) in [g(row) for g in operands]

    return check
