"""Big runs are guarded before they start: absurd sizes refused in one line (exit
2), a run over 10 million commands only with --yes, a large one announced with its
size and an estimated duration; SIGTERM or SIGINT while starting up exits 130 with
its message, like during the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seeder.cli import main
from tests.conftest import ROOT, SCENARIOS


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(SCENARIOS / "library.yaml"), "--scale", "1e12", "--target", "demo"],
        ["plan", str(SCENARIOS / "library.yaml"), "--scale", "1e15"],
        ["validate", str(SCENARIOS / "energy.yaml"), "--scale", "1e9"],
    ],
)
def test_absurd_sizes_are_refused_in_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1, out
    assert "more than the 1,000,000,000 seeder plans at most; lower --scale" in out.err
    assert time.monotonic() - started < 30  # refused, not planned


def test_a_run_over_ten_million_commands_needs_yes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", str(SCENARIOS / "library.yaml"), "--scale", "2000", "--target", "demo"]
    assert main([*argv, "--rate", "5000"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1, out
    assert "this run plans ~12,320,001 commands (about 41m04s at --rate 5,000/s)" in out.err
    assert "add --yes to send them" in out.err and "sending to" not in out.err


def _feed(log: Path) -> list[str]:
    return ["--target", f"file:{log}", "--no-progress"]


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.Popen(
        [sys.executable, "-m", "seeder", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_start_up_exits_130_with_its_message(
    signum: signal.Signals, tmp_path: Path
) -> None:
    # a commands module that takes its time to import: the signal lands while seeder
    # loads the scenario, long before anything is sent
    ready = tmp_path / "importing"
    commands = (ROOT / "commands" / "library.py").read_text()
    commands += f"\nimport pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)\n"
    (tmp_path / "slow_commands.py").write_text(commands)
    scenario = (SCENARIOS / "library.yaml").read_text()
    scenario = scenario.replace("../commands/library.py", "slow_commands.py")
    (tmp_path / "slow.yaml").write_text(scenario)
    process = _start(["run", "slow.yaml", "--target", "demo", "--no-progress"], tmp_path)
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists()
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == f"seeder: interrupted by {signum.name}", err
    assert "Traceback" not in err and "sending to" not in err


def test_a_large_run_is_announced_with_its_size_and_duration(tmp_path: Path) -> None:
    log = tmp_path / "big.jsonl"
    process = _start(
        ["run", str(SCENARIOS / "energy.yaml"), "--scale", "100", "--rate", "2000", *_feed(log)],
        tmp_path,
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    process.send_signal(signal.SIGTERM)  # the announcement is all this test needs
    _, err = process.communicate(timeout=60)
    assert first.startswith("seeder: planned ~"), first + err
    expected = int(first.split("~")[1].split(" ")[0].replace(",", ""))
    assert expected > 100_000
    minutes, seconds = first.rstrip().split("about ")[1].split(" at ")[0].split("m")
    assert abs(int(minutes) * 60 + int(seconds.rstrip("s")) - expected / 2000) <= 1
    assert "at --rate 2,000/s" in first
    assert process.returncode == 130, err
