"""`seeder run` / `replay` flags: headers with ${ENV}, rate limit, replay of a log,
and mistakes that must end in one line and exit 2."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seeder.cli import main
from seeder.demo.app import build_application
from seeder.demo.server import serve_in_thread
from tests.conftest import SCENARIOS, usage_error


class Recorder:
    """A tiny ASGI service that accepts every command and remembers its headers."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        self.times: list[float] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        self.times.append(time.monotonic())
        n = len(self.headers)
        body = json.dumps(
            {
                "id": n,
                "centre_code": "1000",
                "enrolment_id": f"E{n}",
                "staff_id": "S000001",
                "class_code": "1A",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    app = Recorder()
    with serve_in_thread(app) as url:  # type: ignore[arg-type]
        yield app, url


def test_headers_expand_environment_and_stay_secret(
    recorder: tuple[Recorder, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    app, url = recorder
    monkeypatch.setenv("SEEDER_TEST_TOKEN", "s3cr3t-value")
    report = tmp_path / "r.json"
    code = main(
        [
            "run",
            str(SCENARIOS / "school.yaml"),
            "--scale",
            "0.25",
            "--target",
            url,
            "--header",
            "Authorization: Bearer ${SEEDER_TEST_TOKEN}",
            "--header",
            "X-Team: qa",
            "--no-progress",
            "--report",
            str(report),
        ]
    )
    assert code == 0
    assert app.headers and all(
        h["authorization"] == "Bearer s3cr3t-value" and h["x-team"] == "qa" and h["idempotency-key"]
        for h in app.headers
    )
    out = capsys.readouterr()
    assert "s3cr3t" not in out.out + out.err + report.read_text()


def test_missing_environment_variable_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SEEDER_NOPE", raising=False)
    code = main(
        [
            "run",
            str(SCENARIOS / "school.yaml"),
            "--target",
            "http://127.0.0.1:9",
            "--header",
            "Authorization: Bearer ${SEEDER_NOPE}",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "environment variable SEEDER_NOPE is not set" in err and "Traceback" not in err


def test_rate_limits_commands_per_second(recorder: tuple[Recorder, str]) -> None:
    app, url = recorder
    assert (
        main(
            [
                "run",
                str(SCENARIOS / "school.yaml"),
                "--scale",
                "0.25",
                "--target",
                url,
                "--rate",
                "400/s",
                "--no-progress",
            ]
        )
        == 0
    )
    sent = len(app.times)
    # a lower bound only: n commands at 400/s cannot take less than (n - 1) / 400 s
    assert app.times[-1] - app.times[0] >= (sent - 1) / 400 * 0.95


def test_replay_of_a_plan_lands_the_same_data(tmp_path: Path) -> None:
    from seeder.demo.app import create_app

    log = tmp_path / "energy.jsonl"
    assert main(["plan", str(SCENARIOS / "energy.yaml"), "--scale", "0.05", "--out", str(log)]) == 0
    db = str(tmp_path / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        code = main(["replay", str(log), "--target", url, "--no-progress", "--concurrency", "16"])
    assert code == 0
    application = build_application(db)
    counts = {k: v for k, v in application.counts().items() if v}
    application.close()
    kinds = [json.loads(line)["command"] for line in log.read_text().splitlines()[1:]]
    assert counts == {
        "customers": kinds.count("RegisterCustomer"),
        "meters": kinds.count("InstallMeter"),
        "readings": kinds.count("RecordReading"),
    }


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "scenarios/school.yaml", "--target", "ftp://x"], "unknown target 'ftp://x'"),
        (["run", "scenarios/school.yaml", "--concurrency", "0"], "--concurrency must be"),
        (["run", "scenarios/school.yaml", "--rate", "fast"], "--rate needs commands per"),
        (["run", "scenarios/school.yaml", "--timeout", "-1"], "--timeout must be > 0"),
        (["run", "scenarios/school.yaml", "--header", "NoColonHere"], "--header number 1 has no"),
        (["replay", "missing.jsonl", "--target", "demo"], "command log not found"),
        (
            ["run", "scenarios/school.yaml", "--target", "http://127.0.0.1:9"],
            "cannot reach http://127.0.0.1:9 (Connection refused); is the service running",
        ),
        (
            ["run", "scenarios/school.yaml", "--target", "http://127.0.0.1:99999"],
            "Port out of range 0-65535",
        ),
    ],
)
def test_run_flag_mistakes(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert needle in usage_error(argv, capsys)


def test_a_broken_log_line_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text('{"seq": 1}\n')
    assert main(["replay", str(log), "--target", "demo:inprocess", "--no-progress"]) == 2
    assert f"{log}:1: not a command log line" in capsys.readouterr().err
