"""Peak memory of a large plan streamed to a JSONL command log.

Plans a scenario producing at least ``--commands`` commands (default 1,000,000;
scenarios/energy.yaml, about 195 commands per customer, with ``--scale`` chosen
from the model's expected counts unless given) and streams it to a JSONL file with
``seeder.plan.commandlog.JsonlCommandLog``. The planning runs in a fresh subprocess so
that its peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is not polluted
by anything the parent did. Reported: commands, seconds, commands/s, peak RSS, the
RSS right after loading the model (imports, Faker, the compiled scenario; less the
tables the planner sizes up front for the expected count, which are growth), the RSS
at every 10% of the plan (flat if memory does not grow with the items already
emitted), and the registry size (the sum of ``store.nbytes()`` over the planner's
stores: the compact columns and ``where`` indexes kept for later picks).
Target (issue 2): peak RSS under 300 MB for a 1,000,000-command plan; (issue 17)
under 300 MB for 10,000,000 commands of each example scenario, growing linearly.
``--table`` runs each scenario at each count (default library, energy and school at
1M, 3M and 10M), each in its own process, and prints one line per run with the
growth per command beyond the loaded model: flat in the count if the cost is linear.

Run:  .venv/bin/python benchmarks/plan_memory.py
      .venv/bin/python benchmarks/plan_memory.py --table
      .venv/bin/python benchmarks/plan_memory.py --table --counts 1000000,3000000 --scenarios energy
      .venv/bin/python benchmarks/plan_memory.py --commands 2000000 --out /tmp/plan.jsonl
      .venv/bin/python benchmarks/plan_memory.py --scenario scenarios/library.yaml --scale 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # seeder, commands/

import seeder
from seeder.plan.commandlog import JsonlCommandLog
from seeder.plan.planner import PlanItem, Planner

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 300.0
CHECKPOINTS = 10


def rss_mb() -> float:
    """Current resident set size (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return peak_rss_mb()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def child(scenario: str, scale: float, out_path: str, expected: int) -> dict[str, Any]:
    """Plans and writes the log; runs in its own process."""
    t0 = time.perf_counter()
    model = seeder.load_model(scenario, scale=scale)
    planner = Planner(model)
    # the tables sized up front for the whole plan (unique fingerprints) are
    # counted as growth, not as the loaded model: they grow with the count
    rss_loaded = rss_mb() - planner.nbytes() / 2**20
    trail: list[tuple[int, float]] = []
    step = max(1, expected // CHECKPOINTS)

    def watched(items: Iterator[PlanItem]) -> Iterator[PlanItem]:
        for n, item in enumerate(items, 1):
            if n % step == 0:
                trail.append((n, rss_mb()))
            yield item

    with open(out_path, "w", encoding="utf-8") as out:
        log = JsonlCommandLog(model, out)
        commands = log.write_all(watched(planner.items()))
        log.close()
    seconds = time.perf_counter() - t0
    per_entity = {name: store.count for name, store in planner.stores.items()}
    return {
        "commands": commands,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "rss_loaded_mb": rss_loaded,
        "trail": trail,
        "registry_bytes": sum(store.nbytes() for store in planner.stores.values()),
        "per_entity": per_entity,
        "file_bytes": os.path.getsize(out_path),
    }


def scale_for(scenario: str, commands: int) -> float:
    """The --scale that plans at least ``commands`` (random counts: a 3% margin)."""
    per_unit = seeder.load_model(scenario).expected_total()
    return round(commands / per_unit * 1.03 + 0.005, 2)


def run_child(
    scenario: str, scale: float, out_path: str, expected: int
) -> tuple[dict[str, Any] | None, str]:
    """One plan in a fresh process: its figures, or None and its error output."""
    cmd = [sys.executable, __file__, "--child", "--scenario", scenario]
    cmd += ["--scale", repr(scale), "--out", out_path, "--expected", str(expected)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


def table(args: argparse.Namespace) -> int:
    counts = [int(c) for c in args.counts.split(",")]
    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}, {sys.platform}")
    print(
        f"{'scenario':<10}{'commands':>12}{'--scale':>10}{'seconds':>9}{'commands/s':>12}"
        f"{'loaded MB':>11}{'peak MB':>9}{'B/command':>11}  < {args.limit_mb:.0f} MB",
        flush=True,
    )
    failures = 0
    for name in args.scenarios.split(","):
        scenario = str(ROOT / "scenarios" / f"{name}.yaml")
        for count in counts:
            scale = scale_for(scenario, count)
            expected = int(seeder.load_model(scenario, scale=scale).expected_total())
            with tempfile.TemporaryDirectory() as tmp:
                r, error = run_child(scenario, scale, str(Path(tmp) / "plan.jsonl"), expected)
            if r is None:
                failures += 1
                last = (error.strip().splitlines() or ["?"])[-1]
                print(f"{name:<10}{count:>12,}{scale:>10}  failed: {last[:160]}", flush=True)
                continue
            peak, loaded = r["peak_rss_mb"], r["rss_loaded_mb"]
            per = (peak - loaded) * 2**20 / r["commands"]
            ok = peak < args.limit_mb
            failures += not ok
            print(
                f"{name:<10}{r['commands']:>12,}{scale:>10}{r['seconds']:>9.1f}"
                f"{r['commands'] / r['seconds']:>12,.0f}{loaded:>11.0f}{peak:>9.0f}{per:>11.1f}"
                f"  {'PASS' if ok else 'FAIL'}",
                flush=True,
            )
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "energy.yaml"))
    parser.add_argument(
        "--commands", type=int, default=1_000_000, help="at least this many (1000000)"
    )
    parser.add_argument("--scale", type=float, help="scale factor (default: from --commands)")
    parser.add_argument("--out", help="JSONL file to write (default: a temporary file)")
    parser.add_argument("--limit-mb", type=float, default=LIMIT_MB, help="target (300)")
    parser.add_argument("--table", action="store_true", help="scenarios x counts, one table")
    parser.add_argument(
        "--scenarios", default="library,energy,school", help="for --table: names in scenarios/"
    )
    parser.add_argument(
        "--counts", default="1000000,3000000,10000000", help="for --table: commands per run"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.scenario, args.scale, args.out, args.expected)))
        return 0

    if args.table:
        return table(args)
    scale = scale_for(args.scenario, args.commands) if args.scale is None else args.scale
    expected = int(seeder.load_model(args.scenario, scale=scale).expected_total())

    with tempfile.TemporaryDirectory() as tmp:
        out_path = args.out or str(Path(tmp) / "plan.jsonl")
        r, error = run_child(args.scenario, scale, out_path, expected)
        if r is None:
            sys.stderr.write(error)
            return 1

    commands, seconds, peak = r["commands"], r["seconds"], r["peak_rss_mb"]
    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}, {sys.platform}")
    print(f"scenario: {args.scenario} --scale {scale} (expected ~{expected:,} commands)")
    print("planned: " + ", ".join(f"{n:,} {e}" for e, n in r["per_entity"].items()))
    print(
        f"output: {out_path if args.out else 'temporary file'}, {r['file_bytes'] / 2**20:,.0f} MB"
    )
    print(
        "RSS MB after loading: "
        f"{r['rss_loaded_mb']:.0f}; while planning: "
        + ", ".join(f"{n // 1000:,}k {mb:.0f}" for n, mb in r["trail"])
    )
    print(f"registry: {r['registry_bytes'] / 2**20:.2f} MB (sum of store.nbytes())\n")
    print(f"{'commands':>10} {'seconds':>8} {'commands/s':>11} {'peak RSS MB':>12}  target")
    verdict = "PASS" if peak < args.limit_mb else "FAIL"
    print(
        f"{commands:>10,} {seconds:>8.1f} {commands / seconds:>11,.0f} {peak:>12.1f}  "
        f"< {args.limit_mb:.0f} MB: {verdict}"
    )
    if commands < args.commands:
        print(f"note: fewer than the {args.commands:,} commands asked for; raise --scale")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
