"""What CI reads from a run, checked by real consumers: the JUnit file parsed by
junitparser, GitHub annotations by their format and the line they point at, the
JSON report against the schema shipped in the package, the greppable summary and
the quiet progress lines against the final counts — from a `seeder run` process
against the demo, one run with the service's rejections and one without."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
from junitparser import Failure, JUnitXml

from tests.conftest import ROOT

# Loans pick any book of their tenant without `unique`: two loans of one book meet
# the service's own rule (409 book_on_loan), so some are rejected.
CLASHING = f"""\
seed: 7
commands: {ROOT / "commands" / "library.py"}

entities:
  tenant:
    command: CreateTenant
    count: 1
    fields:
      name: {{seq: "Tenant {{n}}"}}

  book:
    command: PublishBook
    count: 3
    fields:
      tenant_id: {{ref: tenant}}
      author_id: {{ref: author, mean: 3}}
      isbn: {{fake: isbn13}}
      title: {{fake: sentence, nb_words: 3}}
      status: published

  author:
    command: RegisterAuthor
    fields:
      tenant_id: {{ref: tenant}}
      name: {{fake: name}}

  member:
    command: RegisterMember
    count: 6
    fields:
      tenant_id: {{ref: tenant}}
      name: {{fake: name}}
      email: {{fake: email}}

  loan:
    command: BorrowBook
    per: member
    count: 2
    actor: parent
    fields:
      tenant_id: {{from: parent.tenant_id}}
      member_id: {{from: parent}}
      book_number: {{ref: book, where: {{tenant_id: $tenant_id}}}}
