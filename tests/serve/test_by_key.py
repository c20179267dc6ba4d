"""Generation on demand per key (scenarios/energy.yaml's ``serve: by_key:``),
through real HTTP: any customer id has meters and any meter id has readings,
made by the scenario's own providers from (seed, id) only — identical across
restarts, whatever was asked before — readings that never decrease, each meter
with its own consumption factor in (0, 10)."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.serve.sandbox import ROOT, serving, start_serve, stop

ENERGY = ROOT / "scenarios" / "energy.yaml"
SCALE = ("--scale", "0.05")  # the planned part small: this is about the part made on demand
STEP_MAX = 0.25  # the scenario's reading step: uniform [0, 0.25] times the meter's factor
FACTOR_MAX = 10.0


@pytest.fixture(scope="module")
def energy() -> Iterator[httpx.Client]:
    with serving(ENERGY, *SCALE) as client:
        yield client


def meters(client: httpx.Client, customer: object) -> list[dict[str, Any]]:
    answer = client.get(f"/customers/{customer}/meters")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def readings(client: httpx.Client, meter: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(f"/meters/{meter}/readings", params={"limit": 1000, **params})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_any_customer_has_meters_of_its_own(energy: httpx.Client) -> None:
    for customer in (1, 77, 123456, 987654321):
        found = meters(energy, customer)
        assert 1 <= len(found) <= 3  # the scenario's count: {range: [1, 3]}
        assert all(m["customer_id"] == customer for m in found)
        assert all(m["meter_id"].startswith("MTR-") and len(m["meter_id"]) == 12 for m in found)
    ids = [m["meter_id"] for c in range(1, 40) for m in meters(energy, c)]
    assert len(set(ids)) == len(ids)  # 8-digit ids: a repeat among ~80 would be a 1-in-10^5 event


def test_the_same_bytes_across_restarts_whatever_was_asked_before() -> None:
    first, url_a = start_serve(ENERGY, *SCALE)
    second, url_b = start_serve(ENERGY, *SCALE)
    try:
        with httpx.Client(base_url=url_a) as a, httpx.Client(base_url=url_b) as b:
            # a asks in one order, with others in between; b in another
            asked_a = [f"/customers/{c}/meters" for c in (5, 31337, 2, 123456)]
            answers_a = {p: a.get(p).content for p in asked_a}
            meter_ids = [m["meter_id"] for c in (5, 123456) for m in meters(a, c)]
            reading_paths = [
                f"/meters/{m}/readings?from=2026-01-01T06:00:00Z&to=2026-01-02T00:00:00Z"
                for m in meter_ids
            ]
            answers_a |= {p: a.get(p).content for p in reading_paths}
            for other in (99, 100, 101):
                b.get(f"/customers/{other}/meters")
            for path in reversed([*asked_a, *reading_paths]):
                assert b.get(path).content == answers_a[path], path
    finally:
        stop(first)
        stop(second)


def test_readings_never_decrease_and_each_meter_has_its_own_factor(energy: httpx.Client) -> None:
    factors = []
    for customer in range(1000, 1010):
        for meter in meters(energy, customer):
            values = [r["value"] for r in readings(energy, meter["meter_id"])]
            assert len(values) == 96  # the scenario's count: a day at 15 minutes
            steps = [b - a for a, b in itertools.pairwise(values)]
            assert min(steps) >= 0
            # rounding to 3 decimals moves a step by at most 0.001
            assert max(steps) <= STEP_MAX * FACTOR_MAX + 0.001
            # mean step = factor * 0.125 (uniform [0, 0.25]); 95 steps estimate it to ~6%
            factors.append(statistics.fmean(steps) / (STEP_MAX / 2))
    assert len(factors) >= 10
    assert all(0 < f < FACTOR_MAX * 1.3 for f in factors)  # 1.3: five sd of the estimate
    # factors uniform in (0, 10): 10+ of them spread over less than 3 is a < 1e-4 event
    assert max(factors) - min(factors) > 3


def test_a_window_is_a_slice_of_the_same_series(energy: httpx.Client) -> None:
    meter = "MTR-00000042"  # any id, not one the scenario planned
    day = readings(energy, meter)
    assert [r["taken_at"] for r in day[:2]] == ["2026-01-01T00:00:00Z", "2026-01-01T00:15:00Z"]
    week = readings(energy, meter, to="2026-01-07T23:45:00Z", limit=1000)
    assert len(week) == 7 * 96 and week[:96] == day
    window = readings(
        energy, meter, **{"from": "2026-01-03T00:00:00Z", "to": "2026-01-03T01:00:00Z"}
    )
    assert [r["taken_at"] for r in window] == [
        f"2026-01-03T00:{m:02d}:00Z" for m in (0, 15, 30, 45)
    ] + ["2026-01-03T01:00:00Z"]
    assert window == [r for r in week if r["taken_at"] in {w["taken_at"] for w in window}]
    values = [r["value"] for r in week]
    assert values == sorted(values)
    bad = energy.get(f"/meters/{meter}/readings", params={"to": "next tuesday"})
    assert bad.status_code == 422 and "to must be an ISO date or time" in bad.text
