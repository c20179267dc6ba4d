"""Analysis, step 1: each entity's definition — its command class, fields checked
against the command's real fields, vars, identity, parent and counts."""

from __future__ import annotations

import math
import re
import types
import typing
from types import ModuleType
from typing import Any

import pydantic

from seeder.commands import Command, HttpBinding, binding_of
from seeder.errors import BindingError, InvalidProvider, closest, elide, suggest, with_hint
from seeder.model.types import KEY, PSEUDO, EntityModel
from seeder.providers import (
    Const,
    Counter,
    Number,
    Provider,
    Range,
    Seq,
    Series,
)
from seeder.providers.args import check_args, kind_name
from seeder.scenario import Entity, Scenario
from seeder.scenario.existing import existing_problems
from seeder.scenario.modules import load_module_file, module_location, shown_path
from seeder.scenario.problems import Path_, Problems
from seeder.shapes import REST


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
    try:
        path = (scenario.base_dir / spec).resolve()
        found_file = path.is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a loop of links
        why = exc.strerror if isinstance(exc, OSError) else exc
        problems.add(
            ("commands",),
            f"commands file {_shown(spec)} cannot be looked up ({why}); "
            "give the path of a Python file, relative to the scenario file",
        )
        return {}
    if not found_file:
        problems.add(
            ("commands",),
            f"commands file {spec!r} not found (looked at {path}); give a path relative "
            "to the scenario file",
        )
        return {}
    try:
        module = load_module_file(path, "commands")
    except (Exception, SystemExit) as exc:  # the user's module failed to import: no traceback
        where = module_location(exc, path)
        if isinstance(exc, BindingError):
            message = f"{exc}; fix this binding"
        else:
            message = (
                f"cannot import commands file {spec!r}: {type(exc).__name__}: {exc}; fix that file"
            )
        if where is None:
            problems.add(("commands",), message)
        else:  # said where the mistake is, in the commands module
            problems.add_in(shown_path(where[0]), where[1], where[2], message)
        return {}
    found = _commands_of(module)
    if not found:
        problems.add(("commands",), f"{spec!r} defines no seeder.Command subclasses")
    return found


def _shown(spec: object) -> str:
    text = repr(spec)
    return text if len(text) <= 80 else f"{elide(text)} ({len(str(spec))} characters)"


def _checked(value: Any, path: Path_, problems: Problems) -> Provider | None:
    """``value`` as a provider (a plain value is a constant) whose every argument
    fits its declaration (a Python scenario is checked here; YAML when it is built)."""
    provider = value if isinstance(value, Provider) else Const(value)
    try:
        check_args(provider)
    except InvalidProvider as exc:
        kind = kind_name(type(provider).__name__)
        problems.add((*path, *(kind if part == "$kind" else part for part in exc.at)), str(exc))
        return None
    return provider


# More items than one process plans in months (a trillion at ~100,000/s): a count
# past it is a slip of the keyboard, refused at its line rather than planned forever.
MAX_COUNT = 10**12


def scaled(count: int, scale: float) -> int:
    if count <= 0:
        return 0
    return max(1, math.floor(min(count * scale, MAX_COUNT + 1) + 0.5))


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
    if entity.existing is not None:
        return _existing_model(name, entity, problems)
    command = entity.command
    if command is None:
        problems.add(
            (*base, "command"),
            f"entity {name!r} has no command; name the command class it sends "
            "(or read it from the service with existing:)",
        )
        return None
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
        provider = _checked(value, (*base, "fields", fname), problems)
        if provider is None:
            ok = False
            continue
        providers[fname] = provider
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
        provider = _checked(value, (*base, "vars", vname), problems)
        if provider is None:
            ok = False
            continue
        providers[vname] = provider
    whole: set[str] = set()
    for fname, provider in providers.items():
        if (
            isinstance(provider, Seq)
            and fname in model_fields
            and _whole_only(model_fields[fname].annotation)
        ):
            problem = _seq_is_whole(provider)
            if problem is None:
                whole.add(fname)
            else:
                problems.add(
                    (*base, "fields", fname, "seq"),
                    f"{name}.{fname}: seq template {provider.template!r} makes {problem}, "
                    f"but {command.__name__}.{fname} is an int; write a template that is "
                    "a whole number, such as '{n}' or '1{n:04d}'",
                )
                ok = False
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
        whole=frozenset(whole),
    )
    if entity.ordered is None:  # a series or counter only makes sense sent in order
        em.ordered = any(isinstance(p, Series | Counter) for p in providers.values())
    else:
        em.ordered = bool(entity.ordered)
    identity = entity.identity or (http.identity if http and http.identity else "id")
    if identity == "Location" and http is not None and http.identity == "Location":
        identity = "id"  # the Location header's last segment is kept as id
    em.identity = identity
    em.identity_captured = identity not in providers
    if http is not None and not _binding_fits(name, entity, command, http, problems):
        return None
    captures = {identity} if em.identity_captured else set()
    if http is not None:
        captures |= set(http.captures)
    em.captures = frozenset(captures)
    return em


