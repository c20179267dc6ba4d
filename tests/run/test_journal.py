"""The journal and resume through the CLI: what is recorded, what a resume sends, the
refusals (another run, a run in progress, a changed scenario), and SIGINT/SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from seeder.cli import main
from seeder.demo.app import create_app
from seeder.demo.server import serve_in_thread
from tests.conftest import SCENARIOS, usage_error
from tests.run.test_crash import demo_server

LIBRARY = SCENARIOS / "library.yaml"


def journal_states(path: Path) -> dict[str, int]:
    """Items per latest state (the journal is an append-only log)."""
    con = sqlite3.connect(path)
    names = {1: "sent", 2: "done", 3: "rejected", 4: "failed", 5: "uncertain"}
    try:
        latest = dict(con.execute("SELECT key, state FROM items ORDER BY rowid").fetchall())
    except sqlite3.OperationalError:  # the run is still creating it
        latest = {}
    finally:
        con.close()
    return dict(Counter(names[s] for s in latest.values()))


def test_a_finished_run_is_journaled_and_a_resume_sends_nothing_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(str(tmp_path / "demo.db"))
    journal = tmp_path / "j.journal"
    with serve_in_thread(app) as url:
        argv = ["run", str(LIBRARY), "--target", url, "--scale", "0.05", "--no-progress"]
        argv += ["--journal", str(journal)]
        assert main([*argv, "--report", str(tmp_path / "first.json")]) == 0
        first = json.loads((tmp_path / "first.json").read_text())
        planned = first["totals"]["created"]
        assert journal_states(journal) == {"done": planned}
        counts = app.state.application.counts()

        assert main([*argv, "--resume", "--report", str(tmp_path / "again.json")]) == 0
        again = json.loads((tmp_path / "again.json").read_text())
        assert again["totals"]["earlier"] == planned
        assert again["totals"]["created"] == 0
        # members were sent again with their keys, only to get their tokens back
        assert again["credentials_reacquired"] == first["entities"]["member"]["created"]
        assert app.state.application.counts() == counts
    meta = dict(sqlite3.connect(journal).execute("SELECT key, value FROM meta").fetchall())
    assert meta["status"] == "finished" and meta["seed"] == "42" and meta["target"] == url


def test_a_changed_scenario_refuses_to_resume_and_says_what_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "library.yaml"
    text = LIBRARY.read_text().replace("../commands/", f"{SCENARIOS.parent}/commands/")
    scenario.write_text(text)
    journal = tmp_path / "j.journal"
    with serve_in_thread(create_app(str(tmp_path / "demo.db"))) as url:
        argv = ["run", str(scenario), "--target", url, "--no-progress", "--journal", str(journal)]
        assert main([*argv, "--scale", "0.02"]) == 0
        capsys.readouterr()
        scenario.write_text(text.replace("mean: 50", "mean: 40"))
        err = usage_error([*argv, "--scale", "0.03", "--resume"], capsys)
        assert err.count("\n") == 1
        assert "scale was '0.02', now '0.03'" in err and "entity book changed" in err
        assert "--fresh" in err
        with serve_in_thread(create_app(str(tmp_path / "other.db"))) as other:
            err = usage_error([*argv, "--scale", "0.02", "--resume", "--target", other], capsys)
        assert f"target was '{url}', now '{other}'" in err


def test_resume_without_a_journal_and_demo_targets_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_in_thread(create_app(str(tmp_path / "demo.db"))) as url:
        err = usage_error(
            ["run", str(LIBRARY), "--target", url, "--resume", "--journal", str(tmp_path / "x")],
            capsys,
        )
        assert "--resume: no journal at" in err
    err = usage_error(["run", str(LIBRARY), "--target", "demo", "--resume"], capsys)
    assert "need a URL target" in err
    err = usage_error(["run", str(LIBRARY), "--target", "demo", "--resume", "--fresh"], capsys)
    assert "cannot go with --fresh" in err


def test_two_runs_cannot_share_a_journal(tmp_path: Path) -> None:
    journal = tmp_path / "shared.journal"
    with demo_server(tmp_path / "demo.db") as url:
        argv = [sys.executable, "-m", "seeder", "run", str(LIBRARY), "--target", url]
        argv += ["--journal", str(journal), "--no-progress", "--rate", "200"]
        first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while not journal.exists() or not journal_states(journal).get("done"):
                assert first.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            second = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            assert second.returncode == 2, second.stderr
            assert f"is using the journal {journal}" in second.stderr
            assert second.stderr.count("\n") == 1, second.stderr
        finally:
            first.send_signal(signal.SIGTERM)
            out, _ = first.communicate(timeout=60)
        assert first.returncode == 130, out


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_stops_gracefully_and_prints_the_resume_command(
    tmp_path: Path, signum: signal.Signals
) -> None:
    journal = tmp_path / "run.journal"
    with demo_server(tmp_path / "demo.db") as url:
        argv = [sys.executable, "-m", "seeder", "run", str(LIBRARY), "--target", url]
        argv += ["--journal", str(journal), "--no-progress", "--scale", "0.2"]
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + 30
        while not journal.exists() or journal_states(journal).get("done", 0) < 100:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signum)
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 130, out
        assert f"interrupted by {signum.name}" in out
        resume = out.split("resume with: ", 1)[1].splitlines()[0]
        assert resume.endswith("--resume") and f"--journal {journal}" in resume
        states = journal_states(journal)
        # in-flight commands were let finish: nothing is left marked only "sent"
        assert set(states) == {"done"}, states
        meta = dict(sqlite3.connect(journal).execute("SELECT key, value FROM meta").fetchall())
        assert meta["status"] == "interrupted"
        done = subprocess.run(
            [sys.executable, "-m", "seeder", *resume.split()[1:]], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "done earlier" in done.stdout


def test_a_plan_failing_part_way_reports_what_was_done_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "titles.py").write_text(
        "calls = 0\n\n\ndef title(rng, **_):\n    global calls\n    calls += 1\n"
        "    if calls > 6000:\n        raise ValueError('out of titles')\n"
        "    return f'Title {calls}'\n"
    )
    text = LIBRARY.read_text().replace("../commands/", f"{SCENARIOS.parent}/commands/")
    assert "title: {fake: sentence" in text
    text = text.replace("title: {fake: sentence", "title: {python: 'titles:title'", 1)
    scenario = tmp_path / "library.yaml"
    scenario.write_text(text)
    journal = tmp_path / "j.journal"
    with serve_in_thread(create_app(str(tmp_path / "demo.db"))) as url:
        argv = ["run", str(scenario), "--target", url, "--no-progress", "--journal", str(journal)]
        # > 5,000 books: the check before sending plans at most 5,000 items
        code = main([*argv, "--scale", "2"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "Traceback" not in captured.err
    (line,) = [x for x in captured.err.splitlines() if "stopped part-way" in x]
    assert "out of titles" in line and str(journal) in line
    assert "seeder run" in captured.out  # the report of what was done
    assert journal_states(journal).get("done", 0) > 100
    meta = dict(sqlite3.connect(journal).execute("SELECT key, value FROM meta").fetchall())
    assert meta["status"] == "failed"
