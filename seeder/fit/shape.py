"""The estimators: from uses per referenced row to seeder's parameters.

A reference's ``skew: s`` picks position ``u**s`` among the candidates, so the
top fraction ``f`` of the ranks receives a share ``f**(1/s)`` of the uses (exactly,
whatever the pool size). :func:`RefStats.skew` fits that curve — ``ln C(r) =
(1/s) · ln(r/n)`` through the origin, over the top 90% of the ranks — which stays
finite and unbiased where the classic estimator breaks down: the seed recipe's
log-log regression of uses by rank gives the Zipf exponent ``alpha = 1 − 1/s``,
whose inversion ``s = 1/(1 − alpha)`` explodes near alpha = 1 and is biased on
small pools (the first rank's uses are an integral, not a point of the density).
That regression is still computed and reported (:attr:`RefStats.zipf`), with its r²,
because it is what people measure on production.

Every statistic here is computed from sums a database returns (see
:mod:`.measure`) or, for a CSV file and the tolerance simulations, from a list
of counts with the same definitions (:func:`stats_of_counts`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from seeder.providers.references import popularity

__all__ = [
    "BANDS",
    "TRIM",
    "CountFit",
    "RefStats",
    "Spread",
    "fit_counts",
    "implied_shares",
    "simulate_reference",
    "stats_of_counts",
]

BANDS = 4  # ntile(4): quartile band shares
TRIM = 0.9  # regressions over the top 90% of the ranks (the tail of ones and zeros is noise)


@dataclass
class RefStats:
    """Uses per referenced row, summarised: ``rows`` referenced rows (zero uses
    included), ``total`` uses, the uses of each ntile(4) band (by uses, descending),
    and the regression sums."""

    rows: int
    total: int
    bands: list[float]
    cum_sxy: float  # sum ln(r/n)·ln(C(r)/N) over the top 90% of ranks
    cum_sxx: float  # sum ln(r/n)²
    zipf_k: int  # points of the uses-by-rank regression (uses > 0, top 90%)
    zipf_sx: float
    zipf_sy: float
    zipf_sxx: float
    zipf_syy: float
    zipf_sxy: float
    min_uses: int
    max_uses: int
    sum_sq: float  # sum of uses², for the variance of uses per row
    histogram: dict[int, int] | None = None  # uses -> rows with that many (small ranges)

    @property
    def mean(self) -> float:
        return self.total / self.rows if self.rows else 0.0

    @property
    def variance(self) -> float:
        if self.rows < 2:
            return 0.0
        return max(0.0, (self.sum_sq - self.total * self.total / self.rows) / (self.rows - 1))

    @property
    def shares(self) -> list[float]:
        if not self.total:
            return [0.0] * BANDS
        return [b / self.total for b in self.bands]

    @property
    def skew(self) -> float | None:
        """``s`` such that the top fraction f of the ranks gets f**(1/s) of the uses."""
        if self.cum_sxy <= 0 or self.cum_sxx <= 0:
            return None
        return self.cum_sxx / self.cum_sxy

    @property
    def zipf(self) -> tuple[float, float] | None:
        """(alpha, r²) of ln(uses) against ln(rank), top 90% of the ranks."""
        k = self.zipf_k
        if k < 3:
            return None
        vx = self.zipf_sxx - self.zipf_sx**2 / k
        vy = self.zipf_syy - self.zipf_sy**2 / k
        cxy = self.zipf_sxy - self.zipf_sx * self.zipf_sy / k
        if vx <= 0:
            return None
        slope = cxy / vx
        r2 = 1.0 if vy <= 1e-12 else min(1.0, cxy * cxy / (vx * vy))
        return -slope, r2


def implied_shares(skew: float, bands: int = BANDS) -> list[float]:
    """The band shares ``skew`` gives (band p of k: (p/k)**(1/s) − ((p−1)/k)**(1/s))."""
    e = 1.0 / skew
    return [(p / bands) ** e - ((p - 1) / bands) ** e for p in range(1, bands + 1)]


def stats_of_counts(counts: Sequence[int], histogram_limit: int = 200) -> RefStats:
    """The same statistics as the SQL of :mod:`.measure`, from a list of uses per row."""
    ordered = sorted(counts, reverse=True)
    n = len(ordered)
    total = sum(ordered)
    bands = [0.0] * BANDS
    # ntile(k): the first n mod k bands hold one row more
    size, extra = divmod(n, BANDS)
    band, left = 0, size + (1 if extra > 0 else 0)
    cum = 0
    cum_sxy = cum_sxx = 0.0
    zk = 0
    zsx = zsy = zsxx = zsyy = zsxy = 0.0
    limit = TRIM * n
    for index, uses in enumerate(ordered):
        rank = index + 1
        while left == 0 and band < BANDS - 1:
            band += 1
            left = size + (1 if band < extra else 0)
        bands[band] += uses
        left -= 1
        cum += uses
        if rank <= limit:
            if cum > 0:
                x = math.log(rank / n)
                cum_sxy += x * math.log(cum / total)
                cum_sxx += x * x
            if uses > 0:
                x, y = math.log(rank), math.log(uses)
                zk += 1
                zsx += x
                zsy += y
                zsxx += x * x
                zsyy += y * y
                zsxy += x * y
    histogram: dict[int, int] | None = None
    if ordered and ordered[0] <= histogram_limit:
        histogram = {}
        for uses in ordered:
            histogram[uses] = histogram.get(uses, 0) + 1
    return RefStats(
        rows=n,
        total=total,
        bands=bands,
        cum_sxy=cum_sxy,
        cum_sxx=cum_sxx,
        zipf_k=zk,
        zipf_sx=zsx,
        zipf_sy=zsy,
        zipf_sxx=zsxx,
        zipf_syy=zsyy,
        zipf_sxy=zsxy,
        min_uses=ordered[-1] if ordered else 0,
        max_uses=ordered[0] if ordered else 0,
        sum_sq=float(sum(u * u for u in ordered)),
        histogram=histogram,
    )


@dataclass
class Spread:
    """What an estimator gives on data drawn exactly as asked, at the measured
    sizes: its mean (the estimator's bias included) and standard deviation."""

    mean: float
    sd: float

    def tolerance(self, asked: float) -> float:
        """Three standard deviations around the estimator's own mean, expressed
        as a distance from the asked value."""
        return abs(self.mean - asked) + 3.0 * self.sd


@dataclass
class Simulated:
    shares: list[Spread] = field(default_factory=list)
    skew: Spread | None = None


SIMULATED_USES = 20_000  # larger samples are simulated at this size, keeping uses per row


def simulate_reference(
    rows: int,
    uses: int,
    skew: float | None,
    weights: Sequence[float] | None,
    *,
    replicates: int = 60,
    seed: int = 0,
) -> Simulated:
    """The spread of the band shares and of the fitted skew when ``uses`` picks
    are drawn over ``rows`` candidates exactly as the scenario asks (seeder's own
    pick function), measured by ranking the rows by their uses as the SQL does.
    This is how tolerances follow the sample size: the ranking by observed uses
    adds noise and a bias on small pools that no closed formula captures. Above
    ``SIMULATED_USES`` uses the simulation keeps the uses per row and scales the
    standard deviations by the square root of the size ratio."""
    factor = 1.0
    n, total = rows, uses
    if total > SIMULATED_USES:
        factor = SIMULATED_USES / total
        n = max(1, round(rows * factor))
        total = SIMULATED_USES
    rng = random.Random(seed)
    draw = popularity(rng, skew, weights)
    share_samples: list[list[float]] = [[] for _ in range(BANDS)]
    skew_samples: list[float] = []
    for _ in range(replicates):
        counts = [0] * n
        for _ in range(total):
            counts[min(int(n * draw()), n - 1)] += 1
        stats = stats_of_counts(counts, histogram_limit=0)
        for p, share in enumerate(stats.shares):
            share_samples[p].append(share)
        fitted = stats.skew
        if fitted is not None:
            skew_samples.append(fitted)
    scale = math.sqrt(factor)
    result = Simulated(shares=[_spread(s, scale) for s in share_samples])
    if skew_samples:
        result.skew = _spread(skew_samples, scale)
    return result


def _spread(samples: Sequence[float], scale: float) -> Spread:
    mean = sum(samples) / len(samples)
    var = sum((x - mean) ** 2 for x in samples) / max(1, len(samples) - 1)
    return Spread(mean, math.sqrt(var) * scale)


@dataclass(frozen=True)
class CountFit:
    """Children per parent: ``kind`` "const" (low), "range" (low..high) or
    "poisson" (lam); ``distance`` the total-variation distance between the
    measured histogram and that distribution (0 identical, 1 disjoint)."""

    kind: str
    distance: float
    low: int = 0
    high: int = 0
    lam: float = 0.0

    def as_yaml(self) -> int | dict[str, object]:
        if self.kind == "const":
            return self.low
        if self.kind == "range":
            return {"range": [self.low, self.high]}
        return {"poisson": round(self.lam, 3)}


def fit_counts(histogram: dict[int, int]) -> CountFit | None:
    """The closest of a constant, a uniform range and a Poisson to a histogram of
    children per parent (zero included), or None for an empty one."""
    parents = sum(histogram.values())
    if not parents:
        return None
    low, high = min(histogram), max(histogram)
    if low == high:
        return CountFit("const", 0.0, low=low, high=high)
    observed = {k: v / parents for k, v in histogram.items()}
    width = high - low + 1
    uniform = 0.5 * sum(abs(observed.get(k, 0.0) - 1.0 / width) for k in range(low, high + 1))
    lam = sum(k * v for k, v in histogram.items()) / parents
    pmf = _poisson_pmf(lam, max(high, int(lam + 10 * math.sqrt(lam) + 10)))
    poisson = 0.5 * (
        sum(abs(observed.get(k, 0.0) - p) for k, p in enumerate(pmf)) + max(0.0, 1.0 - sum(pmf))
    )
    if uniform <= poisson:
        return CountFit("range", uniform, low=low, high=high)
    return CountFit("poisson", poisson, lam=lam)


def _poisson_pmf(lam: float, upto: int) -> list[float]:
    out: list[float] = []
    log_lam = math.log(lam) if lam > 0 else -math.inf
    for k in range(upto + 1):
        if lam == 0:
            out.append(1.0 if k == 0 else 0.0)
            continue
        out.append(math.exp(k * log_lam - lam - math.lgamma(k + 1)))
    return out


def counts_noise(parents: int, cells: int) -> float:
    """The total-variation distance sampling alone gives a histogram of ``cells``
    cells from ``parents`` draws (≈ sqrt(cells / parents) / 2, a bound on its mean):
    a fit within it plus 0.05 is accepted as that distribution."""
    return 0.05 + 0.5 * math.sqrt(cells / max(1, parents))
