"""Shared helpers: plan a scenario (file or object) into JSONL text or records."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

import seeder
from seeder.plan.commandlog import JsonlCommandLog

ROOT = Path(__file__).resolve().parent.parent

# runs' journals go to a temporary folder, not beside the repository's scenarios
os.environ.setdefault("SEEDER_JOURNAL_DIR", tempfile.mkdtemp(prefix="seeder-test-journals-"))
SCENARIOS = ROOT / "scenarios"


def jsonl(model: seeder.Model) -> str:
    out = io.StringIO()
    JsonlCommandLog(model, out).write_all(seeder.plan_items(model))
    return out.getvalue()


def records(model: seeder.Model) -> list[dict[str, Any]]:
    return [json.loads(line) for line in jsonl(model).splitlines()]


def model_of(
    entities: dict[str, seeder.Entity], seed: int = 1, scale: float = 1.0, **kw: Any
) -> seeder.Model:
    from tests.fixtures import social

    return seeder.compile_model(
        seeder.Scenario(entities=entities, seed=seed, commands=social, **kw), scale=scale
    )


@pytest.fixture
def root() -> Path:
    return ROOT


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Runs the CLI (from the project folder), asserts exit code 2 and no traceback,
    and returns what it printed on stderr."""
    import os

    from seeder.cli import main

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        with pytest.raises(SystemExit) as exc_info:
            raise SystemExit(main(argv))
    finally:
        os.chdir(here)
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err
