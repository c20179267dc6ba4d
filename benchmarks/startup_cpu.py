"""Start-up CPU of seeder's short commands, side by side with ``python -c pass``.

Each command runs as a whole process; its CPU (user + system, from ``os.wait4``)
is taken, in interleaved rounds (every command once per round), and the minimum
over --repeat rounds is printed with its ratio to ``python -c pass``. seeder's
bytecode is compiled first (``compileall``), so a machine that sets
``PYTHONDONTWRITEBYTECODE`` measures the same as an installed wheel would.

    .venv/bin/python benchmarks/startup_cpu.py [--repeat 5] [--against DIR]

``--against DIR`` runs the seeder commands also from DIR, a copy of another
version (``git worktree add DIR COMMIT``; its ``seeder`` package is imported from
there, the installed packages are the same), in the same rounds.
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


def cpu(argv: list[str], cwd: Path = ROOT) -> float:
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
    parser.add_argument("--against", type=Path, help="another version's folder")
    args = parser.parse_args()
    runs: dict[str, tuple[list[str], Path]] = {}
    for root in [ROOT] if args.against is None else [args.against.resolve(), ROOT]:
        compileall.compile_dir(root / "seeder", quiet=1)
        compileall.compile_dir(root / "commands", quiet=1)
        for name, argv in COMMANDS.items():
            if name.startswith("seeder") and args.against is not None:
                name = f"{name} ({'this' if root == ROOT else root.name})"
            runs.setdefault(name, (argv, root))
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, (argv, cwd) in runs.items():
            seconds = cpu(argv, cwd)
            best[name] = min(best.get(name, seconds), seconds)
    floor = best["python -c pass"]
    width = max(len(name) for name in best)
    print(f"{'command':<{width}} {'CPU':>9} {'/ python -c pass':>17}")
    for name, seconds in best.items():
        print(f"{name:<{width}} {seconds * 1000:>6,.0f} ms {seconds / floor:>16.1f}x")


if __name__ == "__main__":
    main()
