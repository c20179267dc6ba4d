"""A mistake in a scenario's ``serve:`` section is one line ``file:line:col: what;
how to fix`` and exit code 2, from ``seeder serve`` (before anything is planned
or served) and from ``seeder validate``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import usage_error
from tests.serve.sandbox import ROOT

HEAD = f"""\
seed: 1
commands: {ROOT / "commands" / "energy.py"}
entities:
  customer:
    command: RegisterCustomer
    count: 3
    fields:
      name: {{fake: name}}
      email: {{fake: email}}
      tariff: flat
  meter:
    command: InstallMeter
    per: customer
    count: 2
    fields:
      customer_id: {{from: parent}}
      meter_id: {{seq: "MTR-{{n:08d}}"}}
      kind: gas
      installed_on: 2024-01-01
serve:
"""

CASES = [
    (
        "  routes:\n    mine:\n      path: /c/{tariff}\n      entity: custmer\n"
        "      where: {tariff: tariff}\n",
        "24:7: no entity 'custmer'; did you mean 'customer'?",
    ),
    (
        "  routes:\n    mine:\n      path: /c/{t}\n      entity: customer\n"
        "      where: {tarif: t}\n",
        "25:15: customer has no field 'tarif'; did you mean 'tariff'?",
    ),
    (
        "  routes:\n    mine:\n      path: /c/{t}/{u}\n      entity: customer\n"
        "      where: {tariff: t}\n",
        "23:7: path parameter {u} filters nothing; add it to where:",
    ),
    (
        "  routes:\n    mine:\n      path: /c\n      entity: customer\n"
        "      paginate: {style: pages}\n",
        "25:18: paginate style must be one of page, offset, cursor, got 'pages'",
    ),
    ("  rootes: {}\n", "21:3: unknown serve key 'rootes'; did you mean 'routes'?"),
    (
        "  assign:\n    customer: {id: 'C{x}'}\n",
        "22:16: cannot format 'C{x}' ('x'); use {n} for the instance number",
    ),
    (
        "  routes:\n    mine:\n      path: /c\n      entity: meter\n"
        "      fields: [meter_id, colour]\n",
        "25:7: meter has no field 'colour'",
    ),
    (
        "  paginate: {style: page, first: 2}\n",
        "21:27: first must be 0 or 1 (the number of the first page), got 2",
    ),
]


@pytest.mark.parametrize(("section", "expected"), CASES)
@pytest.mark.parametrize("command", ["serve", "validate"])
def test_a_mistake_in_serve_is_one_located_line(
    tmp_path: Path, section: str, expected: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(HEAD + section, encoding="utf-8")
    port = ["--port", "1"] if command == "serve" else []  # refused before it is bound
    lines = usage_error([command, str(scenario), *port], capsys).splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{scenario}:{expected}")


def test_seeder_serve_refuses_it_as_a_process(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(HEAD + CASES[0][0], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "seeder", "serve", str(scenario), "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == f"{scenario}:{CASES[0][1]}\n"
