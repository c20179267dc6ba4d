"""Distributions, measured at scale with tolerances from the sample size.

Each bound is about three standard errors of the statistic for the sample drawn
here (a test that fails by chance about 3 times in 1,000 runs at most; seeds are
fixed, so the suite is repeatable).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

import seeder
from tests.conftest import model_of

pytestmark = pytest.mark.slow

N = 100_000


def _uses(model: seeder.Model, entity: str, field: str) -> tuple[Counter[str], int]:
    uses: Counter[str] = Counter()
    targets = 0
    target = None
    for item in seeder.plan_items(model):
        if item.entity == entity:
            uses[item.refs[field]] += 1
        elif target is None or item.entity == target:
            target = item.entity
            targets += 1
    return uses, targets


def _pool_and_posts(
    ref: seeder.Ref, pool: int | None, posts: int = N, seed: int = 3, **post_fields: object
) -> seeder.Model:
    user = seeder.Entity(command="CreateUser", count=pool, fields={"name": seeder.Seq("u{n}")})
    post = seeder.Entity(
        command="CreatePost", count=posts, fields={"title": "t", "author_id": ref, **post_fields}
    )
    return model_of({"user": user, "post": post}, seed=seed)


@pytest.mark.parametrize("mean", [5.0, 50.0])
def test_mean_uses_per_referenced_entity(mean: float) -> None:
    uses, _ = _uses(_pool_and_posts(seeder.Ref("user", mean=mean), None), "post", "author_id")
    created = len(uses)
    # creations: 1 + Binomial(N - 1, 1/mean)
    p = 1 / mean
    sd_created = math.sqrt((N - 1) * p * (1 - p))
    expected_created = 1 + (N - 1) * p
    assert abs(created - expected_created) < 3 * sd_created
    achieved = N / created
    tolerance = 3 * sd_created * N / expected_created**2  # delta method on N / created
    print(f"mean {mean}: achieved {achieved:.3f} ± {tolerance:.3f}")
    assert abs(achieved - mean) < tolerance


def test_weights_bands_over_a_fixed_pool() -> None:
    weights = [0.7, 0.2, 0.07, 0.03]
    pool = 1000
    uses, _ = _uses(_pool_and_posts(seeder.Ref("user", weights=weights), pool), "post", "author_id")
    band = Counter()
    for placeholder, n in uses.items():
        index = int(placeholder.split(":")[1].split(".")[0]) - 1
        band[index * len(weights) // pool] += n
    for p, w in enumerate(weights):
        share = band[p] / N
        se = math.sqrt(w * (1 - w) / N)
        print(f"band {p}: share {share:.4f} want {w} ± {3 * se:.4f}")
        assert abs(share - w) < 3 * se


@pytest.mark.parametrize("skew", [1.5, 2.0, 4.0])
def test_skew_gives_the_zipf_exponent(skew: float) -> None:
    uses, _ = _uses(
        _pool_and_posts(seeder.Ref("user", skew=skew), 1000, posts=200_000), "post", "author_id"
    )
    by_rank = np.array(sorted(uses.values(), reverse=True), dtype=float)
    ranks = np.arange(1, len(by_rank) + 1)
    # trim the head (the first ranks are discrete lumps) and the tail (few uses each)
    lo, hi = 10, 500
    slope = np.polyfit(np.log(ranks[lo - 1 : hi]), np.log(by_rank[lo - 1 : hi]), 1)[0]
    alpha = -slope
    print(f"skew {skew}: fitted alpha {alpha:.3f}, want {1 - 1 / skew:.3f}")
    assert abs(alpha - (1 - 1 / skew)) < 0.05


def test_uniform_reference_is_flat() -> None:
    pool = 100
    uses, _ = _uses(_pool_and_posts(seeder.Ref("user"), pool), "post", "author_id")
    counts = np.array([uses[f"user:{i}.id"] for i in range(1, pool + 1)], dtype=float)
    # chi-square with 99 degrees of freedom: mean 99, sd 14; 3 sd ≈ 141
    chi2 = float(((counts - N / pool) ** 2 / (N / pool)).sum())
    assert chi2 < 99 + 3 * math.sqrt(2 * 99)


def test_null_weight_rate() -> None:
    model = _pool_and_posts(
        seeder.Ref("user"),
        10,
        note=seeder.Fake("word", null_weight=0.3),
        size=seeder.Range(1, 9, null_weight=0.05),
    )
    notes = sizes = posts = 0
    for item in seeder.plan_items(model):
        if item.entity == "post":
            posts += 1
            notes += item.body["note"] is None
            sizes += item.body["size"] is None
    for got, p in ((notes / posts, 0.3), (sizes / posts, 0.05)):
        se = math.sqrt(p * (1 - p) / posts)
        assert abs(got - p) < 3 * se, (got, p)


def test_null_weight_on_a_reference() -> None:
    model = _pool_and_posts(seeder.Ref("user", null_weight=0.25), 10, posts=40_000)
    items = [i for i in seeder.plan_items(model) if i.entity == "post"]
    nulls = sum(1 for i in items if i.body.get("author_id", "x") is None)
    se = math.sqrt(0.25 * 0.75 / len(items))
    assert abs(nulls / len(items) - 0.25) < 3 * se
    assert all(i.deps == [] for i in items if i.body.get("author_id", "x") is None)


@pytest.mark.parametrize(
    ("count", "mean", "variance"),
    [
        (seeder.Poisson(3), 3.0, 3.0),
        (seeder.Range(1, 3), 2.0, 2 / 3),
        (seeder.Poisson(40), 40.0, 40.0),
    ],
)
def test_one_to_many_counts(
    count: seeder.Poisson | seeder.Range, mean: float, variance: float
) -> None:
    parents = 20_000 if mean < 10 else 3_000
    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser", count=parents, fields={"name": seeder.Seq("u{n}")}
            ),
            "post": seeder.Entity(
                command="CreatePost",
                per="user",
                count=count,
                fields={"title": "t", "author_id": seeder.From("parent")},
            ),
        }
    )
    per: Counter[str] = Counter()
    for item in seeder.plan_items(model):
        if item.entity == "user":
            per[item.key] += 0
        else:
            per[item.deps[0]] += 1
    values = np.array(list(per.values()), dtype=float)
    assert len(values) == parents
    se = math.sqrt(variance / parents)
    print(f"{count}: mean {values.mean():.3f} ± {3 * se:.3f}, var {values.var():.3f}")
    assert abs(values.mean() - mean) < 3 * se
    # the variance's standard error for these shapes is below sqrt(2 var² + var)/sqrt(n)
    assert abs(values.var() - variance) < 3 * math.sqrt((2 * variance**2 + variance) / parents)
    if isinstance(count, seeder.Range):
        shares = Counter(values.astype(int))
        for k in (1, 2, 3):
            se_k = math.sqrt((1 / 3) * (2 / 3) / parents)
            assert abs(shares[k] / parents - 1 / 3) < 3 * se_k


def test_growing_pool_with_mean_and_weights_reports_its_distribution() -> None:
    """With ``mean`` and ``weights`` together the pool grows while it is used: early
    entities are candidates for longer, so they collect more than their band's share
    of a fixed pool. The mean still holds exactly; the concentration is reported."""
    uses, _ = _uses(
        _pool_and_posts(seeder.Ref("user", mean=50, weights=[0.7, 0.2, 0.07, 0.03]), None),
        "post",
        "author_id",
    )
    counts = sorted(uses.values(), reverse=True)
    top_quarter = sum(counts[: len(counts) // 4]) / N
    top_20 = sum(counts[: len(counts) // 5]) / N
    achieved = N / len(counts)
    print(
        f"growing pool: {len(counts)} authors, mean {achieved:.1f}, top 25% own "
        f"{top_quarter:.1%}, top 20% own {top_20:.1%}, max {counts[0]}"
    )
    p = 1 / 50
    sd_created = math.sqrt(N * p * (1 - p))
    assert abs(achieved - 50) < 3 * sd_created * N / (N * p) ** 2
    assert top_quarter > 0.7  # at least as concentrated as the fixed-pool target
