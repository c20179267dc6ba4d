"""Plain values (from YAML) turned into the scenario's objects.

YAML is only another way to build :class:`~seeder.scenario.api.Scenario`,
:class:`~seeder.scenario.api.Entity` and the providers: each key maps onto one
constructor argument, so a scenario written both ways plans the same commands.
Every unknown key, wrong type or bad provider argument is collected in
:class:`~seeder.scenario.problems.Problems` with its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from seeder.errors import InvalidProvider, suggest
from seeder.providers import (
    Choice,
    Const,
    Counter,
    DateRange,
    Fake,
    From,
    LogNormal,
    Normal,
    Number,
    Poisson,
    Provider,
    PythonFunction,
    Range,
    Ref,
    Seq,
    Series,
    Template,
)
from seeder.providers.args import check_args, finite
from seeder.scenario.api import Entity, Scenario
from seeder.scenario.existing import WITH_EXISTING, build_existing
from seeder.scenario.problems import Path_, Problems
from seeder.scenario.serving import build_serve

__all__ = ["ENTITY_KEYS", "KINDS", "KIND_KEYS", "OPTION_KEYS", "TOP_KEYS", "build_scenario"]

TOP_KEYS = (
    "seed",
    "commands",
    "locale",
    "faker_weighting",
    "target",
    "allowed_targets",
    "entities",
    "serve",
)
ENTITY_KEYS = (
    "command",
    "count",
    "per",
    "fields",
    "vars",
    "actor",
    "unique",
    "identity",
    "ordered",
    "existing",
)
OPTION_KEYS = ("null_weight", "unique", "seed_by")
NUMBER_KEYS = ("min", "max", "round")
KINDS = (
    "fake",
    "seq",
    "choice",
    "range",
    "uniform",
    "normal",
    "lognormal",
    "poisson",
    "date",
    "datetime",
    "series",
    "counter",
    "template",
    "from",
    "ref",
    "python",
    "const",
)
# The keys each provider kind takes beside its own (and OPTION_KEYS); None: any
# (a Faker method's or a user function's own arguments). seeder/scenario/schema.py
# publishes the same table as the JSON Schema of scenario files.
KIND_KEYS: dict[str, tuple[str, ...] | None] = {
    "fake": None,
    "python": None,
    "seq": ("start",),
    "choice": ("weights",),
    "range": NUMBER_KEYS,
    "uniform": NUMBER_KEYS,
    "normal": NUMBER_KEYS,
    "lognormal": NUMBER_KEYS,
    "poisson": NUMBER_KEYS,
    "date": (),
    "datetime": (),
    "series": (),
    "counter": ("round",),
    "template": (),
    "from": (),
    "const": (),
    "ref": ("mean", "skew", "weights", "where", "field", "growth"),
}


def _unknown_keys(
    data: Mapping[Any, Any], known: tuple[str, ...], path: Path_, problems: Problems, what: str
) -> None:
    for key in data:
        if key not in known:
            hint = suggest(str(key), known) or f"allowed: {', '.join(known)}"
            problems.add((*path, key), f"unknown {what} key {key!r}; {hint}")


def build_scenario(data: Any, problems: Problems, file: Path) -> Scenario | None:
    """The scenario ``data`` describes, or None (its problems are in ``problems``)."""
    if not isinstance(data, dict):
        problems.add((), "a scenario must be a mapping with 'entities:' (and seed, commands)")
        return None
    _unknown_keys(data, TOP_KEYS, (), problems, "scenario")
    if "entities" not in data:
        problems.add((), "the scenario has no 'entities:' section; add one")
        return None
    raw_entities = data["entities"]
    if not isinstance(raw_entities, dict) or not raw_entities:
        problems.add(("entities",), "entities must be a mapping of name: definition")
        return None
    entities: dict[str, Entity] = {}
    for name, spec in raw_entities.items():
        entity = _entity(str(name), spec, problems)
        if entity is not None:
            entities[str(name)] = entity
    seed = data.get("seed", 0)
    commands = data.get("commands")
    if commands is not None and not isinstance(commands, str):
        problems.add(
            ("commands",), "commands must be a path to a Python file, e.g. ../commands/library.py"
        )
        commands = None
    locale = data.get("locale", "en_US")
    weighting = data.get("faker_weighting", False)
    if not isinstance(weighting, bool):
        problems.add(("faker_weighting",), "faker_weighting must be true or false")
        weighting = False
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        problems.add(("target",), "target must be a URL or demo")
        target = None
    allowed = data.get("allowed_targets")
    if allowed is not None and (
        not isinstance(allowed, list) or not all(isinstance(a, str) and a for a in allowed)
    ):
        problems.add(
            ("allowed_targets",),
            "allowed_targets must be a list of URL patterns, e.g. "
            "['https://staging.example.com/*']",
        )
        allowed = None
    return Scenario(
        entities=entities,
        seed=seed,
        commands=commands,
        locale=str(locale),
        faker_weighting=weighting,
        target=target,
        allowed_targets=allowed,
        serve=build_serve(data.get("serve"), problems),
        base_dir=file.parent,
        source=problems.source,
    )


def _entity(name: str, spec: Any, problems: Problems) -> Entity | None:
    path: Path_ = ("entities", name)
    if not isinstance(spec, dict):
        problems.add(path, f"entity {name!r} must be a mapping with command: and fields:")
        return None
    _unknown_keys(spec, ENTITY_KEYS, path, problems, "entity")
    if "existing" in spec:
        return _existing_entity(name, spec, path, problems)
    if "command" not in spec:
        problems.add(path, f"entity {name!r} has no command:; name the command class it sends")
        return None
    command = spec["command"]
    if not isinstance(command, str):
        problems.add((*path, "command"), "command must be a command class name")
        return None
    fields = _providers(spec.get("fields", {}), (*path, "fields"), problems)
    vars_ = _providers(spec.get("vars", {}), (*path, "vars"), problems)
    count: Any = spec.get("count")
    if isinstance(count, dict):
        provider = _provider(count, (*path, "count"), problems)
        if provider is not None and not isinstance(provider, Number):
            problems.add(
                (*path, "count"),
                "count must be a number or a number distribution "
                "(poisson, range, normal, lognormal)",
            )
            provider = None
        count = provider
    per = spec.get("per")
    if per is not None and not isinstance(per, str):
        problems.add((*path, "per"), "per must name the parent entity")
        per = None
    actor: Any = spec.get("actor")
    if isinstance(actor, dict):
        parsed = _provider(actor, (*path, "actor"), problems)
        if parsed is not None and not isinstance(parsed, Ref):
            problems.add((*path, "actor"), "actor must be parent or {ref: entity, ...}")
            parsed = None
        actor = parsed
    elif actor is not None and actor != "parent":
        problems.add((*path, "actor"), f"actor must be parent or {{ref: entity}}, got {actor!r}")
        actor = None
    unique = spec.get("unique", ())
    if isinstance(unique, list) and unique and all(isinstance(u, str) for u in unique):
        unique = [unique]
    if not isinstance(unique, list | tuple) or not all(
        isinstance(u, list) and all(isinstance(name, str) for name in u) for u in unique
    ):
        problems.add(
            (*path, "unique"), "unique must be a list of field names, e.g. [member_id, book_number]"
        )
        unique = ()
    identity = spec.get("identity")
    if identity is not None and not isinstance(identity, str):
        problems.add((*path, "identity"), "identity must be a field name")
        identity = None
    ordered = spec.get("ordered")
    if ordered is not None and not isinstance(ordered, bool):
        problems.add((*path, "ordered"), "ordered must be true or false")
        ordered = None
    return Entity(
        command=command,
        fields=fields,
        count=count,
        per=per,
        vars=vars_,
        actor=actor,
        unique=[tuple(u) for u in unique],
        identity=identity,
        ordered=ordered,
    )


def _existing_entity(
    name: str, spec: dict[str, Any], path: Path_, problems: Problems
) -> Entity | None:
    """An entity read from the service: no command, nothing of what creates."""
    extra = [key for key in spec if key not in WITH_EXISTING and key in ENTITY_KEYS]
    for key in extra:
        problems.add(
            (*path, key),
            f"entity {name!r} is existing (read from the service, never created): "
            f"{key}: has no use there; remove it (fields: becomes existing: fields:)",
        )
    existing = build_existing(spec["existing"], (*path, "existing"), problems)
    identity = spec.get("identity")
    if identity is not None and not isinstance(identity, str):
        problems.add((*path, "identity"), "identity must be a field name")
        return None
    if existing is None or extra:
        return None
    return Entity(existing=existing, identity=identity)


def _providers(data: Any, path: Path_, problems: Problems) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.add(path, f"{path[-1]} must be a mapping of name: provider")
        return {}
    result = {}
    for key, value in data.items():
        provider = _provider(value, (*path, key), problems)
        if provider is not None:
            result[str(key)] = provider
    return result


def _pair(value: Any, names: tuple[str, str], kind: str) -> tuple[Any, Any]:
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, dict) and set(value) == set(names):
        return value[names[0]], value[names[1]]
    raise InvalidProvider(
        f"{kind} needs [{names[0]}, {names[1]}] or {{{names[0]}: .., {names[1]}: ..}}"
    )


class _Reported(Exception):
    """A nested provider was refused and its problem already listed."""


def _provider(value: Any, path: Path_, problems: Problems) -> Provider | None:
    if not isinstance(value, dict):
        return Const(value)
    kinds = [k for k in value if k in KINDS]
    if len(kinds) != 1:
        if kinds:
            problems.add(path, f"a provider has one kind, got {', '.join(map(str, kinds))}")
        else:
            keys = [k for k in value if k not in OPTION_KEYS]
            hint = suggest(str(keys[0]), KINDS) if keys else ""
            problems.add(
                path,
                f"unknown provider {{{', '.join(map(str, value))}}}; "
                + (hint or f"use one of: {', '.join(KINDS)}"),
            )
        return None
    kind = kinds[0]
    arg = value[kind]
    rest = {k: v for k, v in value.items() if k != kind}
    options = {k: rest.pop(k) for k in OPTION_KEYS if k in rest}
    try:
        provider = _build(kind, arg, rest, options, path, problems)
        check_args(provider)
        return provider
    except _Reported:
        pass
    except InvalidProvider as exc:
        problems.add((*path, *(kind if part == "$kind" else part for part in exc.at)), str(exc))
    except TypeError as exc:
        problems.add(path, f"bad arguments for {kind}: {exc}")
    return None


def _no_extra(kind: str, rest: Mapping[str, Any], allowed: tuple[str, ...] = ()) -> None:
    extra = [k for k in rest if k not in allowed]
    if extra:
        hint = suggest(str(extra[0]), (*allowed, *OPTION_KEYS))
        raise InvalidProvider(
            f"{kind} does not take {extra[0]!r}"
            + (f"; {hint}" if hint else f"; it takes {', '.join((*allowed, *OPTION_KEYS))}")
        )


def _number(kind: str, arg: Any, rest: dict[str, Any], options: dict[str, Any]) -> Number:
    _no_extra(kind, rest, KIND_KEYS[kind] or ())
    bounds = {k: rest[k] for k in NUMBER_KEYS if k in rest}
    if kind in ("range", "uniform"):
        low, high = _pair(arg, ("low", "high"), kind)
        if kind == "uniform":
            low, high = (
                float(low) if isinstance(low, int) and finite(low) else low,
                float(high) if isinstance(high, int) and finite(high) else high,
            )
        return Range(low, high, **bounds, **options)
    if kind == "normal":
        mean, sd = _pair(arg, ("mean", "sd"), kind)
        return Normal(mean, sd, **bounds, **options)
    if kind == "lognormal":
        mu, sigma = _pair(arg, ("mu", "sigma"), kind)
        return LogNormal(mu, sigma, **bounds, **options)
    return Poisson(arg, **bounds, **options)


def _call_args(kind: str, rest: dict[str, Any]) -> dict[str, Any]:
    """A Faker method's or user function's arguments: the provider's other keys, and
    ``args:`` for those named like seeder's own options (Faker's ``unique=``)."""
    args = dict(rest)
    extra = args.pop("args", None)
    if extra is None:
        return args
    if not isinstance(extra, dict):
        raise InvalidProvider(f"{kind}: args must be a mapping of arguments, e.g. {{unique: true}}")
    twice = sorted(set(extra) & set(args))
    if twice:
        raise InvalidProvider(f"{kind}: {twice[0]!r} is given twice, in args: and beside it")
    return {**args, **extra}


def _build(
    kind: str,
    arg: Any,
    rest: dict[str, Any],
    options: dict[str, Any],
    path: Path_,
    problems: Problems,
) -> Provider:
    if kind == "fake":
        return Fake(arg, _call_args(kind, rest), **options)
    if kind == "python":
        reads = rest.pop("reads", None)
        if reads is not None and not (
            isinstance(reads, list) and all(isinstance(r, str) and r for r in reads)
        ):
            raise InvalidProvider("reads must be a list of field or var names, e.g. [name]")
        return PythonFunction(
            arg, _call_args(kind, rest), None if reads is None else tuple(reads), **options
        )
    if kind in ("range", "uniform", "normal", "lognormal", "poisson"):
        return _number(kind, arg, rest, options)
    if kind == "seq":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        return Seq(arg, **rest, **options)
    if kind == "choice":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        if isinstance(arg, dict):
            if "weights" in rest:
                raise InvalidProvider("choice as a mapping already gives weights")
            return Choice(list(arg), list(arg.values()), **options)
        return Choice(arg, rest.get("weights"), **options)
    if kind in ("date", "datetime"):
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        start, end = _pair(arg, ("start", "end"), kind)
        return DateRange(start, end, **options)
    if kind == "series":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        if not isinstance(arg, dict):
            raise InvalidProvider("series needs {start: ..., step: ...}")
        _no_extra("series", {k: v for k, v in arg.items()}, ("start", "step"))
        return Series(arg.get("start"), arg.get("step"), **options)
    if kind == "counter":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        if not isinstance(arg, dict) or "step" not in arg:
            raise InvalidProvider(
                "counter needs {step: <number provider>, start: 0, factor: $field}"
            )
        _no_extra("counter", {k: v for k, v in arg.items()}, ("start", "step", "factor"))
        step = _provider(arg["step"], (*path, "counter", "step"), problems)
        if step is None:
            raise _Reported  # its problem is already listed
        if not isinstance(step, Number):
            raise InvalidProvider("counter step must be a number provider, e.g. {uniform: [0, 1]}")
        return Counter(step, arg.get("start", 0.0), arg.get("factor"), rest.get("round"), **options)
    if kind == "template":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        return Template(arg, **options)
    if kind == "from":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        return From(arg, **options)
    if kind == "const":
        _no_extra(kind, rest, KIND_KEYS[kind] or ())
        return Const(arg, **options)
    # ref
    _no_extra(kind, rest, KIND_KEYS[kind] or ())
    return Ref(arg, **rest, **options)
