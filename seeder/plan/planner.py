"""The planner: turns a model into a deterministic stream of plan items.

No I/O and no waiting: values only the service will know are placeholders
(``author:17.id``). Roots are planned one instance at a time; each instance's
children follow it depth-first (a stack of child tasks), and entities a reference
creates on demand are emitted just before the item that needs them, so
dependencies always come first and memory holds only the registry's columns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from seeder.errors import InvalidProvider, SeederError
from seeder.model.types import KEY, Kind, Model
from seeder.plan.builders import Builder, build_entity, failed_draw
from seeder.plan.draws import Forced, from_draw, ref_draw
from seeder.plan.fields import (
    FieldContext,
    NoLocale,
    Streams,
    UniqueGuard,
    seed_by_hooks,
    with_unique,
    wrap_options,
)
from seeder.plan.items import PlanItem
from seeder.plan.pools import FinalPool
from seeder.plan.registry import Store
from seeder.plan.streams import stream
from seeder.providers import From, Ref, Row
from seeder.providers.args import kind_name
from seeder.providers.base import Draw
from seeder.scenario.problems import Problems

__all__ = ["ChildTask", "PlanItem", "Planner", "plan_items"]


@dataclass(slots=True)
class ChildTask:
    """Children of one instance still to plan: ``remaining`` more of ``entity``
    under the parent at index ``parent``; ``i`` counts those made so far."""

    entity: str
    parent: int
    remaining: int
    i: int = 0


@dataclass(frozen=True, slots=True)
class _EntityPlan:
    """What creating one instance of an entity needs, looked up once."""

    name: str
    command: str
    store: Store
    records: bool  # whether the registry keeps columns or indexes for it
    steps: list[tuple[str, Draw]]
    body_fields: tuple[str, ...]
    ref_fields: tuple[str, ...]
    links_of: tuple[tuple[str, str], ...]
    ordered: bool
    actor_target: str | None
    key_prefix: str
    children: tuple[tuple[str, Callable[[], int]], ...]
    held: bool  # existing: its records are read, never created


class Planner:
    """Plans one scenario once (it holds the random streams and the registry).
    It is the :class:`~seeder.plan.draws.Graph` its reference draws work on."""

    def __init__(
        self,
        model: Model,
        *,
        on_demand: bool = False,
        sink: Any = None,
        streams: Streams = stream,
        lazy: bool = False,
    ) -> None:
        """``sink``: a :class:`~seeder.plan.commandlog.JsonlCommandLog` that gets each
        item's line as it is made (then :meth:`items` yields nothing). ``lazy``: each
        entity's draws are compiled when its first instance is planned (given: a test
        plans a few entities of many, with a model already compiled whole once, so no
        problem is left to find), and created by the generic loop, without generating
        a builder per entity for a plan of a few items."""
        assert not (lazy and sink is not None), "a lazy planner writes no command log"
        self.model = model
        self.sink = sink
        # planned as a caller asks (given): no fixed pools, references create
        self.on_demand = on_demand
        # (seed, entity, field) -> a stream as fresh: given lends re-seeded ones
        self._streams = streams
        self.seed = model.scenario.seed
        self.fingerprint = model.fingerprint
        self.stores = {name: Store(em) for name, em in model.entities.items()}
        self.out: deque[PlanItem] = deque()
        self.tasks: list[ChildTask] = []  # a stack: the children still to plan
        self.seq = 0
        # entity → its unique combinations, so that a forced value (given's
        # overrides) counts toward its combination too
        self.unique_guards: dict[str, list[UniqueGuard]] = {}
        # final pools of references with mean: (target, pool), their unused ranks
        # are created at the end of the plan
        self.pools: list[tuple[str, FinalPool]] = []
        self._position = {name: i for i, name in enumerate(model.order)}
        self._count_draws: dict[str, Callable[[], int]] = {}
        self.plans: dict[str, _EntityPlan]
        if lazy:  # each entity compiled when first planned
            self.plans = _Lazy(self._compile_plan)
        else:
            problems = Problems(model.scenario.source, model.locate)
            steps = {name: self._compile_entity(name, problems) for name in model.entities}
            problems.raise_if_any()
            self.plans = {name: self._entity_plan(name, steps[name]) for name in model.entities}
        # per entity: its instances built without forced fields (the hot path)
        self.builders: dict[str, Builder]
        if lazy:
            self.builders = _Lazy(self._generic_builder)
        else:
            self.builders = {
                name: build_entity(self, ep, ChildTask, sink) for name, ep in self.plans.items()
            }
        # what the plan starts from, in entity order: the roots, and the existing
        # entities whose records have children
        self.starts = [
            name
            for name in model.order
            if name in model.roots
            or (model.entities[name].existing and model.entities[name].children)
        ]
        self._hold_existing()

    def _compile_plan(self, name: str) -> _EntityPlan:
        problems = Problems(self.model.scenario.source, self.model.locate)
        steps = self._compile_entity(name, problems)
        problems.raise_if_any()
        return self._entity_plan(name, steps)

    def _entity_plan(self, name: str, steps: list[tuple[str, Draw]]) -> _EntityPlan:
        model = self.model
        em = model.entities[name]
        actor = em.kinds.get("actor")
        # reversed: the task stack pops the first sibling first
        children = sorted(em.children, key=self._position.__getitem__, reverse=True)
        return _EntityPlan(
            name=name,
            command=em.command.__name__,
            store=self.stores[name],
            records=bool(em.stored or em.specs),
            steps=steps,
            body_fields=tuple(em.body_fields),
            ref_fields=tuple(em.ref_fields),
            links_of=tuple(  # what must be done first: existing records are
                (f, k.target)
                for f, k in em.kinds.items()
                if k.target is not None and f != KEY and model.entities[k.target].existing is None
            ),
            ordered=em.ordered,
            actor_target=actor.target if actor is not None and actor.target else None,
            key_prefix=f"{self.fingerprint}:",
            children=tuple((c, self._count_draw(c)) for c in children),
            held=em.existing is not None,
        )

    def _generic_builder(self, name: str) -> Builder:
        create, none = self.create_generic, None
        return lambda parent, i: create(name, none, parent, i)

    def _count_draw(self, name: str) -> Callable[[], int]:
        """How many instances of the child entity ``name`` one parent gets."""
        draw = self._count_draws.get(name)
        if draw is None:
            provider = self.model.entities[name].count_provider
            assert provider is not None, f"{name} is a child without a count"
            rng = self._streams(self.seed, name, "<count>")
            draw = self._count_draws[name] = self._counter(provider.compile_rng(rng))
        return draw

    def _hold_existing(self) -> None:
        """Existing entities' records, read before planning, are the first (and
        only) instances of their stores: picks and specifications see them as any.
        A field their ``refs`` name links to the record of the identity it holds."""
        index: dict[str, dict[Any, int]] = {}
        for name, em in self.model.entities.items():
            if em.existing is None:
                continue
            records = (self.model.records or {}).get(name)
            if records is None:
                raise SeederError(
                    f"entity {name!r} is existing: its records are read from the service "
                    "before planning (seeder run, or seeder plan --target URL); "
                    "this way of planning does not read them"
                )
            for target in em.existing.refs.values():
                if target not in index:
                    index[target] = self._identities(target)
            links = {fname: index[target] for fname, target in em.existing.refs.items()}
            store = self.stores[name]
            for idx, record in enumerate(records):
                row = Row(idx + 1, idx + 1)
                row.values.update(record)
                for fname, of in links.items():
                    value = record.get(fname)
                    if value is not None:
                        row.links[fname] = of[value]  # read_records checked each one
                store.count += 1
                store.record(idx, row)

    def _identities(self, name: str) -> dict[Any, int]:
        identity = self.model.entities[name].identity
        records = (self.model.records or {}).get(name, [])
        return {record[identity]: idx for idx, record in enumerate(records)}

    # -- compiling draws -------------------------------------------------------

    def _compile_entity(self, name: str, problems: Problems) -> list[tuple[str, Draw]]:
        """The draws of ``name``'s fields in evaluation order, unique guards added;
        a provider that cannot compile is a problem at its line."""
        em = self.model.entities[name]
        steps: list[tuple[str, Draw]] = []
        creators: dict[str, Draw] = {}
        for fname in em.order:
            try:
                steps.append((fname, self._compile_field(name, fname, creators)))
            except NoLocale as exc:  # the scenario's locale: said once, at its line
                if not any(p.message == str(exc) for p in problems.items):
                    problems.add(("locale",), str(exc))
            except InvalidProvider as exc:  # at the argument, when it says which
                kind = kind_name(type(em.providers.get(fname)).__name__)
                at = tuple(kind if part == "$kind" else part for part in exc.at)
                problems.add((*em.path(fname), *at), str(exc))
            except Exception as exc:  # arguments no check foresaw: said at the field
                problems.add(
                    em.path(fname),
                    f"{name}.{fname}: cannot use these arguments ({type(exc).__name__}: {exc}); "
                    "check the provider's values",
                )
        guarded, guards = with_unique(em, steps, creators)
        if guards:
            self.unique_guards[name] = guards
        return guarded

    @staticmethod
    def _counter(draw: Draw) -> Callable[[], int]:
        row = Row(1, 1)

        def count() -> int:
            return max(0, int(draw(row)))

        return count

    def _compile_field(self, entity: str, name: str, creators: dict[str, Draw]) -> Draw:
        em = self.model.entities[entity]
        ctx = FieldContext(self.model.scenario, self.seed, entity, name, self._streams)
        provider = em.spec.actor if name == "actor" else em.providers[name]
        if provider == "parent":  # actor: parent

            def actor_is_parent(row: Row) -> Any:
                row.links["actor"] = row.links.get("parent")

            return actor_is_parent
        if isinstance(provider, Ref):
            ref = ref_draw(self, entity, name, provider, em.kinds[name], ctx.rng)
            creators[name] = ref.create_new
            if ref.pool is not None:
                self.pools.append((provider.entity, ref.pool))
            return ref.draw
        if isinstance(provider, From):
            return from_draw(self, entity, name, provider, ctx.rng)
        assert provider is not None and not isinstance(provider, str)
        seed_key, reseed = seed_by_hooks(provider, em, name, ctx.rng, self.seed)
        draw = provider.compile(ctx)
        if name in em.whole:  # a seq on an int field: its text is a whole number
            text = draw

            def whole(row: Row) -> Any:
                return int(text(row))

            draw = whole
        return wrap_options(provider, draw, ctx, seed_key, reseed, em.expected)

    def value_of(self, kind: Kind) -> Callable[[int], Any]:
        """Index of a ``kind.target`` instance → the value a reference to it holds."""
        target, attr = kind.target, kind.attr
        assert target is not None and attr is not None
        if kind.captured:
            return lambda idx: f"{target}:{idx + 1}.{attr}"
        return self.stores[target].values[attr].__getitem__

    # -- planning --------------------------------------------------------------

    def create(self, entity: str, forced: Forced | None, parent: int | None, i: int) -> int:
        """Builds one instance (and, first, whatever it references on demand),
        queues its item and its children; returns its index."""
        if forced is None:  # what create_generic does, generated for the entity
            return self.builders[entity](parent, i)
        return self.create_generic(entity, forced, parent, i)

    def create_generic(self, entity: str, forced: Forced | None, parent: int | None, i: int) -> int:
        """:meth:`create` by looping over the entity's draws and field lists (the
        builders of :mod:`seeder.plan.builders` make the same items faster)."""
        ep = self.plans[entity]
        store = ep.store
        idx = store.count
        store.count += 1
        row = Row(idx + 1, i or idx + 1)
        values = row.values
        if parent is not None:
            row.links["parent"] = parent
        fname = ""
        try:
            if forced is None:
                for fname, draw in ep.steps:
                    values[fname] = draw(row)
            else:
                for fname, draw in ep.steps:
                    if fname in forced:
                        value, link = forced[fname]
                        values[fname] = value
                        if link is not None:
                            row.links[fname] = link
                    else:
                        values[fname] = draw(row)
                for guard in self.unique_guards.get(entity, ()):
                    if guard.last in forced:  # not drawn by the guard: remember the combination
                        guard.seen.add_digest(guard.fingerprint(row))
        except Exception as exc:  # said at its field, as the builders say it
            failed_draw(exc, entity, fname, idx)
            raise
        if ep.records:
            store.record(idx, row)
        else:
            store.done += 1
        self._emit(ep, idx, row)
        self._children_of(ep, idx)
        return idx

    def _children_of(self, ep: _EntityPlan, idx: int) -> None:
        """Queues the children (``per:``) of instance ``idx`` of ``ep``."""
        for child, count_draw in ep.children:
            count = count_draw()
            if count:
                self.tasks.append(ChildTask(child, idx, count))

    def _emit(self, ep: _EntityPlan, idx: int, row: Row) -> None:
        values = row.values
        body = {f: values[f] for f in ep.body_fields}
        refs: dict[str, str] = {}
        for f in ep.ref_fields:
            v = values[f]
            if v is None:
                body[f] = None
            else:
                refs[f] = v
        links = row.links
        deps: list[str] = []
        for f, target in ep.links_of:
            link = links.get(f)
            if link is not None:
                dep = f"{target}:{link + 1}"
                if dep not in deps:
                    deps.append(dep)
        if ep.ordered and row.i > 1:  # instance idx - 1 is the previous sibling
            deps.append(f"{ep.name}:{idx}")
        actor = None
        if ep.actor_target is not None:
            link = links.get("actor")
            if link is not None:
                actor = f"{ep.actor_target}:{link + 1}"
        key = f"{ep.name}:{idx + 1}"
        self.seq += 1
        item = PlanItem(
            self.seq, key, ep.name, ep.command, body, refs, deps, actor, ep.key_prefix + key, links
        )
        if self.sink is not None:  # in order: before the item that made it
            self.sink.add_pending(item)
        else:
            self.out.append(item)

    def nbytes(self) -> int:
        """Memory the planner keeps as it goes: registry columns, specification
        indexes and the fingerprints of unique combinations."""
        return (
            sum(s.nbytes() for s in self.stores.values())
            + sum(g.seen.nbytes() for guards in self.unique_guards.values() for g in guards)
            + sum(pool.nbytes() for _, pool in self.pools)
        )

    def items(self) -> Iterator[PlanItem]:
        """The plan, streamed: dependencies always before dependents; last, the
        entities of final pools that no use drew."""
        for root in self.starts:
            store = self.stores[root]
            if self.plans[root].held:  # children of the records read (per: existing)
                for idx in range(store.done):
                    self._children_of(self.plans[root], idx)
                    yield from self._drain()
                continue
            count = self.model.entities[root].count or 0
            build = self.builders[root]
            out, popleft, tasks = self.out, self.out.popleft, self.tasks
            while store.count < count:  # some may have been planned ahead (picked)
                build(None, store.count + 1)
                while out:
                    yield popleft()
                if tasks:
                    yield from self._drain()
        for target, pool in self.pools:
            for _ in pool.unused(partial(self.create, target, None, None, 0)):
                yield from self._drain()

    def _drain(self) -> Iterator[PlanItem]:
        """The items queued, and the children still to plan (depth first)."""
        out = self.out
        tasks = self.tasks
        while True:
            while out:
                yield out.popleft()
            if not tasks:
                return
            task = tasks[-1]
            if task.remaining == 0:
                tasks.pop()
                continue
            task.remaining -= 1
            task.i += 1
            self.create(task.entity, None, task.parent, task.i)


_V = TypeVar("_V")


class _Lazy(dict[str, _V]):
    """Values made when first looked up (``Planner(lazy=True)``: entity plans
    compiled, builders made, as a test first plans the entity)."""

    def __init__(self, make: Callable[[str], _V]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, name: str) -> _V:
        value = self[name] = self._make(name)
        return value


def plan_items(model: Model) -> Iterator[PlanItem]:
    """A fresh deterministic plan of ``model``."""
    return Planner(model).items()
