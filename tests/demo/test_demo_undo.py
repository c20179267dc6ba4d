"""``seeder undo`` and ``seeder run --refresh`` against a demo server process on
PostgreSQL, with data the run did not create (a tenant with an author and a book
made beforehand): after an undo the demo holds nothing the run created and still
what it did not; after a refresh, exactly one run's data; both finish after being
SIGKILLed part-way and run again. The checks read the demo's own database."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SCENARIOS
from tests.run.test_crash import CLI, demo_server, plan

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SCENARIO = SCENARIOS / "library.yaml"
SCALE = "0.2"
TABLES = {"tenant": "tenants", "author": "authors", "book": "books", "member": "members"}
TABLES["loan"] = "loans"


def seeder(*words: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *words, "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=240)
    return process.returncode, out


def counts(url: str) -> dict[str, int]:
    held = httpx.get(url + "/_counts", timeout=5).json()
    return {entity: held[table] for entity, table in TABLES.items()}


def kill_when(process: subprocess.Popen[str], url: str, done: Any) -> bool:
    """SIGKILLs ``process`` once ``done(counts)`` holds; False if it ended first."""
    deadline = time.monotonic() + 120
    while process.poll() is None:
        if done(counts(url)):
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=10)
            return True
        assert time.monotonic() < deadline, "neither ended nor progressed"
        time.sleep(0.01)
    return False


def not_ours(url: str) -> dict[str, Any]:
    """Data made outside the run: a tenant, its author and book."""
    tenant = httpx.post(url + "/tenants", json={"name": "Not seeded"}).json()
    author = httpx.post(f"{url}/tenants/{tenant['id']}/authors", json={"name": "Ann"}).json()
    book = {"author_id": author["id"], "isbn": "9780000000002", "title": "Ours"}
    httpx.post(f"{url}/tenants/{tenant['id']}/books", json=book).raise_for_status()
    return tenant


def isbns(dsn: str) -> Counter[str]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return Counter(isbn for (isbn,) in conn.execute("SELECT isbn FROM books"))


def test_undo_deletes_what_the_run_created_and_resumes_after_a_kill(
    postgres_schema_dsn: str, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        tenant = not_ours(url)
        before = counts(url)
        target = ["--target", url, "--journal", str(journal)]
        code, out = finish(seeder("run", str(SCENARIO), *target, "--scale", SCALE))
        assert code == 0, out
        planned = Counter(r["key"].rpartition(":")[0] for r in plan(SCENARIO))
        assert counts(url) == {e: before[e] + planned[e] for e in TABLES}
        # killed once a third of the books are gone (loans first, then books...)
        undo = seeder("undo", str(SCENARIO), *target)
        assert kill_when(undo, url, lambda c: c["book"] < before["book"] + planned["book"] * 2 // 3)
        code, out = finish(seeder("undo", str(SCENARIO), *target))
        assert code == 0, out
        assert "deleted earlier" in out and "undo deleted" in out, out
        assert counts(url) == before  # nothing the run created; what it did not, still
        assert httpx.get(f"{url}/tenants/{tenant['id']}").json()["name"] == "Not seeded"
        assert isbns(postgres_schema_dsn) == Counter({"9780000000002": 1})
        code, out = finish(seeder("undo", str(SCENARIO), *target))  # again: nothing to do
        assert code == 0 and "undo deleted 0" in out, out


def test_refresh_leaves_exactly_one_runs_data_and_resumes_after_kills(
    postgres_schema_dsn: str, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    records = plan(SCENARIO)
    planned = Counter(r["key"].rpartition(":")[0] for r in records)
    one_run = Counter(r["body"]["isbn"] for r in records if r["key"].startswith("book:"))
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        not_ours(url)
        before = counts(url)
        after = {e: before[e] + planned[e] for e in TABLES}
        run = ["run", str(SCENARIO), "--target", url, "--journal", str(journal), "--scale", SCALE]
        code, out = finish(seeder(*run))
        assert code == 0, out
        # a refresh killed while it undoes, then one killed while it seeds again
        assert kill_when(seeder(*run, "--refresh"), url, lambda c: c["book"] < after["book"] // 2)
        refresh = seeder(*run, "--refresh")
        undone = []  # once its undo is over (nothing of the run left), kill it seeding

        def seeding(c: dict[str, int]) -> bool:
            if c == before:
                undone.append(True)
            return bool(undone) and before["book"] + 50 < c["book"] < after["book"]

        assert kill_when(refresh, url, seeding)
        code, out = finish(seeder(*run, "--refresh"))
        assert code == 0, out
        # what the killed run sent is known before it is undone (the journal's last
        # batch may not have been written): it is finished first
        assert "did not finish (running): resuming it first" in out, out
        assert counts(url) == after  # exactly one run's data, and what was there before
        assert isbns(postgres_schema_dsn) == one_run + Counter({"9780000000002": 1})
