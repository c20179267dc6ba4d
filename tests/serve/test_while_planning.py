"""``seeder serve`` answers while its plan is still being stored: what it shows
then is a prefix of the plan (rows land in plan order), the same page later
shows the same rows, and ``GET /_status`` says how far it is."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.serve.sandbox import ROOT, start_serve, stop

SCENARIO = f"""\
seed: 1
commands: {ROOT / "commands" / "energy.py"}
entities:
  customer:
    command: RegisterCustomer
    count: 60000
    fields:
      name: {{seq: "Customer {{n}}"}}
      email: {{seq: "c{{n}}@example.com"}}
      tariff: {{choice: [flat, time_of_use, demand]}}
"""


def test_pages_while_planning_are_the_pages_once_complete(tmp_path: Path) -> None:
    scenario = tmp_path / "many.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    process, url = start_serve(scenario, complete=False)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            seen = []
            while True:
                status = client.get("/_status").json()
                page = client.get("/customers", params={"limit": 20}).json()
                seen.append((status, page))
                if status["complete"]:
                    break
                time.sleep(0.05)
            final = client.get("/customers", params={"limit": 20}).json()
            assert final["total"] == 60000 == client.get("/_status").json()["rows"]
            assert final["items"][0] == {
                "id": 1,
                "name": "Customer 1",
                "email": "c1@example.com",
                "tariff": final["items"][0]["tariff"],
            }
            rows = [s["rows"] for s, _ in seen]
            assert rows == sorted(rows)  # planning only goes forward
            for _, page in seen:
                # a partial total never exceeds what is stored, and what is shown is
                # exactly the first rows of the final plan
                assert page["total"] <= 60000
                assert page["items"] == final["items"][: len(page["items"])]
    finally:
        stop(process)
