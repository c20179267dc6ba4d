"""Pools of referenced entities: final pools made on demand (``mean``), fixed pools
that never grow, the refusals that keep them apart, and a ``seq`` on an int field.
Through the public surface: the Python API's plan, and ``seeder plan`` on a YAML
scenario (exit code and the one located line)."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

import seeder
from seeder.cli import main
from tests.conftest import ROOT, jsonl, log_records, model_of, records

SOCIAL = ROOT / "tests" / "fixtures" / "social.py"


def _plan_file(
    tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str, Path]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"seed: 1\ncommands: {SOCIAL}\nentities:\n{body}")
    out = tmp_path / "plan.jsonl"
    code = main(["plan", str(scenario), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err, captured.out, scenario


def _line_of(scenario: Path, needle: str) -> int:
    return next(i for i, t in enumerate(scenario.read_text().splitlines(), 1) if needle in t)


USERS_AND_POSTS = """\
  user:
    command: CreateUser
{count}    fields:
      name: {{seq: "u{{n}}"}}
  post:
    command: CreatePost
    count: 100
    fields:
      title: t
      author_id: {ref}
"""


def test_mean_on_a_counted_pool_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = USERS_AND_POSTS.format(count="    count: 1000\n", ref="{ref: user, mean: 200}")
    code, err, _, scenario = _plan_file(tmp_path, body, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"{scenario}:{_line_of(scenario, 'mean: 200')}:"), lines[0]
    assert "count: 1000 (a fixed pool)" in lines[0] and "drop mean" in lines[0]
    assert not (tmp_path / "plan.jsonl").exists()


def test_mean_on_a_pool_made_per_parent_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
  user:
    command: CreateUser
    count: 10
    fields:
      name: {seq: "u{n}"}
  post:
    command: CreatePost
    per: user
    count: 2
    fields:
      title: t
      author_id: {from: parent}
  like:
    command: Thing
    count: 100
    fields:
      a: {ref: post, mean: 3}
"""
    code, err, _, scenario = _plan_file(tmp_path, body, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"{scenario}:{_line_of(scenario, 'mean: 3')}:"), err
    assert "post is made per user" in err


@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        ("{ref: user, mean: 5, growth: fast}", "growth must be final or as-used"),
        ("{ref: user, growth: as-used}", "it needs mean"),
    ],
)
def test_growth_is_checked(
    ref: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, _, scenario = _plan_file(tmp_path, USERS_AND_POSTS.format(count="", ref=ref), capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert needle in err and err.startswith(f"{scenario}:{_line_of(scenario, 'growth')}:"), err


def test_a_final_pool_holds_exactly_uses_over_mean_and_comes_before_its_uses() -> None:
    """``mean: 4, skew: 3`` over 2,000 posts: 500 users, each planned before the
    first post that uses it; the steep tail leaves some never drawn, made at the
    end of the plan (with their own children), so the pool holds 500 all the same."""
    model = model_of(
        {
            "user": seeder.Entity(command="CreateUser", fields={"name": seeder.Seq("u{n}")}),
            "post": seeder.Entity(
                command="CreatePost",
                count=2000,
                fields={"title": "t", "author_id": seeder.Ref("user", mean=4, skew=3.0)},
            ),
            "badge": seeder.Entity(
                command="Thing", per="user", count=1, fields={"a": seeder.From("parent")}
            ),
        }
    )
    items = records(model)
    users = [i for i, r in enumerate(items) if r["command"] == "CreateUser"]
    posts = [i for i, r in enumerate(items) if r["command"] == "CreatePost"]
    assert len(users) == 500 and len(posts) == 2000
    assert sum(r["command"] == "Thing" for r in items) == 500
    seen: set[str] = set()
    for r in items:
        assert all(dep in seen for dep in r["deps"]), r
        seen.add(r["key"])
    used = Counter(items[i]["refs"]["author_id"] for i in posts)
    unused = [items[i]["key"] for i in users if f"{items[i]['key']}.id" not in used]
    assert unused, "the shape leaves some ranks undrawn at mean 4, skew 3"
    assert min(users[-len(unused) :]) > max(posts)  # made after the last post
    assert sum(used.values()) / len(users) == 4.0


def test_two_references_with_mean_each_make_their_own_pool() -> None:
    model = model_of(
        {
            "user": seeder.Entity(command="CreateUser", fields={"name": seeder.Seq("u{n}")}),
            "post": seeder.Entity(
                command="CreatePost",
                count=600,
                fields={"title": "t", "author_id": seeder.Ref("user", mean=3)},
            ),
            "like": seeder.Entity(
                command="Thing", count=100, fields={"a": seeder.Ref("user", mean=10)}
            ),
        }
    )
    assert model.entities["user"].expected == 210
    assert sum(r["command"] == "CreateUser" for r in records(model)) == 210


def test_a_final_pool_plans_the_same_bytes_for_the_same_seed() -> None:
    def digest(seed: int) -> str:
        model = model_of(
            {
                "user": seeder.Entity(command="CreateUser", fields={"name": seeder.Seq("u{n}")}),
                "post": seeder.Entity(
                    command="CreatePost",
                    count=3000,
                    fields={
                        "title": "t",
                        "author_id": seeder.Ref("user", mean=7, weights=[0.6, 0.3, 0.1]),
                    },
                ),
            },
            seed=seed,
        )
        return hashlib.sha256(jsonl(model).encode()).hexdigest()

    assert digest(5) == digest(5) != digest(6)


def test_unique_pairs_never_grow_a_fixed_pool() -> None:
    """2,000 users each following 0-20 others (skewed), every pair once: the
    follows of the first users are planned before the rest of the pool, which is
    planned ahead of its turn instead of growing; exactly 2,000 users."""
    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser", count=2000, fields={"name": seeder.Seq("u{n}")}
            ),
            "follow": seeder.Entity(
                command="Follow",
                per="user",
                count=seeder.Range(0, 20),
                actor="parent",
                unique=[("actor", "followee_id")],
                fields={
                    "follower_id": seeder.From("parent"),
                    "followee_id": seeder.Ref("user", skew=3.0, where={"key": {"$ne": "$actor"}}),
                },
            ),
        }
    )
    items = records(model)
    users = [r for r in items if r["command"] == "CreateUser"]
    follows = [r for r in items if r["command"] == "Follow"]
    assert [r["key"] for r in users] == [f"user:{n}" for n in range(1, 2001)]
    pairs = {(r["actor"], r["refs"]["followee_id"]) for r in follows}
    assert len(pairs) == len(follows) > 15_000
    assert all(r["refs"]["followee_id"] != f"{r['actor']}.id" for r in follows)


