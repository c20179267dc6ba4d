"""Loading scenarios from files: YAML (safe loading only, with file:line:column for
every problem) or Python (a module defining ``scenario``).

YAML is only another way to build the objects of :mod:`seeder.scenario`: each key
maps onto one constructor argument, so a scenario written both ways plans the same
commands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from seeder.errors import Problem, ScenarioError
from seeder.model import Model, Path_, compile_model, load_module_file, suggest
from seeder.providers import (
    Choice,
    Const,
    Counter,
    DateRange,
    Fake,
    InvalidProvider,
    LogNormal,
    Normal,
    Number,
    Poisson,
    Provider,
    PythonFunction,
    Range,
    Seq,
    Series,
    Template,
)
from seeder.references import From, Ref
from seeder.scenario import Entity, Scenario

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_SCENARIO_BYTES", "load_model", "load_scenario"]

MAX_SCENARIO_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
# Values after aliases and merge keys are expanded: a few kilobytes of `&a [*a, *a..]`
# would otherwise expand to billions ("billion laughs").
MAX_NODES = 100_000
# Plain YAML only: the safe loader would also build bytes (!!binary), sets and
# ordered pairs, which no provider takes.
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")
)
_MERGE = "tag:yaml.org,2002:merge"

TOP_KEYS = (
    "seed",
    "commands",
    "locale",
    "faker_weighting",
    "target",
    "allowed_targets",
    "entities",
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


class _Located:
    """YAML turned into plain values, with the line:column of every path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.nodes = 0  # values built so far, aliases counted each time they are used

    def locate(self, path: Path_) -> tuple[int | None, int | None]:
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return None, None

    def add(self, path: Path_, message: str) -> None:
        line, col = self.locate(path)
        self.problems.append(Problem(message, self.source, line, col))


def _compose(text: str, doc: _Located) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _value(loader, node, (), doc, 0)
    finally:
        loader.dispose()


def _value(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, doc: _Located, depth: int) -> Any:
    doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if depth > MAX_DEPTH:
        raise _TooDeep(path)
    doc.nodes += 1
    if doc.nodes > MAX_NODES:
        raise _TooMany(path)
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            raise yaml.constructor.ConstructorError(
                None, None, f"tag {node.tag!r} refused", node.start_mark
            )
        if doc.nodes + _merged_size(node, {}) > MAX_NODES:  # before PyYAML copies them
            raise _TooMany(path)
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
            except ValueError:
                key = key_node.value
            if not isinstance(key, str | int | float | bool) and key is not None:
                doc.add(path, "mapping keys must be plain names")
                continue
            sub = (*path, key if isinstance(key, str | int) else str(key))
            doc.marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                doc.add(sub, f"key {key!r} appears twice; keep one")
            result[key] = _value(loader, value_node, sub, doc, depth + 1)
            doc.marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise yaml.constructor.ConstructorError(
                None, None, f"tag {node.tag!r} refused", node.start_mark
            )
        return [
            _value(loader, item, (*path, i), doc, depth + 1) for i, item in enumerate(node.value)
        ]
    if node.tag not in _SCALAR_TAGS:
        raise yaml.constructor.ConstructorError(
            None, None, f"tag {node.tag!r} refused", node.start_mark
        )
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:  # a scalar that looks like a timestamp but is not a date: 2020-13-01
        return node.value


def _merged_size(node: yaml.MappingNode, seen: dict[int, int]) -> int:
    """How many pairs ``node`` has once its merge keys (``<<: [*a, *b]``) are
    expanded, counted without expanding them (each merged mapping once)."""
    if id(node) in seen:
        return seen[id(node)]
    seen[id(node)] = 0  # a mapping merging itself adds nothing more
    size = 0
    for key, value in node.value:
        if key.tag != _MERGE:
            size += 1
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if isinstance(source, yaml.MappingNode):
                size += _merged_size(source, seen)
        if size > MAX_NODES:
            break
    seen[id(node)] = size
    return size


