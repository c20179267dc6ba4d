"""Seeding real services: commands/s against Kinto and MLflow's tracking server, and
which side is the bottleneck (issue 11, item 9).

Each service is installed and started as the tests do it (tests/services/servers.py:
its own virtualenv under ~/.cache/seeder-tests, 127.0.0.1, a free port). Its example
scenario (examples/<service>/scenario.yaml, ``--scale`` to make a few thousand
commands) is seeded in-process with ``seeder run`` at concurrency 1 and 8, into a
fresh server each time. Printed side by side: commands/s (the report's own figure),
and the CPU seconds the service's process and seeder's process spent during the run,
as a share of the run's wall time: the side near 100% of a core is the ceiling.

    .venv/bin/python benchmarks/services_bench.py [--scale 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seeder.cli import main  # noqa: E402
from tests.services import servers  # noqa: E402


def _cpu_of(pid: int) -> float:
    """CPU seconds of ``pid`` and every process below it (``mlflow server`` runs its
    workers as children)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, total = {pid}, 0
    changed = True
    while changed:
        changed = False
        for child, (parent, _) in stats.items():
            if parent in tree and child not in tree:
                tree.add(child)
                changed = True
    for member in tree:
        total += stats.get(member, (0, 0))[1]
    return total / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, concurrency: int, scale: float) -> dict[str, float]:
    scenario = ROOT / "examples" / name / "scenario.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start_service = servers.kinto if name == "kinto" else servers.mlflow
        with start_service(folder) as url:
            target = url.replace("http://", "http://seeder:secret@") if name == "kinto" else url
            report = folder / "report.json"
            server_before, own_before, wall = _cpu_of(url.pid), _own_cpu(), time.monotonic()
            code = main(
                [
                    *("run", str(scenario), "--target", target, "--no-progress"),
                    *("--scale", str(scale), "--concurrency", str(concurrency)),
                    *("--report", str(report), "--journal", str(folder / "j.sqlite")),
                ]
            )
            wall = time.monotonic() - wall
            server_cpu = _cpu_of(url.pid) - server_before
            own_cpu = _own_cpu() - own_before
            data = json.loads(report.read_text())
    return {
        "exit": code,
        "uncertain": data["totals"]["uncertain"],
        "commands": data["totals"]["created"],
        "per_second": data["commands_per_second"],
        "service_cpu": server_cpu / wall,
        "seeder_cpu": own_cpu / wall,
    }


def main_() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--only", choices=("kinto", "mlflow"))
    args = parser.parse_args()
    heads = ("service", "conc", "created", "cmd/s", "service CPU", "seeder CPU", "exit")
    print("{:8} {:>4} {:>8} {:>8} {:>11} {:>10}  {}".format(*heads))
    for name in [args.only] if args.only else ("kinto", "mlflow"):
        for concurrency in (1, 8):
            m = measure(name, concurrency, args.scale)
            print(
                f"{name:8} {concurrency:>4} {m['commands']:>8} {m['per_second']:>8.0f} "
                f"{m['service_cpu']:>10.0%} {m['seeder_cpu']:>10.0%}  {m['exit']:.0f}"
                + (f" ({m['uncertain']:.0f} uncertain)" if m["uncertain"] else ""),
                flush=True,
            )


if __name__ == "__main__":
    main_()
