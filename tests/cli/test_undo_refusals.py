"""``seeder undo`` and ``--refresh`` refuse what they cannot do in one line, exit 2,
before anything is sent: no journal, a journal of a run to another target, a
refresh with --resume/--fresh/--no-journal or without a URL, an Undo naming what
neither the command nor its answer holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from seeder.cli import main
from seeder.run.journal import Journal
from tests.conftest import ROOT, SCENARIOS

LIBRARY = str(SCENARIOS / "library.yaml")


def one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_undo_without_a_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["undo", LIBRARY, "--target", "http://127.0.0.1:9", "--journal", str(tmp_path / "j")]
    assert "undo: no journal at" in one_line(capsys, argv)


def test_undo_of_a_run_to_another_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "j"
    Journal.start(path, {"target": "http://127.0.0.1:1111"}, resume=False).close("finished")
    argv = ["undo", LIBRARY, "--target", "http://127.0.0.1:9", "--journal", str(path)]
    err = one_line(capsys, argv)
    assert "is of a run to http://127.0.0.1:1111, not http://127.0.0.1:9" in err


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--target", "http://127.0.0.1:9", "--resume"], "cannot go with --resume"),
        (["--target", "http://127.0.0.1:9", "--fresh"], "cannot go with --fresh"),
        (["--target", "http://127.0.0.1:9", "--no-journal"], "cannot go with --no-journal"),
        (["--target", "demo"], "--refresh needs a URL target"),
    ],
)
def test_refresh_refusals(flags: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert words in one_line(capsys, ["run", LIBRARY, "--refresh", *flags])


def test_an_undo_naming_nothing_known_is_refused_at_its_binding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = (ROOT / "commands" / "library.py").read_text()
    broken = commands.replace(
        'Undo("/tenants/{tenant_id}/books/{number}")', 'Undo("/books/{isbm}")'
    )
    assert broken != commands
    (tmp_path / "commands.py").write_text(broken)
    scenario = (
        (SCENARIOS / "library.yaml").read_text().replace("../commands/library.py", "commands.py")
    )
    (tmp_path / "library.yaml").write_text(scenario)
    err = one_line(capsys, ["validate", str(tmp_path / "library.yaml")])
    line = (
        next(
            i
            for i, text in enumerate(broken.splitlines(), 1)
            if '"/tenants/{tenant_id}/books",' in text
        )
        - 2  # the HttpBinding( line; "POST", and the path follow it
    )
    assert f"commands.py:{line}:" in err and "Undo path names 'isbm'" in err, err
