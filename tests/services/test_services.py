"""Real third-party services seeded end to end (issue 11, item 9): Kinto and MLflow's
tracking server, installed from PyPI into their own virtualenvs (tests/services/
servers.py) and started on 127.0.0.1. Each test seeds the example scenario under
examples/<service>/ and checks the service's own read API against the plan: exact
counts, no duplicate, every reference where the plan put it — after one run, and
after a run SIGKILLed twice part-way and resumed each time (neither service honours
``Idempotency-Key``: what was in flight at a kill is found again by the bindings'
lookups, examples/<service>/commands.py)."""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from seeder.cli import main
from tests.conftest import ROOT, log_records
from tests.services import servers

pytestmark = [pytest.mark.services, pytest.mark.slow]
EXAMPLES = ROOT / "examples"
KINTO = EXAMPLES / "kinto" / "scenario.yaml"
MLFLOW = EXAMPLES / "mlflow" / "scenario.yaml"
API = "/api/2.0/mlflow"
AUTH = ("seeder", "secret")


def _plan(scenario: Path, out: Path, *flags: str) -> list[dict[str, Any]]:
    assert main(["plan", str(scenario), "--out", str(out), *flags]) == 0
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


def _key(placeholder: str) -> str:
    return placeholder.split(".")[0]


# -- what each service holds, read through its own API ------------------------------


def kinto_holds(url: str) -> tuple[list[str], dict[tuple[str, str], list[dict[str, Any]]]]:
    """The buckets' ids, and every collection's records by (bucket, collection)."""
    seeded: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with httpx.Client(base_url=url, auth=AUTH, timeout=30) as client:
        buckets = [b["id"] for b in client.get("/v1/buckets").json()["data"]]
        for bucket in buckets:
            path = f"/v1/buckets/{bucket}/collections"
            for collection in client.get(path).json()["data"]:
                records = client.get(f"{path}/{collection['id']}/records").json()["data"]
                seeded[(bucket, collection["id"])] = records
    return buckets, seeded


def check_kinto_holds_the_plan(url: str, plan: list[dict[str, Any]]) -> None:
    buckets, seeded = kinto_holds(url)
    bucket_of = {r["key"]: r["body"]["id"] for r in _by(plan, "PutBucket")}
    assert sorted(buckets) == sorted(bucket_of.values())
    # each collection in the bucket the plan put it in, each record in its collection
    where = {
        r["key"]: (bucket_of[_key(r["refs"]["bucket"])], r["body"]["id"])
        for r in _by(plan, "CreateCollection")
    }
    assert sorted(seeded) == sorted(where.values())
    expected: dict[tuple[str, str], list[tuple[str, float, list[str]]]]
    expected = collections.defaultdict(list)
    for r in _by(plan, "CreateRecord"):
        body = r["body"]
        expected[where[_key(r["refs"]["collection"])]].append(
            (body["title"], body["score"], body["tags"])
        )
    held = {
        k: sorted((r["title"], r["score"], r["tags"]) for r in v) for k, v in seeded.items() if v
    }
    assert held == {k: sorted(v) for k, v in expected.items()}
    ids = [rec["id"] for records in seeded.values() for rec in records]
    assert len(ids) == len(set(ids)) == len(_by(plan, "CreateRecord"))  # no duplicate


