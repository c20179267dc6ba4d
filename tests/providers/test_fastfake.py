"""The fast Faker methods (seeder/providers/fastfake.py) against Faker itself: the
values are ones Faker could make (the same lists, formats and rules), with the
same distributions, checked by chi-square tests; anything the fast path does not
mirror falls back to Faker.

The chi-square critical values are for p = 0.001 (a sound implementation fails
one test in a thousand runs; the seeds are fixed, so a run is repeatable), with
at least 5 expected draws per cell.
"""

from __future__ import annotations

import collections
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from faker import Faker

import seeder
from seeder.providers.fastfake import fast_method

N = 20_000
# chi-square critical values at p = 0.001, by degrees of freedom
CHI2_001 = {
    1: 10.83,
    2: 13.82,
    3: 16.27,
    4: 18.47,
    5: 20.52,
    6: 22.46,
    7: 24.32,
    8: 26.12,
    9: 27.88,
}


def generator(weighting: bool = False, seed: int = 1, locale: str = "en_US") -> Any:
    gen = Faker(locale, use_weighting=weighting)[locale]
    gen.random = random.Random(seed)
    return gen


def data(gen: Any, method: str, attr: str) -> Any:
    """A list of the locale's, from the provider that owns ``method``."""
    return getattr(getattr(gen, method).__self__, attr)


def fast(gen: Any, method: str, **args: Any) -> Callable[[], Any]:
    made = fast_method(gen, method, args)
    assert made is not None, f"{method} has no fast path"
    return made


def chi2(observed: collections.Counter[Any], expected: dict[Any, float]) -> float:
    assert set(observed) <= set(expected), set(observed) - set(expected)
    return sum((observed.get(k, 0) - e) ** 2 / e for k, e in expected.items())


def word_count_pmf(nb: int) -> dict[int, float]:
    """Faker's randomize_nb_elements(nb, min=1): int(nb * r / 100), r in 60..140."""
    counts = collections.Counter(max(1, int(nb * r / 100)) for r in range(60, 141))
    return {k: c / 81 for k, c in counts.items()}


@pytest.mark.parametrize("nb", [4, 6])
def test_sentence_word_counts_follow_fakers_distribution(nb: int) -> None:
    gen = generator()
    words = set(data(gen, "word", "word_list"))
    titled = {w.title() for w in words}
    make = fast(gen, "sentence", nb_words=nb)
    counts: collections.Counter[int] = collections.Counter()
    for _ in range(N):
        sentence = make()
        assert sentence.endswith(".") and sentence[0].isupper()
        parts = sentence[:-1].split(" ")
        assert parts[0] in titled  # the first word title-cased, as Faker does
        assert all(p in words for p in parts[1:]), sentence
        counts[len(parts)] += 1
    pmf = word_count_pmf(nb)
    assert chi2(counts, {k: p * N for k, p in pmf.items()}) < CHI2_001[len(pmf) - 1]


