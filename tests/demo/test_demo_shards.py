"""Sharded runs, end to end: four ``seeder run --shard I/4`` processes send the
library scenario to a demo server process on PostgreSQL, sharing one journal in
PostgreSQL. The demo then holds exactly the unsharded plan — counts per entity, one
applied command per planned key, every reference pointing at the entity the plan
meant — read from the demo's own tables, not from the journal. Then the same with
two shards SIGKILLed at seeded-random points and each resumed alone, while the
other shards are never started again.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from seeder.cli import main
from tests.conftest import ROOT, SCENARIOS, log_records
from tests.run.test_crash import CLI, check_database_holds_the_plan, demo_server

pytestmark = pytest.mark.slow

SCALE = "0.1"  # ~630 commands: 2 tenants, ~15 authors, ~500 books, 30 members, loans
SCENARIO = SCENARIOS / "library.yaml"


def planned(*extra: str, capsys: pytest.CaptureFixture[str] | None = None) -> list[dict[str, Any]]:
    argv = ["plan", str(SCENARIO), "--scale", SCALE, *extra]
    if capsys is not None:  # in this process: no interpreter to start
        assert main(argv) == 0
        out = capsys.readouterr().out
    else:
        out = subprocess.run([*CLI, *argv], capture_output=True, check=True, text=True).stdout
    return log_records(out)


def start_shard(url: str, journal: str, shard: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *CLI,
            "run",
            str(SCENARIO),
            "--target",
            url,
            "--scale",
            SCALE,
            "--journal",
            journal,
            "--shard",
            shard,
            "--shard-wait",
            "60",
            "--concurrency",
            "16",
            "--no-progress",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=120)
    return process.returncode, out


def check_demo_holds_the_plan(dsn: str, records: list[dict[str, Any]]) -> None:
    """Counts equal the plan's; each planned command applied once, under its own
    idempotency key; every reference resolves to the entity the plan meant."""
    with psycopg.connect(dsn) as con:
        check_database_holds_the_plan(con, records, "%s")


def test_the_union_of_the_shards_logs_is_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    whole = planned(capsys=capsys)
    parts = [planned("--shard", f"{i}/4", capsys=capsys) for i in range(1, 5)]
    keys = [r["key"] for part in parts for r in part]
    assert len(keys) == len(set(keys)) == len(whole)  # each item in exactly one shard
    assert sorted((r for part in parts for r in part), key=lambda r: r["seq"]) == whole
    assert all(len(part) > len(whole) / 4 * 0.9 for part in parts)  # balanced within 10%
    assert planned("--shard", "3/4", capsys=capsys) == parts[2]  # deterministic


@pytest.mark.postgres
def test_four_shards_as_four_processes_seed_exactly_the_plan(postgres_schema_dsn: str) -> None:
    records = planned()
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        runs = [start_shard(url, postgres_schema_dsn, f"{i}/4") for i in range(1, 5)]
        outcomes = [finish(run) for run in runs]
    for code, out in outcomes:
        assert code == 0, out
        assert "status=ok" in out and "password" not in out, out
    created = sum(
        int(out.rpartition("created=")[2].split()[0]) for _, out in outcomes
    )  # each item sent by one shard only
    assert created == len(records)
    waited = sum(int(out.split("waited for ")[1].split()[0]) for _, out in outcomes)
    assert waited > 0  # references crossed shards, and were resolved through the journal
    check_demo_holds_the_plan(postgres_schema_dsn, records)


def journaled(dsn: str, shard: int) -> int:
    with psycopg.connect(dsn) as con:
        try:
            row = con.execute(
                "SELECT count(*) FROM seeder_journal_items WHERE shard = %s", (shard,)
            ).fetchone()
        except psycopg.errors.UndefinedTable:  # no shard has opened the journal yet
            return 0
    return int(row[0]) if row else 0


@pytest.mark.postgres
def test_two_killed_shards_resumed_alone_finish_the_plan_exactly(
    postgres_schema_dsn: str,
) -> None:
    records = planned()
    share = len(planned("--shard", "2/4"))
    rng = random.Random(20261202)
    victims = {2: rng.randrange(20, share * 3 // 4), 4: rng.randrange(20, share * 3 // 4)}
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        runs = {i: start_shard(url, postgres_schema_dsn, f"{i}/4") for i in range(1, 5)}
        killed = set()
        deadline = time.monotonic() + 60
        while len(killed) < len(victims) and time.monotonic() < deadline:
            for shard, point in victims.items():
                run = runs[shard]
                if shard not in killed and run.poll() is None:
                    if journaled(postgres_schema_dsn, shard) >= point:
                        run.send_signal(signal.SIGKILL)
                        run.communicate(timeout=10)
                        killed.add(shard)
                elif shard not in killed:
                    killed.add(-shard)  # it ended before its point
            time.sleep(0.01)
        assert {2, 4} <= killed, f"the kills did not land: {killed}"
        # each resumed alone (the two wait on each other's items, so both at once)
        resumed = [start_shard(url, postgres_schema_dsn, f"{i}/4", "--resume") for i in (2, 4)]
        for code, out in map(finish, resumed):
            assert code == 0, out
            assert "done earlier" in out, out
        for shard in (1, 3):  # never started again
            code, out = finish(runs[shard])
            assert code == 0, out
    check_demo_holds_the_plan(postgres_schema_dsn, records)


@pytest.mark.postgres
def test_workers_share_a_sqlite_journal_and_report_once(
    postgres_schema_dsn: str, tmp_path: Path
) -> None:
    import jsonschema

    records = planned()
    report = tmp_path / "report.json"
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        done = subprocess.run(
            [
                *CLI,
                *("run", str(SCENARIO), "--target", url, "--scale", SCALE, "--workers", "2"),
                *("--report", str(report), "--no-progress"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "SEEDER_JOURNAL_DIR": str(tmp_path / "journals")},
        )
    assert done.returncode == 0, done.stdout + done.stderr
    (summary,) = [line for line in done.stdout.splitlines() if line.startswith("seeder summary:")]
    assert "workers=2" in summary and f"created={len(records)}" in summary, summary
    merged = json.loads(report.read_text())
    jsonschema.validate(merged, json.loads((ROOT / "seeder" / "report.schema.json").read_text()))
    assert merged["totals"]["created"] == len(records)
    assert list((tmp_path / "journals").glob("*.journal"))  # one SQLite file for both
    check_demo_holds_the_plan(postgres_schema_dsn, records)
