"""Value providers: constants, sequences, weighted choices, templates over the
command's other fields, Faker methods, and user functions."""

from __future__ import annotations

import ast
import bisect
import datetime as dt
import decimal
import inspect
import itertools
import math
import re
import string
import textwrap
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from seeder.errors import PlanError, suggest
from seeder.providers.args import arg
from seeder.providers.base import (
    JSON_SCALARS,
    CompileContext,
    Draw,
    InvalidProvider,
    Provider,
    Row,
    inline,
)
from seeder.providers.fastfake import fast_method

__all__ = [
    "Choice",
    "Const",
    "Fake",
    "PythonFunction",
    "Seq",
    "Template",
    "function_reads",
    "jsonable",
]


def jsonable(value: Any) -> Any:
    """Converts what Faker and user functions return into JSON-ready values."""
    if type(value) in JSON_SCALARS:
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def template_fields(template: str) -> list[str]:
    """The top-level names a ``str.format`` template uses, or InvalidProvider."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InvalidProvider(f"bad template {template!r}: {exc}") from exc
    names = []
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        top = name.split(".", 1)[0].split("[", 1)[0]
        if not top or top.isdigit():
            raise InvalidProvider(
                f"template {template!r} has a positional field {{{name}}}; name it, e.g. {{n}}"
            )
        if top != name:  # {n.__class__}, {name[0]}: attribute and item lookups
            raise InvalidProvider(
                f"template {template!r} uses {{{name}}}; fields are plain names, e.g. {{{top}}}"
            )
        if spec and ("{" in spec or _WIDE.search(spec)):
            raise InvalidProvider(
                f"template {template!r}: format {spec!r} is too wide or nested; "
                "keep widths and precisions under 1000"
            )
        names.append(top)
    return names


_WIDE = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class Const(Provider):
    """A fixed value (a bare scalar in YAML)."""

    value: Any = field(metadata=arg("any", at=("$kind",)))

    def value_space(self) -> float:
        return 1.0

    def compile(self, ctx: CompileContext) -> Draw:
        value = jsonable(self.value)  # a bare YAML date is sent as written: 2020-01-01
        return lambda row: value


@dataclass(frozen=True)
class Seq(Provider):
    """A sequence: ``"Tenant {n:03d}"``. ``n`` counts instances of the entity from
    ``start``; ``i`` counts within the parent (from 1)."""

    template: str = field(metadata=arg("text", at=("$kind",)))
    start: int = field(default=1, metadata=arg("whole"))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.template, str):
            raise InvalidProvider(f"seq needs a template string, got {self.template!r}")
        if not isinstance(self.start, int) or isinstance(self.start, bool):
            raise InvalidProvider(f"seq start must be a whole number, got {self.start!r}")
        for name in template_fields(self.template):
            if name not in ("n", "i"):
                raise InvalidProvider(
                    f"seq template {self.template!r} uses {{{name}}}; only {{n}} (instance "
                    "number) and {i} (number within the parent) exist; use "
                    "{template: ...} to combine other fields"
                )
        try:
            self.template.format(n=1, i=1)
        except (ValueError, IndexError, KeyError, AttributeError) as exc:
            raise InvalidProvider(f"bad seq template {self.template!r}: {exc}") from exc

    def value_space(self) -> float:
        return float("inf") if "{n" in self.template else 1.0

    def compile(self, ctx: CompileContext) -> Draw:
        fmt = self.template.format
        offset = self.start - 1
        return lambda row: fmt(n=row.n + offset, i=row.i)


@dataclass(frozen=True)
class Choice(Provider):
    """One of ``values``, uniformly or with ``weights`` (normalised)."""

    values: Sequence[Any] = field(metadata=arg("list", at=("$kind",)))
    weights: Sequence[float] | None = field(
        default=None, metadata=arg("list", items=("number",), optional=True)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.values, list | tuple) or not self.values:
            raise InvalidProvider("choice needs a non-empty list of values")
        if self.weights is not None:
            if not isinstance(self.weights, list | tuple) or len(self.weights) != len(self.values):
                given = (
                    len(self.weights) if isinstance(self.weights, list | tuple) else "no list of"
                )
                raise InvalidProvider(
                    f"choice has {len(self.values)} values but {given} weights; give one "
                    "weight per value"
                )
            check_weights(self.weights)

    def value_space(self) -> float:
        return float(len(self.values))

    def compile(self, ctx: CompileContext) -> Draw:
        values = tuple(jsonable(v) for v in self.values)
        rand = ctx.rng.random
        n = len(values)
        if self.weights is None:
            return inline(
                lambda row: values[int(rand() * n)],
                "{p}values[int({p}rand() * {p}n)]",
                values=values,
                rand=rand,
                n=n,
            )
        cum = list(itertools.accumulate(float(w) for w in self.weights))
        total = cum[-1]
        pick = bisect.bisect_right
        last = n - 1
        return inline(
            lambda row: values[min(pick(cum, rand() * total), last)],
            "{p}values[min({p}pick({p}cum, {p}rand() * {p}total), {p}last)]",
            values=values,
            pick=pick,
            cum=cum,
            rand=rand,
            total=total,
            last=last,
        )


def check_weights(weights: Sequence[Any]) -> None:
    """Weights are numbers >= 0 (a float can hold them), at least one positive."""
    for i, w in enumerate(weights):
        if not _weight(w):
            raise InvalidProvider(f"weights must be numbers >= 0, got {w!r}", at=("weights", i))
    try:
        total = math.fsum(float(w) for w in weights)
    except OverflowError:
        raise InvalidProvider(
            "weights add up to more than a float holds; scale them down (only their ratios count)"
        ) from None
    if total <= 0:
        raise InvalidProvider("weights add up to 0; give at least one positive weight")


@dataclass(frozen=True)
class Template(Provider):
    """A string made from this command's other fields: ``"{first} {last}"``."""

    template: str = field(metadata=arg("text", at=("$kind",)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.template, str):
            raise InvalidProvider(f"template needs a string, got {self.template!r}")
        template_fields(self.template)

    def fields(self) -> list[str]:
        return template_fields(self.template)

    def compile(self, ctx: CompileContext) -> Draw:
        fmt = self.template.format
        return lambda row: fmt(**row.values)


# Faker's arguments that size what it builds (words(nb=..), sentence(nb_words=..),
# pystr(max_chars=..), pylist(nb_elements=..), json(num_rows=..), zip(uncompressed_size
# =..)): Faker builds the whole value in memory, so 2**63 words would take the machine
# down (seeder draws once while compiling). Bounds of numbers (random_int(max=..))
# are not sizes and stay free.
FAKE_SIZE_LIMIT = 10_000
_SIZE_NAMES = re.compile(
    r"^(nb|length|digits)$|^(nb|num)_|_(chars|digits|size|files|rows|elements)$"
)


def _is_size(name: str) -> bool:
    return _SIZE_NAMES.search(name) is not None


def _short(value: int) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]}"


