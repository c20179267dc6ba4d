"""The checked model's types: what compiling a scenario produces.

An :class:`EntityModel` per entity (its command, providers, the kind of every
field, evaluation order, identity, parent and children, indexes, expected count)
and the :class:`Model` of the whole scenario (entity order, roots, fingerprint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seeder.commands import Command, HttpBinding
from seeder.providers import Number, Provider
from seeder.scenario import Entity, Existing, Scenario
from seeder.scenario.problems import Locate, Path_

__all__ = ["KEY", "LITERAL", "PSEUDO", "EntityModel", "Kind", "Model", "SpecIndex"]

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
    """One entity, checked: its command, providers and the kind of every field,
    evaluation order, identity, parent and children, indexes, expected count."""

    name: str
    spec: Entity
    command: type[Command]
    http: HttpBinding | None
    providers: dict[str, Provider]  # fields and vars, in declaration order
    var_names: frozenset[str]
    whole: frozenset[str] = frozenset()  # seq fields the command types int: sent as ints
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
    # reference field (or actor) → the size of the final pool it draws its uses over
    # (its expected uses / mean): references with mean that do not grow as used
    pools: dict[str, int] = field(default_factory=dict)
    existing: Existing | None = None  # read from the service, never created
    held: int = 0  # existing: how many records were read

    def path(self, name: str) -> Path_:
        """Where ``name`` (a field, a var, or ``actor``) is written in the scenario."""
        if name == "actor":
            return ("entities", self.name, "actor")
        return ("entities", self.name, "vars" if name in self.var_names else "fields", name)


@dataclass
class Model:
    """The checked scenario: its entities in dependency order, roots, scale and
    fingerprint (and the records read for existing entities, once read)."""

    scenario: Scenario
    entities: dict[str, EntityModel]
    order: list[str]  # entities, dependencies first
    roots: list[str]
    scale: float
    fingerprint: str
    locate: Locate | None = None
    # the records read for existing entities (identity order), once read
    records: dict[str, list[dict[str, Any]]] | None = None

    def created(self) -> list[EntityModel]:
        """The entities the plan creates (all but the existing ones), in order."""
        return [self.entities[n] for n in self.order if self.entities[n].existing is None]

    def expected_total(self) -> float:
        """The commands the plan is expected to hold (existing records are none)."""
        return sum(e.expected for e in self.created())
