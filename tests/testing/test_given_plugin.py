"""The pytest plugin, as a project uses it: pytest runs in a fresh process on a small
project configured by ini options (pytest.ini or pyproject.toml) or by conftest
fixtures; the plugin is found through its ``pytest11`` entry point."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.testing.conftest import ROOT

TESTS = """
def test_one(given):
    author = given("author")
    book = given("book")
    assert [h.key for h in given.created][:2] == ["tenant:1", "author:1"]
    print("VALUES test_one", author.name, "|", book.title, "|", book.author.id == author.id)


def test_two(given):
    author = given("author")
    assert given.created[0].key == "tenant:1"  # this test's registry starts empty
    print("VALUES test_two", author.name, "| id", author.id)
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for folder in ("scenarios", "commands"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _values(output: str) -> dict[str, str]:
    return dict(re.findall(r"VALUES (\w+) (.*)$", output, flags=re.M))


def test_ini_options_configure_given_and_each_test_has_its_own_seed(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nseeder_scenario = scenarios/library.yaml\n"
            "seeder_target = demo\nfilterwarnings = error\n",
            "test_library.py": TESTS,
        },
    )
    first = _pytest(project)
    assert first.returncode == 0, first.stdout + first.stderr
    values = _values(first.stdout)
    assert values["test_one"].split(" | ")[0] != values["test_two"].split(" | ")[0]
    assert values["test_one"].endswith("| True")
    again = _pytest(project, "test_library.py::test_two", "test_library.py::test_one")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _values(again.stdout) == values  # the same values, in any order


def test_pyproject_options_and_a_factory_target(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n"
            'seeder_scenario = "scenarios/library.yaml"\n'
            'seeder_target = "seeder.demo.app:build_application"\n',
            "test_library.py": TESTS,
        },
    )
    result = _pytest(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(_values(result.stdout)) == {"test_one", "test_two"}


def test_conftest_fixtures_share_one_service_between_tests(tmp_path: Path) -> None:
    conftest = """
import pytest
from seeder.demo.app import build_application

@pytest.fixture(scope="session")
def seeder_scenario():
    return "scenarios/library.yaml"

@pytest.fixture(scope="session")
def seeder_target():
    application = build_application(":memory:")
    yield application
    application.close()
"""
    project = _project(tmp_path, {"conftest.py": conftest, "test_library.py": TESTS})
    result = _pytest(project, "-p", "no:randomly")
    assert result.returncode == 0, result.stdout + result.stderr
    # one service: the second test's author is a new one, not the first test's
    assert _values(result.stdout)["test_two"].endswith("| id 2")


def test_missing_configuration_is_one_message(tmp_path: Path) -> None:
    project = _project(tmp_path, {"test_library.py": TESTS})
    result = _pytest(project)
    assert result.returncode == 1
    assert (
        "seeder: no seeder_scenario is configured for the given fixture; set "
        "seeder_scenario = 'scenarios/library.yaml' under [tool.pytest.ini_options] in "
        "pyproject.toml (or [pytest] in pytest.ini), or define a seeder_scenario fixture "
        "in conftest.py"
    ) in result.stdout
    assert "Traceback" not in result.stdout
    (project / "pytest.ini").write_text("[pytest]\nseeder_scenario = scenarios/library.yaml\n")
    result = _pytest(project)
    assert result.returncode == 1
    assert (
        "seeder: no seeder_target is configured for the given fixture; set seeder_target "
        "= 'demo' under [tool.pytest.ini_options]"
    ) in result.stdout
    assert "Traceback" not in result.stdout


def test_a_failing_test_reports_its_seed_and_what_it_made(tmp_path: Path) -> None:
    failing = "def test_fails(given):\n    given('member', name='Ada')\n    assert False\n"
    project = _project(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nseeder_scenario = scenarios/library.yaml\n"
            "seeder_target = demo\n",
            "test_fails.py": failing,
        },
    )
    result = _pytest(project)
    assert result.returncode == 1
    assert "seeder given: what this test made" in result.stdout
    assert re.search(r"seed \d+ \(from 'test_fails.py::test_fails'\)", result.stdout)
    assert "<member:1 id=1 name='Ada'" in result.stdout and "token=***" in result.stdout
