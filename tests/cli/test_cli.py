"""The command line, as a user runs it: plan, validate, exit codes, messages."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import seeder
from seeder.cli import main
from tests.conftest import ROOT, SCENARIOS, usage_error


def test_plan_to_stdout_is_jsonl_in_contract_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(SCENARIOS / "school.yaml")]) == 0
    manifest, *lines = capsys.readouterr().out.splitlines()
    assert json.loads(manifest)["seeder_log"] == 2
    assert len(lines) > 1000
    first = json.loads(lines[0])
    assert list(first) == [
        "seq",
        "key",
        "command",
        "method",
        "path",
        "body",
        "refs",
        "deps",
        "idempotency_key",
    ]
    assert first["seq"] == 1 and first["command"] == "CreateSchool"
    loan_like = json.loads(next(line for line in lines if '"AddParent"' in line))
    assert loan_like["path"] == "/schools/{centre_code}/students/{enrolment_id}/parents"
    assert loan_like["refs"]["enrolment_id"].endswith(".enrolment_id")


def test_actor_appears_in_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(SCENARIOS / "library.yaml"), "--scale", "0.05"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]  # after the manifest
    loans = [json.loads(x) for x in lines if "BorrowBook" in x]
    assert loans and all(list(x)[-2:] == ["actor", "idempotency_key"] for x in loans)


def test_plan_to_file_and_csv_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lib.jsonl"
    assert main(["plan", str(SCENARIOS / "library.yaml"), "--out", str(out), "--seed", "5"]) == 0
    assert "planned" in capsys.readouterr().err
    jsonl = [json.loads(x) for x in out.read_text().splitlines()[1:]]
    folder = tmp_path / "csv"
    assert (
        main(
            [
                "plan",
                str(SCENARIOS / "library.yaml"),
                "--seed",
                "5",
                "--format",
                "csv",
                "--out",
                str(folder),
            ]
        )
        == 0
    )
    files = sorted(p.name for p in folder.iterdir())
    assert files == [
        "BorrowBook.csv",
        "CreateTenant.csv",
        "PublishBook.csv",
        "RegisterAuthor.csv",
        "RegisterMember.csv",
        "manifest.json",
    ]
    with (folder / "PublishBook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    books = [r for r in jsonl if r["command"] == "PublishBook"]
    assert len(rows) == len(books)
    assert rows[0]["key"] == books[0]["key"]
    assert rows[0]["author_id"] == ""  # a placeholder goes in its own column
    assert rows[0]["ref:author_id"] == books[0]["refs"]["author_id"]
    assert (rows[0]["method"], rows[0]["path"]) == ("POST", "/tenants/{tenant_id}/books")
    assert rows[0]["isbn"] == books[0]["body"]["isbn"]
    subtitles = [r["subtitle"] for r in rows]
    assert "" in subtitles  # null is an empty cell


def test_validate_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SCENARIOS / "energy.yaml"), "--scale", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "count 100" in out and "per customer" in out
    assert "expected commands" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["plan", "nowhere.yaml"], "scenario file not found: nowhere.yaml"),
        (["plan", "scenarios/library.yaml", "--scale", "0"], "--scale must be > 0"),
        (["plan", "scenarios/library.yaml", "--scale", "lots"], "--scale needs a number"),
        (["plan", "scenarios/library.yaml", "--seed", "x"], "--seed needs a whole number"),
        (["plan", "scenarios/library.yaml", "--format", "xml"], "invalid choice: 'xml'"),
        (["plan", "scenarios/library.yaml", "--format", "csv"], "give a folder with --out DIR"),
        (["plan", "scenarios/library.yaml", "--out", "/proc/nope/x.jsonl"], "cannot write"),
        (["plan"], "the following arguments are required: scenario"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_flag_mistakes_exit_2_with_one_message(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert needle in usage_error(argv, capsys)


def test_python_m_seeder_and_console_script_work() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seeder", "validate", "scenarios/school.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    script = Path(sys.executable).parent / "seeder"
    result = subprocess.run(
        [str(script), "plan", "scenarios/school.yaml", "--scale", "0.25"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stdout.count("\n") > 200


def test_broken_pipe_is_not_an_error() -> None:
    result = subprocess.run(
        f"{sys.executable} -m seeder plan scenarios/energy.yaml | head -1",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_public_api_is_small_and_deliberate() -> None:
    assert sorted(seeder.__all__) == sorted(
        [
            "Choice",
            "Command",
            "Const",
            "Counter",
            "Credential",
            "DateRange",
            "Entity",
            "Existing",
            "Fake",
            "From",
            "HttpBinding",
            "InProcessBinding",
            "LogNormal",
            "Model",
            "Normal",
            "PlanError",
            "PlanItem",
            "Poisson",
            "Problem",
            "PythonFunction",
            "Range",
            "Ref",
            "Scenario",
            "ScenarioError",
            "SeederError",
            "Seq",
            "Series",
            "Template",
            "bind",
            "compile_model",
            "load_model",
            "load_scenario",
            "plan_items",
        ]
    )
    for name in seeder.__all__:
        assert getattr(seeder, name) is not None
    assert sorted(seeder._MODULE_OF) == sorted(seeder.__all__)  # lazy table = public names
    with pytest.raises(AttributeError):
        seeder.no_such_name  # noqa: B018
