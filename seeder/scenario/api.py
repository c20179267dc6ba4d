"""The scenario: what data to make. The Python API; YAML builds these same objects.

A scenario is a seed, a commands module and entities. An entity names its command,
its field providers, and how many: ``count`` (a root), ``per`` a parent with a count
or a count distribution (one-to-many), or neither (created on demand by references).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from seeder.commands import Command
from seeder.providers import Number, Ref
from seeder.scenario.serving import ServeSpec

__all__ = ["Entity", "Scenario"]


@dataclass(frozen=True)
class Entity:
    """One node of the scenario.

    ``fields`` maps command fields to providers (a plain value is a constant);
    ``vars`` are values drawn like fields but not sent (a meter's consumption
    factor), usable by templates, copies and counters. ``actor`` sends the command
    on behalf of a referenced entity (``"parent"`` for the parent). ``unique`` lists
    combinations of fields that never repeat. ``identity`` is the attribute that
    references take by default (default: the binding's identity, else ``id``).
    ``ordered``: each instance waits for the previous one of the same parent, because
    the service accepts them only in order (readings of a meter); by default true when
    a field is a ``series`` or a ``counter``.
    """

    command: str | type[Command]
    fields: Mapping[str, Any] = field(default_factory=dict)
    count: int | Number | None = None
    per: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)
    actor: Ref | Literal["parent"] | None = None
    unique: Sequence[Sequence[str]] = ()
    identity: str | None = None
    ordered: bool | None = None


@dataclass(frozen=True)
class Scenario:
    """Seed, commands and entities. ``commands`` is a module, or a path to a
    Python file relative to ``base_dir`` (the scenario file's folder) whose command
    classes entities name by string. ``faker_weighting`` turns on Faker's
    population-frequency weighting (realistic name frequencies, about 10x slower).
    ``target`` is where ``seeder run`` sends by default (a URL, or ``demo``).
    ``allowed_targets``: URL patterns (``*`` wildcards) that ``seeder run`` may send
    to; without them, only loopback and the embedded demo (README "Target guard").
    ``serve``: how ``seeder serve`` shows the data (:mod:`seeder.scenario.serving`)."""

    entities: Mapping[str, Entity]
    seed: int = 0
    commands: str | ModuleType | None = None
    locale: str = "en_US"
    faker_weighting: bool = False
    target: str | None = None
    allowed_targets: Sequence[str] | None = None
    serve: ServeSpec | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    source: str | None = None
