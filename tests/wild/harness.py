"""Runs ``seeder`` in-process on a commands module and a scenario written by a test,
against a live service, and hands back the exit code, stderr and the report."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seeder.cli import main


@dataclass
class Ran:
    code: int
    err: str
    report: dict[str, Any]

    def rejections(self) -> list[str]:
        return [r["message"] for r in self.report.get("rejections", [])]


def project(tmp: Path, commands: str, scenario: str, **files: str) -> Path:
    """Writes ``cmds.py``, ``s.yaml`` (and more files) into ``tmp``; the scenario path."""
    (tmp / "cmds.py").write_text(textwrap.dedent(commands))
    for name, text in files.items():
        (tmp / name).write_text(textwrap.dedent(text))
    path = tmp / "s.yaml"
    path.write_text("seed: 1\ncommands: cmds.py\n" + textwrap.dedent(scenario))
    return path


def run(
    scenario: Path, url: str, capsys: pytest.CaptureFixture[str], *flags: str, verb: str = "run"
) -> Ran:
    report = scenario.parent / "report.json"
    report.unlink(missing_ok=True)
    argv = [verb, str(scenario)]
    if verb == "run":
        argv += ["--target", url, "--no-progress", "--report", str(report), *flags]
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    data = json.loads(report.read_text()) if report.exists() else {}
    return Ran(code, err, data)


def one_error(ran: Ran, file: Path, line_of: str, back: bool = False) -> str:
    """Asserts exit 2 and one line naming ``file`` at the line holding ``line_of``
    (``back``: at the ``HttpBinding(`` that line belongs to)."""
    assert ran.code == 2, ran.err
    lines = [x for x in ran.err.splitlines() if x.strip()]
    assert len(lines) == 1, ran.err
    lines_of_file = file.read_text().splitlines()
    number = next(i for i, x in enumerate(lines_of_file, 1) if line_of in x)
    while back and "HttpBinding(" not in lines_of_file[number - 1]:
        number -= 1  # a binding is said at the line where HttpBinding( opens
    assert lines[0].startswith(f"{file.resolve()}:{number}:"), (
        lines[0],
        number,
    )
    return lines[0]
