"""Answer shapes (issue 11, item 2): identities and captures read by dotted path or
JSON pointer into the body, from an array answer, the whole body, a named header or
the Location header; an answer without the value its dependents need fails those
dependents with a message, never a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wild.harness import project, run
from tests.wild.recorder import Recorder, Request, serving

COMMANDS = """\
from seeder.commands import Command, HttpBinding, bind

@bind(http=HttpBinding("POST", "/experiments", identity="/experiment_id"))
class CreateExperiment(Command):
    name: str

@bind(http=HttpBinding("POST", "/runs", identity="/run/info/run_id",
                       captures={"started": "run.info.start_time"}))
class CreateRun(Command):
    experiment_id: str

@bind(http=HttpBinding("POST", "/runs/{run_id}/batch", identity="0.id"))
class LogBatch(Command):
    run_id: str
    started: int

@bind(http=HttpBinding("POST", "/notes", identity="header:X-Note-Id"))
class AddNote(Command):
    batch: int

@bind(http=HttpBinding("POST", "/tags", identity="Location"))
class AddTag(Command):
    note: str

@bind(http=HttpBinding("POST", "/labels", identity="$"))
class AddLabel(Command):
    tag: str

@bind(http=HttpBinding("POST", "/marks", success=(201,)))
class Mark(Command):
    label: int
"""

SCENARIO = """\
entities:
  experiment:
    command: CreateExperiment
    count: 2
    fields:
      name: {seq: "e{n}"}
  run:
    command: CreateRun
    per: experiment
    count: 2
    fields:
      experiment_id: {from: parent}
  batch:
    command: LogBatch
    per: run
    count: 1
    fields:
      run_id: {from: parent}
      started: {from: parent.started}
  note:
    command: AddNote
    per: batch
    count: 1
    fields:
      batch: {from: parent}
  tag:
    command: AddTag
    per: note
    count: 1
    fields:
      note: {from: parent}
  label:
    command: AddLabel
    per: tag
    count: 1
    fields:
      tag: {from: parent}
  mark:
    command: Mark
    per: label
    count: 1
    fields:
      label: {from: parent}
"""


def _answers() -> Recorder:
    def run(r: Request, n: int) -> tuple[int, object, dict[str, str]]:
        exp = r.json()["experiment_id"]
        return 200, {"run": {"info": {"run_id": f"{exp}/r{n}", "start_time": 1000 + n}}}, {}

    return Recorder(
        {
            "POST /experiments": lambda r, n: (200, {"experiment_id": f"x{n}"}, {}),
            "POST /runs": run,
            "POST /runs/.+/batch": lambda r, n: (200, [{"id": n}, {"id": -1}], {}),
            "POST /notes": lambda r, n: (201, {}, {"X-Note-Id": f"note-{n}"}),
            "POST /tags": lambda r, n: (201, {}, {"Location": f"http://h/tags/tag-{n}?v=1"}),
            "POST /labels": lambda r, n: (201, 7000 + n, {}),
            "POST /marks": lambda r, n: (201, {"id": n}, {}),
        }
    )


@pytest.fixture
def service() -> Iterator[tuple[Recorder, str]]:
    recorder = _answers()
    with serving(recorder) as url:
        yield recorder, url


def test_identities_read_where_the_binding_says(
    tmp_path: Path, service: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, url = service
    ran = run(project(tmp_path, COMMANDS, SCENARIO), url, capsys)
    assert ran.code == 0, ran.err
    experiments = {f"x{n}" for n in range(1, 3)} | {f"x{n}" for n in range(1, 30)}
    runs = recorder.of("POST", "/runs")
    assert len(runs) == 4 and {r.json()["experiment_id"] for r in runs} <= experiments
    assert len({r.json()["experiment_id"] for r in runs}) == 2
    batches = recorder.of("POST", "/runs/.+/batch")
    # a run id holds a slash: it stays one path segment
    assert all(r.path.startswith("/runs/x") and "%2Fr" in r.path for r in batches)
    assert all(r.json()["started"] > 1000 for r in batches)
    notes = [r.json()["batch"] for r in recorder.of("POST", "/notes")]
    batch_ids = {int(r) for r in range(1, 40)}
    assert len(notes) == 4 and set(notes) <= batch_ids and -1 not in notes
    tags = [r.json()["note"] for r in recorder.of("POST", "/tags")]
    assert len(tags) == 4 and all(t.startswith("note-") for t in tags)
    labels = [r.json()["tag"] for r in recorder.of("POST", "/labels")]
    assert len(labels) == 4 and all(t.startswith("tag-") and "?" not in t for t in labels)
    marks = [r.json()["label"] for r in recorder.of("POST", "/marks")]
    assert len(marks) == 4 and all(m > 7000 for m in marks)


def test_an_answer_without_the_identity_fails_dependents_not_the_run(
    tmp_path: Path, service: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, url = service
    recorder.routes["POST /notes"] = lambda r, n: (201, {}, {})  # no X-Note-Id
    ran = run(project(tmp_path, COMMANDS, SCENARIO), url, capsys)
    assert ran.code == 1, ran.err
    assert recorder.of("POST", "/tags") == []
    failures = " ".join(
        str(f) for f in ran.report.get("failures", ran.report.get("rejections", []))
    )
    assert "header:X-Note-Id" in failures, ran.report
