"""Every entity of a scenario with no ``serve:`` section, through real HTTP: a
paged collection (offset/limit), each instance by its key, children under their
parent, filters on fields; and cursor paging from a ``serve:`` section."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import seeder
from tests.serve.sandbox import ROOT, serving

ENERGY = ROOT / "scenarios" / "energy.yaml"
SCALE = "0.1"  # 20 customers


def energy_text() -> str:
    """scenarios/energy.yaml without its serve: section (made on demand, tested in
    test_by_key), its commands found from anywhere."""
    text = ENERGY.read_text(encoding="utf-8")
    return text[: text.index("\nserve:")].replace(
        "commands: ../commands/energy.py", f"commands: {ROOT / 'commands' / 'energy.py'}"
    )


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = tmp_path_factory.mktemp("energy") / "energy.yaml"
    scenario.write_text(energy_text(), encoding="utf-8")
    return scenario


@pytest.fixture(scope="module")
def plan(plain: Path) -> list[seeder.PlanItem]:
    return list(seeder.plan_items(seeder.load_model(plain, scale=float(SCALE))))


@pytest.fixture(scope="module")
def energy(plain: Path) -> Iterator[httpx.Client]:
    with serving(plain, "--scale", SCALE) as client:
        yield client


def of(plan: list[seeder.PlanItem], entity: str) -> list[seeder.PlanItem]:
    return [i for i in plan if i.entity == entity]


def test_a_collection_pages_by_offset_and_limit(
    energy: httpx.Client, plan: list[seeder.PlanItem]
) -> None:
    customers = of(plan, "customer")
    page = energy.get("/customers", params={"offset": 5, "limit": 5}).json()
    assert [c["email"] for c in page["items"]] == [c.body["email"] for c in customers[5:10]]
    assert [c["id"] for c in page["items"]] == [6, 7, 8, 9, 10]  # assigned: the instance number
    assert (page["offset"], page["limit"], page["total"]) == (5, 5, len(customers))
    assert energy.get("/customers", params={"offset": 1000}).json()["items"] == []
    assert energy.get("/customers", params={"limit": 0}).status_code == 422


def test_an_instance_by_its_key_and_children_under_their_parent(
    energy: httpx.Client, plan: list[seeder.PlanItem]
) -> None:
    meters = of(plan, "meter")
    first = meters[0]
    one = energy.get(f"/meters/{first.body['meter_id']}").json()
    assert one["meter_id"] == first.body["meter_id"] and one["kind"] == first.body["kind"]
    assert one["customer_id"] == 1  # the placeholder customer:1.id, as assigned here
    # the customer with two or more meters: its meters, in plan order
    owner = next(
        i.refs["customer_id"]
        for i in meters
        if sum(m.refs["customer_id"] == i.refs["customer_id"] for m in meters) >= 2
    )
    number = int(owner.split(":")[1].split(".")[0])
    expected = [m.body["meter_id"] for m in meters if m.refs["customer_id"] == owner]
    listed = energy.get(f"/customers/{number}/meters").json()
    assert [m["meter_id"] for m in listed["items"]] == expected
    assert listed["total"] == len(expected)
    readings = energy.get(f"/meters/{expected[0]}/readings", params={"limit": 1000}).json()
    values = [r["value"] for r in readings["items"]]
    assert len(values) == 96 and values == sorted(values)
    assert energy.get("/customers/99999/meters").status_code == 404
    missing = energy.get("/meters/MTR-nope")
    assert missing.status_code == 404 and missing.json() == {
        "detail": "no meter with meter_id 'MTR-nope'"
    }


def test_filters_on_fields(energy: httpx.Client, plan: list[seeder.PlanItem]) -> None:
    for tariff in ("flat", "time_of_use"):
        expected = [c.body["email"] for c in of(plan, "customer") if c.body["tariff"] == tariff]
        page = energy.get("/customers", params={"tariff": tariff, "limit": 1000}).json()
        assert [c["email"] for c in page["items"]] == expected and page["total"] == len(expected)
    gas = energy.get("/meters", params={"kind": "gas", "customer_id": 3}).json()["items"]
    assert gas == [
        energy.get(f"/meters/{m.body['meter_id']}").json()
        for m in of(plan, "meter")
        if m.body["kind"] == "gas" and m.refs["customer_id"] == "customer:3.id"
    ]


CURSOR = """
serve:
  routes:
    readings:
      path: /feed/readings
      entity: reading
      paginate: {style: cursor, cursor: after, limit: take, default: 7, max: 50}
      envelope: {next: next, items: data}
"""


def test_cursor_paging_walks_every_row_once(tmp_path: Path) -> None:
    scenario = tmp_path / "energy.yaml"
    scenario.write_text(energy_text() + CURSOR, encoding="utf-8")
    plan = of(list(seeder.plan_items(seeder.load_model(scenario, scale=0.02))), "reading")
    with serving(scenario, "--scale", "0.02") as client:
        seen: list[dict[str, Any]] = []
        params: dict[str, Any] = {"take": 50}
        while True:
            page = client.get("/feed/readings", params=params).json()
            assert page["total"] == len(plan) and page["take"] == 50
            seen += page["data"]
            if page["next"] is None:
                break
            params["after"] = page["next"]
        assert [(r["meter_id"], r["taken_at"]) for r in seen] == [
            (i.body["meter_id"], i.body["taken_at"]) for i in plan
        ]
        assert len(client.get("/feed/readings").json()["data"]) == 7
        bad = client.get("/feed/readings", params={"after": "bogus"})
        assert bad.status_code == 422 and "is not a cursor this service gave" in bad.text
