"""Providers, each through a plan: what a user writes is what the commands carry."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

import seeder
from tests.conftest import SCENARIOS, model_of, records


def _things(
    count: int = 200,
    per: dict[str, object] | None = None,
    **fields: object,
) -> list[dict[str, object]]:
    entities = {"thing": seeder.Entity(command="Thing", count=count, fields=fields)}
    return [r["body"] for r in records(model_of(entities))]


def test_constants_sequences_and_templates() -> None:
    bodies = _things(
        5,
        a="fixed",
        b=seeder.Seq("T-{n:03d}", start=10),
        c=seeder.Template("{a}/{b}"),
        d=seeder.Const([1, 2]),
    )
    assert [b["b"] for b in bodies] == ["T-010", "T-011", "T-012", "T-013", "T-014"]
    assert bodies[0]["c"] == "fixed/T-010"
    assert bodies[0]["a"] == "fixed" and bodies[0]["d"] == [1, 2]


def test_weighted_choice_and_uniform_choice() -> None:
    bodies = _things(
        20_000, a=seeder.Choice(["x", "y"], [0.9, 0.1]), b=seeder.Choice(["p", "q", "r"])
    )
    share = Counter(b["a"] for b in bodies)["x"] / len(bodies)
    assert abs(share - 0.9) < 3 * (0.9 * 0.1 / len(bodies)) ** 0.5
    assert set(Counter(b["b"] for b in bodies)) == {"p", "q", "r"}


def test_numbers_respect_bounds_and_rounding() -> None:
    bodies = _things(
        3000,
        a=seeder.Range(1, 6),
        b=seeder.Normal(50, 20, min=0, max=100, round=1),
        c=seeder.LogNormal(0, 1, max=5, round=0),
        d=seeder.Poisson(100),
    )
    assert {b["a"] for b in bodies} == {1, 2, 3, 4, 5, 6}
    assert all(0 <= b["b"] <= 100 and round(b["b"], 1) == b["b"] for b in bodies)
    assert all(isinstance(b["c"], int) and 0 <= b["c"] <= 5 for b in bodies)
    mean_d = sum(b["d"] for b in bodies) / len(bodies)
    assert abs(mean_d - 100) < 3 * (100 / len(bodies)) ** 0.5


def test_dates_and_datetimes_are_iso_and_in_range() -> None:
    bodies = _things(
        500,
        a=seeder.DateRange("2026-01-01", "2026-01-31"),
        b=seeder.DateRange("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
    )
    days = {dt.date.fromisoformat(b["a"]) for b in bodies}
    assert min(days) >= dt.date(2026, 1, 1) and max(days) <= dt.date(2026, 1, 31)
    assert len(days) > 25
    assert all(re.fullmatch(r"2026-01-0[12]T\d\d:\d\d:\d\dZ", b["b"]) for b in bodies)


def test_fake_values_are_json_ready_and_unique_holds() -> None:
    bodies = _things(
        2000,
        a=seeder.Fake("date_of_birth"),
        b=seeder.Fake("uuid4"),
        c=seeder.Fake("pyint", {"min_value": 0, "max_value": 5000}, unique=True),
    )
    assert all(isinstance(b["a"], str) and dt.date.fromisoformat(b["a"]) for b in bodies)
    assert len({b["c"] for b in bodies}) == len(bodies)


def test_unique_running_dry_at_plan_time_is_a_clear_error() -> None:
    model = model_of(
        {
            "thing": seeder.Entity(
                command="Thing",
                count=50,
                fields={"a": seeder.Fake("pyint", {"min_value": 0, "max_value": 9}, unique=True)},
            )
        }
    )
    with pytest.raises(seeder.PlanError, match="value space is too small"):
        records(model)


def test_python_function_provider(tmp_path: Path) -> None:
    (tmp_path / "my_providers.py").write_text(
        "def code(rng, prefix):\n    return prefix + str(rng.randrange(1000))\n"
        "def both(rng, fields):\n    return fields['a'] + '!'\n"
    )
    scenario = seeder.Scenario(
        seed=1,
        base_dir=tmp_path,
        commands=__import__("tests.fixtures.social").fixtures.social,
        entities={
            "thing": seeder.Entity(
                command="Thing",
                count=5,
                fields={
                    "a": seeder.PythonFunction("my_providers:code", {"prefix": "X"}),
                    "b": seeder.PythonFunction("my_providers:both"),
                },
            )
        },
    )
    bodies = [r["body"] for r in records(seeder.compile_model(scenario))]
    assert all(b["a"].startswith("X") and b["b"] == b["a"] + "!" for b in bodies)


def test_energy_readings_never_decrease_and_follow_the_series() -> None:
    items = records(seeder.load_model(SCENARIOS / "energy.yaml", scale=0.2))
    last: dict[str, tuple[str, float]] = {}
    readings = 0
    for r in items:
        if r["command"] != "RecordReading":
            continue
        readings += 1
        meter, body = r["body"]["meter_id"], r["body"]
        if meter in last:
            prev_at, prev_value = last[meter]
            assert body["taken_at"] > prev_at
            assert (
                dt.datetime.fromisoformat(body["taken_at"]) - dt.datetime.fromisoformat(prev_at)
            ) == dt.timedelta(minutes=15)
            assert body["value"] >= prev_value
        else:
            assert body["taken_at"] == "2026-01-01T00:00:00Z" and body["value"] == 0
        last[meter] = (body["taken_at"], body["value"])
    assert readings > 5000
    assert all(re.fullmatch(r"MTR-\d{8}", m) for m in last)


def test_each_meter_has_its_own_consumption_factor() -> None:
    items = records(seeder.load_model(SCENARIOS / "energy.yaml", scale=0.1))
    totals: dict[str, float] = {}
    for r in items:
        if r["command"] == "RecordReading":
            totals[r["body"]["meter_id"]] = r["body"]["value"]
    spread = sorted(totals.values())
    # 95 steps of U(0, 0.25) average ~11.9 per unit of factor; factors in (0, 10)
    assert spread[0] < 0.2 * spread[-1]
    assert spread[-1] < 95 * 0.25 * 10


def _meter_ids(meters_per_customer: seeder.Range, seed_by: bool) -> dict[str, list[str]]:
    import dataclasses

    scenario, _ = seeder.load_scenario(SCENARIOS / "energy.yaml")
    meter = scenario.entities["meter"]
    fields = dict(meter.fields)
    if not seed_by:
        fields["meter_id"] = dataclasses.replace(fields["meter_id"], seed_by=None)
    entities = {
        "customer": dataclasses.replace(scenario.entities["customer"], count=60),
        "meter": dataclasses.replace(meter, count=meters_per_customer, fields=fields),
    }
    model = seeder.compile_model(dataclasses.replace(scenario, entities=entities))
    result: dict[str, list[str]] = {}
    for r in records(model):
        if r["command"] == "InstallMeter":
            result.setdefault(r["refs"]["customer_id"], []).append(r["body"]["meter_id"])
    return result


def test_seed_by_gives_the_same_meter_ids_to_the_same_customer() -> None:
    # Changing how many meters customers get shifts a plain stream, but with
    # seed_by: customer_id each customer's ids depend only on (seed, customer).
    few = _meter_ids(seeder.Range(1, 3), seed_by=True)
    many = _meter_ids(seeder.Range(3, 3), seed_by=True)
    assert len(few) == len(many) == 60
    for customer, ids in few.items():
        assert many[customer][: len(ids)] == ids
    assert len({i for ids in many.values() for i in ids}) == 180  # and they are unique
    # the control: without seed_by the same change does shift other customers' ids
    few_plain = _meter_ids(seeder.Range(1, 3), seed_by=False)
    many_plain = _meter_ids(seeder.Range(3, 3), seed_by=False)
    assert sum(many_plain[c][: len(ids)] != ids for c, ids in few_plain.items()) > 30


def test_counts_per_parent_and_series_within_parent() -> None:
    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser", count=30, fields={"name": seeder.Seq("u{n}")}
            ),
            "post": seeder.Entity(
                command="CreatePost",
                per="user",
                count=seeder.Range(2, 4),
                fields={
                    "author_id": seeder.From("parent"),
                    "title": seeder.Seq("{i}"),
                    "size": seeder.Series(10, 5),
                },
            ),
        }
    )
    per_user: dict[str, list[tuple[str, int]]] = {}
    for r in records(model):
        if r["command"] == "CreatePost":
            per_user.setdefault(r["deps"][0], []).append((r["body"]["title"], r["body"]["size"]))
    assert len(per_user) == 30
    for posts in per_user.values():
        assert 2 <= len(posts) <= 4
        assert posts == [(str(i), 10 + 5 * (i - 1)) for i in range(1, len(posts) + 1)]


def test_reference_field_takes_a_captured_value_or_a_planned_one() -> None:
    items = records(seeder.load_model(SCENARIOS / "library.yaml", scale=0.1))
    loans = [r for r in items if r["command"] == "BorrowBook"]
    assert loans and all(r["refs"]["book_number"].endswith(".number") for r in loans)
    school = records(seeder.load_model(SCENARIOS / "school.yaml"))
    classes = [r for r in school if r["command"] == "CreateClass"]
    assert all(re.fullmatch(r"S\d{6}", r["body"]["teacher_staff_id"]) for r in classes)


def test_scale_multiplies_root_counts() -> None:
    def books(scale: float) -> int:
        return sum(
            1
            for r in records(seeder.load_model(SCENARIOS / "library.yaml", scale=scale))
            if r["command"] == "PublishBook"
        )

    # 500 root books, plus the few that loans create when a small tenant runs out
    assert 500 <= books(0.1) < 600
    assert 5000 <= books(1.0) < 6000
    members = [
        r
        for r in records(seeder.load_model(SCENARIOS / "library.yaml", scale=0.1))
        if r["command"] == "RegisterMember"
    ]
    assert len(members) == 30
