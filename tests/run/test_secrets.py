"""Secrets stay out of every artefact: a token given by ``--header``, one expanded from
the environment, and the member tokens the service hands out (captured, presented on
loans) appear in no output file and no log line — report, journal (with its WAL and
lock), command log, stdout, stderr — of a run, an interrupted-and-resumed run, and a
replay. The artefacts are grepped as bytes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from tests.run.test_crash import demo_server, kill_when

pytestmark = pytest.mark.slow

HEADER_SECRET = "hdr-5ecret-7a1c9e"
ENV_SECRET = "env-5ecret-0b44d2"


def test_no_secret_reaches_any_artefact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    journal = out / "run.journal"
    env = {**os.environ, "SEEDER_TEST_TOKEN": ENV_SECRET, "SEEDER_JOURNAL_DIR": str(out)}
    cli = [sys.executable, "-m", "seeder"]
    common = [
        "--header",
        f"X-Api-Key: {HEADER_SECRET}",
        "--header",
        "X-Env-Token: Bearer ${SEEDER_TEST_TOKEN}",
        "--no-progress",
    ]
    logs: list[bytes] = []
    scenario = SCENARIOS / "library.yaml"
    db = tmp_path / "demo.db"

    def run(*argv: str) -> int:
        done = subprocess.run([*cli, *argv], capture_output=True, env=env, timeout=120)
        logs.append(done.stdout + done.stderr)
        return done.returncode

    with demo_server(db) as url:
        args = ["run", str(scenario), "--target", url, "--scale", "0.2", "--journal", str(journal)]
        process = subprocess.Popen(
            [*cli, *args, *common], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
        )
        kill_when(process, url, 600)  # type: ignore[arg-type]
        assert run(*args, *common, "--resume", "--report", str(out / "report.json")) == 0
        assert run("plan", str(scenario), "--scale", "0.05", "--out", str(out / "plan.jsonl")) == 0
        replay = ["replay", str(out / "plan.jsonl"), "--target", url]
        assert run(*replay, *common, "--report", str(out / "replay.json")) in (0, 1)
        # a mistake whose message could echo the header
        assert run(*args, "--header", f"X-Bad {HEADER_SECRET}") == 2

    service = sqlite3.connect(db)
    tokens = [
        json.loads(body)["token"]
        for key, body in service.execute("SELECT key, body FROM idempotency_keys")
        if ":member:" in key
    ]
    service.close()
    assert len(tokens) >= 50
    secrets = [HEADER_SECRET, ENV_SECRET, *tokens]

    artefacts = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert {"run.journal", "report.json", "plan.jsonl", "replay.json"} <= artefacts.keys()
    artefacts.update({f"log {i}": log for i, log in enumerate(logs)})
    assert b"done earlier" in logs[0]  # the resume really resumed
    for name, content in artefacts.items():
        for secret in secrets:
            assert secret.encode() not in content, (name, secret)
