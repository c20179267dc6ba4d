"""A test's own world: a planner (a fresh registry, streams seeded for this test),
the service's answers (``Results``), and the handles made so far.

``given("book", author={"name": "Ursula"})`` is planned by the scenario's own
planner: the requested instance is created with the test's values forced, and the
planner adds whatever it references on demand (a tenant, an author), exactly as in
a bulk run. Before that, the call's overrides are resolved against this test's
registry: a handle pins a reference; a specification (a dict) reuses the first
matching instance or creates one with those values; the equality clauses of the
reference's ``where:`` are followed both ways (a pinned author decides the book's
tenant; a known tenant filters the authors). Then the new plan items are sent
through the port by the executor, in order, and every answer becomes a handle.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from seeder.commands import HttpBinding
from seeder.errors import GivenError
from seeder.model import Kind, Model
from seeder.plan.items import PlanItem, split_key
from seeder.plan.planner import Planner
from seeder.plan.streams import derive_seed
from seeder.ports import Port
from seeder.providers.references import Ref
from seeder.run.results import FAILED, Results
from seeder.run.undo import undo_entry, undo_plan
from seeder.testing.blueprint import ACTOR, PARENT, Blueprint, EntityInfo
from seeder.testing.fakers import Lease, leased
from seeder.testing.handles import Handle
from seeder.testing.requests import Link, Lit, Request, Spec, read_request
from seeder.testing.sending import Sender, failure, send_items, unsent

__all__ = ["Session"]

MAX_DEPTH = 16


class Session:
    """What one test made: the planner, the answers and the handles."""

    def __init__(
        self, blueprint: Blueprint, seed: int | str | None = None, model: Model | None = None
    ) -> None:
        self.bp = blueprint
        # what the planner plans: the blueprint's model, with existing records read
        self._model = blueprint.model if model is None else model
        base = blueprint.model.scenario.seed
        if seed is None:  # a hand-made Given: not the values of the scenario's own run
            self.seed = derive_seed(base, "given", "")
        elif isinstance(seed, str):  # a test's node id
            self.seed = derive_seed(base, "given", seed)
        else:
            self.seed = seed
        self.results = Results()
        self.handles: list[Handle] = []  # in creation order
        self._by_key: dict[str, Handle] = {}
        self._items: dict[str, list[PlanItem]] = {name: [] for name in blueprint.entities}
        self._pending: list[PlanItem] = []
        self._children: dict[tuple[str, int], int] = {}
        self._nonce = secrets.token_hex(6)  # idempotency keys never replay another run
        self._lease = Lease()
        self._planner: Planner | None = None
        self._broken: str | None = None  # why planning cannot go on
        # what the service made, in order of completion, with what the request
        # that deletes each is made of (for Given(undo=True): the test's teardown)
        self._done: dict[str, tuple[HttpBinding | None, PlanItem, dict[str, Any]]] = {}
        self._sender: Sender | None = None

    @property
    def planner(self) -> Planner:
        if self._planner is None:
            import dataclasses

            model = self._model
            scenario = dataclasses.replace(model.scenario, seed=self.seed)
            # the first planner of a blueprint compiles every entity (a provider
            # that cannot compile is said then); later ones each entity as used
            lazy = self.bp.compiled
            with leased(self._lease):
                self._planner = Planner(
                    dataclasses.replace(model, scenario=scenario),
                    on_demand=True,
                    streams=self._lease.stream,
                    lazy=lazy,
                )
            self.bp.compiled = True
        return self._planner

    def close(self) -> None:
        self._lease.release()

    # -- planning --------------------------------------------------------------

    def plan(self, entity: str, overrides: Mapping[str, Any], call: str) -> str:
        """Plans one instance of ``entity`` (and what it needs); returns its key."""
        info = self.bp.entity(entity, call)
        request = read_request(self, info, overrides, call)
        if self._broken is not None:
            raise GivenError(
                f"{call}: an earlier call of this test failed while planning ({self._broken}); "
                "a test cannot go on planning after that"
            )
        try:
            index = self._create(info, request, call, 0)
        except BaseException as exc:  # what was planned will never be sent
            if not isinstance(exc, GivenError):  # the planner stopped half-way
                self._broken = f"{type(exc).__name__}: {exc}"
            planner = self._planner
            if planner is not None:
                self._drain(planner, "", -1, None)
                planner.tasks.clear()
            unsent(self._pending, self.results)
            self._pending.clear()
            raise
        return f"{entity}:{index + 1}"

    def _create(self, info: EntityInfo, request: Request, call: str, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise GivenError(f"{call}: specifications nest deeper than {MAX_DEPTH} levels")
        em = info.model
        if em.existing is not None:
            raise GivenError(
                f"{call}: {info.name!r} is existing (read from the service, never "
                "created); given picks among its records for the references to it, or "
                f"pass one of them as a handle: given(..., {info.name}=book.{info.name})"
            )
        kinds = em.kinds
        forced: dict[str, tuple[Any, int | None]] = {}
        known: dict[str, Lit | Link] = {}
        for name, pin in request.fields.items():
            if isinstance(pin, Lit | Link):
                forced[name] = self._forced(kinds.get(name), pin)
                known[name] = pin
        parent = request.parent.index if isinstance(request.parent, Link) else None
        if parent is not None:
            assert em.parent is not None
            for name, attr in info.parent_copies.items():
                value = self._attr(em.parent, parent, attr)
                if name not in known and value is not None:
                    known[name] = value
        for name in em.order:
            field_pin = request.fields.get(name)
            if name not in info.refs or field_pin is None or isinstance(field_pin, Lit):
                continue
            pin = field_pin
            ref = em.providers[name]
            assert isinstance(ref, Ref)
            if isinstance(pin, Spec):
                index = self._match_or_create(pin, ref, known, call, depth)
                known[name] = Link(pin.entity, index)
                forced[name] = self._forced(kinds.get(name), known[name])
            else:
                index = pin.index
            for cond in ref.conditions():  # the pinned instance decides $field operands
                operand = cond.operands[0].field
                if cond.op != "eq" or operand is None or operand in known:
                    continue
                if operand not in em.providers or operand in em.var_names:
                    continue
                value = self._attr(pin.entity, index, cond.target_field)
                if value is not None:
                    known[operand] = value
                    forced[operand] = self._forced(kinds.get(operand), value)
        if em.parent is not None and parent is None:
            parent = self._parent(info, request, known, call, depth)
        if parent is not None:
            self._ensure_per_parent_targets(info, request, parent, known, call, depth)
        actor = request.actor
        if actor is not None and "actor" in kinds and kinds["actor"].target == actor.entity:
            forced[ACTOR] = self._forced(kinds["actor"], actor)
        i = 0
        if parent is not None:
            i = self._children[(info.name, parent)] = self._children.get((info.name, parent), 0) + 1
        planner = self.planner
        with leased(self._lease):  # an entity first planned is compiled now
            index = planner.create(info.name, forced or None, parent, i)
        planner.tasks.clear()  # no children: a test asks for what it wants
        self._drain(planner, info.name, index, actor)
        return index

    def _parent(
        self,
        info: EntityInfo,
        request: Request,
        known: dict[str, Lit | Link],
        call: str,
        depth: int,
    ) -> int:
        """The latest parent matching the call (and what the copies from it must
        hold), or a new one."""
        parent_entity = info.model.parent
        assert parent_entity is not None
        spec = request.parent.request if isinstance(request.parent, Spec) else Request()
        spec = Request(dict(spec.fields), spec.parent)
        for name, attr in info.parent_copies.items():
            if name in known and attr not in spec.fields:
                spec.fields[attr] = known[name]
        found = self._find(parent_entity, spec, latest=True)
        if found is not None:
            return found
        return self._create(self.bp.entities[parent_entity], spec, call, depth + 1)

    def _ensure_per_parent_targets(
        self,
        info: EntityInfo,
        request: Request,
        parent: int,
        known: dict[str, Lit | Link],
        call: str,
        depth: int,
    ) -> None:
        """The planner cannot create an entity made per parent on demand (a class's
        teacher is a staff member of its school): when a reference to one has no
        candidate yet, make one here, with what the ``where:`` asks."""
        em = info.model
        assert em.parent is not None
        for name, attr in info.parent_copies.items():  # the parent is known now
            value = self._attr(em.parent, parent, attr)
            if name not in known and value is not None:
                known[name] = value
        for name, target in info.refs.items():
            tinfo = self.bp.entities[target]
            if name in request.fields or tinfo.model.parent is None:
                continue
            ref = em.providers[name]
            assert isinstance(ref, Ref)
            where = self._where(ref, tinfo, known, set())
            if self._find(target, Request(), latest=False, where=where) is None:
                wanted = Request({tf: options[0] for tf, options in where.items()})
                self._create(tinfo, wanted, call, depth + 1)

    @staticmethod
    def _where(
        ref: Ref, target: EntityInfo, known: Mapping[str, Lit | Link], skip: set[str]
    ) -> dict[str, list[Lit | Link]]:
        """The equality and ``$in`` clauses of ``ref``'s ``where:`` whose operands
        are known: target field → the values it may hold."""
        where: dict[str, list[Lit | Link]] = {}
        for cond in ref.conditions():
            tf = cond.target_field
            if cond.op == "ne" or tf in skip or tf not in target.model.providers:
                continue
            options: list[Lit | Link] = []
            for operand in cond.operands:
                if operand.field is None:
                    options.append(Lit(operand.value))
                elif operand.field in known:
                    options.append(known[operand.field])
            if len(options) == len(cond.operands):
                where[tf] = options
        return where

    def _match_or_create(
        self, spec: Spec, ref: Ref, known: dict[str, Lit | Link], call: str, depth: int
    ) -> int:
        """The first instance matching the specification and the reference's
        ``where:`` (as far as this row's values are known), or a new one."""
        target = self.bp.entities[spec.entity]
        request = Request(dict(spec.request.fields), spec.request.parent)
        where = self._where(ref, target, known, set(request.fields))
        found = self._find(spec.entity, request, latest=False, where=where)
        if found is not None:
            return found
        for tf, options in where.items():
            request.fields[tf] = options[0]
        return self._create(target, request, call, depth + 1)

    def _find(
        self,
        entity: str,
        request: Request,
        *,
        latest: bool,
        where: Mapping[str, list[Lit | Link]] | None = None,
    ) -> int | None:
        items = self._items[entity]
        indexes = range(len(items) - 1, -1, -1) if latest else range(len(items))
        for index in indexes:
            if self.results.state(items[index].key) == FAILED:
                continue
            if not self._matches(entity, index, request):
                continue
            if where and not all(
                self._attr(entity, index, tf) in options for tf, options in where.items()
            ):
                continue
            return index
        return None

    def _matches(self, entity: str, index: int, request: Request) -> bool:
        for name, pin in request.fields.items():
            value = self._attr(entity, index, name)
            if isinstance(pin, Spec):
                if not isinstance(value, Link) or not self._matches(
                    pin.entity, value.index, pin.request
                ):
                    return False
            elif value != pin:
                return False
        if request.parent is not None:
            parent = self._items[entity][index].links or {}
            link = parent.get(PARENT)
            pin = request.parent
            if link is None:
                return False
            if isinstance(pin, Link):
                return link == pin.index
            return self._matches(pin.entity, link, pin.request)
        return True

    def _attr(self, entity: str, index: int, name: str) -> Lit | Link | None:
        """What instance ``index`` of ``entity`` holds in ``name``, as planned."""
        if self.bp.entities[entity].model.existing is not None:
            store = self.planner.stores[entity]  # a record read from the service
            if name in store.links:
                held = store.links[name][index]
                of = self.bp.entities[entity].model.kinds[name].target
                return Lit(None) if held < 0 or of is None else Link(of, held)
            return Lit(store.values[name][index]) if name in store.values else None
        item = self._items[entity][index]
        kind = self.bp.entities[entity].model.kinds.get(name)
        if kind is not None and kind.target is not None:
            link = (item.links or {}).get(name)
            return Lit(None) if link is None else Link(kind.target, link)
        if name in item.body:
            return Lit(item.body[name])
        return None

    def _forced(self, kind: Kind | None, pin: Lit | Link) -> tuple[Any, int | None]:
        if isinstance(pin, Lit) or kind is None or kind.target is None:
            return (pin.value if isinstance(pin, Lit) else None), None
        return self.planner.value_of(kind)(pin.index), pin.index

    def _drain(self, planner: Planner, entity: str, index: int, actor: Link | None) -> None:
        prefix = f"{self.bp.model.fingerprint}:{self._nonce}:"
        while planner.out:
            item = planner.out.popleft()
            item.idempotency_key = prefix + item.key
            if actor is not None and item.key == f"{entity}:{index + 1}":
                item.actor = f"{actor.entity}:{actor.index + 1}"
            self._items[item.entity].append(item)
            self._pending.append(item)

    # -- sending ---------------------------------------------------------------

    async def send(self, port: Port, call: str, where: str) -> None:
        """Sends what was planned, in order; every answer becomes a handle. The
        first rejection raises :class:`Rejected` (what follows it is not sent)."""
        items, self._pending = self._pending, []
        if not items:
            return
        sender = self._sender
        if sender is None or sender.port is not port:
            sender = self._sender = Sender(port, self.bp.bindings, self.results)
        sent = await sender.send(items)
        first: GivenError | None = None
        for item in items:  # every answer becomes a handle, then the first failure
            answer = sent.get(item.key)
            if answer is not None and answer[1].ok:
                self._handle(item, answer[0], answer[1].captured)
            elif first is None:
                first = failure(item, answer, self.results, self.bp.bindings, call, where)
            elif answer is None:
                self.results.failed(item.key)
        if first is not None:
            raise first

    def _handle(self, item: PlanItem, fields: dict[str, Any], captured: dict[str, Any]) -> None:
        info = self.bp.entities[item.entity]
        secret = info.credential.name if info.credential and info.credential.secret else None
        values = {**fields, **captured}
        handle = Handle(
            self,
            item.entity,
            split_key(item.key)[1] - 1,
            values,
            item.links or {},
            info.model.identity,
            frozenset([secret] if secret else []),
        )
        self.handles.append(handle)
        self._by_key[handle.key] = handle
        # the Undo request is made only if the test's end deletes (undo=True)
        self._done[item.key] = (self.bp.bindings.for_item(item).http, item, dict(values))

    def made_any(self) -> bool:
        return bool(self._done)

    async def undo(self, port: Port, where: str) -> None:
        """Deletes what this session made, dependents first, through the bindings'
        Undo declarations (``Given(undo=True)``); raises :class:`GivenError` saying
        what could not be deleted (or has no Undo to delete it with)."""
        made, self._done = self._done, {}
        if not made:
            return
        done = {key: undo_entry(http, item, values) for key, (http, item, values) in made.items()}
        plan = undo_plan(done, [], f"given-{self._nonce}")
        sent = await send_items(plan.items, port, plan.bindings, Results())
        left = [i.key for i in plan.items if not ((a := sent.get(i.key)) and a[1].ok)]
        problems = []
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            first = sent.get(left[0])
            why = f" ({first[1].status}: {first[1].message})" if first else " (not sent)"
            problems.append(f"could not delete {shown} at {where}{why}")
        if plan.kept:
            kept = ", ".join(f"{n} {e}" for e, n in sorted(plan.kept.items()))
            problems.append(
                f"kept {kept}: their bindings declare no Undo (add undo=Undo(...) to the "
                "HttpBinding), so what they refer to stays too"
            )
        if problems:
            raise GivenError("given(undo=True) at the end of the test: " + "; ".join(problems))

    def get(self, key: str) -> Handle:
        return self._by_key[key]

    # -- what handles ask ------------------------------------------------------

    def linked(self, handle: Handle, name: str) -> Handle | None:
        """The handle a reference of ``handle`` points at (``book.author``)."""
        info = self.bp.entities[handle.entity]
        target = info.names.get(name)
        if target is None:
            return None
        if target == ACTOR:
            item = self._items[handle.entity][handle.index]
            return self._by_key.get(item.actor) if item.actor else None
        kind = info.model.kinds.get(target)
        if target == PARENT:
            entity = info.model.parent
        else:
            entity = kind.target if kind is not None else None
        link = handle._link(target)
        if entity is None or link is None:
            return None
        found = self._by_key.get(f"{entity}:{link + 1}")
        if found is None and self.bp.entities[entity].model.existing is not None:
            found = self._held(entity, link)
        return found

    def _held(self, entity: str, index: int) -> Handle:
        """A handle of an existing record (read from the service), made when asked."""
        em = self.bp.entities[entity].model
        record = (self._model.records or {})[entity][index]
        store = self.planner.stores[entity]
        links = {
            name: (None if col[index] < 0 else col[index]) for name, col in store.links.items()
        }
        handle = Handle(self, entity, index, dict(record), links, em.identity, frozenset())
        self._by_key[handle.key] = handle
        return handle

    def related_names(self, entity: str) -> list[str]:
        info = self.bp.entities[entity]
        return [n for n, f in info.names.items() if n != f or n in (PARENT, ACTOR)]
