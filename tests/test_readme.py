"""The README's examples run: its scenario plans, its shell lines work, and the Given
section's configuration, test files and snippets pass."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

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


def _given_blocks() -> tuple[list[str], list[str]]:
    """The Given section's Python blocks: test files (first line ``# tests/...``) and
    plain snippets."""
    blocks = _blocks("python")
    files = [b for b in blocks if b.startswith("# tests/")]
    return files, [b for b in blocks if b not in files]


def test_readme_given_tests_pass_in_a_project_configured_as_shown(tmp_path: Path) -> None:
    (config,) = _blocks("toml")
    files, _ = _given_blocks()
    assert len(files) >= 2
    for folder in ("scenarios", "commands"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    (tmp_path / "pyproject.toml").write_text(config)
    for block in files:
        path = tmp_path / block.splitlines()[0].removeprefix("# ")
        path.parent.mkdir(exist_ok=True)
        path.write_text(block)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b4 passed\b", result.stdout), result.stdout


def test_readme_given_snippets_run(monkeypatch: pytest.MonkeyPatch) -> None:
    _, snippets = _given_blocks()
    assert snippets
    monkeypatch.chdir(ROOT)
    for block in snippets:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