def test_words_are_uniform_over_the_locale_list() -> None:
    gen = generator()
    word_list = list(data(gen, "word", "word_list"))
    make = fast(gen, "word")
    # the list in 8 equal bands by position: uniform picks fill each band equally
    bands = collections.Counter(word_list.index(make()) * 8 // len(word_list) for _ in range(N))
    assert chi2(bands, dict.fromkeys(range(8), N / 8)) < CHI2_001[7]


# a second EAN prefix with one group (979-8, a made-up cover of its ranges): the
# prefixes no longer have as many groups each, so the draws take the two-level way
WITH_979 = {
    "979": {
        "8": [
            ("0000000", "1999999", 2),
            ("2000000", "6999999", 3),
            ("7000000", "8499999", 4),
            ("8500000", "9999999", 5),
        ]
    }
}


@pytest.mark.parametrize("extra_rules", [{}, WITH_979], ids=["en_US", "en_US+979"])
def test_isbns_are_valid_and_follow_the_locale_rules(extra_rules: dict[str, Any]) -> None:
    gen = generator()
    provider = gen.isbn13.__self__
    rules = {**provider.rules, **extra_rules}
    provider.rules = rules  # this generator's provider only
    # Faker's way: an EAN prefix uniform, then one of its groups uniform
    expected = {
        (ean, group): N / len(rules) / len(rules[ean]) for ean in rules for group in rules[ean]
    }
    make13, make10 = fast(gen, "isbn13"), fast(gen, "isbn10")
    seen: collections.Counter[tuple[str, str]] = collections.Counter()
    for _ in range(N):
        ean, group, registrant, publication, check = make13().split("-")
        seen[(ean, group)] += 1
        digits = [int(c) for c in ean + group + registrant + publication + check]
        assert len(digits) == 13
        assert sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
        rule = next(r for r in rules[ean][group] if r[0] <= (registrant + publication)[:-1] <= r[1])
        assert len(registrant) == rule[2]
        isbn10 = make10().replace("-", "")
        values = [10 if c == "X" else int(c) for c in isbn10]
        assert len(values) == 10 and sum(v * (10 - i) for i, v in enumerate(values)) % 11 == 0
    assert chi2(seen, expected) < CHI2_001[len(expected) - 1]


def test_names_emails_and_companies_are_made_of_the_locale_data() -> None:
    gen = generator()
    first, last = (
        set(data(gen, "first_name", "first_names")),
        set(data(gen, "last_name", "last_names")),
    )
    name, email, company = fast(gen, "name"), fast(gen, "email"), fast(gen, "company")
    domains = set(data(gen, "safe_domain_name", "safe_domain_names"))
    for _ in range(2_000):
        parts = name().split(" ")
        assert any(p in first for p in parts) and any(p in last for p in parts), parts
        user, domain = email().split("@")
        assert domain in domains and re.fullmatch(r"[a-z0-9]+", user), user
        assert any(word.strip(",") in last for word in company().replace("-", " ").split())


def test_weighting_follows_the_locale_weights() -> None:
    """With faker_weighting on, last names are drawn by Faker's own weights."""
    gen = generator(weighting=True)
    weights = data(gen, "last_name", "last_names")
    total = sum(weights.values())
    make = fast(gen, "last_name")
    counts = collections.Counter(make() for _ in range(N))
    for top in list(weights)[:3]:  # Smith, Johnson, Williams: ~1% each
        p = weights[top] / total
        sd = (N * p * (1 - p)) ** 0.5
        assert abs(counts[top] - N * p) < 4 * sd, (top, counts[top], N * p)


def test_numerify_and_bothify_fill_their_masks() -> None:
    gen = generator()
    meter = fast(gen, "numerify", text="MTR-########")
    code = fast(gen, "bothify", text="??-%#!")
    digits: collections.Counter[str] = collections.Counter()
    for _ in range(N):
        value = meter()
        assert re.fullmatch(r"MTR-\d{8}", value)
        digits.update(value[4:])
        assert re.fullmatch(r"[A-Za-z]{2}-[1-9]\d\d?", code())
    assert chi2(digits, {str(d): N * 8 / 10 for d in range(10)}) < CHI2_001[9]


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("address", {}),  # not mirrored
        ("words", {"nb": 3, "unique": True}),  # an argument it does not mirror
        ("email", {"domain": "corp.test"}),
        ("sentence", {"nb_words": 3, "ext_word_list": None, "bogus": 1}),
    ],
)
def test_what_is_not_mirrored_falls_back_to_faker(method: str, args: dict[str, Any]) -> None:
    assert fast_method(generator(), method, args) is None


def test_a_locale_with_its_own_code_falls_back_to_faker() -> None:
    """ja_JP writes its own first_name/last_name (names with readings): those are
    left to Faker, and a method it does not override keeps the fast path."""
    gen = generator(locale="ja_JP")
    for method in ("first_name", "last_name", "first_name_male", "first_name_female"):
        assert getattr(gen, method, None) is not None
        assert fast_method(gen, method, {}) is None, method
    assert fast_method(gen, "sentence", {}) is not None


def test_plans_through_the_fast_path_are_deterministic() -> None:
    """The energy scenario (numerify meter ids, seed_by the customer) plans the
    same twice; tests/plan/test_determinism.py holds the seed_by properties."""
    from tests.conftest import ROOT

    model = seeder.load_model(ROOT / "scenarios" / "energy.yaml")
    first = [(i.key, i.body) for i in seeder.plan_items(model)]
    again = [
        (i.key, i.body)
        for i in seeder.plan_items(seeder.load_model(ROOT / "scenarios" / "energy.yaml"))
    ]
    assert first == again
    meters = [body["meter_id"] for key, body in first if key.startswith("meter:")]
    assert all(re.fullmatch(r"MTR-\d{8}", m) for m in meters)


def _titles_by_customer(notes: seeder.Range) -> dict[str, list[str]]:
    from tests.conftest import model_of, records

    model = model_of(
        {
            "customer": seeder.Entity(
                command="CreateUser", count=40, fields={"name": seeder.Seq("c{n}")}
            ),
            "note": seeder.Entity(
                command="CreatePost",
                per="customer",
                count=notes,
                fields={
                    "author_id": seeder.From("parent"),
                    "title": seeder.Fake("sentence", {"nb_words": 5}, seed_by="author_id"),
                },
            ),
        }
    )
    result: dict[str, list[str]] = {}
    for r in records(model):
        if r["command"] == "CreatePost":
            result.setdefault(r["refs"]["author_id"], []).append(r["body"]["title"])
    return result


def test_batched_sentences_start_again_at_each_seed_by_key() -> None:
    """Sentences are drawn in batches ahead of use; a seed_by re-seed empties the
    batch, so each parent's titles depend on the parent only, not on how many
    titles the others drew."""
    few = _titles_by_customer(seeder.Range(1, 3))
    many = _titles_by_customer(seeder.Range(4, 4))
    assert len(few) == len(many) == 40
    for customer, titles in few.items():
        assert many[customer][: len(titles)] == titles
    assert len({t for ts in many.values() for t in ts}) > 150  # not one sentence repeated