@dataclass(frozen=True)
class Fake(Provider):
    """A Faker method with arguments: ``Fake("sentence", {"nb_words": 3})``."""

    method: str = field(metadata=arg("name", at=("$kind",)))
    args: Mapping[str, Any] = field(default_factory=dict, metadata=arg("mapping"))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.method, str) or not self.method.isidentifier():
            raise InvalidProvider(f"fake needs a Faker method name, got {self.method!r}")

    def compile(self, ctx: CompileContext) -> Draw:
        gen = ctx.faker()
        method = getattr(gen, self.method, None)
        if method is None or self.method.startswith("_") or not callable(method):
            names = [n for n in dir(gen) if not n.startswith("_")]
            hint = suggest(self.method, names) or "see Faker's provider list"
            raise InvalidProvider(f"Faker has no method {self.method!r}; {hint}")
        args = dict(self.args)
        try:
            inspect.signature(method).bind(**args)
        except TypeError as exc:
            raise InvalidProvider(f"fake {self.method}: {exc}") from exc
        for name, value in args.items():
            if _is_size(name) and isinstance(value, int) and value > FAKE_SIZE_LIMIT:
                raise InvalidProvider(
                    f"fake {self.method}: {name}={_short(value)} is too large (at most "
                    f"{FAKE_SIZE_LIMIT}): Faker would build it in memory; ask for less",
                    at=(name,),
                )
        try:
            sample = method(**args)
        except Exception as exc:  # Faker raises many kinds for bad arguments
            raise InvalidProvider(f"fake {self.method} fails with these arguments: {exc}") from exc
        fast = fast_method(gen, self.method, args)
        if fast is not None:  # Faker's data, drawn without Faker's machinery
            if type(sample) in JSON_SCALARS:
                return inline(lambda row: fast(), "{p}make()", make=fast)
            return lambda row: jsonable(fast())
        if type(sample) in JSON_SCALARS:
            if args:
                return lambda row: method(**args)
            return lambda row: method()
        return lambda row: jsonable(method(**args))


