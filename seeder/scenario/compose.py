"""YAML composed safely into plain values, with the line:column of every path.

Only plain YAML is accepted: PyYAML's safe composer builds the node graph, and this
module turns it into dicts, lists and scalars itself, refusing tags (``!!python/..``,
``!!binary``, ``!local``), documents nested too deep, and graphs that expand past a
size limit through aliases or merge keys ("billion laughs"). The expansion is
counted on the node graph *before* any value is built or any merge key flattened,
so the limit is met before any key name is looked at, whatever PyYAML version
flattens the merge keys.
"""

from __future__ import annotations

from typing import Any

import yaml

from seeder.errors import Problem, ScenarioError
from seeder.scenario.problems import Path_, Problems

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_SCENARIO_BYTES", "Located", "compose_yaml"]

MAX_SCENARIO_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
# Values after aliases and merge keys are expanded: a few kilobytes of `&a [*a, *a..]`
# would otherwise expand to billions ("billion laughs").
MAX_NODES = 100_000
# no count, seed or bound needs more than 64 bits; far larger ones cannot become floats
MAX_INTEGER = 2**64 - 1
# Plain YAML only: the safe loader would also build bytes (!!binary), sets and
# ordered pairs, which no provider takes.
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")
)
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class Located:
    """A YAML document's paths and their line:column, and the problems found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.problems = Problems(source, self.locate)

    def locate(self, path: Path_) -> tuple[int | None, int | None]:
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return None, None


class _TooDeep(Exception):
    def __init__(self, path: Path_) -> None:
        self.path = path


class _TooMany(_TooDeep):
    pass


def compose_yaml(text: str, source: str) -> tuple[Any, Located]:
    """``text`` as plain values and their locations; raises ScenarioError for
    invalid or refused YAML. Problems of keys (duplicates, non-scalar keys) are
    collected in the returned ``Located.problems``."""
    doc = Located(source)
    try:
        return _compose(text, doc), doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            what = f"{what}: only plain YAML is accepted (no tags such as !!python/...)"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = Problem(f"{what}; fix the YAML syntax", source, line, col)
    except _TooMany as exc:
        line, col = doc.locate(exc.path)
        problem = Problem(
            f"scenario expands to more than {MAX_NODES} values (through YAML aliases "
            "or merge keys?); a scenario describes data, it should not contain it",
            source,
            line,
            col,
        )
    except _TooDeep as exc:
        line, col = doc.locate(exc.path)
        problem = Problem(
            f"scenario nests deeper than {MAX_DEPTH} levels; flatten it", source, line, col
        )
    except yaml.YAMLError as exc:
        problem = Problem(f"invalid YAML: {exc}", source)
    except RecursionError:
        problem = Problem("scenario nests too deeply; flatten it", source)
    raise ScenarioError([problem])


def _compose(text: str, doc: Located) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, doc)
        return _value(loader, node, (), doc, 0)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node, doc: Located) -> None:
    """Refuses a graph whose values, once aliases and merge keys are expanded, would
    number more than MAX_NODES; counted without expanding (each node once), and
    located at the first top-level key that crosses the limit."""
    sizes: dict[int, int] = {}
    pairs: dict[int, int] = {}
    if not isinstance(root, yaml.MappingNode):
        if _size(root, sizes, pairs, 0) > MAX_NODES:
            raise _TooMany(())
        return
    total = 1
    for key, value in root.value:
        total += _size(value, sizes, pairs, 0)
        if total > MAX_NODES:
            path: Path_ = (key.value,) if isinstance(key, yaml.ScalarNode) else ()
            doc.marks.setdefault(path, (key.start_mark.line + 1, key.start_mark.column + 1))
            raise _TooMany(path)


def _size(node: yaml.Node, sizes: dict[int, int], pairs: dict[int, int], depth: int) -> int:
    """Values ``node`` stands for once expanded: itself and everything below it."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:  # the composer refuses it with the depth message
        return 1
    sizes[id(node)] = 1  # a node that contains itself adds nothing more
    if isinstance(node, yaml.SequenceNode):
        size = 1
        for item in node.value:
            size += _size(item, sizes, pairs, depth + 1)
            if size > MAX_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        size = 1 + _pair_values(node, sizes, pairs, depth)
    else:
        size = 1
    sizes[id(node)] = size
    return size


def _pair_values(
    node: yaml.MappingNode, sizes: dict[int, int], pairs: dict[int, int], depth: int
) -> int:
    """Values under ``node``'s pairs, the pairs its merge keys copy in included."""
    known = pairs.get(id(node))
    if known is not None:
        return known
    pairs[id(node)] = 0
    total = 0
    for key, value in node.value:
        if key.tag != _MERGE:
            total += _size(value, sizes, pairs, depth + 1)
        else:
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    total += _pair_values(source, sizes, pairs, depth + 1)
        if total > MAX_NODES:
            break
    pairs[id(node)] = total
    return total


def _value(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, doc: Located, depth: int) -> Any:
    doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if depth > MAX_DEPTH:
        raise _TooDeep(path)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            raise yaml.constructor.ConstructorError(
                None, None, f"tag {node.tag!r} refused", node.start_mark
            )
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
            except ValueError:
                key = key_node.value
            if not isinstance(key, str | int | float | bool) and key is not None:
                doc.problems.add(path, "mapping keys must be plain names")
                continue
            sub = (*path, key if isinstance(key, str | int) else str(key))
            doc.marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                doc.problems.add(sub, f"key {key!r} appears twice; keep one")
            result[key] = _value(loader, value_node, sub, doc, depth + 1)
            doc.marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
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
        value = loader.construct_object(node, deep=True)
    except ValueError:  # a scalar that looks like a timestamp but is not a date: 2020-13-01
        return node.value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        # every count, weight and bound becomes a float somewhere: refused here, once
        doc.problems.add(
            path, f"a number of {value.bit_length()} bits is too large (over 64); use a smaller one"
        )
        return 0
    return value
