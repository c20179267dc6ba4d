"""Numbers: ranges, normal, lognormal and Poisson draws with optional bounds and
rounding. Also used for one-to-many counts (``count: {poisson: 3}``)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from seeder.providers.args import arg, kind_name
from seeder.providers.base import (
    CompileContext,
    Draw,
    InvalidProvider,
    Provider,
    Row,
    finite_draw,
)

__all__ = ["LogNormal", "Normal", "Number", "Poisson", "Range", "poisson"]

_BOUND_TRIES = 100


def _is_number(x: object) -> bool:
    """A finite number: NaN and infinities would reach the service as invalid JSON."""
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and math.isfinite(x))


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw: Knuth's product method for small ``lam``, Hörmann's PTRS
    (transformed rejection, as NumPy uses) above, so cost stays O(1) for any ``lam``."""
    if lam <= 0:
        return 0
    if lam < 10:
        limit = math.exp(-lam)
        k = 0
        prod = rng.random()
        while prod > limit:
            k += 1
            prod *= rng.random()
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -lam + k * loglam - math.lgamma(k + 1)
        ):
            return k


@dataclass(frozen=True, kw_only=True)
class Number(Provider):
    """Common bounds and rounding. ``min``/``max`` truncate the distribution
    (re-draw outside them, then clamp); ``round`` gives that many decimals
    (``round: 0`` an integer)."""

    min: float | None = field(default=None, metadata=arg("number", optional=True))
    max: float | None = field(default=None, metadata=arg("number", optional=True))
    round: int | None = field(default=None, metadata=arg("whole", low=0, optional=True))

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None and not _is_number(value):
                raise InvalidProvider(f"{name} must be a number, got {value!r}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise InvalidProvider(f"min {self.min} is above max {self.max}; swap them")
        if self.round is not None and (not isinstance(self.round, int) or self.round < 0):
            raise InvalidProvider(f"round must be a whole number >= 0, got {self.round!r}")

    def sampler(self, rng: random.Random) -> Any:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """The values the distribution itself can take, before ``min``/``max``."""
        return -math.inf, math.inf

    def _check_bounds(self, what: str) -> None:
        """Refuses ``min``/``max`` that leave no value to draw (the draw would
        re-draw forever, then clamp every value to a bound)."""
        if self.min is None and self.max is None:
            return
        low, high = self.support()
        lo = low if self.min is None else max(low, self.min)
        hi = high if self.max is None else min(high, self.max)
        empty = lo > hi or (isinstance(self, Range) and self.integral and math.ceil(lo) > hi)
        if empty:
            at = ("min",) if self.min is not None and self.min > low else ("max",)
            raise InvalidProvider(
                f"min {self.min} / max {self.max} exclude every value of {what}; widen the "
                "bounds or move the distribution",
                at=at,
            )

    def lowest(self) -> float:
        """The smallest value this provider can produce (``-inf`` if unbounded)."""
        return -math.inf if self.min is None else self.min

    def average(self) -> float:
        """The distribution's mean before ``min``/``max`` (``inf`` past a float's
        range); the planner's estimate of a per-parent count."""
        return 1.0

    def compile(self, ctx: CompileContext) -> Draw:
        return self.compile_rng(ctx.rng)

    def compile_rng(self, rng: random.Random) -> Draw:
        sample = self.sampler(rng)
        lo, hi, digits = self.min, self.max, self.round
        if lo is not None or hi is not None:
            lo_f = -math.inf if lo is None else lo
            hi_f = math.inf if hi is None else hi
            raw = sample

            def bounded() -> Any:
                x = raw()
                for _ in range(_BOUND_TRIES):
                    if lo_f <= x <= hi_f:
                        return x
                    x = raw()
                return min(max(x, lo_f), hi_f)

            sample = bounded
        if digits is not None:
            rounded = sample
            if digits == 0:

                def sample_int() -> Any:
                    return round(rounded())

                sample = sample_int
            else:

                def sample_round() -> Any:
                    return round(rounded(), digits)

                sample = sample_round
        final = sample
        what = kind_name(type(self).__name__)

        def draw(row: Row) -> Any:
            return finite_draw(final(), what)

        return draw


@dataclass(frozen=True)
class Range(Number):
    """Uniform in ``[low, high]``: integers when both bounds are integers (inclusive),
    floats otherwise."""

    low: float = field(metadata=arg("number", at=("$kind", 0)))
    high: float = field(metadata=arg("number", at=("$kind", 1)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (_is_number(self.low) and _is_number(self.high)):
            raise InvalidProvider(
                f"range needs two numbers [low, high], got {self.low!r}, {self.high!r}"
            )
        if self.low > self.high:
            raise InvalidProvider(f"range low {self.low} is above high {self.high}; swap them")
        if not self.integral and not math.isfinite(self.high - self.low):
            raise InvalidProvider(
                f"uniform [{self.low}, {self.high}] is wider than a float holds; narrow it",
                at=("$kind",),
            )
        self._check_bounds(f"[{self.low}, {self.high}]")

    def average(self) -> float:
        return (self.low + self.high) / 2

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    @property
    def integral(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int)

    def lowest(self) -> float:
        return max(self.low, super().lowest())

    def value_space(self) -> float:
        return float(int(self.high) - int(self.low) + 1) if self.integral else math.inf

    def sampler(self, rng: random.Random) -> Any:
        low, high = self.low, self.high
        rand = rng.random
        if self.integral:
            span = int(high) - int(low) + 1
            base = int(low)
            return lambda: base + int(rand() * span)
        width = high - low
        return lambda: low + rand() * width


@dataclass(frozen=True)
class Normal(Number):
    """A normal draw: ``normal: [mean, sd]``."""

    mean: float = field(metadata=arg("number", at=("$kind", 0)))
    sd: float = field(metadata=arg("number", low=0, at=("$kind", 1)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (_is_number(self.mean) and _is_number(self.sd)) or self.sd < 0:
            raise InvalidProvider("normal needs a numeric mean and a sd >= 0")

    def average(self) -> float:
        return float(self.mean)

    def sampler(self, rng: random.Random) -> Any:
        mean, sd, gauss = self.mean, self.sd, rng.gauss
        return lambda: gauss(mean, sd)


@dataclass(frozen=True)
class LogNormal(Number):
    """A lognormal draw: ``lognormal: [mu, sigma]`` (the log's mean and sd)."""

    # exp(mu) must stay within a float (e**709.78 is the largest): mu <= 700
    mu: float = field(metadata=arg("number", high=700, at=("$kind", 0)))
    sigma: float = field(metadata=arg("number", low=0, at=("$kind", 1)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (_is_number(self.mu) and _is_number(self.sigma)) or self.sigma < 0:
            raise InvalidProvider("lognormal needs a numeric mu and a sigma >= 0")
        self._check_bounds(f"lognormal [{self.mu}, {self.sigma}] (always > 0)")

    def support(self) -> tuple[float, float]:
        return math.ulp(0.0), math.inf

    def lowest(self) -> float:
        return max(0.0, super().lowest())

    def average(self) -> float:
        try:
            return math.exp(self.mu + self.sigma**2 / 2)
        except OverflowError:
            return math.inf

    def sampler(self, rng: random.Random) -> Any:
        mu, sigma, lognorm = self.mu, self.sigma, rng.lognormvariate
        return lambda: lognorm(mu, sigma)


@dataclass(frozen=True)
class Poisson(Number):
    """A Poisson draw: ``poisson: rate`` (whole numbers >= 0)."""

    lam: float = field(metadata=arg("number", low=0, at=("$kind",)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not _is_number(self.lam) or self.lam < 0:
            raise InvalidProvider(f"poisson needs a rate >= 0, got {self.lam!r}")
        self._check_bounds(f"poisson {self.lam} (whole numbers >= 0)")

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def lowest(self) -> float:
        return max(0.0, super().lowest())

    def average(self) -> float:
        return float(self.lam)

    def sampler(self, rng: random.Random) -> Any:
        lam = self.lam
        return lambda: poisson(rng, lam)
