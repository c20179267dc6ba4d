"""Dates, datetimes, time series and monotonic counters.

Series and counters are *per parent*: the first child of each parent starts
again (``row.i == 1``), so every meter gets its own readings timeline.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from seeder.providers.args import arg
from seeder.providers.base import (
    CompileContext,
    Draw,
    InvalidProvider,
    Provider,
    Row,
    finite_draw,
)
from seeder.providers.numbers import Number

__all__ = ["Counter", "DateRange", "Series", "parse_duration", "parse_when"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> dt.timedelta:
    """``"15m"``, ``"1h"``, ``"2d"``, ``"30s"``, ``"1w"`` or a number of seconds."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds is not None:
        try:
            return dt.timedelta(seconds=seconds)
        except (OverflowError, ValueError):  # past timedelta's 999,999,999 days, or NaN
            raise InvalidProvider(
                f"duration {value!r} is beyond what a date can be moved by; give at most "
                "a few thousand years, e.g. 365d"
            ) from None
    raise InvalidProvider(
        f"bad duration {value!r}; write a number and a unit: 30s, 15m, 1h, 1d, 1w"
    )


def parse_when(value: object) -> dt.date | dt.datetime:
    """An ISO date (``2026-01-31``) or datetime (``2026-01-31T08:00:00Z``)."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if "T" in text or " " in text:
                return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise InvalidProvider(
        f"bad date {value!r}; write an ISO date like 2026-01-31 or datetime like "
        "2026-01-31T08:00:00Z"
    )


_MEMO_DAYS = 1 << 16  # date ranges up to ~179 years keep each drawn day's ISO text


def _iso(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is dt.UTC:
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


@dataclass(frozen=True)
class DateRange(Provider):
    """A uniform date (or datetime, if either bound has a time) in [start, end]."""

    start: Any = field(metadata=arg("when", at=("$kind", 0)))
    end: Any = field(metadata=arg("when", at=("$kind", 1)))

    def __post_init__(self) -> None:
        super().__post_init__()
        start, end = parse_when(self.start), parse_when(self.end)
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            raise InvalidProvider("date range bounds must both be dates or both datetimes")
        if start > end:
            raise InvalidProvider(f"date range starts after it ends ({self.start} > {self.end})")

    def value_space(self) -> float:
        start, end = parse_when(self.start), parse_when(self.end)
        if isinstance(start, dt.datetime):
            return math.inf
        return float((end - start).days + 1)

    def compile(self, ctx: CompileContext) -> Draw:
        start, end = parse_when(self.start), parse_when(self.end)
        rand = ctx.rng.random
        if isinstance(start, dt.datetime):
            assert isinstance(end, dt.datetime)
            seconds = int((end - start).total_seconds())
            return lambda row: _iso(start + dt.timedelta(seconds=int(rand() * (seconds + 1))))
        days = (end - start).days + 1
        if days > _MEMO_DAYS:
            return lambda row: (start + dt.timedelta(days=int(rand() * days))).isoformat()
        # each day's text made once, at its first draw (8 bytes a day until then)
        memo: list[str | None] = [None] * days
        first = start.toordinal()

        def day(row: Row) -> str:
            k = int(rand() * days)
            text = memo[k]
            if text is None:
                memo[k] = text = dt.date.fromordinal(first + k).isoformat()
            return text

        return day


def _at(parse: Any, value: object, name: str) -> None:
    """``parse(value)``, its refusal located at the series' ``name``."""
    try:
        parse(value)
    except InvalidProvider as exc:
        raise InvalidProvider(str(exc), at=("$kind", name)) from exc


@dataclass(frozen=True)
class Series(Provider):
    """``start + (i - 1) * step`` for the i-th child of each parent: a time series
    when ``start`` is a date/datetime and ``step`` a duration, else numbers."""

    start: Any = field(metadata=arg(("when", "number"), at=("$kind", "start")))
    step: Any = field(metadata=arg("duration", at=("$kind", "step")))

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("start", "step"):
            if getattr(self, name) is None:
                raise InvalidProvider(
                    f"series needs {name}:, e.g. {{series: {{start: 2026-01-01T00:00:00Z, "
                    "step: 15m}}",
                    at=("$kind", name),
                )
        if isinstance(self.start, int | float) and not isinstance(self.start, bool):
            if not isinstance(self.step, int | float) or isinstance(self.step, bool):
                raise InvalidProvider("a numeric series needs a numeric step", at=("$kind", "step"))
        else:
            _at(parse_when, self.start, "start")
            _at(parse_duration, self.step, "step")

    def compile(self, ctx: CompileContext) -> Draw:
        if isinstance(self.start, int | float):
            s0, st = self.start, self.step

            def number(row: Row) -> Any:
                return finite_draw(s0 + (row.i - 1) * st, "series")

            return number
        start = parse_when(self.start)
        step = parse_duration(self.step)
        return lambda row: _iso(start + (row.i - 1) * step)


@dataclass(frozen=True)
class Counter(Provider):
    """A value that grows by a random, non-negative ``step`` for each child of a
    parent (meter readings), times an optional ``factor`` taken from a field
    (``$consumption``); it starts at ``start`` for each parent's first child."""

    step: Number = field(metadata=arg("provider", at=("$kind", "step")))
    start: float = field(default=0.0, metadata=arg("number", at=("$kind", "start")))
    factor: str | None = field(
        default=None, metadata=arg("text", optional=True, at=("$kind", "factor"))
    )
    round: int | None = field(default=None, metadata=arg("whole", low=0, optional=True))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.step, Number):
            raise InvalidProvider("counter step must be a number provider, e.g. {uniform: [0, 1]}")
        if self.step.lowest() < 0:
            raise InvalidProvider(
                "counter step can be negative, so values could decrease; bound it "
                "with min: 0 or use a non-negative range"
            )
        if self.factor is not None and not (
            isinstance(self.factor, str) and self.factor.startswith("$")
        ):
            raise InvalidProvider(
                f"counter factor must name a field as $field, got {self.factor!r}"
            )

    def factor_field(self) -> str | None:
        return self.factor[1:] if self.factor else None

    def compile(self, ctx: CompileContext) -> Draw:
        step = self.step.compile_rng(ctx.rng)
        factor = ctx.field_draw(self.factor[1:]) if self.factor else None
        start = float(self.start)
        digits = self.round
        state = [start]

        def draw(row: Row) -> Any:
            if row.i == 1:
                state[0] = start
            else:
                inc = step(row)
                if factor is not None:
                    inc *= factor(row)
                state[0] = finite_draw(state[0] + max(inc, 0.0), "counter")
            return state[0] if digits is None else round(state[0], digits)

        return draw
