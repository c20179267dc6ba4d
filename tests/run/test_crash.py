"""Crash safety: a real ``seeder run`` process, sending to a real demo server process
on loopback, is killed with SIGKILL at points a seeded random picks, then resumed
(and killed again, and resumed). After the last resume the service holds exactly the
plan: every entity once, every reference pointing at the right logical entity.

The check does not trust the journal: it reads the demo's own database, where each
applied command left its idempotency key and answer, and compares it with the plan.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, SCENARIOS
from tests.conftest import free_port as _free_port

pytestmark = pytest.mark.slow

SCALE = "0.2"  # ~1,250 commands: tenants, authors, books, members, loans
TABLES = {"tenant": "tenants", "author": "authors", "book": "books", "member": "members"}
TABLES["loan"] = "loans"
CLI = [sys.executable, "-m", "seeder"]


@contextmanager
def demo_server(db: Path, *options: str) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "demo", "--port", str(port), "--db", str(db), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/_counts", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the demo server did not start"
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.communicate(timeout=10)


def plan(scenario: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [*CLI, "plan", str(scenario), "--scale", SCALE], capture_output=True, check=True, text=True
    ).stdout
    return [json.loads(line) for line in out.splitlines()[1:]]  # after the manifest


def applied(url: str) -> int:
    return sum(httpx.get(url + "/_counts", timeout=5).json().values())


def start_run(scenario: Path, url: str, journal: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *CLI,
            "run",
            str(scenario),
            "--target",
            url,
            "--scale",
            SCALE,
            "--journal",
            str(journal),
            "--concurrency",
            "16",
            "--no-progress",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def kill_when(process: subprocess.Popen[str], url: str, applied_at_least: int) -> bool:
    """SIGKILLs ``process`` once the service holds ``applied_at_least`` entities;
    False if the run ended first."""
    deadline = time.monotonic() + 60
    while process.poll() is None:
        if applied(url) >= applied_at_least:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=10)
            return True
        assert time.monotonic() < deadline, "the run neither ended nor progressed"
        time.sleep(0.01)
    code, out = finish(process)
    assert code == 0, out
    return False


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=120)
    return process.returncode, out


def check_service_holds_the_plan(db: Path, records: list[dict[str, Any]]) -> None:
    """Counts equal the plan's; each planned command was applied once, under its own
    idempotency key; every reference resolves to the entity the plan meant."""
    con = sqlite3.connect(db)
    try:
        check_database_holds_the_plan(con, records, "?")
    finally:
        con.close()


def check_database_holds_the_plan(con: Any, records: list[dict[str, Any]], mark: str) -> None:
    """:func:`check_service_holds_the_plan` on an open connection to the demo's
    database (SQLite's ``?`` or PostgreSQL's ``%s`` for ``mark``)."""
    planned = Counter(r["key"].rpartition(":")[0] for r in records)
    for entity, table in TABLES.items():
        (held,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert held == planned[entity], (entity, held, planned[entity])
    answers = {
        key: json.loads(body)
        for key, status, body in con.execute("SELECT key, status, body FROM idempotency_keys")
        if status < 300
    }
    assert len(answers) == len(records)  # one applied command per planned command
    by_key = {r["key"]: answers[r["idempotency_key"]] for r in records}

    def real(placeholder: str) -> Any:
        key, _, attr = placeholder.rpartition(".")
        return by_key[key][attr]

    for r in records:
        entity = r["key"].rpartition(":")[0]
        answer = by_key[r["key"]]
        refs = {field: real(p) for field, p in r["refs"].items()}
        if entity == "author":
            row = con.execute(
                f"SELECT tenant_id, name FROM authors WHERE id = {mark}", (answer["id"],)
            ).fetchone()
            assert tuple(row) == (refs["tenant_id"], r["body"]["name"]), r["key"]
        elif entity == "book":
            row = con.execute(
                f"SELECT author_id, isbn, title FROM books WHERE tenant_id = {mark} "
                f"AND number = {mark}",
                (refs["tenant_id"], answer["number"]),
            ).fetchone()
            assert tuple(row) == (refs["author_id"], r["body"]["isbn"], r["body"]["title"]), r[
                "key"
            ]
        elif entity == "loan":
            row = con.execute(
                f"SELECT tenant_id, book_number, member_id FROM loans WHERE id = {mark}",
                (answer["id"],),
            ).fetchone()
            assert tuple(row) == (refs["tenant_id"], refs["book_number"], refs["member_id"]), r[
                "key"
            ]


def test_killed_runs_resume_to_exactly_the_plan(tmp_path: Path) -> None:
    scenario = SCENARIOS / "library.yaml"
    records = plan(scenario)
    total = len(records)
    rng = random.Random(20261121)
    points = sorted(rng.sample(range(1, total), 10))  # 10 kill points, 2 per trial
    kills = 0
    for trial in range(5):
        db = tmp_path / f"demo{trial}.db"
        journal = tmp_path / f"run{trial}.journal"
        with demo_server(db) as url:
            first, second = points[2 * trial], points[2 * trial + 1]
            kills += kill_when(start_run(scenario, url, journal), url, first)
            kills += kill_when(start_run(scenario, url, journal, "--resume"), url, second)
            code, out = finish(start_run(scenario, url, journal, "--resume"))
            assert code == 0, out
            assert "done earlier" in out, out
        check_service_holds_the_plan(db, records)
    assert kills >= 5, f"only {kills} kills landed before the runs ended"


def test_a_run_without_resume_refuses_an_unfinished_journal(tmp_path: Path) -> None:
    scenario = SCENARIOS / "library.yaml"
    records = plan(scenario)
    db, journal = tmp_path / "demo.db", tmp_path / "run.journal"
    with demo_server(db) as url:
        assert kill_when(start_run(scenario, url, journal), url, len(records) // 3)
        code, out = finish(start_run(scenario, url, journal))
        assert code == 2, out
        assert out.count("\n") == 1 and "an unfinished run's journal is at" in out, out
        assert "--resume" in out and "--fresh" in out
        code, out = finish(start_run(scenario, url, journal, "--seed", "7", "--resume"))
        assert code == 2, out
        assert "seed was '42', now '7'" in out, out
        code, out = finish(start_run(scenario, url, journal, "--resume"))
        assert code == 0, out
    check_service_holds_the_plan(db, records)


def non_idempotent_books(tmp_path: Path) -> Path:
    """The library, but its service is said not to honour Idempotency-Key for books."""
    commands = (ROOT / "commands" / "library.py").read_text()
    marker = 'HttpBinding(\n        "POST",\n        "/tenants/{tenant_id}/books",'
    assert marker in commands
    said = commands.index("idempotent=True", commands.index(marker))  # this binding's
    commands = commands[:said] + "idempotent=False" + commands[said + len("idempotent=True") :]
    (tmp_path / "commands.py").write_text(commands)
    text = (SCENARIOS / "library.yaml").read_text()
    text = text.replace("commands: ../commands/library.py", "commands: commands.py")
    path = tmp_path / "library.yaml"
    path.write_text(text)
    return path


def test_without_idempotency_in_flight_commands_are_uncertain_not_resent(tmp_path: Path) -> None:
    scenario = non_idempotent_books(tmp_path)
    records = plan(scenario)
    db, journal = tmp_path / "demo.db", tmp_path / "run.journal"
    books = [r for r in records if r["key"].startswith("book:")]
    with demo_server(db) as url:
        assert kill_when(start_run(scenario, url, journal), url, len(records) // 2)
        # every book the service applied was known as sent before it went out
        con = sqlite3.connect(journal)
        journaled = {k for (k,) in con.execute("SELECT key FROM items WHERE key LIKE 'book:%'")}
        con.close()
        service = sqlite3.connect(db)
        keys = {k for (k,) in service.execute("SELECT key FROM idempotency_keys")}
        service.close()
        landed = {b["key"] for b in books if b["idempotency_key"] in keys}
        assert landed and landed <= journaled, sorted(landed - journaled)[:5]

        code, out = finish(start_run(scenario, url, journal, "--resume"))
        assert code == 1, out
        assert "uncertain" in out and "may or may not have been applied" in out, out
        code, out = finish(start_run(scenario, url, journal, "--resume", "--uncertain", "resend"))
        assert code == 0, out
    check_service_holds_the_plan(db, records)