class _TooDeep(Exception):
    def __init__(self, path: Path_) -> None:
        self.path = path


class _TooMany(_TooDeep):
    pass


def load_scenario(
    path: str | Path,
) -> tuple[Scenario, Callable[[Path_], tuple[int | None, int | None]]]:
    """Reads a YAML or Python scenario file; raises ScenarioError with every problem."""
    file = Path(path)
    source = str(path)
    if not file.is_file():
        raise ScenarioError([Problem(f"scenario file not found: {source}; check the path", source)])
    if file.suffix == ".py":
        return _load_python(file, source), lambda p: (None, None)
    size = file.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            [
                Problem(
                    f"scenario is {size} bytes, over the {MAX_SCENARIO_BYTES} byte limit; a "
                    "scenario describes data, it should not contain it",
                    source,
                )
            ]
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(f"scenario is not UTF-8 text ({exc.reason})", source)]
        ) from exc
    doc = _Located(source)
    try:
        data = _compose(text, doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            what = f"{what}: only plain YAML is accepted (no tags such as !!python/...)"
        raise ScenarioError(
            [
                Problem(
                    f"{what}; fix the YAML syntax",
                    source,
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                )
            ]
        ) from exc
    except _TooMany as exc:
        line, col = doc.locate(exc.path)
        raise ScenarioError(
            [
                Problem(
                    f"scenario expands to more than {MAX_NODES} values (through YAML aliases "
                    "or merge keys?); a scenario describes data, it should not contain it",
                    source,
                    line,
                    col,
                )
            ]
        ) from exc
    except _TooDeep as exc:
        line, col = doc.locate(exc.path)
        raise ScenarioError(
            [
                Problem(
                    f"scenario nests deeper than {MAX_DEPTH} levels; flatten it", source, line, col
                )
            ]
        ) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(f"invalid YAML: {exc}", source)]) from exc
    except RecursionError as exc:
        raise ScenarioError([Problem("scenario nests too deeply; flatten it", source)]) from exc
    scenario = _scenario(data, doc, file)
    if doc.problems:
        raise ScenarioError(doc.problems)
    assert scenario is not None
    return scenario, doc.locate


def load_model(path: str | Path, *, scale: float = 1.0, seed: int | None = None) -> Model:
    """Loads and compiles a scenario file (``seed`` overrides the file's seed)."""
    scenario, locate = load_scenario(path)
    if seed is not None:
        scenario = dataclasses.replace(scenario, seed=seed)
    return compile_model(scenario, scale=scale, locate=locate)


def _load_python(file: Path, source: str) -> Scenario:
    try:
        module = load_module_file(file, "scenario")
    except (Exception, SystemExit) as exc:  # the user's file failed to import: no traceback
        raise ScenarioError(
            [Problem(f"cannot import scenario: {type(exc).__name__}: {exc}", source)]
        ) from exc
    scenario = getattr(module, "scenario", None)
    if callable(scenario) and not isinstance(scenario, Scenario):
        scenario = scenario()
    if not isinstance(scenario, Scenario):
        raise ScenarioError(
            [Problem("a Python scenario must define 'scenario = seeder.Scenario(...)'", source)]
        )
    return dataclasses.replace(scenario, base_dir=file.parent, source=source)


def _unknown_keys(
    data: Mapping[Any, Any], known: tuple[str, ...], path: Path_, doc: _Located, what: str
) -> None:
    for key in data:
        if key not in known:
            hint = suggest(str(key), known) or f"allowed: {', '.join(known)}"
            doc.add((*path, key), f"unknown {what} key {key!r}; {hint}")


