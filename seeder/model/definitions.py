"""Analysis, step 1: each entity's definition — its command class, fields checked
against the command's real fields, vars, identity, parent and counts."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from seeder.commands import Command, binding_of
from seeder.errors import closest, suggest, with_hint
from seeder.model.types import KEY, PSEUDO, EntityModel
from seeder.providers import (
    Const,
    Counter,
    Number,
    Provider,
    Range,
    Series,
)
from seeder.scenario import Entity, Scenario
from seeder.scenario.modules import load_module_file
from seeder.scenario.problems import Path_, Problems


def _commands_of(module: ModuleType) -> dict[str, type[Command]]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, Command) and obj is not Command
    }


def resolve_commands(scenario: Scenario, problems: Problems) -> dict[str, type[Command]]:
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
    except (Exception, SystemExit) as exc:  # the user's module failed to import: no traceback
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


def scaled(count: int, scale: float) -> int:
    if count <= 0:
        return 0
    return max(1, math.floor(count * scale + 0.5))


def entity_model(
    name: str,
    entity: Entity,
    commands: dict[str, type[Command]],
    scenario: Scenario,
    problems: Problems,
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
                (*base, "command"), with_hint(f"unknown command {command!r} {where}", hint)
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
            close = closest(fname, model_fields)
            hint = (
                f"did you mean {close!r}?"
                if close
                else f"its fields are: {', '.join(model_fields)}"
            )
            if close is not None:
                misspelt.add(close)
            problems.add(
                (*base, "fields", fname),
                with_hint(f"{command.__name__} has no field {fname!r}", hint),
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


def link_parents(models: dict[str, EntityModel], problems: Problems, scale: float) -> None:
    for em in models.values():
        spec = em.spec
        base: Path_ = ("entities", em.name)
        count = spec.count
        if spec.per is not None:
            if spec.per not in models:
                problems.add(
                    (*base, "per"),
                    with_hint(f"per: {spec.per!r} is not an entity", suggest(spec.per, models)),
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
                em.count = scaled(count, scale)
