"""The bundled examples by name and `seeder examples copy`, and `seeder init`'s
refusals, through the command line in-process (the installed-wheel path is
tests/test_package.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seeder.cli import main
from tests.conftest import ROOT


def test_a_bundled_example_is_named_by_its_stem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples"]) == 0
    listed = capsys.readouterr().out
    bundled = {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    assert {"energy", "library", "school"} <= bundled  # every scenario of the repository
    assert {line.split()[0] for line in listed.splitlines()[:-1]} == bundled
    assert main(["validate", "school"]) == 0
    assert "school.yaml: valid" in capsys.readouterr().out


def test_examples_copy_writes_them_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples", "copy", str(tmp_path)]) == 0
    assert (tmp_path / "scenarios" / "library.yaml").is_file()
    assert (tmp_path / "commands" / "library.py").is_file()
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "scenarios" / "library.yaml")]) == 0
    capsys.readouterr()
    assert main(["examples", "copy", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "add --force to overwrite them" in err
    assert main(["examples", "copy", str(tmp_path), "--force"]) == 0


def test_init_refuses_a_folder_that_holds_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["init", str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and "is not empty" in out.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written
    assert main(["init", str(tmp_path / "notes.txt")]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"  # others left alone
    assert (tmp_path / ".github" / "workflows" / "seed.yml").is_file()
    assert main(["validate", str(tmp_path / "scenarios" / "tenants.yaml")]) == 0
