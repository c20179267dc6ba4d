"""Locust, headless on loopback, sends seeder logs and plans through
``seeder.load.locust.SeederUser`` against the real demo: every command succeeds and
the demo then holds what the log says; in master/worker mode each worker sends
its shard and together they send the log once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from seeder.demo.app import create_app
from seeder.demo.server import serve_in_thread
from seeder.load.shards import shard_items
from seeder.run.logs import open_log
from tests.conftest import SCENARIOS, free_port
from tests.load.test_command_logs import demo_counts, log_counts, plan

pytestmark = pytest.mark.slow  # a few Locust processes each
LOCUST = [sys.executable, "-m", "locust"]


def locustfile(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "locustfile.py"
    path.write_text(f"from seeder.load.locust import SeederUser\n\n\n{body}")
    return path


def stats(stdout: str) -> list[dict[str, Any]]:
    """Locust's --json output: one entry per request name."""
    entries: list[dict[str, Any]] = json.loads(stdout[stdout.index("[") :])
    return entries


def test_locust_replays_a_log_with_actors(tmp_path: Path) -> None:
    log = plan(tmp_path, "library.yaml", "--scale", "0.02", "--reads", "50")
    sent = len(log.read_text().splitlines()) - 1
    path = locustfile(tmp_path, f"class Library(SeederUser):\n    log = {str(log)!r}\n")
    db = str(tmp_path / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        done = subprocess.run(
            [
                *LOCUST,
                "-f",
                str(path),
                "--headless",
                "-u",
                "8",
                "-r",
                "8",
                "--run-time",
                "90s",
                "--host",
                url,
                "--json",
                "--skip-log",
            ],
            capture_output=True,
            text=True,
            timeout=150,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    entries = stats(done.stdout)
    assert sum(e["num_requests"] for e in entries) == sent
    assert sum(e["num_failures"] for e in entries) == 0, entries
    names = {e["name"] for e in entries}
    assert "/tenants/{tenant_id}/books/{book_number}/loans" in names  # sent as members
    assert demo_counts(db) == dict(log_counts(log))


def test_locust_plans_on_the_fly_and_repeats_under_new_nonces(tmp_path: Path) -> None:
    """``scenario =`` plans in the Locust process; ``repeat = 3`` sends the plan
    three times (new idempotency keys each pass), then the run ends."""
    path = locustfile(
        tmp_path,
        f"class Library(SeederUser):\n    scenario = {str(SCENARIOS / 'library.yaml')!r}\n"
        "    scale = 0.002\n    repeat = 3\n",
    )
    db = str(tmp_path / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        done = subprocess.run(
            [
                *LOCUST,
                "-f",
                str(path),
                "--headless",
                "-u",
                "4",
                "-r",
                "4",
                "--run-time",
                "90s",
                "--host",
                url,
                "--json",
                "--skip-log",
            ],
            capture_output=True,
            text=True,
            timeout=150,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    entries = stats(done.stdout)
    assert sum(e["num_failures"] for e in entries) == 0, entries
    counts = demo_counts(db)
    # the plan makes one tenant (on demand, by its books) and 10 books at scale 0.002
    assert (counts["tenants"], counts["books"]) == (3, 30), counts
    assert sum(e["num_requests"] for e in entries if e["name"] == "/tenants") == 3


def test_locust_workers_send_one_shard_each(tmp_path: Path) -> None:
    log = plan(tmp_path, "energy.yaml", "--scale", "0.02")
    sent = len(log.read_text().splitlines()) - 1
    path = locustfile(tmp_path, f"class Energy(SeederUser):\n    log = {str(log)!r}\n")
    db = str(tmp_path / "demo.db")
    port = free_port()
    env = {**os.environ, "SEEDER_LOCUST_WORKERS": "2"}
    common = ["-f", str(path)]
    with serve_in_thread(create_app(db)) as url:
        master = subprocess.Popen(
            [
                *LOCUST,
                *common,
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
                "--headless",
                "--expect-workers",
                "2",
                "-u",
                "8",
                "-r",
                "8",
                "--run-time",
                "90s",
                "--host",
                url,
                "--json",
                "--skip-log",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        workers = [
            subprocess.Popen(
                [
                    *LOCUST,
                    *common,
                    "--worker",
                    "--master-host",
                    "127.0.0.1",
                    "--master-port",
                    str(port),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            for _ in range(2)
        ]
        try:
            out, err = master.communicate(timeout=150)
        finally:
            if master.poll() is None:
                master.kill()
                master.wait()
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
    assert master.returncode == 0, err[-3000:]
    entries = stats(out)
    assert sum(e["num_requests"] for e in entries) == sent
    assert sum(e["num_failures"] for e in entries) == 0, entries
    assert demo_counts(db) == dict(log_counts(log))
    shards = [len(list(shard_items(open_log(log)[1], i, 2))) for i in range(2)]
    assert sum(shards) == sent and min(shards) > 0  # both workers had their share
