"""Real third-party services seeded end to end (issue 11, item 9): Kinto and MLflow's
tracking server, installed from PyPI into their own virtualenvs (tests/services/
servers.py) and started on 127.0.0.1. Each test seeds the example scenario under
examples/<service>/ and checks the service's own read API against the plan: exact
counts, no duplicate, every reference where the plan put it."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from seeder.cli import main
from tests.conftest import ROOT, log_records
from tests.services import servers

pytestmark = [pytest.mark.services, pytest.mark.slow]
EXAMPLES = ROOT / "examples"


def _plan(scenario: Path, out: Path) -> list[dict[str, Any]]:
    assert main(["plan", str(scenario), "--out", str(out)]) == 0
    return log_records(out.read_text())


def _seed(scenario: Path, target: str, folder: Path, *flags: str) -> dict[str, Any]:
    report = folder / "report.json"
    code = main(
        [
            *("run", str(scenario), "--target", target, "--no-progress"),
            *("--report", str(report), "--journal", str(folder / "journal.sqlite")),
            *flags,
        ]
    )
    data: dict[str, Any] = json.loads(report.read_text())
    assert code == 0, data
    return data


def _by(plan: list[dict[str, Any]], command: str) -> list[dict[str, Any]]:
    return [r for r in plan if r["command"] == command]


def test_kinto(tmp_path: Path) -> None:
    scenario = EXAMPLES / "kinto" / "scenario.yaml"
    plan = _plan(scenario, tmp_path / "plan.jsonl")
    with servers.kinto(tmp_path) as url:
        target = url.replace("http://", "http://seeder:secret@")
        report = _seed(scenario, target, tmp_path)
        auth = ("seeder", "secret")
        with httpx.Client(base_url=url, auth=auth, timeout=30) as client:
            buckets = client.get("/v1/buckets").json()["data"]
            seeded: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for bucket in buckets:
                path = f"/v1/buckets/{bucket['id']}/collections"
                for collection in client.get(path).json()["data"]:
                    records = client.get(f"{path}/{collection['id']}/records").json()["data"]
                    seeded[(bucket["id"], collection["id"])] = records
    bucket_of = {r["key"]: r["body"]["id"] for r in _by(plan, "PutBucket")}
    assert sorted(b["id"] for b in buckets) == sorted(bucket_of.values())
    assert len(bucket_of) == 3
    # each collection in the bucket the plan put it in, each record in its collection
    where = {
        r["key"]: (bucket_of[r["refs"]["bucket"].split(".")[0]], r["body"]["id"])
        for r in _by(plan, "CreateCollection")
    }
    assert sorted(seeded) == sorted(where.values())
    expected: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for r in _by(plan, "CreateRecord"):
        expected[where[r["refs"]["collection"].split(".")[0]]].append(r["body"]["title"])
    assert {k: sorted(r["title"] for r in v) for k, v in seeded.items() if v} == {
        k: sorted(v) for k, v in expected.items()
    }
    ids = [rec["id"] for records in seeded.values() for rec in records]
    assert len(ids) == len(set(ids)) == len(_by(plan, "CreateRecord"))  # no duplicate
    assert report["totals"]["created"] == len(plan)


def test_mlflow(tmp_path: Path) -> None:
    scenario = EXAMPLES / "mlflow" / "scenario.yaml"
    plan = _plan(scenario, tmp_path / "plan.jsonl")
    api = "/api/2.0/mlflow"
    with servers.mlflow(tmp_path) as url:
        # its writes queue on SQLite's lock: at seeder's default concurrency (32) on a
        # loaded machine some answers take longer than the timeout (README: Real services)
        report = _seed(scenario, url, tmp_path, "--concurrency", "2")
        with httpx.Client(base_url=url, timeout=30) as client:
            found = client.post(f"{api}/experiments/search", json={"max_results": 1000}).json()
            experiments = {
                e["experiment_id"]: e["name"]
                for e in found["experiments"]
                if e["name"] != "Default"
            }
            runs = client.post(
                f"{api}/runs/search",
                json={"experiment_ids": list(experiments), "max_results": 1000},
            ).json()["runs"]
            history = {
                run["info"]["run_id"]: client.get(
                    f"{api}/metrics/get-history",
                    params={"run_id": run["info"]["run_id"], "metric_key": "loss"},
                ).json()["metrics"]
                for run in runs
            }
    planned_experiments = _by(plan, "CreateExperiment")
    assert sorted(experiments.values()) == sorted(r["body"]["name"] for r in planned_experiments)
    # each run in the experiment the plan put it in
    name_of = {r["key"]: r["body"]["name"] for r in planned_experiments}
    planned_runs = {
        r["body"]["run_name"]: name_of[r["refs"]["experiment_id"].split(".")[0]]
        for r in _by(plan, "CreateRun")
    }
    seeded_runs = {
        run["info"]["run_name"]: experiments[run["info"]["experiment_id"]] for run in runs
    }
    assert len(runs) == len(planned_runs)  # no duplicate
    assert seeded_runs == planned_runs
    # each run's metric history: the values the plan drew for it, step by step
    run_key = {r["key"]: r["body"]["run_name"] for r in _by(plan, "CreateRun")}
    planned_metrics: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
    for r in _by(plan, "LogMetric"):
        planned_metrics[run_key[r["refs"]["run_id"].split(".")[0]]].append(
            (int(r["body"]["step"]), r["body"]["value"])
        )
    name_by_id = {run["info"]["run_id"]: run["info"]["run_name"] for run in runs}
    seeded_metrics = {
        name_by_id[run_id]: sorted((int(m["step"]), m["value"]) for m in metrics)
        for run_id, metrics in history.items()
    }
    assert seeded_metrics == {k: sorted(v) for k, v in planned_metrics.items()}
    assert report["totals"]["created"] == len(plan)
