"""The README's scheduled-job recipe runs: its GitHub Actions workflow's ``seeder``
lines, executed as the job would (its environment, a journal folder kept between
nights), against a demo server process, two nights in a row — the demo then holds
exactly one run's data, and the report is written each night."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, log_records
from tests.run.test_crash import CLI, demo_server

pytestmark = pytest.mark.slow

SCALE = "0.05"  # the recipe seeds the scenario's full size; a night here is smaller
TABLES = {"tenant": "tenants", "author": "authors", "book": "books", "member": "members"}
TABLES["loan"] = "loans"


def workflow_lines() -> list[str]:
    (workflow,) = re.findall(r"```yml\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    lines = [m.strip() for m in re.findall(r"- run: (seeder .*)", workflow)]
    assert lines and "--refresh" in lines[0], workflow
    return lines


def test_the_nightly_refresh_recipe_leaves_one_runs_data(tmp_path: Path) -> None:
    lines = workflow_lines()
    for folder in ("scenarios", "commands"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    planned = Counter(
        r["key"].rpartition(":")[0]
        for r in log_records(
            subprocess.run(
                [*CLI, "plan", str(ROOT / "scenarios" / "library.yaml"), "--scale", SCALE],
                capture_output=True,
                check=True,
                text=True,
            ).stdout
        )
    )
    with demo_server(tmp_path / "staging.db") as url:
        env = {
            **os.environ,
            "STAGING_URL": url,
            "SEEDER_JOURNAL_DIR": str(tmp_path / ".seeder-journal"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        for night in (1, 2):
            for line in lines:
                done = subprocess.run(
                    ["bash", "-c", f"{line} --scale {SCALE}"],
                    cwd=tmp_path,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert done.returncode == 0, (night, done.stdout + done.stderr)
            report = json.loads((tmp_path / "seeder-report.json").read_text())
            assert report["ok"] and report["totals"]["created"] == sum(planned.values())
            held = httpx.get(url + "/_counts", timeout=5).json()
            assert {e: held[t] for e, t in TABLES.items()} == {e: planned[e] for e in TABLES}
        assert "undo deleted" in done.stderr, done.stderr  # the second night undid the first
