"""The registry's Store: compact per-entity columns (only the stored ones) and the
specification indexes (``where`` buckets) that keep filtered picks O(1)."""

from __future__ import annotations

import itertools
from array import array
from typing import Any

import pytest

import seeder
from seeder.model.types import EntityModel, Kind, SpecIndex
from seeder.plan.registry import Store
from seeder.providers import Row
from tests.conftest import model_of
from tests.fixtures import social

AUTHOR = Kind("user", "id", True)


def _model(
    stored: set[str], specs: list[SpecIndex] | None = None, kinds: dict[str, Kind] | None = None
) -> EntityModel:
    return EntityModel(
        name="post",
        spec=seeder.Entity(command="CreatePost"),
        command=social.CreatePost,
        http=None,
        providers={},
        var_names=frozenset(),
        kinds={
            "title": Kind(),
            "note": Kind(),
            "size": Kind(),
            "author_id": AUTHOR,
            **(kinds or {}),
        },
        stored=stored,
        specs=specs or [],
    )


def _row(n: int, values: dict[str, Any], links: dict[str, int | None] | None = None) -> Row:
    row = Row(n, n)
    row.values.update(values)
    row.links.update(links or {})
    return row


def test_only_stored_columns_exist_split_into_values_and_links() -> None:
    store = Store(_model({"title", "author_id"}))
    assert set(store.values) == {"title"}
    assert set(store.links) == {"author_id"}
    assert isinstance(store.links["author_id"], array)
    assert store.links["author_id"].typecode == "i"  # 32-bit indexes: 4 bytes each
    assert (store.count, store.done) == (0, 0)


def test_an_entity_with_nothing_stored_keeps_nothing() -> None:
    store = Store(_model(set()))
    store.record(0, _row(1, {"title": "a", "note": "n"}, {"author_id": 3}))
    assert store.values == {} and store.links == {} and store.indexes == []
    assert store.done == 1
    assert store.nbytes() == 0


def test_record_keeps_values_and_links_of_stored_columns_only() -> None:
    store = Store(_model({"title", "author_id"}))
    store.record(0, _row(1, {"title": "first", "note": "not kept"}, {"author_id": 4}))
    store.record(1, _row(2, {"title": "second", "size": 9}, {"author_id": 0}))
    assert store.values == {"title": ["first", "second"]}
    assert list(store.links["author_id"]) == [4, 0]
    assert store.done == 2


def test_missing_values_are_none_and_missing_or_null_links_are_minus_one() -> None:
    store = Store(_model({"title", "author_id"}))
    store.record(0, _row(1, {}, {}))  # neither given
    store.record(1, _row(2, {"title": None}, {"author_id": None}))  # given as null
    assert store.values["title"] == [None, None]
    assert list(store.links["author_id"]) == [-1, -1]


def test_records_must_come_in_order() -> None:
    store = Store(_model({"title"}))
    with pytest.raises(AssertionError, match="post: recorded 1 out of order"):
        store.record(1, _row(2, {"title": "x"}))
    store.record(0, _row(1, {"title": "x"}))
    with pytest.raises(AssertionError, match="out of order"):
        store.record(0, _row(1, {"title": "again"}))
    assert store.done == 1 and store.values["title"] == ["x"]


def test_record_does_not_touch_the_reserved_count() -> None:
    store = Store(_model({"title"}))
    store.count = 3  # the planner reserves indexes for instances being built
    store.record(0, _row(1, {"title": "x"}))
    assert (store.count, store.done) == (3, 1)


def test_equality_index_buckets_instances_by_value() -> None:
    spec = SpecIndex(("title",), (False,))
    store = Store(_model(set(), [spec]))
    for idx, title in enumerate(["a", "b", "a", None, "a"]):
        store.record(idx, _row(idx + 1, {"title": title}))
    ((got_spec, buckets),) = store.indexes
    assert got_spec is spec
    assert {k: list(v) for k, v in buckets.items()} == {"a": [0, 2, 4], "b": [1], None: [3]}
    assert all(isinstance(v, array) and v.typecode == "i" for v in buckets.values())
    # the value is not a stored column just because it is indexed
    assert store.values == {}


