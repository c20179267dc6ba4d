"""The recipes under examples/ci run as written: each file is parsed (PyYAML), and
the exact ``seeder`` line it runs is executed with the environment it sets (plus
what the scheduler sets: Kubernetes' JOB_COMPLETION_INDEX, GitLab's CI_NODE_INDEX,
the GitHub matrix value), one process per shard at once, against a demo server on
PostgreSQL with the journal in PostgreSQL. The demo then holds exactly the plan.
Only the target URL, the journal DSN (a secret in the recipes) and ``--scale``
(the recipes seed the scenario's full size) are the test's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, log_records
from tests.demo.test_demo_shards import check_demo_holds_the_plan
from tests.run.test_crash import CLI, demo_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RECIPES = ROOT / "examples" / "ci"
SCALE = "0.05"


def recipe(name: str) -> Any:
    return yaml.safe_load((RECIPES / name).read_text())


def plan() -> list[dict[str, Any]]:
    out = subprocess.run(
        [*CLI, "plan", str(ROOT / "scenarios" / "library.yaml"), "--scale", SCALE],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return log_records(out)


def run_all(lines: list[tuple[str, Mapping[str, str]]], cwd: Path) -> list[str]:
    """Runs each (command line, environment) at once, as the scheduler would; all
    must exit 0."""
    for folder in ("scenarios", "commands"):
        if not (cwd / folder).exists():
            (cwd / folder).symlink_to(ROOT / folder)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    runs = [
        subprocess.Popen(
            ["bash", "-c", f"{line} --scale {SCALE}"],
            cwd=cwd,
            env={**os.environ, **env, "PATH": path},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line, env in lines
    ]
    outs = []
    for run in runs:
        out, _ = run.communicate(timeout=180)
        assert run.returncode == 0, out
        outs.append(out)
    return outs


def k8s_env(container: Mapping[str, Any], url: str, dsn: str) -> dict[str, str]:
    env = {}
    for var in container["env"]:
        if "value" in var:
            env[var["name"]] = str(var["value"])
        else:  # from a Secret: the test's journal
            assert var["valueFrom"]["secretKeyRef"], var
            env[var["name"]] = dsn
    assert "TARGET_URL" in env
    env["TARGET_URL"] = url  # staging is the demo here
    return env


def test_the_kubernetes_indexed_job(postgres_schema_dsn: str, tmp_path: Path) -> None:
    job = recipe("k8s-indexed-job.yaml")
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    (container,) = spec["template"]["spec"]["containers"]
    (line,) = container["args"]
    records = plan()
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        env = k8s_env(container, url, postgres_schema_dsn)
        assert env["SEEDER_SHARDS"] == str(spec["completions"])
        lines = [
            (line, {**env, "JOB_COMPLETION_INDEX": str(i)}) for i in range(spec["completions"])
        ]
        outs = run_all(lines, tmp_path)
    assert all(f"/{spec['completions']} (from JOB_COMPLETION_INDEX" in out for out in outs), outs
    check_demo_holds_the_plan(postgres_schema_dsn, records)


def test_the_kubernetes_nightly_cronjob(postgres_schema_dsn: str, tmp_path: Path) -> None:
    cron = recipe("k8s-nightly-cronjob.yaml")
    assert cron["kind"] == "CronJob" and cron["spec"]["schedule"]
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (line,) = container["args"]
    assert "--refresh" in line
    records = plan()
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        env = k8s_env(container, url, postgres_schema_dsn)
        for _night in (1, 2):
            run_all([(line, env)], tmp_path)
            check_demo_holds_the_plan_counts(url, records)
    report = json.loads(Path("/tmp/seeder-report.json").read_text())
    assert report["totals"]["created"] == len(records)


def check_demo_holds_the_plan_counts(url: str, records: list[dict[str, Any]]) -> None:
    import httpx

    from tests.run.test_crash import TABLES

    counts = httpx.get(url + "/_counts", timeout=5).json()
    for entity, table in TABLES.items():
        assert counts[table] == sum(r["key"].startswith(entity + ":") for r in records), entity


def test_the_github_actions_matrix(postgres_schema_dsn: str, tmp_path: Path) -> None:
    workflow = recipe("github-shards.yml")
    triggers = workflow[True]  # PyYAML reads the key `on` as True
    assert triggers["schedule"][0]["cron"]
    job = workflow["jobs"]["seed"]
    shards = job["strategy"]["matrix"]["shard"]
    (line,) = [
        step["run"] for step in job["steps"] if str(step.get("run", "")).startswith("seeder")
    ]
    records = plan()
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        env = {"TARGET_URL": url, "SEEDER_JOURNAL_DSN": postgres_schema_dsn}
        assert set(job["env"]) == set(env)
        lines = [(line.replace("${{ matrix.shard }}", str(shard)), env) for shard in shards]
        assert not any(re.search(r"\$\{\{", text) for text, _ in lines)
        run_all(lines, tmp_path)
    check_demo_holds_the_plan(postgres_schema_dsn, records)


def test_the_gitlab_parallel_job(postgres_schema_dsn: str, tmp_path: Path) -> None:
    job = recipe("gitlab-ci.yml")["seed-staging"]
    total = job["parallel"]
    (line,) = [text for text in job["script"] if text.startswith("seeder")]
    records = plan()
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        env = {**job["variables"], "TARGET_URL": url, "SEEDER_JOURNAL_DSN": postgres_schema_dsn}
        lines = [
            (line, {**env, "CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": str(total)})
            for i in range(1, total + 1)
        ]
        outs = run_all(lines, tmp_path)
    assert all("(from CI_NODE_INDEX/CI_NODE_TOTAL)" in out for out in outs), outs
    assert sorted(p.name for p in tmp_path.glob("seeder-report-*.json")) == [
        f"seeder-report-{i}.json" for i in range(1, total + 1)
    ]
    check_demo_holds_the_plan(postgres_schema_dsn, records)