@dataclass(frozen=True)
class PythonFunction(Provider):
    """A user function ``"module:function"`` called as ``function(rng, **args)``;
    if it accepts ``fields``, it also gets the command's fields and vars drawn
    before it. ``reads`` names those it needs drawn first; without it, what the
    function reads (``fields["name"]``, ``fields.get("name")``) is read from its
    source (:func:`function_reads`)."""

    function: str = field(metadata=arg("text", at=("$kind",)))
    args: Mapping[str, Any] = field(default_factory=dict, metadata=arg("mapping"))
    reads: tuple[str, ...] | None = field(
        default=None, metadata=arg("list", items=("name",), optional=True)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.function, str) or ":" not in self.function:
            raise InvalidProvider(
                f"python needs 'module:function', got {self.function!r}; e.g. 'providers:meter_id'"
            )
        module, _, function = self.function.partition(":")
        if not all(part.isidentifier() for part in module.split(".")):
            # never a file path: "../../x" or "/abs/x" would load code from anywhere
            raise InvalidProvider(
                f"python: {module!r} is not a dotted Python module name; put {module}.py in "
                "the scenario's folder (or a package below it, 'pkg.module') or name an "
                "installed module"
            )
        if not function.isidentifier():
            raise InvalidProvider(
                f"python: {function!r} is not a function name; write 'module:function'"
            )

    def compile(self, ctx: CompileContext) -> Draw:
        fn = ctx.import_function(self.function)
        rng = ctx.rng
        args = dict(self.args)
        try:
            takes_fields = "fields" in inspect.signature(fn).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            takes_fields = False
        spec, entity, name = self.function, ctx.entity, ctx.field

        def call(row: Row) -> Any:
            try:
                if takes_fields:
                    return jsonable(fn(rng, fields=row.values, **args))
                return jsonable(fn(rng, **args))
            except Exception as exc:  # the user's function failed: say where, no traceback
                raise PlanError(
                    f"{entity}.{name}: python {spec} raised {type(exc).__name__}: {exc}; "
                    "fix the function or its arguments",
                    entity=entity,
                    field=name,
                ) from exc

        return call


def function_reads(fn: Any) -> frozenset[str] | None:
    """The names a user function reads from its ``fields`` argument, read from its
    source: ``fields["a"]``, ``fields.get("a")``, ``"a" in fields``. None when that
    cannot be told (no source, or ``fields`` used any other way: passed on,
    iterated), so the caller falls back to drawing everything it might read first."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    func = tree.body[0] if tree.body else None
    if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    parents = {child: node for node in ast.walk(func) for child in ast.iter_child_nodes(node)}
    reads: set[str] = set()
    for node in ast.walk(func):
        if not (isinstance(node, ast.Name) and node.id == "fields"):
            continue
        parent = parents.get(node)
        key: ast.expr | None = None
        if isinstance(parent, ast.Subscript) and parent.value is node:
            key = parent.slice
        elif isinstance(parent, ast.Attribute) and parent.attr == "get":
            call = parents.get(parent)
            if isinstance(call, ast.Call) and call.func is parent and call.args:
                key = call.args[0]
        elif (
            isinstance(parent, ast.Compare)
            and len(parent.ops) == 1
            and isinstance(parent.ops[0], ast.In | ast.NotIn)
            and parent.comparators[0] is node
        ):
            key = parent.left
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        reads.add(key.value)
    return frozenset(reads)


def _weight(value: object) -> bool:
    """A weight: a number >= 0 that a float can hold (no NaN, no infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return 0 <= float(value) < math.inf
    except OverflowError:
        return False