def test_link_index_buckets_instances_by_link_not_by_value() -> None:
    spec = SpecIndex(("author_id",), (True,))
    store = Store(_model(set(), [spec]))
    # the value (a placeholder) is ignored: the bucket key is the link
    store.record(0, _row(1, {"author_id": "user:3.id"}, {"author_id": 2}))
    store.record(1, _row(2, {"author_id": "user:1.id"}, {"author_id": 0}))
    store.record(2, _row(3, {"author_id": "user:3.id"}, {"author_id": 2}))
    store.record(3, _row(4, {"author_id": None}, {}))
    buckets = store.indexes[0][1]
    assert {k: list(v) for k, v in buckets.items()} == {2: [0, 2], 0: [1], None: [3]}


def test_bucket_key_single_field_is_the_bare_value_and_several_fields_a_tuple() -> None:
    single = SpecIndex(("title",), (False,))
    pair = SpecIndex(("author_id", "title"), (True, False))
    store = Store(_model(set(), [single, pair]))
    row = _row(1, {"title": "t", "author_id": "user:8.id"}, {"author_id": 7})
    assert store.bucket_key(single, row) == "t"
    assert store.bucket_key(pair, row) == (7, "t")
    store.record(0, row)
    store.record(1, _row(2, {"title": "t"}, {"author_id": 1}))
    by_title = {k: list(v) for k, v in store.indexes[0][1].items()}
    by_pair = {k: list(v) for k, v in store.indexes[1][1].items()}
    assert by_title == {"t": [0, 1]}
    assert by_pair == {(7, "t"): [0], (1, "t"): [1]}


def test_nbytes_grows_with_records() -> None:
    spec = SpecIndex(("title",), (False,))
    store = Store(_model({"note", "author_id"}, [spec]))
    assert store.nbytes() == 0
    sizes = [store.nbytes()]
    for idx in range(50):
        store.record(idx, _row(idx + 1, {"title": "t", "note": "n"}, {"author_id": idx}))
        sizes.append(store.nbytes())
    assert all(b > a for a, b in itertools.pairwise(sizes))
    # once the one bucket exists, every record costs the same: a value (a pointer,
    # 8 bytes), a link and an index entry (32-bit: 4 bytes each)
    steps = {b - a for a, b in itertools.pairwise(sizes[1:])}
    assert steps == {16}


def test_nbytes_counts_a_new_bucket_more_than_a_repeated_key() -> None:
    spec = SpecIndex(("title",), (False,))
    store = Store(_model(set(), [spec]))
    store.record(0, _row(1, {"title": "a"}))
    base = store.nbytes()
    store.record(1, _row(2, {"title": "a"}))
    same = store.nbytes() - base
    store.record(2, _row(3, {"title": "b"}))
    new = store.nbytes() - base - same
    assert 0 < same < new


def test_a_compiled_model_gives_the_columns_and_indexes_its_picks_need() -> None:
    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser",
                count=0,
                fields={"name": seeder.Seq("u{n}"), "kind": seeder.Choice(["a", "b"])},
            ),
            "post": seeder.Entity(
                command="CreatePost",
                count=0,
                fields={"title": "t", "author_id": seeder.Ref("user")},
            ),
            "comment": seeder.Entity(
                command="Thing",
                count=0,
                fields={
                    "b": seeder.Ref("user", where={"kind": {"$ne": "b"}}),
                    "a": seeder.Ref("post", where={"author_id": "$b"}),
                    "c": seeder.From("b.name"),
                },
            ),
        }
    )
    user = Store(model.entities["user"])
    post = Store(model.entities["post"])
    comment = Store(model.entities["comment"])
    # $ne is checked per candidate (a column); from: b.name reads a column
    assert set(user.values) == {"kind", "name"} and user.links == {}
    # the equality on a reference is an index keyed on the link, not a column
    assert post.values == {} and post.links == {}
    assert [(s.fields, s.links) for s, _ in post.indexes] == [(("author_id",), (True,))]
    assert comment.values == {} and comment.links == {} and comment.indexes == []