def _whole_only(annotation: Any) -> bool:
    """Whether a command field's type takes whole numbers and no strings: ``int``,
    ``int | None``, ``Optional[int]`` (not ``bool``, not ``int | str``)."""
    if annotation is int:
        return True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        return bool(kept) and all(a is int for a in kept)
    return False


def _seq_is_whole(seq: Seq) -> str | None:
    """None when every value of ``seq`` is a whole number written in decimal;
    otherwise an example of what it makes."""
    for n, i in ((1, 1), (10, 1), (123456789, 987654)):
        text = seq.template.format(n=n + seq.start - 1, i=i)
        if not re.fullmatch(r"-?[0-9]+", text):
            return f"strings like {text!r}"
    return None


def _existing_model(name: str, entity: Entity, problems: Problems) -> EntityModel | None:
    """An entity read from the service: its fields are the values kept of each
    record (literals, for ``where`` and ``from``); it has no command to send."""
    existing = entity.existing
    assert existing is not None
    base: Path_ = ("entities", name)
    found = existing_problems(existing)
    for at, message in found:
        problems.add((*base, "existing", *at), message)
    creating = {
        "command": entity.command is not None,
        "fields": bool(entity.fields),
        "vars": bool(entity.vars),
        "count": entity.count is not None,
        "per": entity.per is not None,
        "actor": entity.actor is not None,
        "unique": bool(entity.unique),
        "ordered": entity.ordered is not None,
    }
    for key in (k for k, given in creating.items() if given):
        problems.add(
            (*base, key),
            f"entity {name!r} is existing (read from the service, never created): "
            f"{key} has no use there; remove it",
        )
        found.append(((key,), ""))
    if found:
        return None
    identity = entity.identity or "id"
    kept = existing.kept()
    names = [*(kept or {}), *([] if kept and identity in kept else [identity])]
    if kept is not None and identity not in kept and existing.sql is None:
        problems.add(
            (*base, "existing", "fields"),
            f"existing fields keep no {identity!r}, the identity references take; add it "
            "(or name another with identity:)",
        )
        return None
    held: dict[str, Any] = {f: (Any, None) for f in names}
    command = pydantic.create_model(f"Existing_{name}", __base__=Command, **held)  # never sent
    em = EntityModel(
        name=name,
        spec=entity,
        command=command,
        http=None,
        providers={f: Const(None) for f in names},  # read, not drawn
        var_names=frozenset(),
        existing=existing,
    )
    em.identity = identity
    em.identity_captured = False  # a real value, known before planning
    em.stored = set(names)
    return em


def _binding_fits(
    name: str, entity: Entity, command: type[Command], http: HttpBinding, problems: Problems
) -> bool:
    """The binding's path names the command's fields, and an entity's own
    ``identity`` is a value the binding captures (or one of its fields)."""
    problem = _shape_fits(command, http)
    if problem is not None:
        message = f"HttpBinding {problem}; fix this binding"
        if http.defined_at is None:
            problems.add(("entities", name, "command"), message)
        else:
            problems.add_in(shown_path(http.defined_at[0]), http.defined_at[1], None, message)
        return False
    identity = entity.identity
    if identity is None or identity in entity.fields or identity in entity.vars:
        return True
    if http.identity is None and not http.captures:
        return True  # the answer's top-level values are all kept
    captured = {*http.captures, "id" if http.identity == "Location" else http.identity}
    if identity not in captured:
        shown = ", ".join(sorted(c for c in captured if c)) or "nothing"
        problems.add(
            ("entities", name, "identity"),
            f"identity {identity!r} is neither a field of {name!r} nor a value "
            f"{command.__name__}'s binding captures ({shown}); name one of them or add "
            f"{identity!r} to the binding's captures",
        )
        return False
    return True


