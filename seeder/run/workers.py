"""``seeder run --workers N``: the same shards as processes on one machine, with one
progress line and one report for the whole run.

The coordinator (this process) starts N ``seeder run`` processes, each with the
same flags and ``--shard k/N`` (or, under ``--shard I/M``, sub-shard
``(I-1)*N+k`` of ``M*N``), so the union is the plan and every rule of a sharded run
holds — in particular the journal all of them share, which resolves references
between them: the SQLite file of the run (WAL; each worker locks its own shard) or
the PostgreSQL journal given. The coordinator reads that journal for the progress
line, waits for the workers, forwards SIGINT/SIGTERM to them, merges their reports
and exits with the worst of their codes (130 before 1 before 0). A worker that dies
leaves its shard resumable: the same command with ``--resume`` resumes all of them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from seeder.errors import SeederError
from seeder.plan.shards import Shard
from seeder.run.stores import open_store

__all__ = ["child_argv", "run_workers"]

# flags the coordinator sets itself for each worker: name -> whether it takes a value
_OWN_FLAGS = {"--workers": True, "--shard": True, "--report": True, "--junit": True}
_OWN_FLAGS["--no-progress"] = False


def child_argv(argv: Sequence[str], shard: Shard, report: Path) -> list[str]:
    """The worker's command line: the run's, without the flags the coordinator owns,
    with its shard, its own report and no live progress."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in _OWN_FLAGS:
            skip = _OWN_FLAGS[name] and "=" not in word
            continue
        out.append(word)
    return [*out, "--shard", str(shard), "--report", str(report), "--no-progress"]


def worker_shards(workers: int, within: Shard | None) -> list[Shard]:
    if within is None:
        return [Shard(k, workers) for k in range(1, workers + 1)]
    total = within.total * workers
    return [Shard((within.index - 1) * workers + k, total) for k in range(1, workers + 1)]


def run_workers(
    argv: Sequence[str],
    workers: int,
    within: Shard | None,
    journal: Path | str,
    expected: float,
    note: Callable[[str], None],
    report: Path | None,
) -> int:
    shards = worker_shards(workers, within)
    folder = Path(tempfile.mkdtemp(prefix="seeder-workers-"))
    reports = [folder / f"worker-{s.index}.json" for s in shards]
    logs = [folder / f"worker-{s.index}.log" for s in shards]
    note(
        f"seeder: {workers} worker processes, shards "
        f"{', '.join(map(str, shards))}; journal shared by all of them; their output in {folder}"
    )
    started = time.monotonic()
    processes = []
    for shard, path, log in zip(shards, reports, logs, strict=True):
        with log.open("w") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "seeder", *child_argv(argv, shard, path)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "COLUMNS": "200"},
                )
            )
    previous = {
        signum: signal.signal(signum, lambda n, _f: _forward(processes, n))
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        _watch(processes, journal, shards, expected, started, note)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    codes = [p.wait() for p in processes]
    for shard, code, log in zip(shards, codes, logs, strict=True):
        if code not in (0, 1, 130):
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["?"]
            note(f"seeder: worker {shard} ended with {code}: {tail[0]}")
    merged = _merge([_read(p) for p in reports], time.monotonic() - started)
    if report is not None and merged is not None:
        report.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    code = 130 if 130 in codes else max(codes)
    if merged is not None:
        t = merged["totals"]
        status = "interrupted" if code == 130 else ("ok" if code == 0 else "incomplete")
        words = " ".join(f"{k}={v}" for k, v in t.items() if v or k == "created")
        print(
            f"seeder summary: status={status} exit={code} workers={workers} {words} "
            f"elapsed={merged['elapsed_seconds']}s rate={merged['commands_per_second']}/s",
            flush=True,
        )
    return code


def _forward(processes: Sequence[subprocess.Popen[bytes]], signum: int) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signum)


def _watch(
    processes: Sequence[subprocess.Popen[bytes]],
    journal: Path | str,
    shards: Sequence[Shard],
    expected: float,
    started: float,
    note: Callable[[str], None],
) -> None:
    """One progress line for the whole run, from the journal the workers write."""
    live = sys.stderr.isatty()
    last = 0.0
    while any(p.poll() is None for p in processes):
        time.sleep(0.2)
        now = time.monotonic()
        if now - last < (0.5 if live else 10.0):
            continue
        last = now
        done = _done_count(journal)
        if done is None:
            continue
        rate = done / max(now - started, 1e-9)
        line = (
            f"seeder: {done:,}/~{expected:,.0f} commands ({done / max(expected, 1):.0%}), "
            f"{rate:,.0f}/s, {sum(p.poll() is None for p in processes)} workers running"
        )
        if live:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        else:
            note(line)
    if live:
        print(file=sys.stderr)


def _done_count(journal: Path | str) -> int | None:
    try:
        store = open_store(journal)
        if not store.exists():
            return None
        store.open(-1)  # a shard number no worker has: the watcher's own lock
        try:
            return store.count_done(None, 2)
        finally:
            store.close()
    except SeederError:
        return None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def _merge(reports: Sequence[dict[str, Any] | None], elapsed: float) -> dict[str, Any] | None:
    """One report of the workers' reports: counts summed, latency percentiles the
    worst worker's (percentiles do not add up), distributions per worker only."""
    found = [r for r in reports if r is not None]
    if not found:
        return None
    totals: Counter[str] = Counter()
    entities: dict[str, Counter[str]] = {}
    retries: Counter[str] = Counter()
    lists: dict[str, list[Any]] = {"rejections": [], "failures": [], "skipped_because": []}
    for r in found:
        totals.update(r["totals"])
        for name, counts in r["entities"].items():
            entities.setdefault(name, Counter()).update(counts)
        retries.update(r.get("retries", {}))
        for key in lists:
            lists[key].extend(r.get(key, []))
    sent = totals["created"] + totals["rejected"] + totals["failed"]
    latency = {
        q: max(
            (r["latency_ms"][q] for r in found if r["latency_ms"].get(q) is not None), default=None
        )
        for q in ("p50", "p95", "p99")
    }
    complete = len(found) == len(reports)
    return {
        "version": found[0]["version"],
        "ok": complete and all(r["ok"] for r in found),
        "elapsed_seconds": round(elapsed, 3),
        "commands_per_second": round(sent / max(elapsed, 1e-9), 1),
        "totals": dict(totals),
        "entities": {k: dict(v) for k, v in sorted(entities.items())},
        "latency_ms": latency,
        **lists,
        "retries": dict(retries),
        "uncertain": [k for r in found for k in r.get("uncertain", [])],
        "credentials_reacquired": sum(r.get("credentials_reacquired", 0) for r in found),
        "notes": [n for r in found for n in r.get("notes", [])]
        + ([] if complete else [f"{len(reports) - len(found)} worker(s) wrote no report"]),
        "interrupted": next((r["interrupted"] for r in found if r.get("interrupted")), None),
        "distributions": [],
    }
