"""Start-up CPU of seeder's short commands, side by side with ``python -c pass``.

Each command runs as a whole process; its CPU (user + system, from ``os.wait4``)
is taken, in interleaved rounds (every command once per round), and the minimum
over --repeat rounds is printed with its ratio to ``python -c pass``. seeder's
bytecode is compiled first (``compileall``), so a machine that sets
``PYTHONDONTWRITEBYTECODE`` measures the same as an installed wheel would.

    .venv/bin/python benchmarks/startup_cpu.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDER = [sys.executable, "-m", "seeder"]
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "seeder --help": [*SEEDER, "--help"],
    "seeder validate library": [*SEEDER, "validate", "scenarios/library.yaml"],
    "seeder plan library --scale 0.01": [
        *SEEDER,
        "plan",
        "scenarios/library.yaml",
        "--scale",
        "0.01",
        "--out",
        os.devnull,
    ],
}


def cpu(argv: list[str]) -> float:
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    assert process.stderr is not None
    error = process.stderr.read()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{argv} exited {process.returncode}: {error.decode()}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "seeder", quiet=1)
    compileall.compile_dir(ROOT / "commands", quiet=1)
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, argv in COMMANDS.items():
            seconds = cpu(argv)
            best[name] = min(best.get(name, seconds), seconds)
    floor = best["python -c pass"]
    print(f"{'command':<36} {'CPU':>9} {'/ python -c pass':>17}")
    for name, seconds in best.items():
        print(f"{name:<36} {seconds * 1000:>6,.0f} ms {seconds / floor:>16.1f}x")


if __name__ == "__main__":
    main()
