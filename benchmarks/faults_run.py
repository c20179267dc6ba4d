"""Faults: a real ``seeder run`` against a real demo that injects 503s, drops and
delays; afterwards the demo must hold exactly the plan, once, correctly linked.

Issue 5 asks: "100,000 commands against the demo with 10% 503s, 2% dropped
connections and 1% delayed past the timeout finish with exact counts and nothing
duplicated; the report shows the retries."

What runs, each in its own process (two cores: the demo on one, seeder on the other):

1. ``seeder plan`` of the library scenario (copied into a scratch directory, so
   whatever a run writes beside its scenario stays there) at the ``--scale`` that
   makes about ``--commands`` commands; its JSONL log is the expected result.
2. ``seeder demo --port P --db DB --faults status503=0.1,drop=0.02,delay=0.01,
   delay_seconds=<3 x timeout>,seed=7`` on a fresh SQLite file or a fresh
   PostgreSQL schema. Only commands (POSTs) suffer faults; a drop applies the
   command then closes the connection unanswered; a delay applies it then holds
   the answer past the client's timeout.
3. ``seeder run SCENARIO --scale S --target http://127.0.0.1:P --timeout T
   --concurrency C --report r.json --no-progress``.

Then it checks, and says which check failed:

- seeder exited 0, and its report counts every planned command as created;
- ``GET /_counts`` equals the plan's count of every entity, exactly;
- the demo's idempotency table holds exactly one key per planned command (every
  planned key, nothing else), each answered 201;
- the rows are a bijection with the plan: each planned command's stored answer
  names a distinct row, and that row holds the planned fields (a tenant's name, an
  author's name, a book's ISBN and title, a member's e-mail, a loan's due date);
- every reference points at the right logical entity: an author's tenant, a book's
  tenant and author, a member's tenant, a loan's tenant, book and member are the
  rows created by the plan items the plan says;
- the report shows retries by reason: HTTP 503, dropped connections, timeouts; and,
  since the n-th command request's fault is a pure function of (seed, n), the
  retries of each kind are compared with the fault schedule over the requests the
  run made (attempts = commands + retries): 503s and drops exactly, timeouts at
  least the delays (a loaded machine may time out more).

Run:  .venv/bin/python benchmarks/faults_run.py --commands 100000
      .venv/bin/python benchmarks/faults_run.py --commands 20000 --db postgresql://postgres@127.0.0.1:5432/test
Exit status 0 when every check passes, 1 otherwise. ``tests/run/test_faults_large.py``
runs the same at a smaller size.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCENARIO = ROOT / "scenarios" / "library.yaml"
COMMANDS = ROOT / "commands" / "library.py"
BASE_COMMANDS = 6320  # the library scenario's plan at --scale 1

# plan entity -> the demo's /_counts name
TABLE_OF = {
    "tenant": "tenants",
    "author": "authors",
    "book": "books",
    "member": "members",
    "loan": "loans",
}


def default_faults(timeout: float, seed: int = 7) -> str:
    """The issue's mix; a delay holds the answer three timeouts long."""
    delay = round(3 * timeout, 3)
    return f"status503=0.1,drop=0.02,delay=0.01,delay_seconds={delay},seed={seed}"


