"""Progress as a person sees it: live bars on a terminal, quiet lines in CI logs,
and the final report table."""

from __future__ import annotations

import io

from rich.console import Console

import seeder
from seeder.console import LiveProgress, QuietProgress, print_report
from seeder.run.runner import RunOptions, run_model
from seeder.run.stats import RunStats
from tests.conftest import SCENARIOS


def _run(progress_for: object = None) -> tuple[seeder.Model, RunStats]:
    from seeder.demo.app import build_application
    from seeder.ports.inprocess import DispatchPort

    model = seeder.load_model(SCENARIOS / "school.yaml", scale=0.5)
    application = build_application(None)
    try:
        stats = run_model(model, DispatchPort(application), RunOptions(concurrency=8), progress_for)
    finally:
        application.close()
    return model, stats


def test_live_progress_draws_a_bar_per_entity() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100)
    model = seeder.load_model(SCENARIOS / "school.yaml", scale=0.5)
    live = LiveProgress(model, console)
    with live:
        _, stats = _run(live)
    screen = buffer.getvalue()
    for entity in ("school", "staff", "student", "enrolment"):
        assert entity in screen
    assert (
        f"{stats.entities['student'].created:>9,}/{stats.entities['student'].created:,}" in screen
    )  # the bars end full, at the real count


def test_quiet_progress_prints_a_line_every_interval() -> None:
    out = io.StringIO()
    quiet = QuietProgress(out, every=0.0)
    _run(quiet)
    lines = out.getvalue().splitlines()
    assert len(lines) > 100 and lines[-1].startswith("seeder: ")
    assert "commands (" in lines[-1] and lines[-1].endswith(", 0 not created")


def test_report_table_and_json_agree() -> None:
    model, stats = _run()
    buffer = io.StringIO()
    print_report(stats, model, Console(file=buffer, width=120))
    text = buffer.getvalue()
    data = stats.as_dict(model)
    assert f"{data['totals']['created']:,}" in text
    assert "achieved distributions" in text and "class.teacher_staff_id → staff" in text
    staff_ref = next(d for d in data["distributions"] if d["reference"] == "class.teacher_staff_id")
    assert staff_ref["target"] == "staff" and staff_ref["referenced"] <= 20
    assert set(data["latency_ms"]) == {"p50", "p95", "p99"}
