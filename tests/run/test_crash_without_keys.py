"""Crash safety against a service that ignores ``Idempotency-Key`` entirely (the
demo with ``--ignore-idempotency-key``): a real ``seeder run`` is SIGKILLed at
points a seeded random picks and resumed, and answers are lost on the wire (the
demo's ``drop`` and ``delay`` faults apply a command and lose its answer). Every
command in doubt is settled by its binding's lookup (commands/library_without_keys.py),
members' tokens come back through their login, and the service ends holding
exactly the plan: counts equal, no natural key twice, every reference right.

Nothing here trusts the journal: the checks read the demo's own database.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SCENARIOS
from tests.run.test_crash import (
    demo_server,
    finish,
    kill_when,
    plan,
    start_run,
)

pytestmark = pytest.mark.slow

SCENARIO = SCENARIOS / "library_without_keys.yaml"
COUNTED = {"tenant": "tenants", "author": "authors", "book": "books", "member": "members"}
COUNTED["loan"] = "loans"


def check_service_holds_the_plan(url: str, db: Path, records: list[dict[str, Any]]) -> None:
    """The demo's /_counts equal the plan's; no natural key twice; each planned
    entity found by its natural key, with the references the plan meant."""
    planned = Counter(r["key"].rpartition(":")[0] for r in records)
    counts = httpx.get(url + "/_counts", timeout=5).json()
    assert {e: counts[t] for e, t in COUNTED.items()} == {e: planned[e] for e in COUNTED}
    con = sqlite3.connect(db)
    for table, key in (
        ("tenants", "name"),
        ("authors", "tenant_id, name"),
        ("books", "tenant_id, isbn"),
        ("members", "tenant_id, email"),
        ("loans", "tenant_id, book_number"),
    ):
        twice = con.execute(
            f"SELECT {key}, count(*) FROM {table} GROUP BY {key} HAVING count(*) > 1"
        ).fetchall()
        assert not twice, (table, twice[:3])
    real: dict[str, Any] = {}  # logical key -> the service's id (or book number)
    for r in records:
        entity, body = r["key"].rpartition(":")[0], r["body"]
        refs = {f: real[p.rpartition(".")[0]] for f, p in r["refs"].items()}
        if entity == "tenant":
            (real[r["key"]],) = con.execute(
                "SELECT id FROM tenants WHERE name = ?", (body["name"],)
            ).fetchone()
        elif entity == "author":
            (real[r["key"]],) = con.execute(
                "SELECT id FROM authors WHERE tenant_id = ? AND name = ?",
                (refs["tenant_id"], body["name"]),
            ).fetchone()
        elif entity == "book":
            number, author = con.execute(
                "SELECT number, author_id FROM books WHERE tenant_id = ? AND isbn = ?",
                (refs["tenant_id"], body["isbn"]),
            ).fetchone()
            assert author == refs["author_id"], r["key"]
            real[r["key"]] = number
        elif entity == "member":
            (real[r["key"]],) = con.execute(
                "SELECT id FROM members WHERE tenant_id = ? AND email = ?",
                (refs["tenant_id"], body["email"]),
            ).fetchone()
        elif entity == "loan":
            (member,) = con.execute(
                "SELECT member_id FROM loans WHERE tenant_id = ? AND book_number = ?",
                (refs["tenant_id"], refs["book_number"]),
            ).fetchone()
            assert member == refs["member_id"], r["key"]
    con.close()


def test_killed_runs_resume_to_exactly_the_plan_without_idempotency_keys(
    tmp_path: Path,
) -> None:
    records = plan(SCENARIO)
    books_and_members = sum(1 for r in records if not r["key"].startswith("loan:"))
    rng = random.Random(20261202)
    # two kills per trial at seeded points; the second trial's last kill among the
    # loans, so members done earlier need their tokens again (through their login)
    trials = [sorted(rng.sample(range(1, len(records)), 2)), [rng.randrange(1, 900), 0]]
    trials[1][1] = books_and_members + 40
    kills, settled = 0, Counter[str]()
    for trial, (first, second) in enumerate(trials):
        db = tmp_path / f"demo{trial}.db"
        journal, report = tmp_path / f"run{trial}.journal", tmp_path / f"report{trial}.json"
        with demo_server(db, "--ignore-idempotency-key") as url:
            # a short timeout: a resume waits that long after the kill before it sends
            # again what its lookup did not find (the killed run's requests are over)
            quick = ("--timeout", "2")
            kills += kill_when(start_run(SCENARIO, url, journal, *quick), url, first)
            kills += kill_when(start_run(SCENARIO, url, journal, "--resume", *quick), url, second)
            last = start_run(SCENARIO, url, journal, "--resume", "--report", str(report), *quick)
            code, out = finish(last)
            assert code == 0, out
            assert "done earlier" in out, out
            data = json.loads(report.read_text())
            assert data["totals"]["uncertain"] == 0, data["uncertain"]
            if trial == 1:
                assert data["credentials_reacquired"] > 0, out
            settled.update(s["how"] for s in data["settled"]["items"])
            check_service_holds_the_plan(url, db, records)
    assert kills >= 3, f"only {kills} kills landed before the runs ended"
    # commands in flight at a kill were settled by lookup: found, or sent again
    assert settled["found"] + settled["resent"] > 0, settled
    assert settled["unsettled"] == 0, settled


def test_lost_answers_are_settled_by_lookup_in_the_run(tmp_path: Path) -> None:
    records = plan(SCENARIO)
    db, journal = tmp_path / "demo.db", tmp_path / "run.journal"
    report = tmp_path / "report.json"
    faults = "drop=0.03,delay=0.02,delay_seconds=3,seed=11"
    with demo_server(db, "--ignore-idempotency-key", "--faults", faults) as url:
        code, out = finish(
            start_run(SCENARIO, url, journal, "--timeout", "1", "--report", str(report))
        )
        assert code == 0, out
        data = json.loads(report.read_text())
        hows = Counter(s["how"] for s in data["settled"]["items"])
        # ~5% of ~1,250 commands lost their answer: each one was looked up and found
        assert hows["found"] >= 20, hows
        assert hows["unsettled"] == 0, hows
        assert "found by lookup" in out, out
        check_service_holds_the_plan(url, db, records)