def mlflow_holds(url: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The experiments (id -> name, but MLflow's own Default) and their runs."""
    with httpx.Client(base_url=url, timeout=30) as client:
        found = client.post(f"{API}/experiments/search", json={"max_results": 1000}).json()
        experiments = {
            e["experiment_id"]: e["name"] for e in found["experiments"] if e["name"] != "Default"
        }
        if not experiments:
            return experiments, []
        runs: list[dict[str, Any]] = (
            client.post(
                f"{API}/runs/search",
                json={"experiment_ids": list(experiments), "max_results": 1000},
            )
            .json()
            .get("runs", [])
        )
    return experiments, runs


def check_mlflow_holds_the_plan(url: str, plan: list[dict[str, Any]]) -> None:
    experiments, runs = mlflow_holds(url)
    with httpx.Client(base_url=url, timeout=30) as client:
        history = {
            run["info"]["run_id"]: client.get(
                f"{API}/metrics/get-history",
                params={"run_id": run["info"]["run_id"], "metric_key": "loss"},
            ).json()["metrics"]
            for run in runs
        }
    planned_experiments = _by(plan, "CreateExperiment")
    assert sorted(experiments.values()) == sorted(r["body"]["name"] for r in planned_experiments)
    # each run in the experiment the plan put it in
    name_of = {r["key"]: r["body"]["name"] for r in planned_experiments}
    planned_runs = {
        r["body"]["run_name"]: name_of[_key(r["refs"]["experiment_id"])]
        for r in _by(plan, "CreateRun")
    }
    seeded_runs = {
        run["info"]["run_name"]: experiments[run["info"]["experiment_id"]] for run in runs
    }
    assert len(runs) == len(planned_runs)  # no duplicate
    assert seeded_runs == planned_runs
    # each run's metric history: the values the plan drew for it, step by step, once
    run_key = {r["key"]: r["body"]["run_name"] for r in _by(plan, "CreateRun")}
    planned_metrics: dict[str, list[tuple[int, float, int]]] = collections.defaultdict(list)
    for r in _by(plan, "LogMetric"):
        body = r["body"]
        planned_metrics[run_key[_key(r["refs"]["run_id"])]].append(
            (int(body["step"]), body["value"], int(body["timestamp"]))
        )
    name_by_id = {run["info"]["run_id"]: run["info"]["run_name"] for run in runs}
    seeded_metrics = {
        name_by_id[run_id]: sorted((int(m["step"]), m["value"], int(m["timestamp"])) for m in ms)
        for run_id, ms in history.items()
    }
    assert seeded_metrics == {k: sorted(v) for k, v in planned_metrics.items()}


# -- one run --------------------------------------------------------------------------


def test_kinto(tmp_path: Path) -> None:
    plan = _plan(KINTO, tmp_path / "plan.jsonl")
    with servers.kinto(tmp_path) as url:
        report = _seed(KINTO, url.replace("http://", "http://seeder:secret@"), tmp_path)
        check_kinto_holds_the_plan(url, plan)
    assert report["totals"]["created"] == len(plan)


def test_mlflow(tmp_path: Path) -> None:
    plan = _plan(MLFLOW, tmp_path / "plan.jsonl")
    with servers.mlflow(tmp_path) as url:
        report = _seed(MLFLOW, url, tmp_path)  # at the default settings: paced to MLflow
        check_mlflow_holds_the_plan(url, plan)
        # LogMetric's binding is idempotent=True because MLflow ignores a value logged
        # again (same run, key, step, timestamp, value): sent twice more, still once
        run = mlflow_holds(url)[1][0]["info"]
        key = next(
            r["key"] for r in _by(plan, "CreateRun") if r["body"]["run_name"] == run["run_name"]
        )
        metric = next(r["body"] for r in _by(plan, "LogMetric") if _key(r["refs"]["run_id"]) == key)
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(2):
                sent = {**metric, "run_id": run["run_id"]}
                assert client.post(f"{API}/runs/log-metric", json=sent).status_code == 200
        check_mlflow_holds_the_plan(url, plan)
    assert report["totals"]["created"] == len(plan)
    assert report["totals"]["uncertain"] == 0


# -- killed and resumed -------------------------------------------------------------


def _start(scenario: Path, target: str, folder: Path, *flags: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "seeder", "run", str(scenario), "--target", target]
    argv += ["--journal", str(folder / "journal.sqlite"), "--no-progress", *flags]
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


SENT, DONE = 1, 2  # an item's marks in the journal (seeder.run.journal.Mark)


def _latest_marks(journal: Path) -> dict[str, int]:
    """Each item's latest mark in the journal (rows are appended: the last one
    counts), read as another process may while seeder writes it (WAL)."""
    if not journal.exists():
        return {}
    con = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute("SELECT key, state FROM items ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # its tables are not made yet
        return {}
    finally:
        con.close()
    return dict(rows)


def _kill_when(
    process: subprocess.Popen[str], journal: Path, done: float, planned: int
) -> set[str]:
    """SIGKILLs ``process`` once its journal holds ``done`` items done and a command
    the service may apply twice is in doubt (its "sent" mark is in the journal, its
    answer not yet: in flight, or since an earlier kill waiting to be settled); the
    items then in doubt."""
    deadline = time.monotonic() + 120
    while process.poll() is None:
        marks = _latest_marks(journal)
        if sum(m == DONE for m in marks.values()) >= done and SENT in marks.values():
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=10)
            assert process.returncode == -signal.SIGKILL
            marks = _latest_marks(journal)
            assert sum(m == DONE for m in marks.values()) < planned, "killed after the end"
            return {key for key, mark in marks.items() if mark == SENT}
        assert time.monotonic() < deadline, "the run neither ended nor progressed"
        time.sleep(0.01)
    out, _ = process.communicate()
    pytest.fail(f"the run ended before it was killed (make the scenario bigger):\n{out}")


def _killed_twice_and_resumed(
    scenario: Path, target: str, folder: Path, planned: int, *flags: str, first: float = 1 / 4
) -> dict[str, Any]:
    """``seeder run`` SIGKILLed once its journal holds ``first`` of the plan done,
    then (resumed) once it has done more, each time while a command without
    idempotency is in doubt, and resumed to its end: the last run's report. Every command in doubt
    at a kill is settled by its lookup (found, or not found and sent again), none
    left uncertain."""
    journal = folder / "journal.sqlite"
    in_doubt: list[set[str]] = []
    # the second kill soon after the resume: a run pulls ahead the commands that wait
    # on nothing (MLflow's runs), so late in a run only idempotent ones are in flight
    for share in (first, 0):
        done = sum(m == DONE for m in _latest_marks(journal).values())
        resume = ("--resume",) if in_doubt else ()
        process = _start(scenario, target, folder, *resume, *flags)
        in_doubt.append(_kill_when(process, journal, done + max(1, planned * share), planned))
    report = folder / "report.json"
    last = _start(scenario, target, folder, "--resume", "--report", str(report), *flags)
    out, _ = last.communicate(timeout=300)
    assert last.returncode == 0, out
    assert "done earlier" in out, out
    data: dict[str, Any] = json.loads(report.read_text())
    assert data["totals"]["uncertain"] == 0, data["uncertain"]
    settled = {s["key"]: s["how"] for s in data["settled"]["items"]}
    assert in_doubt[1] <= set(settled), (settled, in_doubt)  # those of the last kill
    assert set(settled.values()) <= {"found", "resent", "adopted"}, settled
    marks = _latest_marks(journal)
    assert all(marks[key] == DONE for doubt in in_doubt for key in doubt)
    assert in_doubt[0] or in_doubt[1], "the kills landed between the commands in doubt"
    t = data["totals"]
    assert t["earlier"] + t["created"] == planned, t
    return data


def test_kinto_killed_and_resumed(tmp_path: Path) -> None:
    # ~600 commands: a few seconds, long enough to be killed; a resume waits one
    # --timeout before it sends again what its lookup did not find (Kinto answers in ms)
    flags = ("--scale", "4", "--timeout", "3")
    plan = _plan(KINTO, tmp_path / "plan.jsonl", *flags[:2])
    with servers.kinto(tmp_path) as url:
        target = url.replace("http://", "http://seeder:secret@")
        report = _killed_twice_and_resumed(KINTO, target, tmp_path, len(plan), *flags)
        check_kinto_holds_the_plan(url, plan)
    print("settled after the last kill:", report["settled"]["counts"])


def test_mlflow_killed_and_resumed(tmp_path: Path) -> None:
    flags = ("--scale", "3", "--timeout", "3")  # ~520 commands: a few seconds
    plan = _plan(MLFLOW, tmp_path / "plan.jsonl", *flags[:2])
    with servers.mlflow(tmp_path) as url:
        # the first kill early: MLflow's runs (the commands without idempotency) wait on
        # nothing but their experiment, so a run pulls them ahead and, killed at a
        # quarter, its resume may have only idempotent metrics left to be killed during
        report = _killed_twice_and_resumed(MLFLOW, url, tmp_path, len(plan), *flags, first=0)
        check_mlflow_holds_the_plan(url, plan)
    print("settled after the last kill:", report["settled"]["counts"])
