"""Scaling with processes: ``seeder run --workers W`` for W = 1, 2, 4.

Two targets, each served by several server processes on loopback:

1. a trivial endpoint: the raw ASGI app of benchmarks/run_bench.py (201 and
   ``{"id": n}`` for any POST) under ``uvicorn --workers S``; the scenario is
   run_bench's one-command ``Ping`` (no references, so nothing crosses shards);
2. the demo on PostgreSQL under ``uvicorn --workers S`` (the demo's ``seeder demo``
   serves one process; here uvicorn's own workers run the demo's app factory on one
   fresh PostgreSQL schema), with the library scenario (references across shards,
   resolved through the journal).

Each run is ``seeder run SCENARIO --target URL --workers W --no-progress`` as a
subprocess, with the journal shared by the workers (the run's SQLite file in WAL, or
``--journal-pg`` for a PostgreSQL journal). Printed: commands/s (the run's own
summary), the scaling ratio against W=1, and the CPU the server processes used per
second of the run (from /proc): near ``S`` cores, the server is the bottleneck; the
client's is the rest of the machine.

    .venv/bin/python benchmarks/shard_bench.py [--count 20000] [--server-workers 2]
        [--demo-scale 0.5] [--journal-pg]

Not a test: nothing is asserted. Say the machine's cores with the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run_bench import COMMANDS_MODULE, SCENARIO  # noqa: E402

PYTHON = sys.executable
POSTGRES = os.environ.get("SEEDER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")

APPS = """\
import os

from run_bench import asgi_app

asgi_app.counter = 0


def demo():
    from seeder.demo.app import create_app

    return create_app(os.environ["SHARD_BENCH_DB"])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def tree(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return [pid, *[q for k in kids for q in tree(k)]]


class Server:
    def __init__(self, app: str, workers: int, folder: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        factory = ["--factory"] if app == "apps:demo" else []
        self.process = subprocess.Popen(
            [
                *(PYTHON, "-m", "uvicorn", app, *factory, "--port", str(self.port)),
                *("--workers", str(workers), "--no-access-log", "--log-level", "warning"),
            ],
            cwd=folder,
            env={**os.environ, **env, "PYTHONPATH": f"{folder}:{ROOT / 'benchmarks'}:{ROOT}"},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        time.sleep(1.0 if workers > 1 else 0.2)  # let every worker start

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


_SUMMARY = re.compile(r"created=(\d+).*?elapsed=([\d.]+)s rate=([\d.]+)/s")


def run(scenario: Path, server: Server, workers: int, extra: list[str], cwd: Path) -> str:
    pids = tree(server.process.pid)
    before = cpu_seconds(pids)
    started = time.monotonic()
    done = subprocess.run(
        [
            *(PYTHON, "-m", "seeder", "run", str(scenario), "--target", server.url),
            *("--workers", str(workers), "--no-progress", *extra),
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "SEEDER_JOURNAL_DIR": str(cwd / f"journals-{uuid.uuid4().hex[:6]}")},
    )
    wall = time.monotonic() - started
    server_cpu = (cpu_seconds(pids) - before) / wall
    summary = [line for line in done.stdout.splitlines() if line.startswith("seeder summary")]
    match = _SUMMARY.search(summary[-1]) if summary else None
    if done.returncode != 0 or match is None:
        return f"failed ({done.returncode}): {(done.stdout + done.stderr)[-300:]}"
    created, _elapsed, rate = int(match[1]), float(match[2]), float(match[3])
    return (
        f"{created:>7,} cmds  {rate:>8,.0f}/s  wall {wall:5.1f}s  "
        f"server CPU {server_cpu:4.2f} cores"
    )


def schema_dsn() -> tuple[str, str]:
    schema = f"shard_bench_{uuid.uuid4().hex[:10]}"
    subprocess.run(["psql", POSTGRES, "-qc", f"CREATE SCHEMA {schema}"], check=True)
    return schema, f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}"


def drop(schema: str) -> None:
    subprocess.run(
        [
            "psql",
            POSTGRES,
            "-q",
            "-o",
            "/dev/null",
            "-c",
            f"SET client_min_messages=warning; DROP SCHEMA {schema} CASCADE",
        ],
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--demo-scale", default="0.5")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--journal-pg", action="store_true", help="journal in PostgreSQL")
    args = parser.parse_args()
    levels = [int(w) for w in args.workers.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="shard-bench-"))
    (folder / "apps.py").write_text(APPS)
    (folder / "ping_commands.py").write_text(COMMANDS_MODULE)
    ping = folder / "ping.yaml"
    ping.write_text(SCENARIO.format(count=args.count))
    for name in ("scenarios", "commands"):
        (folder / name).symlink_to(ROOT / name)
    print(
        f"cores: {os.cpu_count()} (affinity {len(os.sched_getaffinity(0))}); "
        f"server processes: {args.server_workers}; load average {os.getloadavg()[0]:.1f}"
    )
    try:
        server = Server("apps:asgi_app", args.server_workers, folder, {})
        try:
            print(f"trivial endpoint, {args.count:,} Ping commands:")
            for w in levels:
                extra: list[str] = []
                schema = None
                if args.journal_pg:
                    schema, dsn = schema_dsn()
                    extra = ["--journal", dsn]
                print(f"  workers {w}: {run(ping, server, w, extra, folder)}", flush=True)
                if schema:
                    drop(schema)
        finally:
            server.close()
        library = folder / "scenarios" / "library.yaml"
        print(f"demo on PostgreSQL (library, --scale {args.demo_scale}):")
        for w in levels:
            schema, dsn = schema_dsn()
            server = Server("apps:demo", args.server_workers, folder, {"SHARD_BENCH_DB": dsn})
            try:
                extra = ["--scale", args.demo_scale] + (
                    ["--journal", dsn] if args.journal_pg else []
                )
                print(
                    f"  workers {w}: {run(library, server, w, extra, folder)}",
                    flush=True,
                )
            finally:
                server.close()
                drop(schema)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
