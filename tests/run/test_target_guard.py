"""The target guard: a run refuses, before sending anything, a target the scenario
does not allow — its ``allowed_targets`` patterns, or loopback only without them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seeder.cli import main
from seeder.demo.app import create_app
from seeder.demo.server import serve_in_thread
from tests.conftest import SCENARIOS, usage_error

SMALL = (SCENARIOS / "library.yaml").read_text()


Write = Callable[[list[str] | None], Path]


@pytest.fixture
def scenario(tmp_path: Path) -> Write:
    def write(allowed: list[str] | None) -> Path:
        text = SMALL.replace("commands: ", f"commands: {SCENARIOS}/", 1)
        if allowed is not None:
            text = f"allowed_targets: {allowed!r}\n" + text
        path = tmp_path / "scenario.yaml"
        path.write_text(text)
        return path

    return write


def test_without_allowed_targets_only_loopback(
    scenario: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario(None)
    # 10.255.255.1 is unroutable: were the guard missing, the reachability check
    # would fail differently (and later), so the message tells them apart
    err = usage_error(["run", str(path), "--target", "http://10.255.255.1:9"], capsys)
    assert err.count("\n") == 1
    assert "is not on this machine" in err and "--allow-any-target" in err
    assert "Nothing was sent" in err


def test_allow_any_target_lets_the_run_go_on(
    scenario: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario(None)
    # past the guard, the next check (nothing listens there) is what stops the run
    err = usage_error(
        ["run", str(path), "--target", "http://127.0.0.2:9", "--allow-any-target"], capsys
    )
    assert "cannot reach" in err


@pytest.mark.parametrize(
    ("allowed", "target", "ok"),
    [
        (["http://127.0.0.1:*"], "http://127.0.0.1:{port}", True),
        (["http://127.0.0.1:{port}/"], "http://127.0.0.1:{port}", True),
        (["https://staging.example.com/*"], "http://127.0.0.1:{port}", False),
        (["http://127.0.0.1:1"], "http://127.0.0.1:{port}", False),
    ],
)
def test_allowed_targets_patterns(
    scenario: Write,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    allowed: list[str],
    target: str,
    ok: bool,
) -> None:
    app = create_app(str(tmp_path / "demo.db"))
    with serve_in_thread(app) as url:
        port = url.rsplit(":", 1)[1]
        path = scenario([a.replace("{port}", port) for a in allowed])
        argv = ["run", str(path), "--target", target.replace("{port}", port), "--no-progress"]
        if ok:
            assert main([*argv, "--scale", "0.05"]) == 0
        else:
            err = usage_error(argv, capsys)
            assert f"is not in allowed_targets of {path}" in err
            assert not any(app.state.application.counts().values())


def test_the_demo_is_always_allowed(scenario: Write) -> None:
    path = scenario(["https://staging.example.com/*"])
    assert main(["run", str(path), "--target", "demo:inprocess", "--scale", "0.05"]) == 0


def test_replay_is_guarded_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "plan.jsonl"
    assert (
        main(["plan", str(SCENARIOS / "library.yaml"), "--scale", "0.05", "--out", str(log)]) == 0
    )
    err = usage_error(["replay", str(log), "--target", "https://prod.example.com"], capsys)
    assert "a replayed command log" in err


def test_a_password_in_the_target_url_is_never_shown(
    scenario: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario(None)
    url = "https://deploy:s3cr3t-pw@staging.example.com/api"
    err = usage_error(["run", str(path), "--target", url], capsys)
    assert "s3cr3t-pw" not in err
    assert "https://deploy:***@staging.example.com/api" in err
