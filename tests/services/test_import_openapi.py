"""``seeder import openapi`` on a real third-party service's published document:
Prefect's orchestration server (installed from PyPI into its own virtualenv, see
servers.py), whose OpenAPI 3.1 document is served at /api/openapi.json. Its flows,
deployments and flow runs are imported (module and starter scenario as written,
unedited), seeded with ``seeder run``, and read back through Prefect's own filter
API: every planned flow exists, each deployment and flow run belongs to the flow
the plan gave it."""

from __future__ import annotations

import collections
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from seeder.cli import main
from tests.conftest import ROOT, log_records
from tests.services import servers

pytestmark = [pytest.mark.services, pytest.mark.slow]
INCLUDE = ("/flows/", "/deployments/", "/flow_runs/")


def _ruff_clean(module: Path) -> None:
    config = str(ROOT / "pyproject.toml")
    ruff = str(Path(sys.executable).parent / "ruff")
    for argv in (["check", "--config", config], ["format", "--check", "--config", config]):
        done = subprocess.run(
            [ruff, *argv, str(module)], cwd=module.parent, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_prefect(tmp_path: Path) -> None:
    with servers.prefect(tmp_path) as url:
        module = tmp_path / "commands" / "prefect_api.py"
        scenario = tmp_path / "scenarios" / "prefect.yaml"
        argv = ["import", "openapi", f"{url}/api/openapi.json", "--out", str(module)]
        argv += ["--scenario", str(scenario), *(x for p in INCLUDE for x in ("--include", p))]
        assert main(argv) == 0
        _ruff_clean(module)
        spec = importlib.util.spec_from_file_location("prefect_api_imported", module)
        assert spec is not None and spec.loader is not None
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        text = scenario.read_text()
        assert "      flow_id: {ref: flow}" in text.splitlines()
        assert main(["validate", str(scenario)]) == 0
        plan_file = tmp_path / "plan.jsonl"
        assert main(["plan", str(scenario), "--out", str(plan_file)]) == 0
        plan = log_records(plan_file.read_text())
        report = tmp_path / "report.json"
        code = main(
            [
                *("run", str(scenario), "--target", url, "--no-progress"),
                *("--report", str(report), "--journal", str(tmp_path / "journal.sqlite")),
                # Prefect on SQLite answers 503 when its database is busy: seeder
                # retries those, and fewer at once keeps the retries few
                *("--concurrency", "4"),
            ]
        )
        assert code == 0, report.read_text()
        with httpx.Client(base_url=f"{url}/api", timeout=30) as client:

            def read(what: str) -> list[dict[str, Any]]:
                answer = client.post(f"/{what}/filter", json={"limit": 200})
                answer.raise_for_status()
                found: list[dict[str, Any]] = answer.json()
                return found

            flows, deployments, runs = read("flows"), read("deployments"), read("flow_runs")
    by = collections.defaultdict(list)
    for record in plan:
        by[record["command"]].append(record)
    flow_name = {r["key"]: r["body"]["name"] for r in by["CreateFlow"]}
    assert len(set(flow_name.values())) == len(flow_name) == 5
    assert sorted(f["name"] for f in flows) == sorted(flow_name.values())
    name_of = {f["id"]: f["name"] for f in flows}

    def placed(command: str) -> list[tuple[str, str]]:
        return sorted(
            (r["body"]["name"], flow_name[r["refs"]["flow_id"].split(".")[0]]) for r in by[command]
        )

    assert by["CreateDeployment"] and by["CreateFlowRun"]
    assert sorted((d["name"], name_of[d["flow_id"]]) for d in deployments) == placed(
        "CreateDeployment"
    )
    assert sorted((r["name"], name_of[r["flow_id"]]) for r in runs) == placed("CreateFlowRun")
    assert json.loads(report.read_text())["totals"]["created"] == len(plan)


def test_kinto_serves_swagger_2_which_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with servers.kinto(tmp_path) as url:
        spec = f"{url}/v1/__api__"
        assert httpx.get(spec, timeout=30).json()["swagger"] == "2.0"
        out = tmp_path / "kinto_api.py"
        assert main(["import", "openapi", spec, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"seeder: {spec} is Swagger 2.0 (OpenAPI 2); seeder imports OpenAPI 3.0 and 3.1: "
        "convert it first (e.g. `npx swagger2openapi SPEC -o spec3.json`) and import the result"
    ]
    assert not out.exists()
