"""What each provider argument accepts, declared beside the argument.

Every field of every provider carries an :class:`Arg` in its dataclass metadata
(``field(metadata=arg(...))``): the kinds of value it takes, a range, whether it
may be missing, and where it is written in YAML. :func:`check_args` checks a built
provider against them — the scenario loader and the model compiler call it for
every provider, nested ones included — so a new provider cannot forget to check
an argument (a test walks every provider class and refuses a field without one).
A provider's own ``__post_init__`` keeps the checks between arguments (``min``
below ``max``, ``skew`` or ``weights``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from seeder.errors import InvalidProvider

__all__ = ["ARG", "Arg", "arg", "check_args", "finite", "kind_name"]

ARG = "seeder.arg"

# what a value is, for the kinds an argument may take
_KINDS: dict[str, tuple[str, Any]] = {
    "number": ("a number", lambda v: finite(v)),
    "whole": ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "text": ("a string", lambda v: isinstance(v, str)),
    "name": ("a name (letters, digits, _)", lambda v: isinstance(v, str) and v.isidentifier()),
    "flag": ("true or false", lambda v: isinstance(v, bool)),
    "list": ("a list", lambda v: isinstance(v, list | tuple)),
    "mapping": ("a mapping", lambda v: isinstance(v, Mapping)),
    "when": (
        "a date or datetime",
        lambda v: isinstance(v, str | dt.date),
    ),
    "duration": (
        "a duration (30s, 15m, 1h) or a number",
        lambda v: isinstance(v, str) or finite(v),
    ),
    "provider": ("a provider", lambda v: _is_provider(v)),
    "scalar": (
        "a plain value",
        lambda v: v is None or isinstance(v, str | int | float | bool | dt.date),
    ),
    "any": ("anything", lambda v: True),
}


def finite(value: object) -> bool:
    """A number (not a bool) that a float holds: no NaN, no infinity, no 10**400."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:  # an int too large for a float would overflow every computation with it
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _is_provider(value: object) -> bool:
    """A provider: a dataclass instance that compiles (tested without importing
    :mod:`.base`, which imports this module)."""
    return is_dataclass(value) and not isinstance(value, type) and hasattr(value, "compile")


@dataclass(frozen=True)
class Arg:
    """One argument: ``kinds`` of value it takes (see ``_KINDS``), ``low``/``high``
    bounds for numbers (``open_low``: strictly above ``low``), ``items``: the kinds
    of a list's items, ``optional``: None is allowed; ``at``: where it is written
    in the provider's YAML mapping, ``$kind`` standing for the provider's own key
    (``range: [low, high]`` puts ``low`` at ``("$kind", 0)``)."""

    kinds: tuple[str, ...]
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    items: tuple[str, ...] = ()
    optional: bool = False
    at: tuple[str | int, ...] | None = None

    def describe(self) -> str:
        what = " or ".join(_KINDS[k][0] for k in self.kinds)
        if self.low is not None:
            what += f" {'>' if self.open_low else '>='} {self.low:g}"
        if self.high is not None:
            what += f" <= {self.high:g}"
        if self.items:
            what += " of " + " or ".join(_KINDS[k][0] for k in self.items)
        return what

    def check(self, owner: str, name: str, value: Any) -> None:
        where = self.at if self.at is not None else (name,)
        if value is None and self.optional:
            return
        if not any(_KINDS[k][1](value) for k in self.kinds):
            raise InvalidProvider(
                f"{owner} {name} must be {self.describe()}, got {value!r}", at=where
            )
        if finite(value):
            if self.low is not None and (value < self.low or (self.open_low and value == self.low)):
                raise InvalidProvider(
                    f"{owner} {name} must be {self.describe()}, got {value!r}", at=where
                )
            if self.high is not None and value > self.high:
                raise InvalidProvider(
                    f"{owner} {name} must be {self.describe()}, got {value!r}", at=where
                )
        if self.items and isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if not any(_KINDS[k][1](item) for k in self.items):
                    raise InvalidProvider(
                        f"{owner} {name}[{i}] must be {self.describe()}, got {item!r}",
                        at=(*where, i),
                    )


def arg(kinds: str | tuple[str, ...], **options: Any) -> dict[str, Arg]:
    """The dataclass field metadata declaring an argument: ``field(metadata=arg(...))``."""
    return {ARG: Arg((kinds,) if isinstance(kinds, str) else kinds, **options)}


def check_args(provider: object, owner: str | None = None) -> None:
    """Checks every argument of ``provider`` (and of providers nested in it)
    against its declaration; raises InvalidProvider saying which and where."""
    if not is_dataclass(provider) or isinstance(provider, type):
        return
    owner = owner or kind_name(type(provider).__name__)
    for f in fields(provider):
        spec = f.metadata.get(ARG)
        if spec is None:
            continue
        value = getattr(provider, f.name)
        spec.check(owner, f.name, value)
        if _is_provider(value):
            try:
                check_args(value)
            except InvalidProvider as exc:
                where = spec.at if spec.at is not None else (f.name,)
                raise InvalidProvider(str(exc), at=(*where, *exc.at)) from exc
        elif isinstance(value, Sequence) and not isinstance(value, str):
            for item in value:
                if _is_provider(item):
                    check_args(item)


def kind_name(class_name: str) -> str:
    """The YAML key of a provider class (``Range`` → ``range``)."""
    return {"DateRange": "date", "PythonFunction": "python", "LogNormal": "lognormal"}.get(
        class_name, class_name.lower()
    )
