"""Each test has its own registry and its own seed: the same seed makes the same
values (whatever ran before: Faker generators are pooled between tests), another
seed makes others, and nothing one given made is visible to another."""

from __future__ import annotations

from typing import Any

import seeder
from seeder.plan.planner import Planner
from seeder.testing import Given
from tests.testing.conftest import LIBRARY


def _values(seed: int | str) -> list[Any]:
    with Given(LIBRARY, "demo", seed=seed) as given:
        author = given("author")
        book = given("book", author=author)
        member = given("member", tenant=author.tenant)
        return [author.name, author.birth_year, book.isbn, book.title, member.email]


def test_the_same_seed_makes_the_same_values_whatever_ran_before() -> None:
    first = _values("tests/x.py::test_one")
    other = _values("tests/x.py::test_two")
    again = _values("tests/x.py::test_one")
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True) if not isinstance(a, int))


def test_pooled_faker_generators_draw_what_new_ones_would() -> None:
    planner = Planner(seeder.load_model(LIBRARY, seed=1234))  # Faker built per field
    planner.create("book", None, None, 0)
    planned = {item.entity: item.body for item in planner.out}
    with Given(LIBRARY, "demo", seed=99) as other:  # the streams and draws are lent...
        other("member")
    for _ in range(2):  # ...and lent again, re-seeded, to the next tests
        with Given(LIBRARY, "demo", seed=1234) as given:
            book = given("book")
        assert planned["author"]["name"] == book.author.name
        assert planned["author"]["birth_year"] == book.author.birth_year
        assert (planned["book"]["isbn"], planned["book"]["title"]) == (book.isbn, book.title)
        assert planned["book"]["subtitle"] == book.subtitle
        assert planned["book"]["published_on"] == book.published_on


def test_two_givens_at_once_draw_from_their_own_streams() -> None:
    alone = _values("tests/x.py::test_alone")
    with Given(LIBRARY, "demo", seed="tests/x.py::test_other") as other:
        other("book")  # holds its streams while the next one plans
        assert _values("tests/x.py::test_alone") == alone
        other("member")
    assert _values("tests/x.py::test_alone") == alone


def test_one_given_does_not_see_what_another_made() -> None:
    from seeder.demo.app import build_application

    shared = build_application(":memory:")
    try:
        with Given(LIBRARY, shared, seed="a") as one, Given(LIBRARY, shared, seed="b") as two:
            mine = one("book")
            theirs = two("book")
            assert theirs.key == mine.key == "book:1"  # each registry starts empty
            assert theirs.tenant.id != mine.tenant.id  # so each made its own tenant
            assert theirs.author.id != mine.author.id
            assert [h.key for h in two.created] == ["tenant:1", "author:1", "book:1"]
    finally:
        shared.close()
