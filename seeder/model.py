"""The model: a scenario checked and analysed, ready to plan.

Compiling a scenario resolves command classes, checks every name against the real
command fields (suggesting the closest), works out what kind of value each field
holds (a literal, or a reference to another entity), the order fields are drawn in,
the order entities are planned in, the specification indexes references need, and
the expected counts. Every problem is collected with its location before anything
is planned or sent.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import importlib.util
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from seeder.commands import Command, HttpBinding, binding_of
from seeder.errors import Problem, ScenarioError
from seeder.providers import (
    Const,
    Counter,
    LogNormal,
    Normal,
    Number,
    Poisson,
    Provider,
    PythonFunction,
    Range,
    Series,
    Template,
)
from seeder.references import Condition, From, Ref
from seeder.scenario import Entity, Scenario

__all__ = ["EntityModel", "Kind", "Model", "SpecIndex", "compile_model"]

Path_ = tuple[str | int, ...]
Locate = Callable[[Path_], tuple[int | None, int | None]]

PSEUDO = ("parent", "actor")
KEY = "key"


@dataclass(frozen=True)
class Kind:
    """What a value is. ``target`` None: a literal. Otherwise a reference to an
    instance of ``target`` (the row keeps its index as a link); the value is that
    instance's ``attr`` — a placeholder the executor fills if ``captured`` (a value
    only the service knows), else a literal copied from the instance."""

    target: str | None = None
    attr: str | None = None
    captured: bool = False

    @property
    def is_ref(self) -> bool:
        return self.target is not None

    def describe(self) -> str:
        return "a literal value" if self.target is None else f"a reference to {self.target}"


LITERAL = Kind()


@dataclass
class SpecIndex:
    """An index of one entity's instances by the values of ``fields`` (equality
    and ``$in`` clauses of ``where`` specifications): picks stay O(1)."""

    fields: tuple[str, ...]
    links: tuple[bool, ...]  # per field: key on the link (reference) or the value


@dataclass
class EntityModel:
    name: str
    spec: Entity
    command: type[Command]
    http: HttpBinding | None
    providers: dict[str, Provider]  # fields and vars, in declaration order
    var_names: frozenset[str]
    body_fields: list[str] = field(default_factory=list)  # literal fields sent, model order
    ref_fields: list[str] = field(default_factory=list)  # captured refs: placeholders
    kinds: dict[str, Kind] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # evaluation order (incl. actor)
    identity: str = "id"
    identity_captured: bool = True
    captures: frozenset[str] = frozenset()
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    count: int | None = None  # roots, after scale
    count_provider: Number | None = None  # per-parent count distribution
    stored: set[str] = field(default_factory=set)  # columns kept per instance
    specs: list[SpecIndex] = field(default_factory=list)
    unique: list[tuple[str, ...]] = field(default_factory=list)
    ordered: bool = False  # each instance depends on the previous one of its parent
    expected: float = 0.0


@dataclass
class Model:
    scenario: Scenario
    entities: dict[str, EntityModel]
    order: list[str]  # entities, dependencies first
    roots: list[str]
    scale: float
    fingerprint: str
    locate: Locate | None = None

    def expected_total(self) -> float:
        return sum(e.expected for e in self.entities.values())


class _Problems:
    def __init__(self, source: str | None, locate: Locate | None) -> None:
        self.source = source
        self.locate = locate
        self.items: list[Problem] = []

    def add(self, path: Path_, message: str) -> None:
        line = col = None
        if self.locate is not None:
            line, col = self.locate(path)
        self.items.append(Problem(message, self.source, line, col))


def suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def _with_hint(message: str, hint: str) -> str:
    return f"{message}; {hint}" if hint else message


def load_module_file(path: Path, purpose: str) -> ModuleType:
    """Imports a Python file by path under a name derived from its location."""
    digest = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    name = f"_seeder_{purpose}_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _commands_of(module: ModuleType) -> dict[str, type[Command]]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, Command) and obj is not Command
    }


def _resolve_commands(scenario: Scenario, problems: _Problems) -> dict[str, type[Command]]:
    spec = scenario.commands
    if spec is None:
        return {}
    if isinstance(spec, ModuleType):
        return _commands_of(spec)
    path = (scenario.base_dir / spec).resolve()
    if not path.is_file():
        problems.add(
            ("commands",),
            f"commands file {spec!r} not found (looked at {path}); give a path relative "
            "to the scenario file",
        )
        return {}
    try:
        module = load_module_file(path, "commands")
    except Exception as exc:  # the user's module failed to import: say why, no traceback
        problems.add(
            ("commands",),
            f"cannot import commands file {spec!r}: {type(exc).__name__}: {exc}; fix that file",
        )
        return {}
    found = _commands_of(module)
    if not found:
        problems.add(("commands",), f"{spec!r} defines no seeder.Command subclasses")
    return found


def _as_provider(value: Any) -> Provider:
    return value if isinstance(value, Provider) else Const(value)


def _number_mean(p: Number) -> float:
    if isinstance(p, Range):
        return (p.low + p.high) / 2
    if isinstance(p, Normal):
        return float(p.mean)
    if isinstance(p, LogNormal):
        return math.exp(p.mu + p.sigma**2 / 2)
    if isinstance(p, Poisson):
        return float(p.lam)
    return 1.0


def canonical(obj: Any) -> Any:
    """A description of a scenario that does not depend on how it was written
    (YAML or Python, key order): the basis of its fingerprint."""
    if isinstance(obj, type):
        return obj.__name__
    if is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__name__] + [
            [f.name, canonical(getattr(obj, f.name))]
            for f in fields(obj)
            if f.name not in ("base_dir", "source", "commands", "target")
        ]
    if isinstance(obj, Mapping):
        return sorted(([str(k), canonical(v)] for k, v in obj.items()), key=lambda kv: kv[0])
    if isinstance(obj, list | tuple):
        return [canonical(v) for v in obj]
    if isinstance(obj, dt.date):  # YAML reads 2026-01-31 as a date, Python users write str
        return repr(obj.isoformat())
    return repr(obj)


def _scaled(count: int, scale: float) -> int:
    if count <= 0:
        return 0
    return max(1, math.floor(count * scale + 0.5))


def compile_model(scenario: Scenario, *, scale: float = 1.0, locate: Locate | None = None) -> Model:
    """Checks and analyses ``scenario``; raises ScenarioError listing every problem."""
    problems = _Problems(scenario.source, locate)
    if not isinstance(scenario.seed, int) or isinstance(scenario.seed, bool):
        problems.add(("seed",), f"seed must be a whole number, got {scenario.seed!r}")
    if not scale > 0:
        problems.add(("scale",), f"--scale must be > 0, got {scale}")
    commands = _resolve_commands(scenario, problems)
    if problems.items:
        raise ScenarioError(problems.items)
    if not scenario.entities:
        problems.add(("entities",), "the scenario has no entities; add at least one")

    models: dict[str, EntityModel] = {}
    for name, entity in scenario.entities.items():
        em = _entity_model(name, entity, commands, scenario, problems)
        if em is not None:
            models[name] = em
    if problems.items:
        raise ScenarioError(problems.items)

    _link_parents(models, problems, scale)
    for em in models.values():
        _field_kinds(em, models, problems)
    for em in models.values():
        _check_references(em, models, problems)
        _evaluation_order(em, problems)
        _check_unique(em, models, problems)
    order = _entity_order(models, problems)
    if problems.items:
        raise ScenarioError(problems.items)
    _expected_counts(models, order)
    _check_unique_space(models, problems)
    if problems.items:
        raise ScenarioError(problems.items)

    roots = [n for n in order if models[n].parent is None and models[n].count]
    digest = hashlib.blake2b(
        repr([canonical(scenario), repr(scale)]).encode(), digest_size=6
    ).hexdigest()
    return Model(scenario, models, order, roots, scale, digest, locate)


def _entity_model(
    name: str,
    entity: Entity,
    commands: dict[str, type[Command]],
    scenario: Scenario,
    problems: _Problems,
) -> EntityModel | None:
    base: Path_ = ("entities", name)
    if not name.isidentifier():
        problems.add(base, f"entity name {name!r} must be an identifier (letters, digits, _)")
        return None
    if name in (*PSEUDO, KEY):
        problems.add(base, f"{name!r} is a reserved word; name the entity differently")
        return None
    command = entity.command
    if isinstance(command, str):
        if command not in commands:
            where = f"in {scenario.commands!r}" if scenario.commands else "(no commands: given)"
            hint = suggest(command, commands) or (
                "add 'commands: path/to/commands.py' to the scenario"
                if not scenario.commands
                else f"known: {', '.join(sorted(commands)) or 'none'}"
            )
            problems.add(
                (*base, "command"), _with_hint(f"unknown command {command!r} {where}", hint)
            )
            return None
        command = commands[command]
    elif not (isinstance(command, type) and issubclass(command, Command)):
        problems.add(
            (*base, "command"),
            f"command must be a seeder.Command subclass or its name, got {command!r}",
        )
        return None

    model_fields = command.model_fields
    providers: dict[str, Provider] = {}
    ok = True
    misspelt: set[str] = set()
    for fname, value in entity.fields.items():
        if fname not in model_fields:
            hint = suggest(fname, model_fields) or f"its fields are: {', '.join(model_fields)}"
            close = difflib.get_close_matches(fname, list(model_fields), n=1, cutoff=0.6)
            misspelt.update(close)
            problems.add(
                (*base, "fields", fname),
                _with_hint(f"{command.__name__} has no field {fname!r}", hint),
            )
            ok = False
            continue
        providers[fname] = _as_provider(value)
    for fname, info in model_fields.items():
        if info.is_required() and fname not in entity.fields and fname not in misspelt:
            problems.add(
                (*base, "fields"),
                f"{command.__name__} requires field {fname!r} but entity {name!r} gives it no "
                f"provider; add one under fields:",
            )
            ok = False
    for vname, value in entity.vars.items():
        if vname in model_fields or vname in (*PSEUDO, KEY):
            problems.add(
                (*base, "vars", vname), f"var {vname!r} clashes with a field name; rename the var"
            )
            ok = False
            continue
        if not vname.isidentifier():
            problems.add((*base, "vars", vname), f"var name {vname!r} must be an identifier")
            ok = False
            continue
        providers[vname] = _as_provider(value)
    if not ok:
        return None
    binding = binding_of(command)
    http = binding.http if binding else None
    em = EntityModel(
        name=name,
        spec=entity,
        command=command,
        http=http,
        providers=providers,
        var_names=frozenset(entity.vars),
    )
    if entity.ordered is None:  # a series or counter only makes sense sent in order
        em.ordered = any(isinstance(p, Series | Counter) for p in providers.values())
    else:
        em.ordered = bool(entity.ordered)
    identity = entity.identity or (http.identity if http and http.identity else "id")
    em.identity = identity
    em.identity_captured = identity not in providers
    captures = {identity} if em.identity_captured else set()
    if http is not None:
        captures |= set(http.captures)
    em.captures = frozenset(captures)
    return em


def _link_parents(models: dict[str, EntityModel], problems: _Problems, scale: float) -> None:
    for em in models.values():
        spec = em.spec
        base: Path_ = ("entities", em.name)
        count = spec.count
        if spec.per is not None:
            if spec.per not in models:
                problems.add(
                    (*base, "per"),
                    _with_hint(f"per: {spec.per!r} is not an entity", suggest(spec.per, models)),
                )
                continue
            if spec.per == em.name:
                problems.add((*base, "per"), f"entity {em.name!r} cannot be per itself")
                continue
            em.parent = spec.per
            models[spec.per].children.append(em.name)
            if count is None:
                em.count_provider = Range(1, 1)
            elif isinstance(count, Number):
                if count.lowest() < 0:
                    problems.add(
                        (*base, "count"), "a per-parent count can be negative; bound it with min: 0"
                    )
                em.count_provider = count
            elif isinstance(count, int) and not isinstance(count, bool) and count >= 0:
                em.count_provider = Range(count, count)
            else:
                problems.add(
                    (*base, "count"),
                    f"count must be a whole number >= 0 or a distribution, got {count!r}",
                )
        elif count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                problems.add(
                    (*base, "count"),
                    f"count must be a whole number >= 0, got "
                    f"{count!r}; a distribution is only allowed with per: <parent>",
                )
            else:
                em.count = _scaled(count, scale)


def _kind_of_path(
    em: EntityModel,
    hops: list[str],
    models: dict[str, EntityModel],
    path: Path_,
    problems: _Problems,
    visiting: set[tuple[str, str]],
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
            _with_hint(
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
                _with_hint(
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
    problems: _Problems,
    visiting: set[tuple[str, str]] | None = None,
) -> Kind | None:
    if name in em.kinds:
        return em.kinds[name]
    visiting = visiting if visiting is not None else set()
    if (em.name, name) in visiting:
        problems.add(
            ("entities", em.name, "fields", name),
            f"from: copies form a loop through {em.name}.{name}; break it",
        )
        return None
    visiting.add((em.name, name))
    section = "vars" if name in em.var_names else "fields"
    path: Path_ = ("entities", em.name, section, name)
    kind: Kind | None = LITERAL
    if name == "actor":
        actor = em.spec.actor
        path = ("entities", em.name, "actor")
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
    em: EntityModel, ref: Ref, models: dict[str, EntityModel], path: Path_, problems: _Problems
) -> Kind | None:
    if ref.entity not in models:
        problems.add(
            path, _with_hint(f"ref: {ref.entity!r} is not an entity", suggest(ref.entity, models))
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
            _with_hint(
                f"field: {attr!r} is neither a field of "
                f"{target.name!r} nor a value its binding captures",
                suggest(attr, names),
            ),
        )
        return None
    return Kind(target.name, attr, captured=True)


def _field_kinds(em: EntityModel, models: dict[str, EntityModel], problems: _Problems) -> None:
    for name in em.providers:
        _field_kind(em, name, models, problems)
    if em.spec.actor is not None:
        _field_kind(em, "actor", models, problems)
    if em.parent is not None:
        parent = models[em.parent]
        em.kinds["parent"] = Kind(parent.name, parent.identity, parent.identity_captured)


def _row_kind(em: EntityModel, name: str) -> Kind | None:
    if name == KEY:
        return Kind(em.name, em.identity, em.identity_captured)
    return em.kinds.get(name)


def _check_references(em: EntityModel, models: dict[str, EntityModel], problems: _Problems) -> None:
    refs: list[tuple[Path_, Ref]] = [
        (("entities", em.name, "vars" if n in em.var_names else "fields", n), p)
        for n, p in em.providers.items()
        if isinstance(p, Ref)
    ]
    if isinstance(em.spec.actor, Ref):
        refs.append((("entities", em.name, "actor"), em.spec.actor))
    for path, ref in refs:
        if ref.entity not in models:
            continue
        target = models[ref.entity]
        eq_fields: list[str] = []
        for cond in ref.conditions():
            cpath = (*path, "where", cond.target_field)
            tname = cond.target_field
            if tname in (KEY, target.identity) and target.identity_captured:
                tkind: Kind | None = Kind(target.name, target.identity, True)
            elif tname in target.providers:
                tkind = target.kinds.get(tname)
            else:
                names = [*target.providers, KEY]
                problems.add(
                    cpath,
                    _with_hint(
                        f"where: {target.name!r} has no field {tname!r}", suggest(tname, names)
                    ),
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
    problems: _Problems,
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
    okind = _row_kind(em, operand.field)
    if okind is None and operand.field not in em.providers and operand.field not in PSEUDO:
        names = [*em.providers, *PSEUDO]
        problems.add(
            path,
            _with_hint(
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
    deps.discard("parent")
    return deps


def _evaluation_order(em: EntityModel, problems: _Problems) -> None:
    names = list(em.providers) + (["actor"] if em.spec.actor is not None else [])
    known = set(names) | {"parent"}
    deps: dict[str, set[str]] = {}
    for name in names:
        section = "actor" if name == "actor" else ("vars" if name in em.var_names else "fields")
        path: Path_ = (
            ("entities", em.name, section)
            if name == "actor"
            else ("entities", em.name, section, name)
        )
        d = _dependencies(em, name)
        provider = em.providers.get(name)
        for dep in sorted(d):
            if dep not in known and not isinstance(provider, Ref) and name != "actor":
                what = (
                    "seed_by"
                    if provider is not None and provider.seed_by == dep
                    else ("template" if isinstance(provider, Template) else "it")
                )
                problems.add(
                    path,
                    _with_hint(
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
        if isinstance(provider, PythonFunction):  # may read any field declared before it
            d |= set(names[: names.index(name)])
        deps[name] = {x for x in d if x in known and x != "parent"}
    order: list[str] = []
    done: set[str] = set()
    pending = list(names)
    while pending:
        ready = [n for n in pending if deps[n] <= done]
        if not ready:
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


def _check_unique(em: EntityModel, models: dict[str, EntityModel], problems: _Problems) -> None:
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
                    _with_hint(
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


def _entity_order(models: dict[str, EntityModel], problems: _Problems) -> list[str]:
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


def _expected_counts(models: dict[str, EntityModel], order: list[str]) -> None:
    refs: dict[str, list[tuple[str, float | None]]] = {n: [] for n in models}
    for em in models.values():
        for provider in em.providers.values():
            if isinstance(provider, Ref) and provider.entity in models:
                refs[provider.entity].append((em.name, provider.mean))
        if isinstance(em.spec.actor, Ref) and em.spec.actor.entity in models:
            refs[em.spec.actor.entity].append((em.name, em.spec.actor.mean))
    for _ in range(2 * len(models) + 2):
        for name in order:
            em = models[name]
            if em.parent is not None:
                assert em.count_provider is not None
                total = models[em.parent].expected * _number_mean(em.count_provider)
            else:
                total = float(em.count or 0)
            made = 0.0
            for referrer, mean in refs[name]:
                demand = models[referrer].expected
                made += demand / mean if mean else (1.0 if demand and not total else 0.0)
            em.expected = total + made


def _check_unique_space(models: dict[str, EntityModel], problems: _Problems) -> None:
    for em in models.values():
        if not em.expected:
            continue
        for name, provider in em.providers.items():
            if provider.unique and provider.value_space() < em.expected:
                section = "vars" if name in em.var_names else "fields"
                problems.add(
                    ("entities", em.name, section, name),
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
                    fixed = not _grows(em, f)
                    space *= target.expected if fixed else math.inf
                else:
                    space *= em.providers[f].value_space() if f in em.providers else math.inf
            if space < em.expected:
                problems.add(
                    ("entities", em.name, "unique", i),
                    f"unique {list(combo)} allows at most {space:.0f} combinations but "
                    f"about {em.expected:.0f} {em.name} are planned; lower the count "
                    "or widen a field",
                )


def _grows(em: EntityModel, name: str) -> bool:
    provider = em.spec.actor if name == "actor" else em.providers.get(name)
    return isinstance(provider, Ref) and provider.mean is not None
