"""The JSON Schema of scenario files (seeder/scenario.schema.json, ``seeder schema``)
is made from the loader's own tables: the shipped file is what they give today,
every example scenario passes it and carries its ``$schema`` line, and broken
scenarios are refused by the schema and by the loader alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from seeder.cli import main
from seeder.errors import ScenarioError
from seeder.scenario.build import ENTITY_KEYS, KINDS, TOP_KEYS
from seeder.scenario.load import load_scenario
from seeder.scenario.schema import SCHEMA_FILE, SCHEMA_URL, scenario_schema
from tests.conftest import ROOT

EXAMPLES = sorted([*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("examples/*/scenario.yaml")])
VALIDATOR = jsonschema.Draft202012Validator(scenario_schema())


def test_the_shipped_schema_is_the_one_the_loader_tables_make() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == scenario_schema()
    jsonschema.Draft202012Validator.check_schema(scenario_schema())
    schema = scenario_schema()
    assert list(schema["properties"]) == list(TOP_KEYS)
    assert list(schema["$defs"]["entity"]["properties"]) == list(ENTITY_KEYS)
    kinds = [next(iter(s["required"])) for s in schema["$defs"]["provider"]["anyOf"][1:]]
    assert kinds == list(KINDS)


def test_seeder_schema_prints_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == scenario_schema()
    assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == scenario_schema()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_scenario_passes_the_schema(path: Path) -> None:
    text = path.read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_URL}"
    errors = [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(text))]
    assert errors == []
    load_scenario(path)  # and the loader takes it


GOOD = """\
seed: 1
commands: ../commands/library.py
entities:
  tenant:
    command: CreateTenant
    count: 3
    fields:
      name: {seq: "T {n}"}
"""

# (what is broken, the YAML fragment replaced in GOOD): each refused by both
BROKEN: list[tuple[str, str, str]] = [
    ("unknown top key", "seed: 1", "seed: 1\nseeds: 2"),
    ("unknown entity key", "    count: 3", "    count: 3\n    cuont: 4"),
    ("entity without command", "    command: CreateTenant\n", ""),
    ("no entities", "entities:", "entities: {}\nx:"),
    ("unknown provider kind", '{seq: "T {n}"}', "{sequence: x}"),
    ("two provider kinds", '{seq: "T {n}"}', '{seq: "T {n}", const: 1}'),
    ("bad seq option", '{seq: "T {n}"}', '{seq: "T {n}", weights: [1]}'),
    ("fake beside another kind", '{seq: "T {n}"}', "{fake: name, ref: tenant}"),
    ("ref with a range bound", '{seq: "T {n}"}', "{ref: tenant, min: 1}"),
    ("an empty provider", '{seq: "T {n}"}', "{}"),
    ("commands not a string", "commands: ../commands/library.py", "commands: 3"),
    ("faker_weighting not a bool", "seed: 1", "seed: 1\nfaker_weighting: often"),
    ("ordered not a bool", "    count: 3", "    count: 3\n    ordered: sometimes"),
    ("unknown serve key", "seed: 1", "seed: 1\nserve: {rutes: {}}"),
    ("a scenario that is a list", GOOD, "- entities"),
]


@pytest.mark.parametrize(("what", "old", "new"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_scenario_is_refused_by_the_schema_and_the_loader(
    tmp_path: Path, what: str, old: str, new: str
) -> None:
    (tmp_path / "scenarios").mkdir()
    good = tmp_path / "scenarios" / "good.yaml"
    good.write_text(GOOD)
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "library.py").write_text((ROOT / "commands/library.py").read_text())
    assert list(VALIDATOR.iter_errors(yaml.safe_load(GOOD))) == []
    load_scenario(good)
    assert old in GOOD, what
    text = GOOD.replace(old, new, 1)
    data: Any = yaml.safe_load(text)
    assert list(VALIDATOR.iter_errors(data)), f"the schema takes {what}"
    broken = tmp_path / "scenarios" / "broken.yaml"
    broken.write_text(text)
    with pytest.raises(ScenarioError):
        load_scenario(broken)


def test_the_scaffold_scenario_points_at_the_schema_and_passes_it() -> None:
    (template,) = (ROOT / "seeder" / "scaffold" / "template" / "scenarios").glob("*.yaml.tmpl")
    text = template.read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_URL}"
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []
