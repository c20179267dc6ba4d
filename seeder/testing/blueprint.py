"""The blueprint: a scenario compiled once for ``given`` (its entity definitions,
providers and references), with the names a test may use for each field.

A test names fields as the command does (``author_id``) or by what they point at
(``author``: the field name without ``_id``, or the referenced entity's name, when
that is unambiguous). A per-parent entity also takes ``parent`` (or the parent
entity's name) and ``actor``. Blueprints are cached per scenario file (path,
size and modification time), so every test of a session shares one.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seeder.commands import Credential
from seeder.errors import GivenError, suggest
from seeder.model import EntityModel, Kind, Model, compile_model
from seeder.model.types import KEY
from seeder.providers import Fake
from seeder.providers.references import From, Ref
from seeder.run.bindings import Bindings
from seeder.scenario import Scenario
from seeder.testing.fakers import PooledFake

__all__ = ["ACTOR", "PARENT", "Blueprint", "EntityInfo", "blueprint"]

PARENT = "parent"
ACTOR = "actor"


@dataclass
class EntityInfo:
    """What ``given`` needs to know about one entity."""

    name: str
    model: EntityModel
    names: dict[str, str] = field(default_factory=dict)  # name a test may use → field
    refs: dict[str, str] = field(default_factory=dict)  # reference field → target entity
    parent_copies: dict[str, str] = field(default_factory=dict)  # field → parent attr
    credential: Credential | None = None

    def fields_hint(self) -> str:
        shown = []
        for name in self.model.providers:
            if name in self.model.var_names:
                continue
            aliases = [a for a, f in self.names.items() if f == name and a != name]
            shown.append(f"{name} (or {'/'.join(aliases)})" if aliases else name)
        if self.model.parent is not None:
            shown.append(f"parent (or {self.model.parent})")
        return ", ".join(shown)


class Blueprint:
    """A compiled scenario, ready for per-test planners."""

    def __init__(self, model: Model, source: str) -> None:
        self.model = model
        self.source = source
        self.bindings = Bindings.of_model(model)
        self.entities = {name: _entity_info(em) for name, em in model.entities.items()}
        # a planner compiled every entity without a problem: later ones compile
        # each entity when a test first plans it
        self.compiled = False
        # the records of existing entities, read once per target (and headers)
        self._records: dict[tuple[str | None, tuple[tuple[str, str], ...]], Model] = {}
        self._records_lock = threading.Lock()

    def with_records(self, target: object, headers: Mapping[str, str] | None) -> Model:
        """The model with its existing entities' records read (``get:`` from
        ``target`` when it is a URL; ``sql:`` from its database), once per target:
        every test of a session picks among the same records."""
        if not any(em.existing is not None for em in self.model.entities.values()):
            return self.model
        from seeder.ports.existing import read_records

        url = target if isinstance(target, str) else None
        key = (url, tuple(sorted((headers or {}).items())))
        with self._records_lock:
            found = self._records.get(key)
            if found is None:
                found = self._records[key] = read_records(self.model, url, headers)
        return found

    def entity(self, name: Any, call: str) -> EntityInfo:
        info = self.entities.get(name) if isinstance(name, str) else None
        if info is None:
            hint = suggest(str(name), self.entities) or "its entities are: " + ", ".join(
                self.entities
            )
            raise GivenError(f"{call}: {self.source} has no entity {name!r}; {hint}")
        return info


def _entity_info(em: EntityModel) -> EntityInfo:
    info = EntityInfo(em.name, em)
    info.credential = em.http.credential if em.http else None
    names = info.names
    for name in em.providers:
        if name not in em.var_names:
            names[name] = name
    names[ACTOR] = ACTOR
    if em.parent is not None:
        names[PARENT] = PARENT
    candidates: dict[str, list[str]] = {}
    for name, provider in em.providers.items():
        kind: Kind | None = em.kinds.get(name)
        if name in em.var_names or kind is None or kind.target is None:
            continue
        if isinstance(provider, From) and provider.path == PARENT:
            names[name] = PARENT  # the parent's identity: pinning it pins the parent
        elif isinstance(provider, From) and provider.path.startswith(PARENT + "."):
            info.parent_copies[name] = provider.path[len(PARENT) + 1 :]
        if isinstance(provider, Ref):
            info.refs[name] = kind.target
        short = name[:-3] if name.endswith("_id") and len(name) > 3 else None
        for alias in {short, kind.target} - {None, name}:
            assert alias is not None
            candidates.setdefault(alias, []).append(name)
    for name, provider in em.providers.items():  # copies of a parent attribute
        if isinstance(provider, From) and name not in info.parent_copies:
            hops = provider.hops()
            if len(hops) == 2 and hops[0] == PARENT:
                info.parent_copies[name] = hops[1]
    if em.parent is not None:
        candidates.setdefault(em.parent, []).append(PARENT)
    for alias, targets in candidates.items():
        routes = {names.get(t, t) for t in targets}
        if alias not in names and alias != KEY and len(routes) == 1:
            names[alias] = routes.pop()
    return info


def _pooled(scenario: Scenario) -> Scenario:
    """The scenario with every ``Fake`` borrowing pooled generators."""

    def swap(providers: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: PooledFake.of(p, scenario.locale, scenario.faker_weighting)
            if type(p) is Fake
            else p
            for name, p in providers.items()
        }

    entities = {
        name: dataclasses.replace(e, fields=swap(e.fields), vars=swap(e.vars))
        for name, e in scenario.entities.items()
    }
    return dataclasses.replace(scenario, entities=entities)


_cache: dict[tuple[int, int, int, int], Blueprint] = {}
_cache_lock = threading.Lock()


def blueprint(scenario: str | Path | Scenario | Blueprint) -> Blueprint:
    """The blueprint of a scenario file (cached) or a :class:`seeder.Scenario`."""
    if isinstance(scenario, Blueprint):
        return scenario
    if isinstance(scenario, Scenario):
        return Blueprint(compile_model(_pooled(scenario)), scenario.source or "the scenario")
    if not isinstance(scenario, str | Path):
        raise GivenError(
            f"given needs a scenario file path or a seeder.Scenario, got "
            f"{type(scenario).__name__}; e.g. Given('scenarios/library.yaml', app)"
        )
    from seeder.scenario.load import load_scenario

    path = Path(scenario)
    try:
        stat = path.stat()
    except OSError as exc:
        raise GivenError(
            f"scenario file not found: {path} ({exc.strerror}); check the path (relative "
            f"paths are relative to {Path.cwd()})"
        ) from exc
    # the file itself (not its path: no realpath per test), as it is now
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    loaded, locate = load_scenario(path)  # a ScenarioError lists every problem, located
    made_model = compile_model(_pooled(loaded), locate=locate)
    made = Blueprint(made_model, str(scenario))
    with _cache_lock:
        _cache[key] = made
    return made
