"""Pacing to the service, against real demo server processes: a service that
blocks its event loop on every command (like password hashing) is seeded at
default settings with nothing uncertain, the adaptive limit's trace in the JSON
report; a service killed and restarted on the same port in the middle of a run
is ridden out (exit 0, exactly the plan)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from importlib.resources import files
from pathlib import Path

import httpx
import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from tests.conftest import ROOT, SCENARIOS
from tests.conftest import free_port as _free_port
from tests.run.test_crash import (
    CLI,
    TABLES,
    applied,
    check_service_holds_the_plan,
    finish,
    plan,
    start_run,
)

pytestmark = pytest.mark.slow

BLOCK = 0.35  # seconds the slow demo blocks per command: 32 in flight would wait 11 s


def without_idempotency(tmp_path: Path) -> Path:
    """The library with every binding said not to honour Idempotency-Key, so an
    answer that times out is uncertain (nothing can be retried safely)."""
    commands = (ROOT / "commands" / "library.py").read_text()
    assert commands.count("idempotent=True") == 5
    (tmp_path / "commands.py").write_text(commands.replace("idempotent=True", "idempotent=False"))
    text = (SCENARIOS / "library.yaml").read_text()
    path = tmp_path / "library.yaml"
    path.write_text(text.replace("commands: ../commands/library.py", "commands: commands.py"))
    return path


def serve(port: int, db: Path, *options: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [*CLI, "demo", "--port", str(port), "--db", str(db), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_counts", timeout=1)
            return server
        except httpx.TransportError:
            assert server.poll() is None and time.monotonic() < deadline, "no demo"
            time.sleep(0.05)


def test_a_slow_service_at_default_settings_ends_with_nothing_uncertain(tmp_path: Path) -> None:
    scenario = without_idempotency(tmp_path)
    port = _free_port()
    server = serve(port, tmp_path / "demo.db", "--block", str(BLOCK))
    report = tmp_path / "report.json"
    target = f"http://127.0.0.1:{port}"
    flags = ["--scale", "0.005", "--no-progress", "--report", str(report)]
    try:
        done = subprocess.run(
            [*CLI, "run", str(scenario), "--target", target, *flags],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "COLUMNS": "200"},
        )
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(report.read_text())
    assert data["totals"]["uncertain"] == 0 and data["totals"]["created"] >= 30
    pacing = data["concurrency"]
    assert pacing["adaptive"] and pacing["maximum"] == 32
    limits = [limit for _, limit in pacing["trace"]]
    times = [t for t, _ in pacing["trace"]]
    assert times == sorted(times) and limits[0] == 8
    # the limit never let so many wait on the blocked loop that one would time out
    assert max(limits) * BLOCK < 10, limits
    assert "concurrency paced between" in done.stdout, done.stdout
    assert "retried for up to 90s per command" in done.stderr, done.stderr


def test_a_service_restarted_mid_run_is_ridden_out(tmp_path: Path) -> None:
    scenario = SCENARIOS / "library.yaml"
    records = plan(scenario)
    port, db = _free_port(), tmp_path / "demo.db"
    url = f"http://127.0.0.1:{port}"
    server = serve(port, db)
    try:
        run = start_run(scenario, url, tmp_path / "run.journal")
        deadline = time.monotonic() + 60
        while applied(url) < len(records) // 3:
            assert run.poll() is None and time.monotonic() < deadline, "the run ended early"
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
        server.wait(10)
        time.sleep(3)  # down for a few seconds (the default budget rides out ~a minute)
        assert run.poll() is None, "the run gave up while the service was down"
        server = serve(port, db)
        code, out = finish(run)
        assert code == 0, out
        assert "retries: " in out, out
    finally:
        server.terminate()
        server.wait(10)
    check_service_holds_the_plan(db, records)


def test_a_service_that_stays_down_stops_the_run_and_the_resume_ends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed and not restarted: while commands retry, a line every second says
    how many, why and for how long nothing answered; once nothing answered through
    a whole retry budget the run stops (exit 1, the journal kept, the resume
    command printed) instead of letting each remaining command wait out its own
    budget in turn (~1,000 commands × 4 s / 16 in flight ≈ 4 minutes). The service
    back, the resume ends with exactly the plan."""
    monkeypatch.setenv("SEEDER_PROGRESS_EVERY", "1")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    scenario = SCENARIOS / "library.yaml"
    records = plan(scenario)
    port, db = _free_port(), tmp_path / "demo.db"
    url = f"http://127.0.0.1:{port}"
    journal, report, junit = tmp_path / "run.journal", tmp_path / "report.json", tmp_path / "j.xml"
    server = serve(port, db)
    try:
        run = start_run(
            scenario,
            url,
            journal,
            "--retry-for",
            "4",
            "--report",
            str(report),
            "--junit",
            str(junit),
        )
        deadline = time.monotonic() + 60
        while applied(url) < len(records) // 3:
            assert run.poll() is None and time.monotonic() < deadline, "the run ended early"
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        down = time.monotonic()
        code, out = finish(run)
        took = time.monotonic() - down
        assert code == 1, out
        # at most the budget, the grace of those in flight and the start of the process
        assert took < 4 + 15 + 5, (took, out)
        retrying = [line for line in out.splitlines() if " retrying (" in line]
        assert retrying, out
        assert any("nothing answered for" in line and "s of 4s" in line for line in retrying), out
        assert "seeder: stopped: the service answered nothing for" in out, out
        # the outage's failures read as one line per command and reason, not one per count
        failed = [line for line in out.splitlines() if line.startswith("failed ")]
        assert failed and all("gave up after retrying for 4s" in line for line in failed), out
        assert len(failed) == len(set(line.split(" × ", 1)[1] for line in failed)), out
        assert f"resume with: seeder run {scenario}" in out or "--resume" in out, out
        assert "seeder summary: status=stopped exit=1" in out, out
        data = json.loads(report.read_text())
        schema = json.loads((files("seeder") / "report.schema.json").read_text())
        jsonschema.validate(data, schema)
        assert data["ok"] is False
        assert data["stopped"].startswith("the service answered nothing for"), data["stopped"]
        cases = {case.name: case for suite in JUnitXml.fromfile(str(junit)) for case in suite}
        (failure,) = [r for r in cases["(run)"].result if isinstance(r, Failure)]
        assert failure.type == "stopped" and failure.message.startswith("stopped: the service")
        assert re.search(r"^::error file=[^:]+::stopped: the service answered nothing", out, re.M)
        assert applied_in(db) < len(records)
        server = serve(port, db)
        resumed = start_run(scenario, url, journal, "--resume")
        code, out = finish(resumed)
        assert code == 0, out
    finally:
        server.terminate()
        server.wait(10)
    check_service_holds_the_plan(db, records)


def applied_in(db: Path) -> int:
    """The entities the (stopped) demo's database holds."""
    import sqlite3

    with sqlite3.connect(db) as con:
        return sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES.values())