def _shape_fits(command: type[Command], http: HttpBinding) -> str | None:
    """What in a binding's request shape does not fit its command: a name that is
    not one of its fields, a field sent twice, a field sent nowhere."""
    fields = command.model_fields
    known = f"({', '.join(fields)})"
    of = command.__name__
    missing = [n for n in http.path_fields() if n not in fields]
    if missing:
        return f"path {http.path!r} of {of}: {{{missing[0]}}} is not one of its fields {known}"
    places: dict[str, list[str]] = {}
    for where, names in (
        ("path", http.path_fields()),
        ("query", list(http.query.values())),  # type: ignore[union-attr]
        ("headers", list(http.headers.values())),  # type: ignore[union-attr]
        ("body", [n for n in http.template_fields() if n != REST]),
    ):
        for field_name in names:
            if field_name not in fields:
                hint = suggest(field_name, fields)
                return with_hint(
                    f"{where} of {of} names {field_name!r}, which is not one of its fields {known}",
                    hint,
                )
            places.setdefault(field_name, []).append(where)
    twice = next(((f, w) for f, w in places.items() if len(w) > 1), None)
    if twice is not None:
        return f"{of}.{twice[0]} is sent twice ({' and '.join(twice[1])}); send it in one place"
    wrong = next((f for f in http.wire if f not in fields), None)
    if wrong is not None:
        return with_hint(
            f"wire of {of} renames {wrong!r}, which is not one of its fields",
            suggest(wrong, fields),
        )
    if http.template is not None and REST not in http.template_fields():
        nowhere = [f for f in fields if f not in places]
        if nowhere:
            return (
                f"body template of {of} places neither {nowhere[0]!r} nor '$...' (the "
                f"fields sent nowhere else); put '${nowhere[0]}' or '$...' in it"
            )
    return None


def link_parents(models: dict[str, EntityModel], problems: Problems, scale: float) -> bool:
    """Links each ``per:`` entity to its parent and its counts; False when the
    parents form a cycle (said once, at the first entity of the cycle: all that
    follows would only repeat it)."""
    _link(models, problems, scale)
    reported: set[frozenset[str]] = set()
    for em in models.values():
        chain = [em.name]
        parent = em.parent
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = models[parent].parent
        if parent is None:
            continue
        cycle = chain[chain.index(parent) :]
        if frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            shown = " -> ".join([*cycle, cycle[0]])
            problems.add(
                ("entities", cycle[0], "per"),
                f"per: forms a cycle: {shown}; an entity cannot be its own ancestor: make "
                "one of them a root (count:) or reference it instead",
            )
    return not reported


def _link(models: dict[str, EntityModel], problems: Problems, scale: float) -> None:
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
                elif not count.average() <= MAX_COUNT:
                    problems.add(
                        (*base, "count"),
                        f"a per-parent count averaging {count.average():.3g} is beyond what "
                        f"seeder can plan (at most {MAX_COUNT:.0e} items); make it smaller",
                    )
                em.count_provider = count
            elif isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= MAX_COUNT:
                em.count_provider = Range(count, count)
            else:
                problems.add(
                    (*base, "count"),
                    f"count must be a whole number from 0 to {MAX_COUNT:.0e} or a "
                    f"distribution, got {count!r}",
                )
        elif count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                problems.add(
                    (*base, "count"),
                    f"count must be a whole number >= 0, got "
                    f"{count!r}; a distribution is only allowed with per: <parent>",
                )
            elif count > MAX_COUNT:  # a scale too large is said once, for the plan
                problems.add(
                    (*base, "count"),
                    f"count {count:,} is beyond what seeder can plan (at most "
                    f"{MAX_COUNT:.0e} items); make it smaller",
                )
            else:
                em.count = scaled(count, scale)
