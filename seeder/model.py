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
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from seeder.commands import Command, HttpBinding
from seeder.errors import Problem, ScenarioError
from seeder.providers import (
    Number,
    Provider,
)
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


class Problems:
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


def with_hint(message: str, hint: str) -> str:
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


def canonical(obj: Any) -> Any:
    """A description of a scenario that does not depend on how it was written
    (YAML or Python, key order): the basis of its fingerprint."""
    if isinstance(obj, type):
        return obj.__name__
    if is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__name__] + [
            [f.name, canonical(getattr(obj, f.name))]
            for f in fields(obj)
            if f.name not in ("base_dir", "source", "commands", "target", "allowed_targets")
        ]
    if isinstance(obj, Mapping):
        return sorted(([str(k), canonical(v)] for k, v in obj.items()), key=lambda kv: kv[0])
    if isinstance(obj, list | tuple):
        return [canonical(v) for v in obj]
    if isinstance(obj, dt.date):  # YAML reads 2026-01-31 as a date, Python users write str
        return repr(obj.isoformat())
    return repr(obj)


def compile_model(scenario: Scenario, *, scale: float = 1.0, locate: Locate | None = None) -> Model:
    """Checks and analyses ``scenario``; raises ScenarioError listing every problem."""
    from seeder.constraints import check_references, check_unique, check_unique_space
    from seeder.definitions import entity_model, link_parents, resolve_commands
    from seeder.kinds import field_kinds
    from seeder.ordering import entity_order, evaluation_order, expected_counts

    problems = Problems(scenario.source, locate)
    if not isinstance(scenario.seed, int) or isinstance(scenario.seed, bool):
        problems.add(("seed",), f"seed must be a whole number, got {scenario.seed!r}")
    if not scale > 0:
        problems.add(("scale",), f"--scale must be > 0, got {scale}")
    commands = resolve_commands(scenario, problems)
    if problems.items:
        raise ScenarioError(problems.items)
    if not scenario.entities:
        problems.add(("entities",), "the scenario has no entities; add at least one")

    models: dict[str, EntityModel] = {}
    for name, entity in scenario.entities.items():
        em = entity_model(name, entity, commands, scenario, problems)
        if em is not None:
            models[name] = em
    if problems.items:
        raise ScenarioError(problems.items)

    link_parents(models, problems, scale)
    for em in models.values():
        field_kinds(em, models, problems)
    for em in models.values():
        check_references(em, models, problems)
        evaluation_order(em, problems)
        check_unique(em, models, problems)
    order = entity_order(models, problems)
    if problems.items:
        raise ScenarioError(problems.items)
    expected_counts(models, order)
    check_unique_space(models, problems)
    if problems.items:
        raise ScenarioError(problems.items)

    roots = [n for n in order if models[n].parent is None and models[n].count]
    digest = hashlib.blake2b(
        repr([canonical(scenario), repr(scale)]).encode(), digest_size=6
    ).hexdigest()
    return Model(scenario, models, order, roots, scale, digest, locate)
