"""Reference and copy draws (seeder.plan.draws) against a real Planner as their
Graph: which instance a reference picks, when it creates one (and with which forced
fields), nulls, and ``from:`` copies of values and links over several hops.

Each draw is compiled from the model's own provider (so the planner's store has
the specification indexes and columns the model asked for) with its own seeded
random stream; the pool of targets is made with ``Planner.create``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import pytest

import seeder
from seeder.plan.draws import RefDraw, from_draw, ref_draw
from seeder.plan.planner import Planner
from seeder.providers import Row
from seeder.providers.base import Draw
from tests.conftest import model_of


def _planner(**entities: seeder.Entity) -> Planner:
    return Planner(model_of(dict(entities)))


def _user(kind: Any = "person") -> seeder.Entity:
    return seeder.Entity(
        command="CreateUser", count=0, fields={"name": seeder.Seq("u{n}"), "kind": kind}
    )


def _post(author: Any, count: int = 0, **fields: Any) -> seeder.Entity:
    return seeder.Entity(
        command="CreatePost", count=count, fields={"title": "t", "author_id": author, **fields}
    )


def _fill(planner: Planner, entity: str, n: int) -> None:
    for k in range(n):
        planner.create(entity, None, None, k + 1)


def _bodies(planner: Planner, entity: str) -> dict[int, dict[str, Any]]:
    """The bodies of the items the planner queued for ``entity``, by instance index."""
    return {
        int(item.key.split(":")[1]) - 1: item.body for item in planner.out if item.entity == entity
    }


def _ref(planner: Planner, entity: str, field: str, seed: int = 7) -> RefDraw:
    em = planner.model.entities[entity]
    provider = em.providers[field]
    assert isinstance(provider, seeder.Ref)
    return ref_draw(planner, entity, field, provider, em.kinds[field], random.Random(seed))


def _from(planner: Planner, entity: str, field: str) -> Draw:
    provider = planner.model.entities[entity].providers[field]
    assert isinstance(provider, seeder.From)
    return from_draw(planner, entity, field, provider, random.Random(0))


def _draw(ref: RefDraw | Draw, field: str, **links: int | None) -> tuple[Any, int | None]:
    row = Row(1, 1)
    row.links.update(links)
    draw = ref.draw if isinstance(ref, RefDraw) else ref
    value = draw(row)
    assert field in row.links, "a reference always records its link (None for a null)"
    return value, row.links[field]


# -- reuse and creation --------------------------------------------------------


def test_without_mean_a_fixed_pool_is_only_reused() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user")))
    _fill(planner, "user", 10)
    ref = _ref(planner, "post", "author_id")
    used: Counter[int] = Counter()
    for _ in range(2000):
        value, link = _draw(ref, "author_id")
        assert isinstance(link, int) and 0 <= link < 10
        assert value == f"user:{link + 1}.id"  # the identity is a placeholder
        used[link] += 1
    assert planner.stores["user"].count == planner.stores["user"].done == 10
    # P(one of 10 never drawn in 2000 uniform draws) <= 10 * 0.9**2000: nil
    assert set(used) == set(range(10))


def test_without_mean_an_empty_pool_gets_one_instance_then_reuses_it() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user")))
    ref = _ref(planner, "post", "author_id")
    links = {_draw(ref, "author_id")[1] for _ in range(100)}
    assert links == {0}
    assert planner.stores["user"].count == 1
    assert [item.key for item in planner.out] == ["user:1"]  # its item is queued


def test_with_mean_uses_are_dealt_over_the_final_pool_of_uses_over_mean() -> None:
    mean, n = 4, 4000
    planner = _planner(user=_user(), post=_post(seeder.Ref("user", mean=mean), count=n))
    assert planner.model.entities["post"].pools == {"author_id": n // mean}
    ref = _ref(planner, "post", "author_id")
    assert ref.pool is not None and ref.pool.n == 1000
    links = Counter(_draw(ref, "author_id")[1] for _ in range(n))
    # uniform: each round of 1000 uses visits every rank once, so exactly 4 each
    assert planner.stores["user"].count == 1000
    assert set(links) == set(range(1000)) and set(links.values()) == {4}


def test_with_mean_one_every_draw_creates_a_new_instance() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user", mean=1), count=5))
    ref = _ref(planner, "post", "author_id")
    links = [_draw(ref, "author_id")[1] for _ in range(5)]
    assert links == [0, 1, 2, 3, 4]


def test_a_created_instance_comes_first_in_the_plan_and_is_pickable() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user", mean=1), count=1))
    ref = _ref(planner, "post", "author_id")
    _, link = _draw(ref, "author_id")
    store = planner.stores["user"]
    assert (store.count, store.done) == (1, 1)
    assert [(i.key, i.body) for i in planner.out] == [("user:1", {"name": "u1", "kind": "person"})]
    assert link == 0


def test_a_skewed_final_pool_makes_its_entities_in_rank_order() -> None:
    planner = _planner(
        user=_user(), post=_post(seeder.Ref("user", mean=10, skew=3.0), count=20_000)
    )
    ref = _ref(planner, "post", "author_id")
    links = Counter(_draw(ref, "author_id")[1] for _ in range(20_000))
    # a new one takes the first free rank of its band (31 bands of 64 ranks): the
    # most used, rank 0, is made at the first draw in band 0 (probability 0.32 a
    # draw: 32 draws all miss it with probability 0.68**32 < 1e-5), and the oldest
    # ones are the most used
    assert max(links, key=links.__getitem__) < 32
    # ranks 0-99 get 0.05**(1/3) = 37% of the uses, ranks 100-199 10%
    assert sum(links[i] for i in range(100)) > 2 * sum(links[i] for i in range(100, 200))


def test_create_new_on_a_fixed_pool_reuses_one_never_creates() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user")))
    _fill(planner, "user", 5)
    ref = _ref(planner, "post", "author_id")
    seen = set()
    for _ in range(200):
        row = Row(1, 1)
        ref.create_new(row)
        seen.add(row.links["author_id"])
    assert seen == set(range(5))  # drawn evenly: every one comes up in 200 draws
    assert planner.stores["user"].count == 5


def test_create_new_on_a_final_pool_takes_a_free_rank_then_refuses() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user", mean=2), count=6))
    ref = _ref(planner, "post", "author_id")
    links = []
    for _ in range(3):
        row = Row(1, 1)
        ref.create_new(row)
        links.append(row.links["author_id"])
    assert links == [0, 1, 2] and planner.stores["user"].count == 3
    with pytest.raises(seeder.PlanError, match=r"every one of the 3 user of its pool"):
        ref.create_new(Row(4, 4))


def test_ref_field_takes_a_stored_literal_instead_of_the_identity() -> None:
    planner = _planner(
        user=_user(), post=_post(seeder.Ref("user"), note=seeder.Ref("user", field="name"))
    )
    _fill(planner, "user", 3)
    ref = _ref(planner, "post", "note")
    for _ in range(50):
        value, link = _draw(ref, "note")
        assert isinstance(link, int)
        assert value == f"u{link + 1}"


def test_a_target_made_per_parent_cannot_be_created_on_demand() -> None:
    planner = _planner(
        user=_user(),
        reply=seeder.Entity(command="Thing", per="user", count=0, fields={"a": "x"}),
        mention=seeder.Entity(command="Thing", count=0, fields={"a": seeder.Ref("reply")}),
    )
    ref = _ref(planner, "mention", "a")
    with pytest.raises(seeder.PlanError, match=r"no reply matches.*made per user"):
        _draw(ref, "a")


# -- specifications --------------------------------------------------------------


def test_where_equality_picks_only_matching_candidates() -> None:
    planner = _planner(
        user=_user(seeder.Choice(["person", "bot"])),
        post=_post(seeder.Ref("user", where={"kind": "bot"})),
    )
    _fill(planner, "user", 30)
    kinds = {idx: body["kind"] for idx, body in _bodies(planner, "user").items()}
    bots = {idx for idx, kind in kinds.items() if kind == "bot"}
    assert bots and len(bots) < 30  # both kinds exist in the pool
    ref = _ref(planner, "post", "author_id")
    picked = {_draw(ref, "author_id")[1] for _ in range(1000)}
    assert picked == bots  # only bots, and (1000 draws over <30) every one of them
    assert planner.stores["user"].count == 30


def test_where_equality_creates_a_matching_instance_when_none_exists() -> None:
    planner = _planner(user=_user("person"), post=_post(seeder.Ref("user", where={"kind": "bot"})))
    _fill(planner, "user", 4)
    ref = _ref(planner, "post", "author_id")
    _, link = _draw(ref, "author_id")
    assert link == 4
    assert _bodies(planner, "user")[4]["kind"] == "bot"  # forced, not drawn ("person")
    buckets = planner.stores["user"].indexes[0][1]
    assert list(buckets["bot"]) == [4]
    # without mean, the created one is reused from then on
    assert {_draw(ref, "author_id")[1] for _ in range(50)} == {4}
    assert planner.stores["user"].count == 5


def test_where_equality_on_a_field_of_the_row_forces_that_value() -> None:
    planner = _planner(
        user=_user("person"),
        post=_post(seeder.Ref("user", where={"kind": "$title"}), title=seeder.Choice(["x"])),
    )
    _fill(planner, "user", 2)
    ref = _ref(planner, "post", "author_id")
    row = Row(1, 1)
    row.values["title"] = "person"
    ref.draw(row)
    assert row.links["author_id"] in (0, 1)  # matched an existing one
    row = Row(2, 2)
    row.values["title"] = "org"
    ref.draw(row)
    assert row.links["author_id"] == 2
    assert _bodies(planner, "user")[2]["kind"] == "org"


def test_where_equality_on_a_reference_forces_the_link_and_its_value() -> None:
    planner = _planner(
        user=_user(),
        post=_post(seeder.Ref("user")),
        comment=seeder.Entity(
            command="Thing",
            count=0,
            fields={"b": seeder.Ref("user"), "a": seeder.Ref("post", where={"author_id": "$b"})},
        ),
    )
    _fill(planner, "user", 3)
    ref = _ref(planner, "comment", "a")
    value, link = _draw(ref, "a", b=2)  # no post of user 2 yet: one is made for it
    assert (value, link) == ("post:1.id", 0)
    created = [i for i in planner.out if i.entity == "post"]
    assert len(created) == 1
    assert created[0].refs == {"author_id": "user:3.id"} and created[0].links == {"author_id": 2}
    assert created[0].deps == ["user:3"]
    assert list(planner.stores["post"].indexes[0][1][2]) == [0]
    assert _draw(ref, "a", b=2)[1] == 0  # now found in the index
    assert _draw(ref, "a", b=1)[1] == 1  # another author: another post


def test_where_in_picks_among_the_listed_values_and_creates_one_of_them() -> None:
    planner = _planner(
        user=_user(seeder.Choice(["person", "bot", "org"])),
        post=_post(seeder.Ref("user", where={"kind": {"$in": ["bot", "org"]}})),
    )
    _fill(planner, "user", 30)
    kinds = {idx: body["kind"] for idx, body in _bodies(planner, "user").items()}
    ref = _ref(planner, "post", "author_id")
    picked = {_draw(ref, "author_id")[1] for _ in range(500)}
    # only bots and orgs, and (500 draws over fewer than 30) every one of them
    assert picked == {i for i, kind in kinds.items() if kind in ("bot", "org")}
    empty = _planner(
        user=_user("person"),
        post=_post(seeder.Ref("user", where={"kind": {"$in": ["bot", "org"]}})),
    )
    ref = _ref(empty, "post", "author_id")
    _draw(ref, "author_id")
    assert _bodies(empty, "user")[0]["kind"] in ("bot", "org")


def test_ne_on_a_value_never_picks_the_excluded_one() -> None:
    planner = _planner(
        user=_user(seeder.Choice(["person", "bot"])),
        post=_post(seeder.Ref("user", where={"kind": {"$ne": "bot"}}, skew=3.0)),
    )
    _fill(planner, "user", 20)
    kind = planner.stores["user"].values["kind"]  # $ne is checked on a stored column
    assert "bot" in kind and "person" in kind
    ref = _ref(planner, "post", "author_id")
    picked = [_draw(ref, "author_id")[1] for _ in range(1000)]
    assert all(i is not None and kind[i] != "bot" for i in picked)
    assert planner.stores["user"].count == 20


def test_ne_on_the_key_never_picks_the_row_s_own_reference() -> None:
    planner = _planner(
        user=_user(),
        post=_post(seeder.Ref("user")),
        comment=seeder.Entity(
            command="Thing",
            count=0,
            fields={"b": seeder.Ref("user"), "c": seeder.Ref("user", where={"key": {"$ne": "$b"}})},
        ),
    )
    _fill(planner, "user", 3)
    ref = _ref(planner, "comment", "c")
    for excluded in (0, 1, 2):
        picked = {_draw(ref, "c", b=excluded)[1] for _ in range(300)}
        assert picked == {0, 1, 2} - {excluded}
    assert planner.stores["user"].count == 3


def test_ne_excluding_the_only_candidate_creates_another() -> None:
    planner = _planner(
        user=_user(),
        post=_post(seeder.Ref("user")),
        comment=seeder.Entity(
            command="Thing",
            count=0,
            fields={"b": seeder.Ref("user"), "c": seeder.Ref("user", where={"key": {"$ne": "$b"}})},
        ),
    )
    _fill(planner, "user", 1)
    ref = _ref(planner, "comment", "c")
    assert _draw(ref, "c", b=0) == ("user:2.id", 1)
    assert planner.stores["user"].count == 2


# -- nulls ------------------------------------------------------------------------


def test_null_weight_one_gives_none_no_link_and_creates_nothing() -> None:
    planner = _planner(user=_user(), post=_post(seeder.Ref("user", null_weight=1.0)))
    ref = _ref(planner, "post", "author_id")
    for _ in range(20):
        assert _draw(ref, "author_id") == (None, None)
    assert planner.stores["user"].count == 0 and not planner.out


def test_null_weight_gives_none_at_its_rate_and_a_link_otherwise() -> None:
    n, p = 3000, 0.3
    planner = _planner(user=_user(), post=_post(seeder.Ref("user", null_weight=p)))
    _fill(planner, "user", 5)
    ref = _ref(planner, "post", "author_id")
    nulls = 0
    for _ in range(n):
        value, link = _draw(ref, "author_id")
        if value is None:
            assert link is None
            nulls += 1
        else:
            assert isinstance(link, int) and value == f"user:{link + 1}.id"
    # nulls ~ Binomial(3000, 0.3): mean 900, standard error 25.1; 4 of them is ±100
    se = math.sqrt(n * p * (1 - p))
    assert abs(nulls - n * p) < 4 * se, nulls


# -- from: copies -----------------------------------------------------------------


def _chain() -> Planner:
    """user ← post.author_id ← comment.a; comment copies over one and two hops."""
    planner = _planner(
        user=_user(),
        post=_post(seeder.Ref("user"), note=seeder.From("author_id.name")),
        comment=seeder.Entity(
            command="Thing",
            count=0,
            fields={
                "a": seeder.Ref("post"),
                "b": seeder.From("a.author_id"),
                "c": seeder.From("a.author_id.name"),
                "d": seeder.From("a"),
            },
        ),
    )
    _fill(planner, "user", 4)
    return planner


def test_from_copies_a_value_of_the_referenced_instance() -> None:
    planner = _chain()
    copy = _from(planner, "post", "note")
    for k in [*range(4), None]:
        row = Row(1, 1)
        row.links["author_id"] = k
        assert copy(row) == (None if k is None else f"u{k + 1}")
        assert "note" not in row.links  # a copied literal is no link


def test_from_copies_a_link_over_two_hops() -> None:
    planner = _chain()
    _fill(planner, "post", 6)  # their authors drawn by the planner from the 4 users
    authors = list(planner.stores["post"].links["author_id"])
    assert len(authors) == 6 and all(0 <= a < 4 for a in authors)
    copy_link = _from(planner, "comment", "b")
    copy_value = _from(planner, "comment", "c")
    copy_identity = _from(planner, "comment", "d")
    for p, author in enumerate(authors):
        row = Row(1, 1)
        row.links["a"] = p
        assert copy_link(row) == f"user:{author + 1}.id"
        assert row.links["b"] == author  # the copy carries the link on
        assert copy_value(row) == f"u{author + 1}"
        assert copy_identity(row) == f"post:{p + 1}.id"
        assert row.links["d"] == p


def test_from_over_a_null_link_gives_none_and_no_link() -> None:
    planner = _planner(
        user=_user(),
        post=_post(seeder.Ref("user", null_weight=1.0)),
        comment=seeder.Entity(
            command="Thing",
            count=0,
            fields={"a": seeder.Ref("post"), "b": seeder.From("a.author_id")},
        ),
    )
    _fill(planner, "post", 1)
    assert list(planner.stores["post"].links["author_id"]) == [-1]
    copy = _from(planner, "comment", "b")
    assert _draw(copy, "b", a=0) == (None, None)
    assert _draw(copy, "b", a=None) == (None, None)
