"""Results: each key's state, and the service's values by (entity, attribute),
kept as int64 columns until a value does not fit one."""

from __future__ import annotations

from array import array

import pytest

from seeder.plan.items import split_placeholder
from seeder.run.results import DONE, FAILED, PENDING, Results


def _column(results: Results, entity: str, attr: str) -> array[int] | list[object]:
    return results._columns[(entity, attr)].values


# -- states -----------------------------------------------------------------------


def test_an_unknown_key_is_pending() -> None:
    results = Results()
    assert results.state("author:1") == PENDING
    results.done("author:2", {"id": 5})
    assert results.state("author:1") == PENDING  # a gap before a known one
    assert results.state("author:3") == PENDING  # beyond the known ones
    assert results.state("book:2") == PENDING  # another entity


def test_done_failed_and_forget() -> None:
    results = Results()
    results.done("author:1", {"id": 10})
    results.failed("author:2")
    assert (results.state("author:1"), results.state("author:2")) == (DONE, FAILED)
    results.forget("author:1")
    assert results.state("author:1") == PENDING
    assert results.value("author", 1, "id") == 10  # its values stay until overwritten
    results.done("author:1", {"id": 11})
    assert results.state("author:1") == DONE
    assert results.value("author", 1, "id") == 11
    results.forget("author:2")
    assert results.state("author:2") == PENDING
    results.done("author:2", {"id": 12})
    assert results.state("author:2") == DONE


def test_states_are_per_entity_and_per_instance() -> None:
    results = Results()
    results.done("user:3", {})
    results.failed("post:3")
    assert results.state("user:3") == DONE
    assert results.state("post:3") == FAILED
    assert results.state("user:2") == PENDING
    assert results.state("post:4") == PENDING


def test_an_entity_name_with_a_colon_splits_at_the_last_one() -> None:
    results = Results()
    results.done("ns:user:4", {"id": 1})
    assert results.state("ns:user:4") == DONE
    assert results.value("ns:user", 4, "id") == 1
    assert results.resolve("ns:user:4.id") == 1


# -- columns ----------------------------------------------------------------------


def test_integers_are_kept_in_an_int64_array() -> None:
    results = Results()
    for n in (1, 2, 5):
        results.done(f"author:{n}", {"id": n * 100})
    column = _column(results, "author", "id")
    assert isinstance(column, array) and column.typecode == "q"
    assert [results.value("author", n, "id") for n in range(1, 7)] == [
        100,
        200,
        None,
        None,
        500,
        None,
    ]


def test_a_string_after_integers_switches_the_column_and_keeps_the_integers() -> None:
    results = Results()
    results.done("enrolment:1", {"id": 7})
    results.done("enrolment:3", {"id": 9})
    results.done("enrolment:4", {"id": "E-0004"})
    column = _column(results, "enrolment", "id")
    assert isinstance(column, list)
    assert results.value("enrolment", 1, "id") == 7
    assert results.value("enrolment", 2, "id") is None  # a gap stays missing
    assert results.value("enrolment", 3, "id") == 9
    assert results.value("enrolment", 4, "id") == "E-0004"
    results.done("enrolment:6", {"id": 12})  # an int after the switch
    assert results.value("enrolment", 5, "id") is None
    assert results.value("enrolment", 6, "id") == 12


@pytest.mark.parametrize(
    "value",
    [2**63, -(2**63) - 1, 10**30, -(2**63), 2.5, True, None, "", {"a": 1}],
    ids=repr,
)
def test_values_an_int64_column_cannot_hold_are_kept_as_they_are(value: object) -> None:
    results = Results()
    results.done("author:1", {"id": 1})
    results.done("author:2", {"id": value})
    assert results.value("author", 1, "id") == 1
    got = results.value("author", 2, "id")
    assert got == value and type(got) is type(value)


def test_the_largest_and_smallest_int64_stay_in_the_array() -> None:
    results = Results()
    results.done("author:1", {"id": 2**63 - 1})
    results.done("author:2", {"id": -(2**63) + 1})
    assert isinstance(_column(results, "author", "id"), array)
    assert results.value("author", 1, "id") == 2**63 - 1
    assert results.value("author", 2, "id") == -(2**63) + 1


def test_attributes_are_separate_columns() -> None:
    results = Results()
    results.done("book:1", {"id": 3, "number": 1, "slug": "a-book"})
    results.done("book:2", {"number": 2})  # no id in this answer
    assert results.value("book", 1, "id") == 3
    assert results.value("book", 2, "id") is None
    assert results.value("book", 2, "number") == 2
    assert isinstance(_column(results, "book", "number"), array)
    assert isinstance(_column(results, "book", "slug"), list)


def test_missing_values_are_none() -> None:
    results = Results()
    assert results.value("author", 1, "id") is None  # no column at all
    results.done("author:2", {"id": 1})
    assert results.value("author", 1, "id") is None  # before the first
    assert results.value("author", 99, "id") is None  # beyond the column
    assert results.value("author", 2, "token") is None  # another attribute
    assert results.resolve("author:1.id") is None
    assert results.resolve("ghost:1.id") is None


# -- placeholders -----------------------------------------------------------------


def test_resolve_a_simple_placeholder() -> None:
    results = Results()
    results.done("author:17", {"id": 4017, "token": "t-17"})
    assert results.resolve("author:17.id") == 4017
    assert results.resolve("author:17.token") == "t-17"
    assert results.resolve("author:16.id") is None


def test_split_placeholder_keeps_a_dotted_attribute_whole() -> None:
    assert split_placeholder("author:17.id") == ("author", 17, "id")
    assert split_placeholder("article:3.article.slug") == ("article", 3, "article.slug")


def test_resolve_a_dotted_path_placeholder() -> None:
    results = Results()
    results.done("article:3", {"article.slug": "how-to", "id": 3})
    assert results.resolve("article:3.article.slug") == "how-to"
    assert results.resolve("article:3.id") == 3
    assert results.resolve("article:3.article") is None  # not a prefix match
