"""What every provider shares: the row it draws for, its compile context, and the
generic options (``null_weight``, ``unique``, ``seed_by``; the planner wraps them
around a compiled draw, :mod:`seeder.plan.fields`).

A provider is a small immutable value (printable, comparable, testable alone); it
*compiles* into a ``Draw``: a plain function of the row being built, closed over the
random stream of its (entity, field). Compiling once keeps the per-item path short.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from seeder.errors import InvalidProvider
from seeder.providers.args import arg

__all__ = [
    "CompileContext",
    "Draw",
    "InvalidProvider",
    "Provider",
    "Row",
    "finite_draw",
    "inline",
]

# Values that JSON carries as they are; anything else is converted once per draw.
JSON_SCALARS = (str, int, float, bool, type(None))


class Row:
    """The command being built: field values so far, and the logical index of every
    referenced entity (``links``) so that specifications and copies can follow them.

    ``n`` is the 1-based index within the entity, ``i`` the 1-based index within the
    parent (equal to ``n`` for entities without a parent).
    """

    __slots__ = ("i", "links", "n", "values")

    def __init__(self, n: int, i: int) -> None:
        self.n = n
        self.i = i
        self.values: dict[str, Any] = {}
        self.links: dict[str, int | None] = {}


Draw = Callable[[Row], Any]


def inline(draw: Draw, template: str, **env: Any) -> Draw:
    """Marks ``draw`` as writable into the planner's per-entity builders
    (:mod:`seeder.plan.builders`) as ``template``: a Python expression of ``row``
    and of ``env``'s names, each written ``{p}name`` (every field's names get a
    prefix of their own); ``{inner}`` stands for the expression of
    ``env["inner"]``, another draw. The expression must do what ``draw(row)``
    does, the same draws in the same order. Returns ``draw``."""
    draw.__inline__ = (template, env)  # type: ignore[attr-defined]
    return draw


class CompileContext(Protocol):
    """What a provider may ask of the scenario while compiling."""

    @property
    def entity(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def rng(self) -> random.Random:
        """The (entity, field) stream; re-seeded in place by ``seed_by``."""
        ...

    def faker(self) -> Any:
        """A Faker generator drawing from :attr:`rng`."""
        ...

    def field_draw(self, name: str) -> Draw:
        """Reads another field of the row (for ``$field`` arguments)."""
        ...

    def import_function(self, spec: str) -> Callable[..., Any]: ...


def finite_draw(value: Any, what: str) -> Any:
    """``value``, unless it is a float that JSON cannot carry (an infinity or NaN
    from a sum or a product that left a float's range): then OverflowError, which
    the planner reports at the field that drew it."""
    if value.__class__ is float and not math.isfinite(value):
        raise OverflowError(
            f"{what} drew {value}: its arguments leave a float's range; make them smaller"
        )
    return value


def _check_weight(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InvalidProvider(f"{name} must be between 0 and 1, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Provider:
    """Base of every provider.

    ``null_weight``: probability that the value is null. ``unique``: no value repeats
    within the entity. ``seed_by``: the value depends only on (seed, that field's
    value): the same customer always gets the same meter ids.
    """

    null_weight: float = field(default=0.0, metadata=arg("number", low=0, high=1))
    unique: bool = field(default=False, metadata=arg("flag"))
    seed_by: str | None = field(default=None, metadata=arg("name", optional=True))

    def __post_init__(self) -> None:
        if isinstance(self.null_weight, bool) or not isinstance(self.null_weight, int | float):
            raise InvalidProvider(f"null_weight must be a number, got {self.null_weight!r}")
        _check_weight("null_weight", self.null_weight)  # exact, however large
        if not isinstance(self.unique, bool):
            raise InvalidProvider(f"unique must be true or false, got {self.unique!r}")
        if self.seed_by is not None and not isinstance(self.seed_by, str):
            raise InvalidProvider(f"seed_by must name a field, got {self.seed_by!r}")

    def compile(self, ctx: CompileContext) -> Draw:
        """The draw function for this provider, without the generic options."""
        raise NotImplementedError

    def value_space(self) -> float:
        """How many distinct values this provider can make (``inf`` if unbounded);
        used to refuse a ``unique`` that cannot be satisfied."""
        return float("inf")

    def options(self) -> Mapping[str, Any]:
        return {"null_weight": self.null_weight, "unique": self.unique, "seed_by": self.seed_by}