"""

SEEDER_RUN = (sys.executable, "-m", "seeder", "run", "--no-progress")
SCHEMA = json.loads(files("seeder").joinpath("report.schema.json").read_text())


def _seeder(
    scenario: Path, tmp_path: Path, *extra: str, github: bool = True
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["COLUMNS"] = "40"  # a narrow width declared: a log still gets whole lines
    if github:
        env["GITHUB_ACTIONS"] = "true"
    result = subprocess.run(
        [*SEEDER_RUN, str(scenario), "--report", str(report), "--junit", str(junit), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    return result, json.loads(report.read_text()), junit


def _progress(stderr: str) -> list[re.Match[str]]:
    pattern = re.compile(
        r"^seeder: ([\d,]+)/([\d,]+) commands \((\d+)%\), ([\d,]+)/s, "
        r"(ETA [\dhms-]+|in [\d.,]+s), ([\d,]+) not created$"
    )
    return [m for m in map(pattern.match, stderr.splitlines()) if m]


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def test_rejections_reach_junit_annotations_report_and_summary(tmp_path: Path) -> None:
    scenario = tmp_path / "clash.yaml"
    scenario.write_text(CLASHING)
    result, report, junit = _seeder(scenario, tmp_path, "--target", "demo")
    assert result.returncode == 1, result.stderr
    jsonschema.validate(report, SCHEMA)
    assert report["version"] == 1
    t = report["totals"]
    assert t["rejected"] > 0 and t["created"] > 0
    reasons = [r for r in report["rejections"] if r["command"] == "BorrowBook"]
    assert reasons and sum(r["count"] for r in reasons) == t["rejected"]
    assert all(r["status"] == 409 and "book_on_loan" in r["message"] for r in reasons)

    # JUnit, read by junitparser: one case per entity; the loan case fails with the
    # service's words, the others pass
    xml = JUnitXml.fromfile(str(junit))
    (suite,) = list(xml)
    cases = {case.name: case for case in suite}
    assert set(cases) == set(report["entities"])
    assert suite.tests == len(cases) and suite.failures == 1
    (failure,) = cases["loan"].result
    assert isinstance(failure, Failure)
    assert failure.type == "rejected"
    assert all(r["message"] in failure.text for r in reasons)  # the service's own words
    assert f"{t['rejected']} loan not created" in failure.message
    assert all(not cases[name].result for name in cases if name != "loan")

    # GitHub annotations: one ::error for the loan, at its line in the scenario
    loan_line = CLASHING.splitlines().index("  loan:") + 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(errors) == 1, result.stdout
    match = re.fullmatch(
        r"::error file=([^,]+),line=(\d+),col=(\d+),title=seeder%3A loan::(.+)", errors[0]
    )
    assert match, errors[0]
    assert match[1] == str(scenario).replace(":", "%3A") and int(match[2]) == loan_line
    assert match[4].startswith(f"{t['rejected']} loan not created%0Arejected ")
    assert all(r["message"] in match[4] for r in reasons)

    # the last line sums the run up, in the report's numbers
    last = result.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("seeder summary: status=incomplete exit=1 ")
    words = dict(w.split("=") for w in last.removeprefix("seeder summary: ").split())
    for key in ("created", "rejected", "failed", "skipped", "uncertain"):
        assert int(words[key]) == t[key], (key, last)

    # not a terminal: the table's rows and the rejection lines are never folded
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ loan ")]
    assert len(rows) == 1 and rows[0].count("│") == 6, result.stdout
    (dist,) = [line for line in result.stdout.splitlines() if "loan.book_number → book" in line]
    assert dist.startswith("│ ") and dist.count("│") == 7, result.stdout  # the whole row
    for r in reasons[:5]:
        assert f"rejected {r['count']} × BorrowBook (409): {r['message']}" in result.stdout

    # the quiet progress: its last line agrees with the table
    progress = _progress(result.stderr)
    assert progress, result.stderr
    done, total, percent, _, eta, problems = progress[-1].groups()
    assert _n(done) == _n(total) == sum(t.values()) and percent == "100"
    assert eta.startswith("in ") and _n(problems) == sum(t.values()) - t["created"] - t["earlier"]


def test_a_clean_run_passes_every_case_and_annotates_nothing(tmp_path: Path) -> None:
    result, report, junit = _seeder(
        ROOT / "scenarios" / "school.yaml", tmp_path, "--target", "demo:inprocess", "--scale", "0.3"
    )
    assert result.returncode == 0, result.stderr
    jsonschema.validate(report, SCHEMA)
    xml = JUnitXml.fromfile(str(junit))
    (suite,) = list(xml)
    assert suite.tests == len(report["entities"]) >= 4 and suite.failures == 0
    assert all(case.is_passed for case in suite)
    assert not [line for line in result.stdout.splitlines() if line.startswith("::")]
    last = result.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("seeder summary: status=ok exit=0 ")
    assert f"created={report['totals']['created']} " in last


def test_progress_lines_count_towards_the_plan_with_rate_and_eta() -> None:
    import io

    from seeder.console import QuietProgress
    from seeder.plan.items import PlanItem

    out = io.StringIO()
    progress = QuietProgress(out, every=0.0, total=1000)
    item = PlanItem.__new__(PlanItem)
    with progress:
        for _ in range(512):
            progress(item, "created")
    lines = _progress(out.getvalue())
    assert len(lines) == 513  # every=0: one per command, then the last
    assert lines[499].group(1, 2, 3) == ("500", "1,000", "50") and lines[499][5].startswith("ETA ")
    assert lines[-1].group(1, 2, 3) == ("512", "512", "100") and lines[-1][5].startswith("in ")


def test_the_readme_ci_section_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "--junit" in b]
    lines = [line.split("  #")[0] for line in block.splitlines()]
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "seeder"
        result = subprocess.run(
            [sys.executable, "-m", "seeder", *argv[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.splitlines()[-1].startswith("seeder summary: status=ok exit=0 ")
    jsonschema.validate(json.loads((tmp_path / "report.json").read_text()), SCHEMA)
    assert JUnitXml.fromfile(str(tmp_path / "junit.xml")).failures == 0
