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
from pathlib import Path
from typing import Any

from seeder.draws import from_draw, ref_draw
from seeder.errors import PlanError, ScenarioError
from seeder.fingerprints import FingerprintSet
from seeder.items import PlanItem
from seeder.model import KEY, Kind, Model, Problems, load_module_file
from seeder.providers import InvalidProvider, Row
from seeder.providers.base import Draw, wrap_options
from seeder.references import From, Ref
from seeder.registry import Store
from seeder.streams import derive_seed, stream

__all__ = ["PlanItem", "Planner", "plan_items"]

UNIQUE_TRIES = 100
REUSE_TRIES = 20
_Guard = tuple[str, tuple[str, ...], tuple[bool, ...], FingerprintSet]


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


class _NoLocale(InvalidProvider):
    pass


class _FieldContext:
    """A provider's view of the scenario while it compiles (CompileContext)."""

    def __init__(self, planner: Planner, entity: str, field: str) -> None:
        self.planner = planner
        self.entity = entity
        self.field = field
        self.rng = stream(planner.seed, entity, field)

    def faker(self) -> Any:
        from faker import Faker  # only scenarios that use it pay for importing it

        scenario = self.planner.model.scenario
        try:
            fake = Faker(scenario.locale, use_weighting=scenario.faker_weighting)
        except AttributeError as exc:
            raise _NoLocale(
                f"Faker has no locale {scenario.locale!r}; e.g. en_US, de_DE, ja_JP"
            ) from exc
        generator: Any = fake[scenario.locale]
        generator.random = self.rng  # this field's own stream, re-seedable by seed_by
        return generator

    def field_draw(self, name: str) -> Draw:
        return lambda row: row.values[name]

    def import_function(self, spec: str) -> Callable[..., Any]:
        """``module:function``: a file in the scenario's folder tree first (``pkg.mod``
        is ``pkg/mod.py`` below it), else an installed module of that name. The module
        name is dotted identifiers (PythonFunction checks), and a file that resolves
        outside the folder (a symlink) is refused rather than loaded."""
        module_name, _, attr = spec.partition(":")
        base = self.planner.model.scenario.base_dir.resolve()
        relative = Path(*module_name.split("."))
        candidates = [
            base / relative.with_name(relative.name + ".py"),
            base / relative / "__init__.py",
        ]
        try:
            for path in candidates:
                if path.is_file():
                    if not path.resolve().is_relative_to(base):
                        raise InvalidProvider(
                            f"python: {path.relative_to(base)} resolves outside the scenario's "
                            f"folder {base} (a symlink?); copy the module into the folder or "
                            "install it"
                        )
                    module = load_module_file(path, "providers")
                    break
            else:
                import importlib

                module = importlib.import_module(module_name)
        except InvalidProvider:
            raise
        except ImportError as exc:
            raise InvalidProvider(
                f"python: cannot import {module_name!r} ({exc}); put {module_name}.py next "
                "to the scenario or install the module"
            ) from exc
        except (Exception, SystemExit) as exc:  # the user's module failed while importing
            raise InvalidProvider(
                f"python: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
            ) from exc
        fn = getattr(module, attr, None)
        if not callable(fn):
            raise InvalidProvider(f"python: {module_name!r} has no function {attr!r}")
        return fn  # type: ignore[no-any-return]