def _scenario(data: Any, doc: _Located, file: Path) -> Scenario | None:
    if not isinstance(data, dict):
        doc.add((), "a scenario must be a mapping with 'entities:' (and seed, commands)")
        return None
    _unknown_keys(data, TOP_KEYS, (), doc, "scenario")
    if "entities" not in data:
        doc.add((), "the scenario has no 'entities:' section; add one")
        return None
    raw_entities = data["entities"]
    if not isinstance(raw_entities, dict) or not raw_entities:
        doc.add(("entities",), "entities must be a mapping of name: definition")
        return None
    entities: dict[str, Entity] = {}
    for name, spec in raw_entities.items():
        entity = _entity(str(name), spec, doc)
        if entity is not None:
            entities[str(name)] = entity
    seed = data.get("seed", 0)
    commands = data.get("commands")
    if commands is not None and not isinstance(commands, str):
        doc.add(
            ("commands",), "commands must be a path to a Python file, e.g. ../commands/library.py"
        )
        commands = None
    locale = data.get("locale", "en_US")
    weighting = data.get("faker_weighting", False)
    if not isinstance(weighting, bool):
        doc.add(("faker_weighting",), "faker_weighting must be true or false")
        weighting = False
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        doc.add(("target",), "target must be a URL or demo")
        target = None
    allowed = data.get("allowed_targets")
    if allowed is not None and (
        not isinstance(allowed, list) or not all(isinstance(a, str) and a for a in allowed)
    ):
        doc.add(
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
        base_dir=file.parent,
        source=doc.source,
    )


def _entity(name: str, spec: Any, doc: _Located) -> Entity | None:
    path: Path_ = ("entities", name)
    if not isinstance(spec, dict):
        doc.add(path, f"entity {name!r} must be a mapping with command: and fields:")
        return None
    _unknown_keys(spec, ENTITY_KEYS, path, doc, "entity")
    if "command" not in spec:
        doc.add(path, f"entity {name!r} has no command:; name the command class it sends")
        return None
    command = spec["command"]
    if not isinstance(command, str):
        doc.add((*path, "command"), "command must be a command class name")
        return None
    fields = _providers(spec.get("fields", {}), (*path, "fields"), doc)
    vars_ = _providers(spec.get("vars", {}), (*path, "vars"), doc)
    count: Any = spec.get("count")
    if isinstance(count, dict):
        provider = _provider(count, (*path, "count"), doc)
        if provider is not None and not isinstance(provider, Number):
            doc.add(
                (*path, "count"),
                "count must be a number or a number distribution "
                "(poisson, range, normal, lognormal)",
            )
            provider = None
        count = provider
    per = spec.get("per")
    if per is not None and not isinstance(per, str):
        doc.add((*path, "per"), "per must name the parent entity")
        per = None
    actor: Any = spec.get("actor")
    if isinstance(actor, dict):
        parsed = _provider(actor, (*path, "actor"), doc)
        if parsed is not None and not isinstance(parsed, Ref):
            doc.add((*path, "actor"), "actor must be parent or {ref: entity, ...}")
            parsed = None
        actor = parsed
    elif actor is not None and actor != "parent":
        doc.add((*path, "actor"), f"actor must be parent or {{ref: entity}}, got {actor!r}")
        actor = None
    unique = spec.get("unique", ())
    if isinstance(unique, list) and unique and all(isinstance(u, str) for u in unique):
        unique = [unique]
    if not isinstance(unique, list | tuple) or not all(
        isinstance(u, list) and all(isinstance(name, str) for name in u) for u in unique
    ):
        doc.add(
            (*path, "unique"), "unique must be a list of field names, e.g. [member_id, book_number]"
        )
        unique = ()
    identity = spec.get("identity")
    if identity is not None and not isinstance(identity, str):
        doc.add((*path, "identity"), "identity must be a field name")
        identity = None
    ordered = spec.get("ordered")
    if ordered is not None and not isinstance(ordered, bool):
        doc.add((*path, "ordered"), "ordered must be true or false")
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


def _providers(data: Any, path: Path_, doc: _Located) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        doc.add(path, f"{path[-1]} must be a mapping of name: provider")
        return {}
    result = {}
    for key, value in data.items():
        provider = _provider(value, (*path, key), doc)
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


