"""Reading a scenario file: YAML (composed safely, with locations, then built into
objects) or Python (a module defining ``scenario``)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from seeder.errors import Problem, ScenarioError
from seeder.scenario.api import Scenario
from seeder.scenario.build import build_scenario
from seeder.scenario.compose import MAX_SCENARIO_BYTES, compose_yaml
from seeder.scenario.modules import load_module_file
from seeder.scenario.problems import Locate, no_location

__all__ = ["load_scenario"]


def load_scenario(path: str | Path) -> tuple[Scenario, Locate]:
    """Reads a YAML or Python scenario file; raises ScenarioError with every problem.
    Returns the scenario and how to locate a path in its file."""
    file = Path(path)
    source = str(path)
    _check_file(file, source)
    if file.suffix == ".py":
        return _load_python(file, source), no_location
    size = file.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            [
                Problem(
                    f"scenario is {size} bytes, over the {MAX_SCENARIO_BYTES} byte limit; a "
                    "scenario describes data, it should not contain it",
                    source,
                )
            ]
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(f"scenario is not UTF-8 text ({exc.reason})", source)]
        ) from exc
    except OSError as exc:
        raise ScenarioError([_unreadable(exc, source)]) from exc
    data, doc = compose_yaml(text, source)
    if doc.unusable:
        doc.problems.raise_if_any()
    scenario = build_scenario(data, doc.problems, file)
    doc.problems.raise_if_any()
    assert scenario is not None
    return scenario, doc.locate


def _check_file(file: Path, source: str) -> None:
    """A scenario is a regular file that can be read (a folder, a FIFO or a
    device is refused before anything reads from it)."""
    try:
        if not file.exists():
            what = (
                f"scenario file not found: {source}; check the path "
                "(or name a bundled example: seeder examples lists them)"
            )
        elif file.is_dir():
            what = f"scenario {source} is a folder; give the YAML or Python file in it"
        elif not file.is_file():
            what = f"scenario {source} is not a regular file (a FIFO, a device?); give a file"
        elif not os.access(file, os.R_OK):
            what = f"cannot read the scenario {source} (permission denied); check its permissions"
        else:
            return
    except OSError as exc:
        raise ScenarioError([_unreadable(exc, source)]) from exc
    raise ScenarioError([Problem(what, source)])


def _unreadable(exc: OSError, source: str) -> Problem:
    return Problem(
        f"cannot read the scenario: {exc.strerror or exc}; check the file and its permissions",
        source,
    )


def _load_python(file: Path, source: str) -> Scenario:
    try:
        module = load_module_file(file, "scenario")
    except (Exception, SystemExit) as exc:  # the user's file failed to import: no traceback
        raise ScenarioError(
            [Problem(f"cannot import scenario: {type(exc).__name__}: {exc}", source)]
        ) from exc
    scenario = getattr(module, "scenario", None)
    if callable(scenario) and not isinstance(scenario, Scenario):
        scenario = scenario()
    if not isinstance(scenario, Scenario):
        raise ScenarioError(
            [Problem("a Python scenario must define 'scenario = seeder.Scenario(...)'", source)]
        )
    return dataclasses.replace(scenario, base_dir=file.parent, source=source)