UNIQUE_FOLLOWS = """\
  user:
    command: CreateUser
    count: 5
    fields:
      name: {{seq: "u{{n}}"}}
  follow:
    command: Follow
    per: user
    count: {count}
    actor: parent
    unique: [actor, followee_id]
    fields:
      follower_id: {{from: parent}}
      followee_id: {{ref: user, where: {{key: {{$ne: $actor}}}}}}
"""


@pytest.mark.parametrize(
    ("count", "needle"),
    [
        # 6 follows each of 5 users: more than the 25 pairs, said before planning
        ("6", "allows at most 25 combinations but about 30 follow are planned"),
        # 3-5 each: 20 expected, but a user drawing 5 has only 4 others to follow
        ("{range: [3, 5]}", "no new combination of unique ['actor', 'followee_id']"),
    ],
)
def test_unique_beyond_a_fixed_pool_is_a_clear_error(
    count: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, _, _ = _plan_file(tmp_path, UNIQUE_FOLLOWS.format(count=count), capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert needle in err, err


def test_seq_on_an_int_field_is_sent_as_an_int(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = USERS_AND_POSTS.format(count="    count: 3\n", ref="{ref: user}").replace(
        "      title: t\n", '      title: t\n      size: {seq: "1{i:03d}"}\n'
    )
    code, err, _, _ = _plan_file(tmp_path, body, capsys)
    assert code == 0, err
    plan = log_records((tmp_path / "plan.jsonl").read_text())
    posts = [r for r in plan if r["command"] == "CreatePost"]
    assert [p["body"]["size"] for p in posts[:3]] == [1001, 1002, 1003]


def test_seq_on_an_int_field_that_is_not_a_number_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = USERS_AND_POSTS.format(count="    count: 3\n", ref="{ref: user}").replace(
        "      title: t\n", '      title: t\n      size: {seq: "s{n}"}\n'
    )
    code, err, _, scenario = _plan_file(tmp_path, body, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"{scenario}:{_line_of(scenario, 'size:')}:"), err
    assert "CreatePost.size is an int" in err and "'s1'" in err


def test_unique_over_a_final_pool_counts_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = USERS_AND_POSTS.format(count="", ref="{ref: user, mean: 20}").replace(
        "    count: 100\n", "    count: 100\n    unique: [author_id, title]\n"
    )
    code, err, _, _ = _plan_file(tmp_path, body, capsys)
    # 100 posts / mean 20 = 5 users, one title: at most 5 combinations
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "allows at most 5 combinations but about 100 post are planned" in err