class Planner:
    """Plans one scenario once (it holds the random streams and the registry)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.seed = model.scenario.seed
        self.fingerprint = model.fingerprint
        self.stores = {name: Store(em) for name, em in model.entities.items()}
        self.out: deque[PlanItem] = deque()
        self.tasks: list[list[Any]] = []  # [entity, parent index, remaining, i]
        self.seq = 0
        self.steps: dict[str, list[tuple[str, Draw]]] = {}
        self.child_order: dict[str, list[str]] = {}
        self.count_draws: dict[str, Callable[[], int]] = {}
        self.links_of: dict[str, list[tuple[str, str]]] = {}
        self.actor_target: dict[str, str] = {}
        # (entity, field) → makes a new referenced entity for the row (used when a
        # unique combination cannot be found among existing ones)
        self.creators: dict[tuple[str, str], Callable[[Row], Any]] = {}
        self.unique_sets: list[FingerprintSet] = []  # what unique remembers (for nbytes)
        # entity → (last field, combination, which are links, seen), so that a forced
        # value (given's overrides) counts toward its unique combination too
        self.unique_guards: dict[str, list[_Guard]] = {}
        position = {name: i for i, name in enumerate(model.order)}
        problems = Problems(model.scenario.source, model.locate)
        for name, em in model.entities.items():
            self.child_order[name] = sorted(em.children, key=position.__getitem__)
            self.links_of[name] = [
                (f, k.target) for f, k in em.kinds.items() if k.target is not None and f != KEY
            ]
            if "actor" in em.kinds and em.kinds["actor"].target:
                self.actor_target[name] = em.kinds["actor"].target or ""
            if em.count_provider is not None:
                draw = em.count_provider.compile_rng(stream(self.seed, name, "<count>"))
                self.count_draws[name] = self._counter(draw)
        for name, em in model.entities.items():
            steps = []
            for fname in em.order:
                section = (
                    "actor" if fname == "actor" else ("vars" if fname in em.var_names else "fields")
                )
                path = (
                    ("entities", name, section)
                    if fname == "actor"
                    else ("entities", name, section, fname)
                )
                try:
                    steps.append((fname, self._compile_field(name, fname)))
                except _NoLocale as exc:  # the scenario's locale: said once, at its line
                    if not any(p.message == str(exc) for p in problems.items):
                        problems.add(("locale",), str(exc))
                except InvalidProvider as exc:
                    problems.add(path, str(exc))
            self.steps[name] = self._with_unique(name, steps)
        if problems.items:
            raise ScenarioError(problems.items)
        self.plans = {
            name: _EntityPlan(
                name=name,
                command=em.command.__name__,
                store=self.stores[name],
                records=bool(em.stored or em.specs),
                steps=self.steps[name],
                body_fields=tuple(em.body_fields),
                ref_fields=tuple(em.ref_fields),
                links_of=tuple(self.links_of[name]),
                ordered=em.ordered,
                actor_target=self.actor_target.get(name),
                key_prefix=f"{self.fingerprint}:",
                # reversed: the task stack pops the first sibling first
                children=tuple((c, self.count_draws[c]) for c in reversed(self.child_order[name])),
            )
            for name, em in model.entities.items()
        }

    # -- compiling draws -------------------------------------------------------

    @staticmethod
    def _counter(draw: Draw) -> Callable[[], int]:
        row = Row(1, 1)

        def count() -> int:
            return max(0, int(draw(row)))

        return count

    def _compile_field(self, entity: str, name: str) -> Draw:
        em = self.model.entities[entity]
        ctx = _FieldContext(self, entity, name)
        if name == "actor":
            actor = em.spec.actor
            if actor == "parent":

                def actor_is_parent(row: Row) -> Any:
                    row.links["actor"] = row.links.get("parent")

                return actor_is_parent
            assert isinstance(actor, Ref)
            return ref_draw(self, entity, name, actor, em.kinds[name], ctx.rng)
        provider = em.providers[name]
        if isinstance(provider, Ref):
            return ref_draw(self, entity, name, provider, em.kinds[name], ctx.rng)
        if isinstance(provider, From):
            return from_draw(self, entity, name, provider, ctx.rng)
        draw = provider.compile(ctx)
        seed_key = reseed = None
        if provider.seed_by:
            key_field = provider.seed_by
            key_kind = em.kinds.get(key_field)
            rng = ctx.rng
            seed = self.seed

            if key_kind is not None and key_kind.is_ref:

                def seed_key(row: Row) -> object:
                    return ("@", row.links.get(key_field))
            else:

                def seed_key(row: Row) -> object:
                    return row.values.get(key_field)

            def reseed(key: object) -> None:
                rng.seed(derive_seed(seed, entity, name, "seed_by", key))

        return wrap_options(provider, draw, ctx, seed_key, reseed)

    def value_of(self, kind: Kind) -> Callable[[int], Any]:
        """Index of a ``kind.target`` instance → the value a reference to it holds."""
        target, attr = kind.target, kind.attr
        assert target is not None and attr is not None
        if kind.captured:
            return lambda idx: f"{target}:{idx + 1}.{attr}"
        return self.stores[target].values[attr].__getitem__

    def _with_unique(self, entity: str, steps: list[tuple[str, Draw]]) -> list[tuple[str, Draw]]:
        """Wraps the last-drawn field of each unique combination so that it is
        re-drawn until the combination is new."""
        em = self.model.entities[entity]
        order = [n for n, _ in steps]
        result = dict(steps)
        for combo in em.unique:
            last = max(combo, key=lambda f: order.index(f) if f in order else -1)
            if last not in result:
                continue
            inner = result[last]
            is_link = tuple(em.kinds.get(f) is not None and em.kinds[f].is_ref for f in combo)
            seen = FingerprintSet()
            self.unique_sets.append(seen)
            self.unique_guards.setdefault(entity, []).append((last, combo, is_link, seen))
            creator = self.creators.get((entity, last))

            def draw(
                row: Row,
                inner: Draw = inner,
                combo: tuple[str, ...] = combo,
                is_link: tuple[bool, ...] = is_link,
                seen: FingerprintSet = seen,
                last: str = last,
                creator: Callable[[Row], Any] | None = creator,
            ) -> Any:
                for attempt in range(UNIQUE_TRIES):
                    if creator is not None and attempt >= REUSE_TRIES:
                        value = creator(row)  # existing ones are used up: make a new one
                    else:
                        value = inner(row)
                    row.values[last] = value
                    key = tuple(
                        row.links.get(f) if lk else row.values.get(f)
                        for f, lk in zip(combo, is_link, strict=True)
                    )
                    if seen.add(key):
                        return value
                raise PlanError(
                    f"{entity}: no new combination of unique {list(combo)} after "
                    f"{UNIQUE_TRIES} draws at item {entity}:{row.n}; there are too few "
                    "candidates left: add more of the referenced entities or plan fewer "
                    f"{entity}"
                )

            result[last] = draw
        return [(n, result[n]) for n in order]

    # -- planning --------------------------------------------------------------

    def create(
        self,
        entity: str,
        forced: dict[str, tuple[Any, int | None]] | None,
        parent: int | None,
        i: int,
    ) -> int:
        """Builds one instance (and, first, whatever it references on demand),
        queues its item and its children; returns its index."""
        ep = self.plans[entity]
        store = ep.store
        idx = store.count
        store.count += 1
        row = Row(idx + 1, i or idx + 1)
        values = row.values
        if parent is not None:
            row.links["parent"] = parent
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
            for last, combo, is_link, seen in self.unique_guards.get(entity, ()):
                if last in forced:  # the guard did not draw it: remember the combination
                    seen.add(
                        tuple(
                            row.links.get(f) if lk else values.get(f)
                            for f, lk in zip(combo, is_link, strict=True)
                        )
                    )
        if ep.records:
            store.record(idx, row)
        else:
            store.done += 1
        self._emit(ep, idx, row)
        for child, count_draw in ep.children:
            count = count_draw()
            if count:
                self.tasks.append([child, idx, count, 0])
        return idx

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
        self.out.append(
            PlanItem(
                self.seq,
                key,
                ep.name,
                ep.command,
                body,
                refs,
                deps,
                actor,
                ep.key_prefix + key,
                links,
            )
        )

    def nbytes(self) -> int:
        """Memory the planner keeps as it goes: registry columns, specification
        indexes and the fingerprints of unique values."""
        return sum(s.nbytes() for s in self.stores.values()) + sum(
            u.nbytes() for u in self.unique_sets
        )

    def items(self) -> Iterator[PlanItem]:
        """The plan, streamed: dependencies always before dependents."""
        out = self.out
        tasks = self.tasks
        for root in self.model.roots:
            count = self.model.entities[root].count or 0
            for k in range(count):
                self.create(root, None, None, k + 1)
                while True:
                    while out:
                        yield out.popleft()
                    if not tasks:
                        break
                    task = tasks[-1]
                    if task[2] == 0:
                        tasks.pop()
                        continue
                    task[2] -= 1
                    task[3] += 1
                    self.create(task[0], None, task[1], task[3])


def plan_items(model: Model) -> Iterator[PlanItem]:
    """A fresh deterministic plan of ``model``."""
    return Planner(model).items()
