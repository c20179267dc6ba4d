"""The scenario: what data to make. The Python API; YAML builds these same objects.

A scenario is a seed, a commands module and entities. An entity names its command,
its field providers, and how many: ``count`` (a root), ``per`` a parent with a count
or a count distribution (one-to-many), or neither (created on demand by references);
or ``existing``: records the service already holds, read once before planning, which
references pick among.
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

__all__ = ["Entity", "Existing", "Scenario"]


PAGING = ("offset", "page", "next", "none")


@dataclass(frozen=True)
class Existing:
    """Records a service already holds (real users, a catalogue), read once before
    planning: references pick among them with the same ``skew``/``weights``/``where``
    as among any pool, and nothing is created for them.

    Read from ``get``, a list endpoint on the target (``/tenants``), page after page;
    or from ``sql``, a query on the PostgreSQL database ``dsn`` (``$NAME`` reads the
    environment variable NAME; the DSN is never shown) whose columns are the fields.

    ``items``: where a page's records are (an answer path; default: the answer if it
    is a list, else its ``items``, ``data`` or ``results``). ``fields``: what is kept
    of each record, ``name: answer path in the record`` (a list of names keeps those
    top-level values; default: every top-level value that is not an object or a
    list). ``paging``: ``offset`` (``offset``/``limit`` parameters), ``page``
    (``page``/``size``, the first page ``first_page``), ``next`` (the answer path
    ``next`` holds the next page's URL, or nothing at the end) or ``none``;
    ``params`` renames the parameters (``{page: navigationPage, size:
    navigationPageSize}``). ``limit``: at most that many records are read. Records
    are ordered by ``identity`` so that a plan is the same for the same records.

    ``refs``: kept fields that hold the identity of another existing entity's
    record (``{tenant_id: tenant}``): they are references, so ``where:`` can ask
    for "an existing author of this tenant" and ``from:`` can follow them; every
    value must be among the records read of that entity (or null)."""

    get: str | None = None
    sql: str | None = None
    dsn: str | None = None
    items: str | None = None
    fields: Mapping[str, str] | Sequence[str] = ()
    paging: str = "offset"
    params: Mapping[str, str] = field(default_factory=dict)
    page_size: int = 500
    first_page: int = 0
    next: str | None = None
    limit: int | None = None
    refs: Mapping[str, str] = field(default_factory=dict)

    def kept(self) -> dict[str, str] | None:
        """Field name → answer path in a record; None: the record's scalar values."""
        if isinstance(self.fields, Mapping):
            return dict(self.fields) or None
        return {name: name for name in self.fields} or None


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
    a field is a ``series`` or a ``counter``. ``existing``: the entity is not created
    but read from the service (:class:`Existing`); it then has no command.
    """

    command: str | type[Command] | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    count: int | Number | None = None
    per: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)
    actor: Ref | Literal["parent"] | None = None
    unique: Sequence[Sequence[str]] = ()
    identity: str | None = None
    ordered: bool | None = None
    existing: Existing | None = None


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