@dataclass
class FaultsRun:
    """What one run did and what the checks found (``problems`` empty: all good)."""

    planned: int = 0
    planned_by_entity: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    exit_code: int | None = None
    wall_seconds: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    retries_by_kind: dict[str, int] = field(default_factory=dict)
    schedule: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    problems: list[str] = field(default_factory=list)
    checked_rows: int = 0
    checked_references: int = 0
    workdir: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        report = self.report
        elapsed = report.get("elapsed_seconds") or 0.0
        lines = [
            f"commands planned  {self.planned:,}  ("
            + ", ".join(f"{e} {n:,}" for e, n in self.planned_by_entity.items())
            + ")",
            f"seeder run        exit {self.exit_code}, wall {self.wall_seconds:.1f} s "
            f"(subprocess), executor {elapsed:.1f} s, "
            f"{report.get('commands_per_second', 0):,.0f} commands/s; "
            f"latency p50/p95/p99 "
            + "/".join(str(v) for v in (report.get("latency_ms") or {}).values())
            + " ms",
            f"requests sent     {self.attempts:,} (commands + retries)",
            "retries by reason "
            + (", ".join(f"{k} {v:,}" for k, v in self.retries.items()) or "none"),
            "  by fault kind   "
            + ", ".join(f"{k} {v:,}" for k, v in self.retries_by_kind.items())
            + "  |  fault schedule over those requests: "
            + ", ".join(f"{k} {v:,}" for k, v in self.schedule.items()),
            "demo holds        "
            + ", ".join(
                f"{e} {self.counts.get(TABLE_OF[e], 0):,}/{n:,}"
                for e, n in self.planned_by_entity.items()
            )
            + "  (delivered/planned)",
            f"checked           {self.checked_rows:,} rows against the plan, "
            f"{self.checked_references:,} references",
        ]
        if self.problems:
            lines.append(f"FAILED ({len(self.problems)} problems):")
            lines += [f"  - {p}" for p in self.problems[:30]]
            if len(self.problems) > 30:
                lines.append(f"  ... and {len(self.problems) - 30} more")
        else:
            lines.append("verdict           exact counts, nothing duplicated, references right")
        return "\n".join(lines)


# -- the demo process ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return json.loads(reply.read())


@contextmanager
def demo_process(db: str, faults: str, workdir: Path) -> Iterator[str]:
    """``seeder demo`` in its own process on a free loopback port; yields its URL and
    stops it (SIGTERM, then SIGKILL) on exit."""
    for _ in range(5):  # a free port may be taken between the probe and the bind
        port = _free_port()
        log = (workdir / "demo.log").open("ab")
        proc = subprocess.Popen(
            [str(BIN / "seeder"), "demo", "--port", str(port), "--db", db, "--faults", faults],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        started = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                _get_json(url + "/_counts", timeout=1)
                started = True
                break
            except (OSError, ValueError):
                time.sleep(0.1)
        if started:
            try:
                yield url
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=15)
                log.close()
            return
        proc.kill()
        proc.wait(timeout=15)
        log.close()
    tail = (workdir / "demo.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the demo did not start; its log ends with:\n{tail}")


# -- the demo's database -------------------------------------------------------------


class DemoDb:
    """Read-only queries on the demo's database (SQLite file or PostgreSQL schema)."""

    def __init__(self, db: str) -> None:
        self.db = db

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.db.startswith(("postgresql://", "postgres://")):
            import psycopg

            with psycopg.connect(self.db, autocommit=True) as conn:
                return list(conn.execute(sql).fetchall())
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()


@contextmanager
def fresh_database(db: str | None, workdir: Path) -> Iterator[str]:
    """An SQLite file in ``workdir`` (``db`` None), or a fresh schema of the
    PostgreSQL database ``db``, dropped afterwards."""
    if db is None:
        yield str(workdir / "demo.db")
        return
    import psycopg

    schema = f"faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in db else "?"
    try:
        yield f"{db}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- the run ------------------------------------------------------------------------


