"""Seeding runs over HTTP: ``seeder serve``'s ``/runs`` API, a real server process,
starting ``seeder run`` children against a real demo server process.

A run seeded over HTTP ends done and its report (the ``--report`` JSON, valid
against its schema) equals what the demo's own database holds; a run interrupted
by ``DELETE`` keeps its journal and resumes to exactly the plan; the secrets sent
as headers appear in no answer and no log; mistakes are one problem each (4xx).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

import seeder
from tests.conftest import ROOT, SCENARIOS, free_port

CLI = [sys.executable, "-m", "seeder"]
TOKEN = "runs-token-0d7c61"  # the runs API's own token (the server's $SEEDER_SERVE_TOKEN)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "s3cr3t-for-the-target-5b1f"


def _wait(url: str, process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                pytest.fail(f"{what} exited: {process.communicate()[1]}")
            assert time.monotonic() < deadline, f"{what} did not answer"
            time.sleep(0.05)


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """``seeder serve`` of the library with the runs API behind a token; yields a
    client with the token. Its whole output (runs' lines are not in it, but a
    careless log would be) is checked at the end for the secrets."""
    folder = tmp_path_factory.mktemp("runs")
    port = free_port()
    env = {
        **os.environ,
        "SEEDER_JOURNAL_DIR": str(folder / "journals"),
        "SEEDER_SERVE_TOKEN": TOKEN,
    }
    process = subprocess.Popen(
        [*CLI, "serve", str(SCENARIOS / "library.yaml"), "--port", str(port), "--scale", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/_status", process, "seeder serve")
    try:
        with httpx.Client(base_url=url, timeout=90, headers=AUTH) as client:
            yield client
    finally:
        out, err = _stop(process)
    for secret in (SECRET, TOKEN):
        assert secret not in out + err


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "demo", "--port", str(port), "--db", str(tmp_path / "demo.sqlite")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/_counts", process, "seeder demo")
    try:
        yield url
    finally:
        _stop(process)


def held(demo: str) -> dict[str, int]:
    """What the demo's own database holds, per entity (its /_counts names are plural)."""
    counts = httpx.get(demo + "/_counts", timeout=10).json()
    singular = {"tenants": "tenant", "authors": "author", "books": "book"}
    singular |= {"members": "member", "loans": "loan"}
    return {singular[k]: v for k, v in counts.items() if k in singular}


def until_ended(client: httpx.Client, run_id: str, seconds: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        run: dict[str, Any] = client.get(f"/runs/{run_id}").json()
        if run["status"] in ("done", "incomplete", "interrupted", "failed"):
            return run
        assert time.monotonic() < deadline, f"run still {run['status']}: {run['log']}"
        time.sleep(0.1)


def validate(report: dict[str, Any]) -> None:
    schema = json.loads((resources.files("seeder") / "report.schema.json").read_text())
    jsonschema.validate(report, schema)


def test_a_run_over_http_seeds_the_demo_and_reports_what_it_holds(
    server: httpx.Client, demo: str
) -> None:
    client = server
    answer = client.post(
        "/runs",
        json={"target": demo, "scale": 0.1, "seed": 11, "headers": {"X-Api-Key": SECRET}},
    )
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert answer.headers["location"] == f"/runs/{run['id']}"
    assert run["status"] in ("running", "done"), run
    assert run["header_names"] == ["X-Api-Key"]
    assert run["scenario"] == "library"
    ended = until_ended(client, run["id"])
    assert (ended["status"], ended["exit_code"]) == ("done", 0), ended["log"]
    report = ended["report"]
    validate(report)
    created = {e: c["created"] for e, c in report["entities"].items()}
    assert created == held(demo)
    assert sum(created.values()) > 500  # scale 0.1 of the library: ~630 commands
    assert ended["progress"]["done"] == ended["progress"]["total"] == sum(created.values())
    listed = client.get("/runs").json()
    assert run["id"] in [r["id"] for r in listed["runs"]]
    for shown in (json.dumps(listed), json.dumps(ended), answer.text):
        assert SECRET not in shown


def test_a_deleted_run_keeps_its_journal_and_resumes_to_the_plan(
    server: httpx.Client, demo: str
) -> None:
    client = server
    body = {"target": demo, "scale": 0.2, "seed": 12, "rate": 300, "headers": {"X-K": SECRET}}
    run = client.post("/runs", json=body).json()
    again = client.post("/runs", json=body)  # the same scenario and target: one journal
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    deadline = time.monotonic() + 30
    while (client.get(f"/runs/{run['id']}").json()["progress"] or {}).get("done", 0) < 100:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    stopping = client.delete(f"/runs/{run['id']}")
    assert stopping.status_code == 202, stopping.text
    stopped = until_ended(client, run["id"])
    assert (stopped["status"], stopped["exit_code"]) == ("interrupted", 130), stopped["log"]
    assert stopped["report"]["interrupted"] == "SIGINT"
    assert Path(stopped["journal"]).exists()
    model = seeder.load_model(SCENARIOS / "library.yaml", scale=0.2, seed=12)
    planned = Counter(item.entity for item in seeder.plan_items(model))
    part = sum(held(demo).values())
    assert 100 <= part < planned.total()  # stopped part-way, what was done is in the demo
    assert client.delete(f"/runs/{run['id']}").status_code == 409  # ended: nothing to stop

    resumed = client.post(f"/runs/{run['id']}/resume")
    assert resumed.status_code == 201, resumed.text
    assert resumed.json()["resume_of"] == run["id"]
    ended = until_ended(client, resumed.json()["id"])
    assert (ended["status"], ended["exit_code"]) == ("done", 0), ended["log"]
    validate(ended["report"])
    entities = ended["report"]["entities"]
    assert sum(c["earlier"] for c in entities.values()) >= 100
    total = {e: c["created"] + c["earlier"] for e, c in entities.items()}
    assert total == held(demo) == planned
    assert client.post(f"/runs/{ended['id']}/resume").status_code == 409  # done


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        ("not json", 400, "the body must be JSON"),
        ('["a list"]', 422, "a JSON object"),
        ("{}", 422, "target: required"),
        ('{"target": "http://127.0.0.1:1", "sclae": 2}', 422, "did you mean 'scale'"),
        ('{"target": "http://127.0.0.1:1", "scale": 0}', 422, "scale: Input should be greater"),
        ('{"target": "http://127.0.0.1:1", "scenario": "libary"}', 422, "did you mean 'library'"),
        ('{"target": "ftp://127.0.0.1:1"}', 422, "http:// or https://"),
        ('{"target": "http://u:pw@127.0.0.1:1"}', 422, 'give them in "headers"'),
        ('{"target": "https://prod.example.com"}', 422, "is not on this machine"),
        # refused by the runner itself before anything is sent: its one line
        ('{"target": "http://127.0.0.1:1", "scale": 1e6}', 422, "commands"),
    ],
)
def test_mistakes_are_one_problem_each(
    server: httpx.Client, body: str, status: int, said: str
) -> None:
    client = server
    answer = client.post("/runs", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status
    assert said in problem["detail"], problem
    assert "\n" not in problem["detail"] and "Traceback" not in problem["detail"]


def test_the_runs_api_needs_its_token_and_says_what_is_missing(
    server: httpx.Client,
) -> None:
    client = server
    url = str(client.base_url)
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = httpx.get(url + "/runs", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in answer.json()["detail"]
    assert httpx.post(url + "/runs", json={"target": "x"}).status_code == 401
    assert client.get("/runs/0123456789ab").status_code == 404
    assert httpx.get(url + "/books?limit=1").status_code == 200  # the data needs none
