"""Where a shard comes from (``--shard``, or a scheduler's environment), and the
one-line refusals of what cannot be sharded — through the CLI, nothing sent."""

from __future__ import annotations

import pytest

from seeder.cli import main
from tests.conftest import log_records, usage_error

SCHEDULERS = [
    "JOB_COMPLETION_INDEX",
    "SEEDER_SHARDS",
    "SEEDER_SHARD",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
    "CIRCLE_NODE_INDEX",
    "CIRCLE_NODE_TOTAL",
    "BUILDKITE_PARALLEL_JOB",
    "BUILDKITE_PARALLEL_JOB_COUNT",
]


@pytest.fixture(autouse=True)
def _no_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SCHEDULERS:
        monkeypatch.delenv(name, raising=False)


def keys(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[list[str], str]:
    assert main(["plan", "blog", *extra]) == 0
    captured = capsys.readouterr()
    return [r["key"] for r in log_records(captured.out)], captured.err


@pytest.mark.parametrize(
    ("environment", "flag"),
    [
        ({"JOB_COMPLETION_INDEX": "2", "SEEDER_SHARDS": "4"}, "3/4"),  # 0-based
        ({"CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "4"}, "3/4"),  # GitLab: 1-based
        ({"CIRCLE_NODE_INDEX": "2", "CIRCLE_NODE_TOTAL": "4"}, "3/4"),
        ({"BUILDKITE_PARALLEL_JOB": "2", "BUILDKITE_PARALLEL_JOB_COUNT": "4"}, "3/4"),
        ({"SEEDER_SHARD": "3/4", "CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, "3/4"),
    ],
)
def test_the_environment_gives_the_same_shard_as_the_flag(
    environment: dict[str, str],
    flag: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_flag, _ = keys(capsys, "--shard", flag)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    by_environment, err = keys(capsys)
    assert by_environment == by_flag
    assert "shard 3/4 (from " in err
    assert keys(capsys, "--shard", "1/4")[0] != by_flag  # the flag wins


def test_one_shard_of_one_is_the_whole_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    whole, _ = keys(capsys)
    monkeypatch.setenv("CIRCLE_NODE_INDEX", "0")
    monkeypatch.setenv("CIRCLE_NODE_TOTAL", "1")  # CircleCI sets these without parallelism
    assert keys(capsys)[0] == whole


@pytest.mark.parametrize(
    ("environment", "words"),
    [
        ({"JOB_COMPLETION_INDEX": "1"}, "SEEDER_SHARDS is not set"),
        ({"CI_NODE_INDEX": "5", "CI_NODE_TOTAL": "4"}, "shard 5 does not exist among 4"),
        ({"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"}, "shard 0 does not exist among 4"),
        ({"CIRCLE_NODE_INDEX": "x", "CIRCLE_NODE_TOTAL": "4"}, "must be whole numbers"),
        ({"SEEDER_SHARD": "2-4"}, "SEEDER_SHARD needs I/N"),
    ],
)
def test_a_bad_environment_is_one_line_and_exit_2(
    environment: dict[str, str],
    words: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    err = usage_error(["plan", "blog"], capsys)
    assert words in err and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["plan", "blog", "--shard", "5/4"], "shard 5 does not exist among 4"),
        (["plan", "blog", "--shard", "two"], "--shard needs I/N"),
        (["run", "blog", "--shard", "1/2"], "needs a journal all shards share"),
        (["run", "blog", "--workers", "2"], "--workers 2 cannot go with the target demo"),
        (["run", "blog", "--workers", "0"], "--workers must be between 1 and 256"),
        (
            ["run", "blog", "--target", "http://127.0.0.1:9", "--shard", "1/2", "--refresh"],
            "--refresh cannot go with a shard",
        ),
    ],
)
def test_flags_that_cannot_be_sharded_are_refused_in_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = usage_error(argv, capsys)
    assert words in err and err.count("\n") == 1, err
