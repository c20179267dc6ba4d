"""Specifications (where:) and unique combinations hold for every planned command."""

from __future__ import annotations

from collections import Counter

import pytest

import seeder
from tests.conftest import SCENARIOS, model_of, records


def _owner(placeholder: str) -> str:
    return placeholder.rsplit(".", 1)[0]


def test_books_never_cross_tenants_and_loans_follow_the_rules() -> None:
    items = records(seeder.load_model(SCENARIOS / "library.yaml", scale=2))
    tenant_of_author = {
        r["key"]: _owner(r["refs"]["tenant_id"]) for r in items if r["command"] == "RegisterAuthor"
    }
    book: dict[str, dict[str, object]] = {}
    for r in items:
        if r["command"] == "PublishBook":
            author = _owner(r["refs"]["author_id"])
            assert tenant_of_author[author] == _owner(r["refs"]["tenant_id"]), r["key"]
            book[r["key"]] = r
    lent = Counter()
    member_tenant = {
        r["key"]: _owner(r["refs"]["tenant_id"]) for r in items if r["command"] == "RegisterMember"
    }
    loans = [r for r in items if r["command"] == "BorrowBook"]
    assert len(loans) > 1000
    for r in loans:
        b = book[_owner(r["refs"]["book_number"])]
        assert b["body"]["status"] == "published"
        assert _owner(b["refs"]["tenant_id"]) == _owner(r["refs"]["tenant_id"])
        assert member_tenant[r["actor"]] == _owner(r["refs"]["tenant_id"])
        assert _owner(r["refs"]["member_id"]) == r["actor"]
        lent[b["key"]] += 1
    assert max(lent.values()) == 1  # unique [tenant_id, book_number]: a book is lent once


def test_dependencies_come_before_dependents() -> None:
    for name in ("library", "school", "energy"):
        seen: set[str] = set()
        for r in records(seeder.load_model(SCENARIOS / f"{name}.yaml", scale=0.2)):
            for dep in r["deps"]:
                assert dep in seen, (name, r["key"], dep)
            for placeholder in r["refs"].values():
                assert _owner(placeholder) in seen
            if "actor" in r:
                assert r["actor"] in seen
            seen.add(r["key"])


def test_school_references_stay_inside_the_school() -> None:
    items = records(seeder.load_model(SCENARIOS / "school.yaml"))
    staff = {
        r["body"]["staff_id"]: r["body"]["centre_code"]
        for r in items
        if r["command"] == "HireStaff"
    }
    classes = {
        (r["body"]["centre_code"], r["body"]["class_code"])
        for r in items
        if r["command"] == "CreateClass"
    }
    assert len(staff) == 40 and len(classes) == 28
    codes = {r["body"]["centre_code"] for r in items if r["command"] == "CreateSchool"}
    assert len(codes) == 4 and all(len(c) == 4 and c.isdigit() for c in codes)
    student_school = {}
    for r in items:
        b = r["body"]
        if r["command"] == "CreateClass":
            assert staff[b["teacher_staff_id"]] == b["centre_code"]
        if r["command"] == "EnrolStudent":
            assert (b["centre_code"], b["class_code"]) in classes
            student_school[r["key"]] = b["centre_code"]
        if r["command"] in ("AddParent", "AddEmergencyContact", "RecordEnrolment"):
            assert student_school[_owner(r["refs"]["enrolment_id"])] == b["centre_code"]
        if r["command"] == "RecordEnrolment":
            assert staff[b["recorded_by_staff_id"]] == b["centre_code"]
            assert (b["centre_code"], b["class_code"]) in classes
            assert b["end_date"] >= b["start_date"]


def test_ne_and_in_specifications_and_unique_pairs() -> None:
    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser",
                count=40,
                fields={
                    "name": seeder.Seq("u{n}"),
                    "kind": seeder.Choice(["person", "bot", "org"], [0.5, 0.3, 0.2]),
                },
            ),
            "follow": seeder.Entity(
                command="Follow",
                per="user",
                count=seeder.Range(0, 12),
                actor="parent",
                unique=[("actor", "followee_id")],
                fields={
                    "follower_id": seeder.From("parent"),
                    "followee_id": seeder.Ref(
                        "user",
                        skew=2.0,
                        where={"key": {"$ne": "$actor"}, "kind": {"$in": ["person", "org"]}},
                    ),
                },
            ),
        }
    )
    items = records(model)
    kind = {r["key"]: r["body"]["kind"] for r in items if r["command"] == "CreateUser"}
    pairs = set()
    follows = [r for r in items if r["command"] == "Follow"]
    assert len(follows) > 100
    for r in follows:
        followee = _owner(r["refs"]["followee_id"])
        assert followee != r["actor"]
        assert kind[followee] in ("person", "org")
        pair = (r["actor"], followee)
        assert pair not in pairs
        pairs.add(pair)


def test_reference_with_no_match_creates_one_with_forced_fields() -> None:
    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser", fields={"name": seeder.Fake("name"), "kind": "person"}
            ),
            "post": seeder.Entity(
                command="CreatePost",
                count=300,
                fields={
                    "title": seeder.Choice(["bot", "org"]),
                    "author_id": seeder.Ref("user", mean=10, where={"kind": "$title"}),
                },
            ),
        }
    )
    items = records(model)
    kind = {r["key"]: r["body"]["kind"] for r in items if r["command"] == "CreateUser"}
    assert set(kind.values()) == {"bot", "org"}  # forced, although the provider says person
    for r in items:
        if r["command"] == "CreatePost":
            assert kind[_owner(r["refs"]["author_id"])] == r["body"]["title"]


@pytest.mark.parametrize("mean", [2, None], ids=["final-pool", "made-when-none-fits"])
def test_a_candidate_made_on_demand_honours_ne_by_referring_to_another(mean: int | None) -> None:
    # every thing needs a post whose author is not the thing's own user: with one
    # user in a fresh pool, the post made for it gets another user (made for it)
    items = records(
        model_of(
            {
                "user": seeder.Entity("CreateUser", fields={"name": seeder.Fake("name")}),
                "post": seeder.Entity(
                    "CreatePost",
                    fields={"author_id": seeder.Ref("user"), "title": seeder.Fake("word")},
                ),
                "thing": seeder.Entity(
                    "Thing",
                    count=200,
                    fields={
                        "a": seeder.Ref("user", mean=3),
                        "b": seeder.Ref("post", mean=mean, where={"author_id": {"$ne": "$a"}}),
                    },
                ),
            }
        )
    )
    author = {
        r["key"]: _owner(r["refs"]["author_id"]) for r in items if r["command"] == "CreatePost"
    }
    things = [r for r in items if r["command"] == "Thing"]
    assert len(things) == 200
    assert all(author[_owner(t["refs"]["b"])] != _owner(t["refs"]["a"]) for t in things)