def _scenario_copy(workdir: Path) -> Path:
    """The library scenario in ``workdir``, naming its commands module absolutely."""
    text = SCENARIO.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^commands: .*$", f"commands: {json.dumps(str(COMMANDS))}", text)
    if n != 1:
        raise RuntimeError(f"{SCENARIO} has no single 'commands:' line to rewrite")
    path = workdir / "library.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def plan(scenario: Path, scale: float, out: Path) -> list[dict[str, Any]]:
    subprocess.run(
        [str(BIN / "seeder"), "plan", str(scenario), "--scale", repr(scale), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    with out.open(encoding="utf-8") as f:
        next(f)  # the manifest
        return [json.loads(line) for line in f]


def run_with_faults(
    commands: int,
    *,
    db: str | None = None,
    timeout: float = 0.5,
    concurrency: int = 32,
    faults: str | None = None,
    http_client: str = "aiohttp",
    workdir: Path,
    run_timeout: float | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> FaultsRun:
    """Plan at least ``commands`` commands (at most 1% more), send them through
    faults, check the demo."""
    result = FaultsRun(workdir=str(workdir))
    faults = faults or default_faults(timeout)
    scenario = _scenario_copy(workdir)
    scale = round(commands / BASE_COMMANDS, 4)
    log(f"planning the library scenario at --scale {scale} ...")
    planned = plan(scenario, scale, workdir / "plan.jsonl")
    for _ in range(3):  # the plan is not linear in scale: at least `commands`, within 1%
        if commands <= len(planned) <= 1.01 * commands:
            break
        scale = round(scale * commands / len(planned) * 1.002, 4)
        log(f"{len(planned):,} commands; planning again at --scale {scale} ...")
        planned = plan(scenario, scale, workdir / "plan.jsonl")
    result.planned = len(planned)
    result.planned_by_entity = dict(Counter(r["key"].split(":")[0] for r in planned))
    # a stalled run must not hang the caller: retries are capped at 60 s per command
    run_timeout = run_timeout or 300 + commands / 100
    with fresh_database(db, workdir) as database, demo_process(database, faults, workdir) as url:
        report_path = workdir / "report.json"
        argv = [
            str(BIN / "seeder"),
            "run",
            str(scenario),
            "--scale",
            repr(scale),
            "--target",
            url,
            "--timeout",
            str(timeout),
            "--concurrency",
            str(concurrency),
            "--http-client",
            http_client,
            "--report",
            str(report_path),
            "--no-progress",
        ]
        log(f"demo at {url} with faults {faults}")
        log("$ " + " ".join(argv))
        started = time.monotonic()
        with (workdir / "run.out").open("wb") as out:
            try:
                proc = subprocess.run(
                    argv, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, timeout=run_timeout
                )
                result.exit_code = proc.returncode
            except subprocess.TimeoutExpired:
                result.problems.append(f"seeder run did not finish within {run_timeout:.0f} s")
        result.wall_seconds = time.monotonic() - started
        result.counts = _get_json(url + "/_counts")
        if report_path.exists():
            result.report = json.loads(report_path.read_text(encoding="utf-8"))
        check(result, planned, DemoDb(database), faults)
    return result


# -- the checks ---------------------------------------------------------------------


def _kind(reason: str) -> str:
    if reason.startswith("HTTP 503"):
        return "503"
    if reason == "timeout":
        return "timeout"
    if reason.startswith("HTTP "):
        return reason
    return "drop"  # a transport error: the connection closed under the request


def check(result: FaultsRun, planned: list[dict[str, Any]], db: DemoDb, faults: str) -> None:
    problems = result.problems
    if result.exit_code != 0:
        problems.append(f"seeder run exited {result.exit_code} (see {result.workdir}/run.out)")
    report = result.report
    if not report:
        problems.append("seeder run wrote no report")
    else:
        totals = dict(report["totals"])
        created = totals.pop("created", None)
        if created != result.planned or any(totals.values()):
            problems.append(
                f"the report's totals are {report['totals']}, not {result.planned} created"
            )
        if report["rejections"]:
            problems.append(f"the report lists rejections: {report['rejections'][:3]}")
    _check_counts(result)
    _check_retries(result, faults)
    _check_rows(result, planned, db)


def _check_counts(result: FaultsRun) -> None:
    for entity, n in result.planned_by_entity.items():
        got = result.counts.get(TABLE_OF[entity])
        if got != n:
            result.problems.append(f"/_counts has {got} {TABLE_OF[entity]}, the plan {n}")
    extra = {k: v for k, v in result.counts.items() if v and k not in TABLE_OF.values()}
    if extra:
        result.problems.append(f"/_counts has entities the plan never made: {extra}")


def _check_retries(result: FaultsRun, faults: str) -> None:
    from seeder.demo.faults import Fault, parse_faults

    retries: dict[str, int] = result.report.get("retries", {})
    result.retries = retries
    by_kind: Counter[str] = Counter()
    for reason, n in retries.items():
        by_kind[_kind(reason)] += n
    result.retries_by_kind = dict(by_kind)
    result.attempts = result.planned + sum(retries.values())
    spec = parse_faults(faults)
    fates = Counter(spec.decide(n) for n in range(result.attempts))
    schedule = {
        "503": fates[Fault.UNAVAILABLE] + fates[Fault.UNAVAILABLE_RETRY_AFTER],
        "drop": fates[Fault.DROP],
        "delay": fates[Fault.DELAY],
    }
    result.schedule = schedule
    if not result.report:
        return
    for kind in ("503", "drop", "timeout"):
        if spec.active and not by_kind.get(kind):
            result.problems.append(f"the report shows no retries after a {kind}: {retries}")
    unexpected = set(by_kind) - {"503", "drop", "timeout"}
    if unexpected:
        result.problems.append(f"retries for reasons no fault explains: {retries}")
    # Every request the run made reached the server (attempts = commands + retries;
    # none gave up, checked above) and met its scheduled fate. A delay always ends
    # in a timeout (it holds the answer three timeouts long). A 503 or a drop is
    # seen as such, unless the busy server answered it after the client's timeout;
    # a fault-free request succeeds or, the same way, times out. So with k timeouts
    # beyond the delays, each kind is at most its schedule, and together they miss
    # at most k: exact when nothing timed out but the delays.
    timeouts = by_kind.get("timeout", 0)
    if timeouts < schedule["delay"]:
        result.problems.append(
            f"{timeouts} timeouts, fewer than the {schedule['delay']} delayed answers "
            f"in the fault schedule over {result.attempts} requests"
        )
    late = timeouts - schedule["delay"]
    missed = 0
    for kind in ("503", "drop"):
        seen = by_kind.get(kind, 0)
        missed += schedule[kind] - seen
        if seen > schedule[kind]:
            result.problems.append(
                f"{seen} retries after a {kind}, more than the {schedule[kind]} in the "
                f"fault schedule over {result.attempts} requests"
            )
    if missed > max(late, 0):
        result.problems.append(
            f"{missed} scheduled 503s and drops were not retried as such, but only "
            f"{max(late, 0)} requests timed out beyond the delays: {retries}"
        )


def _check_rows(result: FaultsRun, planned: list[dict[str, Any]], db: DemoDb) -> None:
    """Every planned command's stored answer names its own row, which holds the
    planned fields and references the rows of the planned entities."""
    problems = result.problems
    keys = {
        k: (int(status), json.loads(body))
        for k, status, body in db.rows("SELECT key, status, body FROM idempotency_keys")
    }
    planned_keys = {r["idempotency_key"] for r in planned}
    if len(keys) != len(planned_keys) or keys.keys() != planned_keys:
        missing = planned_keys - keys.keys()
        unknown = keys.keys() - planned_keys
        problems.append(
            f"idempotency keys: {len(keys)} stored for {len(planned_keys)} planned; "
            f"{len(missing)} missing (e.g. {sorted(missing)[:3]}), "
            f"{len(unknown)} unknown (e.g. {sorted(unknown)[:3]})"
        )
    bad_status = Counter(s for s, _ in keys.values() if s != 201)
    if bad_status:
        problems.append(f"stored answers that are not 201: {dict(bad_status)}")

    tables = {
        "tenant": {r[0]: r[1:] for r in db.rows("SELECT id, name, plan FROM tenants")},
        "author": {
            r[0]: r[1:] for r in db.rows("SELECT id, tenant_id, name, birth_year FROM authors")
        },
        "book": {
            (r[0], r[1]): r[2:]
            for r in db.rows("SELECT tenant_id, number, author_id, isbn, title, status FROM books")
        },
        "member": {r[0]: r[1:] for r in db.rows("SELECT id, tenant_id, name, email FROM members")},
        "loan": {
            r[0]: r[1:]
            for r in db.rows("SELECT id, tenant_id, book_number, member_id, due_on FROM loans")
        },
    }
    row_of: dict[str, Any] = {}  # plan key -> the row's key in its table
    claimed: dict[str, set[Any]] = {e: set() for e in tables}
    for r in planned:
        entity = r["key"].split(":")[0]
        stored = keys.get(r["idempotency_key"])
        if stored is None or stored[0] != 201:
            continue
        body = stored[1]
        row_key = (body["tenant_id"], body["number"]) if entity == "book" else body["id"]
        if row_key in claimed[entity]:
            problems.append(f"{r['key']}: its answer names row {row_key}, already another's")
        claimed[entity].add(row_key)
        row_of[r["key"]] = row_key
    for entity, rows in tables.items():
        if len(rows) != len(claimed[entity]) or rows.keys() != claimed[entity]:
            orphans = rows.keys() - claimed[entity]
            problems.append(
                f"{entity}: {len(rows)} rows for {len(claimed[entity])} planned answers; "
                f"{len(orphans)} rows no planned command created (duplicates?), "
                f"e.g. {sorted(orphans)[:3]}"
            )

    def ref(r: dict[str, Any], name: str) -> Any:
        """The row key of the entity the plan's reference ``name`` points at."""
        target = r["refs"][name].rpartition(".")[0]
        result.checked_references += 1
        return row_of.get(target)

    def expect(r: dict[str, Any], what: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{r['key']}: {what} is {got!r}, the plan says {want!r}")

    missing: list[str] = []
    for r in planned:
        entity = r["key"].split(":")[0]
        row_key = row_of.get(r["key"])
        row = tables[entity].get(row_key) if row_key is not None else None
        if row is None:
            missing.append(r["key"])
            continue
        result.checked_rows += 1
        b = r["body"]
        if entity == "tenant":
            expect(r, "(name, plan)", row, (b["name"], b["plan"]))
        elif entity == "author":
            expect(r, "tenant", row[0], ref(r, "tenant_id"))
            expect(r, "(name, birth_year)", row[1:], (b["name"], b["birth_year"]))
        elif entity == "book":
            expect(r, "tenant", row_key[0], ref(r, "tenant_id"))
            expect(r, "author", row[0], ref(r, "author_id"))
            expect(r, "(isbn, title, status)", row[1:], (b["isbn"], b["title"], b["status"]))
        elif entity == "member":
            expect(r, "tenant", row[0], ref(r, "tenant_id"))
            expect(r, "(name, email)", row[1:], (b["name"], b["email"]))
        elif entity == "loan":
            expect(r, "tenant", row[0], ref(r, "tenant_id"))
            book = ref(r, "book_number")
            expect(r, "book", (row[0], row[1]), book)
            expect(r, "member", row[2], ref(r, "member_id"))
            expect(r, "due_on", row[3], b["due_on"])
    if missing:
        problems.append(f"{len(missing)} planned commands have no row, e.g. {missing[:5]}")


# -- the command line ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=100_000, help="about how many")
    parser.add_argument(
        "--db",
        default=None,
        help="a PostgreSQL DSN to use a fresh schema of (default: a fresh SQLite file)",
    )
    parser.add_argument("--timeout", type=float, default=0.5, help="seeder's --timeout")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--faults", default=None, help="default: " + default_faults(0.5))
    parser.add_argument("--http-client", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="seeder-faults-"))
    keep = args.keep
    try:
        result = run_with_faults(
            args.commands,
            db=args.db,
            timeout=args.timeout,
            concurrency=args.concurrency,
            faults=args.faults,
            http_client=args.http_client,
            workdir=workdir,
            log=lambda text: print(text, flush=True),
        )
        print((workdir / "run.out").read_text(errors="replace").rstrip())
        print()
        print(result.summary())
        keep = keep or not result.ok
        return 0 if result.ok else 1
    except BaseException:
        keep = True
        raise
    finally:
        if keep:
            print(f"(scratch directory kept: {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
