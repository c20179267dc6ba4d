"""Deep pages of a filtered route, through real HTTP: pages found by the rank kept
per value (a seek at any depth) are the plan's rows in plan order, with the right
totals, by offset and by cursor; a column with more distinct values than ranks are
kept for falls back to the general query and still answers right."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import seeder
from seeder.serve.store import RANKED_VALUES
from tests.serve.sandbox import ROOT, serving

CUSTOMERS = RANKED_VALUES + 4_000  # the postcodes outgrow the ranks kept

SCENARIO = f"""\
seed: 3
commands: {ROOT / "commands" / "energy.py"}
entities:
  customer:
    command: RegisterCustomer
    count: {CUSTOMERS}
    fields:
      name: {{seq: "Customer {{n}}"}}
      email: {{seq: "c{{n}}@example.com"}}
      tariff: {{choice: {{flat: 0.6, time_of_use: 0.3, demand: 0.1}}}}
      postcode: {{seq: "{{n:06d}}"}}
serve:
  defaults: false
  routes:
    by_tariff:
      path: /tariffs/{{tariff}}/customers
      entity: customer
      where: {{tariff: tariff}}
      fields: [email, tariff]
    by_tariff_cursor:
      path: /cursor/tariffs/{{tariff}}/customers
      entity: customer
      where: {{tariff: tariff}}
      fields: [email]
      paginate: {{style: cursor, default: 50, max: 5000}}
    by_postcode:
      path: /postcodes/{{postcode}}/customers
      entity: customer
      where: {{postcode: postcode}}
      fields: [email]
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("deep") / "deep.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def planned(scenario: Path) -> dict[str, list[str]]:
    """The emails of each tariff, in plan order (the oracle)."""
    out: dict[str, list[str]] = {}
    for item in seeder.plan_items(seeder.load_model(scenario)):
        out.setdefault(item.body["tariff"], []).append(item.body["email"])
    return out


@pytest.fixture(scope="module")
def deep(scenario: Path) -> Iterator[httpx.Client]:
    with serving(scenario) as client:
        yield client


def test_deep_pages_of_a_filter_are_the_plans_rows(
    deep: httpx.Client, planned: dict[str, list[str]]
) -> None:
    for tariff, emails in planned.items():
        n = len(emails)
        for offset in (0, 1, n // 2, n - 50, n - 1, n, n + 10):
            page = deep.get(
                f"/tariffs/{tariff}/customers", params={"offset": offset, "limit": 50}
            ).json()
            assert [c["email"] for c in page["items"]] == emails[offset : offset + 50], offset
            assert page["total"] == n
            assert {c["tariff"] for c in page["items"]} <= {tariff}
    assert deep.get("/tariffs/nothing/customers").json() == {
        "items": [],
        "offset": 0,
        "limit": 100,
        "total": 0,
    }


def test_cursor_pages_of_a_filter_walk_its_rows_once(
    deep: httpx.Client, planned: dict[str, list[str]]
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
        page = deep.get("/cursor/tariffs/demand/customers", params=params).json()
        seen += [c["email"] for c in page["items"]]
        assert page["total"] == len(planned["demand"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == planned["demand"]


def test_a_column_of_too_many_values_falls_back_and_answers_right(deep: httpx.Client) -> None:
    for n in (1, RANKED_VALUES, RANKED_VALUES + 1, CUSTOMERS):  # ranked, then not
        page = deep.get(f"/postcodes/{n:06d}/customers").json()
        assert [c["email"] for c in page["items"]] == [f"c{n}@example.com"]
        assert page["total"] == 1
