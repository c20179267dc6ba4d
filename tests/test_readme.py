"""The README's examples run: its scenario plans, and its shell lines work."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import seeder
from tests.conftest import ROOT, records

README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_scenario_plans(tmp_path: Path) -> None:
    (scenario_text,) = _blocks("yaml")
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    path = scenarios / "readme.yaml"
    path.write_text(
        scenario_text.replace("../commands/library.py", str(ROOT / "commands" / "library.py"))
    )
    items = records(seeder.load_model(path, scale=0.2))
    commands = {r["command"] for r in items}
    assert commands == {
        "CreateTenant",
        "RegisterAuthor",
        "PublishBook",
        "RegisterMember",
        "BorrowBook",
    }


def test_readme_shell_examples_run(tmp_path: Path) -> None:
    lines = [
        line
        for block in _blocks("sh")
        for line in block.splitlines()
        if line.startswith(".venv/bin/seeder ") and " demo" not in line
    ]
    assert len(lines) >= 3
    for line in lines:
        argv = shlex.split(line.split("#")[0])
        argv[0] = str(ROOT / argv[0])
        argv = [str(tmp_path / a) if a.endswith((".jsonl", ".json", "/")) else a for a in argv]
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (line, result.stderr)