def _provider(value: Any, path: Path_, doc: _Located) -> Provider | None:
    if not isinstance(value, dict):
        return Const(value)
    kinds = [k for k in value if k in KINDS]
    if len(kinds) != 1:
        if kinds:
            doc.add(path, f"a provider has one kind, got {', '.join(map(str, kinds))}")
        else:
            keys = [k for k in value if k not in OPTION_KEYS]
            hint = suggest(str(keys[0]), KINDS) if keys else ""
            doc.add(
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
        return _build(kind, arg, rest, options, path, doc)
    except InvalidProvider as exc:
        doc.add(path, str(exc))
    except TypeError as exc:
        doc.add(path, f"bad arguments for {kind}: {exc}")
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
    _no_extra(kind, rest, NUMBER_KEYS)
    bounds = {k: rest[k] for k in NUMBER_KEYS if k in rest}
    if kind in ("range", "uniform"):
        low, high = _pair(arg, ("low", "high"), kind)
        if kind == "uniform":
            low, high = (
                float(low) if isinstance(low, int) else low,
                float(high) if isinstance(high, int) else high,
            )
        return Range(low, high, **bounds, **options)
    if kind == "normal":
        mean, sd = _pair(arg, ("mean", "sd"), kind)
        return Normal(mean, sd, **bounds, **options)
    if kind == "lognormal":
        mu, sigma = _pair(arg, ("mu", "sigma"), kind)
        return LogNormal(mu, sigma, **bounds, **options)
    return Poisson(arg, **bounds, **options)


def _build(
    kind: str, arg: Any, rest: dict[str, Any], options: dict[str, Any], path: Path_, doc: _Located
) -> Provider:
    if kind == "fake":
        return Fake(arg, dict(rest), **options)
    if kind == "python":
        return PythonFunction(arg, dict(rest), **options)
    if kind in ("range", "uniform", "normal", "lognormal", "poisson"):
        return _number(kind, arg, rest, options)
    if kind == "seq":
        _no_extra(kind, rest, ("start",))
        return Seq(arg, **rest, **options)
    if kind == "choice":
        _no_extra(kind, rest, ("weights",))
        if isinstance(arg, dict):
            if "weights" in rest:
                raise InvalidProvider("choice as a mapping already gives weights")
            return Choice(list(arg), list(arg.values()), **options)
        return Choice(arg, rest.get("weights"), **options)
    if kind in ("date", "datetime"):
        _no_extra(kind, rest)
        start, end = _pair(arg, ("start", "end"), kind)
        return DateRange(start, end, **options)
    if kind == "series":
        _no_extra(kind, rest)
        if not isinstance(arg, dict):
            raise InvalidProvider("series needs {start: ..., step: ...}")
        _no_extra("series", {k: v for k, v in arg.items()}, ("start", "step"))
        return Series(arg.get("start"), arg.get("step"), **options)
    if kind == "counter":
        _no_extra(kind, rest, ("round",))
        if not isinstance(arg, dict) or "step" not in arg:
            raise InvalidProvider(
                "counter needs {step: <number provider>, start: 0, factor: $field}"
            )
        _no_extra("counter", {k: v for k, v in arg.items()}, ("start", "step", "factor"))
        step = _provider(arg["step"], (*path, "counter", "step"), doc)
        if step is None:
            raise InvalidProvider("counter step is invalid (see above)")
        if not isinstance(step, Number):
            raise InvalidProvider("counter step must be a number provider, e.g. {uniform: [0, 1]}")
        return Counter(step, arg.get("start", 0.0), arg.get("factor"), rest.get("round"), **options)
    if kind == "template":
        _no_extra(kind, rest)
        return Template(arg, **options)
    if kind == "from":
        _no_extra(kind, rest)
        return From(arg, **options)
    if kind == "const":
        _no_extra(kind, rest)
        return Const(arg, **options)
    # ref
    _no_extra(kind, rest, ("mean", "skew", "weights", "where", "field"))
    return Ref(arg, **rest, **options)
