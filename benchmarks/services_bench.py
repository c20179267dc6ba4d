"""Seeding real services: commands/s against Kinto and MLflow's tracking server, and
which side is the bottleneck (issue 11, item 9).

Each service is installed and started as the tests do it (tests/services/servers.py:
its own virtualenv under ~/.cache/seeder-tests, 127.0.0.1, a free port). Its example
scenario (examples/<service>/scenario.yaml, ``--scale`` to make a few thousand
commands) is seeded in-process with ``seeder run`` into a fresh server each time, at
three settings: ``--concurrency 1``, ``--concurrency 8 --no-adaptive`` (8 in flight
all along) and the defaults (adaptive, up to 32). Printed side by side: commands/s
(the report's own figure), what ended uncertain, the range the adaptive limit moved
in, and the CPU seconds the service's process and seeder's process spent during the
run, as a share of the run's wall time: the side near 100% of a core is the ceiling.

    .venv/bin/python benchmarks/services_bench.py [--scale 10] [--only mlflow] [--rounds 2]
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
from typing import Any

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


SETTINGS = {
    "1": ("--concurrency", "1"),
    "8 fixed": ("--concurrency", "8", "--no-adaptive"),
    "default": (),
}


def measure(name: str, setting: str, scale: float, examples: Path) -> dict[str, Any]:
    scenario = examples / name / "scenario.yaml"
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
                    *("--scale", str(scale), *SETTINGS[setting]),
                    *("--report", str(report), "--journal", str(folder / "j.sqlite")),
                ]
            )
            wall = time.monotonic() - wall
            server_cpu = _cpu_of(url.pid) - server_before
            own_cpu = _own_cpu() - own_before
            data = json.loads(report.read_text())
    pacing = data["concurrency"] or {}
    limits = [limit for _, limit in pacing.get("trace") or []]
    return {
        "limits": f"{min(limits)}-{max(limits)}" if pacing.get("adaptive") and limits else "-",
        "exit": code,
        "uncertain": data["totals"]["uncertain"],
        "commands": data["totals"]["created"],
        "planned": sum(data["totals"][k] for k in ("created", "rejected", "failed", "skipped"))
        + data["totals"]["uncertain"],
        "per_second": data["commands_per_second"],
        "service_cpu": server_cpu / wall,
        "seeder_cpu": own_cpu / wall,
    }


def main_() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--only", choices=("kinto", "mlflow"))
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds of every line")
    parser.add_argument(
        "--examples",
        type=Path,
        action="append",
        help="a folder of examples to compare (repeat it: the lines interleave); default examples/",
    )
    args = parser.parse_args()
    heads = ("service", "setting", "created", "cmd/s", "limit", "service CPU", "seeder CPU")
    print("{:8} {:>8} {:>13} {:>7} {:>7} {:>11} {:>10}  exit".format(*heads))
    folders = args.examples or [ROOT / "examples"]
    for _ in range(args.rounds):
        for name in [args.only] if args.only else ("kinto", "mlflow"):
            for setting in SETTINGS:
                for folder in folders:
                    if len(folders) > 1:
                        print(f"# {folder}", flush=True)
                    m = measure(name, setting, args.scale, folder)
                    created = f"{m['commands']:,} of {m['planned']:,}"
                    print(
                        f"{name:8} {setting:>8} {created:>13} {m['per_second']:>7.1f} "
                        f"{m['limits']:>7} {m['service_cpu']:>10.0%} {m['seeder_cpu']:>10.0%}  "
                        f"{m['exit']}"
                        + (f" ({m['uncertain']} uncertain)" if m["uncertain"] else ""),
                        flush=True,
                    )


if __name__ == "__main__":
    main_()
