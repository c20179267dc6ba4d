"""References between entities: which existing entity to reuse, when to create a
new one, and the specifications (``where``) that filter candidates.

Popularity is a distribution of a position ``x`` in [0, 1) over the candidates,
oldest first; the pick is ``floor(n * x)``, O(1) for any ``n``:

- uniform: ``x = u``;
- ``skew: s``: ``x = u ** s`` (Zipf-like, exponent ``alpha = 1 - 1/s``);
- ``weights: [w1..wk]``: rank band ``p`` with probability ``wp``, uniform inside it,
  so with a fixed pool the first quarter gets ``w1`` of the uses.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from seeder.providers.args import arg
from seeder.providers.base import InvalidProvider, Provider
from seeder.providers.values import check_weights

__all__ = [
    "GROWTHS",
    "Condition",
    "From",
    "Operand",
    "Ref",
    "parse_where",
    "popularity",
]


# final: the shape holds over the final pool; as-used: new with probability 1/mean,
# reuse among those made so far
GROWTHS = ("final", "as-used")


@dataclass(frozen=True)
class Operand:
    """A literal value, or ``$name``: a field of the command being built."""

    value: Any = None
    field: str | None = None

    def __str__(self) -> str:
        return f"${self.field}" if self.field is not None else repr(self.value)


@dataclass(frozen=True)
class Condition:
    """One clause of a specification: ``target_field op operands``."""

    target_field: str
    op: str  # "eq", "ne", "in"
    operands: tuple[Operand, ...]


def _operand(value: Any, at: tuple[str | int, ...] = ()) -> Operand:
    if isinstance(value, dt.date):  # a date is planned and stored as written: 2020-01-31
        value = value.isoformat()
    if not (value is None or isinstance(value, str | int | float | bool | dt.date)):
        raise InvalidProvider(
            f"where: {value!r} is not a value to compare with; write a plain value "
            "(a string, a number, true/false) or $field",
            at=at,
        )
    if isinstance(value, str) and value.startswith("$"):
        if value.startswith("$$"):
            return Operand(value=value[1:])
        name = value[1:]
        if not name.isidentifier():
            raise InvalidProvider(f"{value!r} is not a field reference; write $field_name", at=at)
        return Operand(field=name)
    return Operand(value=value)


def parse_where(where: Mapping[str, Any]) -> tuple[Condition, ...]:
    """``{tenant_id: $tenant_id, status: {$in: [a, b]}, key: {$ne: $actor}}``."""
    if not isinstance(where, Mapping):
        raise InvalidProvider("where must be a mapping of field: condition")
    conditions = []
    for name, spec in where.items():
        if not isinstance(name, str):
            raise InvalidProvider(f"where keys are field names, got {name!r}")
        if isinstance(spec, Mapping):
            if len(spec) != 1:
                raise InvalidProvider(
                    f"where.{name}: give one operator ($ne or $in), got {sorted(spec)}"
                )
            ((op, arg),) = spec.items()
            here = ("where", name, op)
            if op == "$ne":
                conditions.append(Condition(name, "ne", (_operand(arg, here),)))
            elif op == "$in":
                if not isinstance(arg, list | tuple) or not arg:
                    raise InvalidProvider(f"where.{name}: $in needs a non-empty list", at=here)
                operands = tuple(_operand(a, (*here, i)) for i, a in enumerate(arg))
                conditions.append(Condition(name, "in", operands))
            else:
                raise InvalidProvider(
                    f"where.{name}: unknown operator {op!r}; use $ne or $in, or a plain "
                    "value for equality"
                )
        else:
            conditions.append(Condition(name, "eq", (_operand(spec, ("where", name)),)))
    return tuple(conditions)


@dataclass(frozen=True)
class Ref(Provider):
    """A field that points at another entity.

    ``mean``: average uses per referenced entity; the referenced entities are made
    on demand. With ``growth: final`` (the default) the reference draws its uses
    over the ranks of the final pool (its expected uses / ``mean`` entities), by
    ``skew``/``weights`` or evenly, and an entity is created at its first use (the
    never-used ones at the end of the plan), so the shape holds over the final
    pool. With ``growth: as-used`` (or an equality ``where``, whose pools per value
    are unknown when planning) a new one is created with probability ``1/mean``
    and ``skew``/``weights`` choose among those made so far (older ones collect
    more). Without ``mean``, only existing entities are reused (one is created
    only when none exists). ``where`` filters candidates; when none matches, one
    is created with the equality fields forced. ``field`` takes another attribute
    than the referenced entity's identity.
    """

    entity: str = field(metadata=arg("text", at=("$kind",)))
    mean: float | None = field(default=None, metadata=arg("number", low=1, optional=True))
    skew: float | None = field(
        default=None, metadata=arg("number", low=0, open_low=True, optional=True)
    )
    weights: Sequence[float] | None = field(
        default=None, metadata=arg("list", items=("number",), optional=True)
    )
    where: Mapping[str, Any] = field(default_factory=dict, metadata=arg("mapping"))
    growth: str | None = field(default=None, metadata=arg("text", optional=True))
    field: str | None = field(default=None, metadata=arg("text", optional=True))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.unique:
            raise InvalidProvider(
                "unique on a reference is not supported; list the fields in the "
                "entity's unique: [..] to forbid repeated combinations"
            )
        if not isinstance(self.entity, str) or not self.entity:
            raise InvalidProvider(f"ref needs an entity name, got {self.entity!r}")
        if self.mean is not None and (
            isinstance(self.mean, bool)
            or not isinstance(self.mean, int | float)
            or not self.mean >= 1  # NaN too
        ):
            raise InvalidProvider(
                f"mean is the average uses per referenced entity and must be >= 1, got "
                f"{self.mean!r}"
            )
        if self.growth is not None:
            if self.growth not in GROWTHS:
                raise InvalidProvider(
                    f"growth must be {' or '.join(GROWTHS)}, got {self.growth!r}",
                    at=("growth",),
                )
            if self.mean is None:
                raise InvalidProvider(
                    "growth says how a pool made on demand grows; it needs mean: (uses "
                    "per referenced entity)",
                    at=("growth",),
                )
        if self.skew is not None and self.weights is not None:
            raise InvalidProvider("give skew or weights, not both")
        if self.skew is not None and (
            isinstance(self.skew, bool)
            or not isinstance(self.skew, int | float)
            or not self.skew > 0  # NaN too
        ):
            raise InvalidProvider(
                f"skew must be a number > 0 (1.0 is uniform, larger concentrates), got "
                f"{self.skew!r}"
            )
        if self.weights is not None:
            if not isinstance(self.weights, list | tuple) or not self.weights:
                raise InvalidProvider("weights must be a non-empty list of numbers")
            check_weights(self.weights)
        self.conditions()  # validates the where clause

    def conditions(self) -> tuple[Condition, ...]:
        """The ``where`` clause, parsed (once: given compiles a reference per test)."""
        parsed: tuple[Condition, ...] | None = self.__dict__.get("_conditions")
        if parsed is None:
            parsed = parse_where(self.where)
            object.__setattr__(self, "_conditions", parsed)  # frozen, but a cache
        return parsed

    def popularity(self, rng: random.Random) -> Callable[[], float]:
        return popularity(rng, self.skew, self.weights)

    def equality_fields(self) -> list[str]:
        """Fields of the target this reference's ``where`` compares by equality or
        ``$in`` (clauses on ``key`` and ``$ne`` clauses are checked per candidate)."""
        return [c.target_field for c in self.conditions() if c.op in ("eq", "in")]

    def grows_as_used(self, target_fields: Collection[str]) -> bool:
        """Whether its pool grows as it is used (new with probability 1/mean)
        rather than over the final pool: asked for, or an equality ``where`` on the
        target's fields (whose pool per value is unknown when planning)."""
        return self.mean is not None and (
            self.growth == "as-used" or any(f in target_fields for f in self.equality_fields())
        )


def popularity(
    rng: random.Random, skew: float | None, weights: Sequence[float] | None
) -> Callable[[], float]:
    """A draw of a position in [0, 1) over candidates ordered oldest first."""
    rand = rng.random
    if skew is not None and skew != 1.0:
        s = float(skew)
        return lambda: rand() ** s
    if weights is not None:
        k = len(weights)
        cum = list(itertools.accumulate(float(w) for w in weights))
        total = cum[-1]
        last = k - 1
        pick = bisect.bisect_right

        def banded() -> float:
            band = min(pick(cum, rand() * total), last)
            return (band + rand()) / k

        return banded
    return rand


@dataclass(frozen=True)
class From(Provider):
    """A value copied from a referenced entity: ``author_id.tenant_id``,
    ``parent.centre_code``, ``actor.tenant_id``; a bare ``parent`` or ref field name
    copies the identity."""

    path: str = field(metadata=arg("text", at=("$kind",)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.path, str) or not all(
            part.isidentifier() for part in self.path.split(".")
        ):
            raise InvalidProvider(
                f"from needs a dotted path like author_id.tenant_id, got {self.path!r}"
            )

    def hops(self) -> list[str]:
        return self.path.split(".")
