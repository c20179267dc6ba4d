"""seeder as a user gets it: the wheel and the sdist built from this checkout, the
wheel installed into a fresh virtualenv (no repository in sight), and there the
README's install and init sections, `seeder init` and the scaffold's own CI steps
(`seeder run` against the demo, `pytest` of its Given tests), a missing extra said
once per session; the sdist's own tests run from the unpacked sdist.

The dependencies' wheels are kept in ~/.cache/seeder-tests (one wheelhouse per
constraints.txt), so only the first run downloads; the virtualenv is new each run.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("package"), pytest.mark.timeout(900)]

CACHE = Path(os.environ.get("SEEDER_TEST_CACHE", Path.home() / ".cache" / "seeder-tests"))
README = (ROOT / "README.md").read_text()
PIP = (sys.executable, "-m", "pip")
NOT_SOURCE = (
    ".git",
    ".venv",
    ".hypothesis",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".seeder",
)


def _sh(argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (argv, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout + result.stderr


@dataclass
class Installed:
    dist: Path  # the wheel and the sdist
    venv: Path
    env: dict[str, str]  # PATH starts with the virtualenv's bin; nothing of this checkout

    def run(self, line: str, cwd: Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            shlex.split(line), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == expect, (line, result.stdout[-3000:], result.stderr[-3000:])
        return result


def _wheelhouse(want: list[str]) -> Path:
    """The dependencies' wheels at the pinned versions, downloaded once per
    constraints.txt (written aside and renamed, so two runs never see half of it)."""
    pins = hashlib.sha256((ROOT / "constraints.txt").read_bytes()).hexdigest()[:16]
    house = CACHE / f"wheelhouse-{pins}"
    if not house.is_dir():
        partial = CACHE / f".wheelhouse-{pins}-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        _sh(
            [*PIP, "wheel", "-q", "-c", str(ROOT / "constraints.txt"), "-w", str(partial), *want],
            cwd=ROOT,
        )
        for own in partial.glob("command_seeder-*"):
            own.unlink()
        try:
            partial.rename(house)
        except OSError:  # another run finished first: use its copy
            shutil.rmtree(partial, ignore_errors=True)
    return house


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("package")
    dist = base / "dist"
    # built from a copy: setuptools writes egg-info and build/ into the source tree,
    # which must stay clean and may be built by another test run at the same time
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    _sh([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], cwd=base)
    (wheel,) = dist.glob("command_seeder-*.whl")
    want = [f"{wheel}[demo]", "pytest"]  # the wheel with its demo extra, and pytest
    house = _wheelhouse(want)
    venv = base / "venv"
    _sh([sys.executable, "-m", "venv", str(venv)], cwd=base)
    _sh(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "-f",
            str(house),
            *want,
        ],
        cwd=base,
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV", "SEEDER_JOURNAL"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    yield Installed(dist, venv, env)


def _block(first_line: str) -> list[str]:
    """The README's sh block that starts with ``first_line``: its command lines."""
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        lines = [line.split("  #")[0].strip() for line in block.splitlines()]
        if lines and lines[0] == first_line:
            return [line for line in lines if line]
    raise AssertionError(f"no README block starts with {first_line!r}")


def test_the_wheel_is_typed_versioned_and_carries_the_examples(installed: Installed) -> None:
    (wheel,) = installed.dist.glob("command_seeder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "seeder/py.typed" in names
    assert {"seeder/report.schema.json", "seeder/scenario.schema.json"} <= names
    assert {
        "seeder/_examples/scenarios/library.yaml",
        "seeder/_examples/commands/library.py",
    } <= names
    assert not any(n.startswith(("tests/", "commands/", "scenarios/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read("command_seeder-0.1.0.dist-info/METADATA").decode()
    assert "Name: command-seeder" in metadata and "Classifier: Typing :: Typed" in metadata
    assert "Project-URL: Source," in metadata
    out = installed.run("seeder --version", installed.venv).stdout
    assert out.strip() == "seeder 0.1.0 (command-seeder)"


def test_the_readme_install_section_works_from_the_wheel(
    installed: Installed, tmp_path: Path
) -> None:
    lines = _block("pip install 'command-seeder[demo]'")
    assert len(lines) >= 4
    for line in lines[1:]:  # the wheel stands for the registry's copy
        result = installed.run(line, tmp_path)
        if line.startswith("seeder run"):
            assert "service now holds: " in result.stdout, result.stdout


def test_init_scaffolds_a_project_whose_ci_steps_pass(installed: Installed, tmp_path: Path) -> None:
    lines = _block("seeder init my-project")
    assert lines[1] == "cd my-project"
    installed.run(lines[0], tmp_path)
    project = tmp_path / "my-project"
    for line in lines[2:]:
        installed.run(line, project)
    # the CI workflow it wrote: every step but the install runs here as it is
    workflow = yaml.safe_load((project / ".github" / "workflows" / "seed.yml").read_text())
    steps = [s["run"] for s in workflow["jobs"]["seed"]["steps"] if "run" in s]
    assert any("seeder run" in s for s in steps) and any("pytest" in s for s in steps)
    for step in steps:
        if "pip install" not in step:
            result = installed.run(step, project)
            if "pytest" in step:
                assert re.search(r"\b2 passed\b", result.stdout), result.stdout
    again = installed.run("seeder init my-project", tmp_path, expect=2)
    assert again.stdout == "" and again.stderr.count("\n") == 1
    assert "is not empty" in again.stderr and "--force" in again.stderr
    installed.run("seeder init my-project --force", tmp_path)


def test_a_missing_extra_is_said_once_per_session(installed: Installed, tmp_path: Path) -> None:
    project = tmp_path / "project"
    installed.run(f"seeder init {project}", tmp_path)
    # the same installation without its 'demo' extra: FastAPI hidden by a module
    # of that name, first on the path, that fails to import
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "fastapi.py").write_text("raise ImportError('hidden', name='fastapi')\n")
    result = subprocess.run(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=dict(installed.env, PYTHONPATH=str(hide)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    # said once in the report of the errors (pytest's short summary repeats each error's
    # first line, and may or may not be printed: -r)
    report = out.split("short test summary info")[0]
    assert report.count("needs the 'demo' extra (fastapi is missing)") == 1, out
    assert "pip install 'command-seeder[demo]'" in out
    assert "the reason is under tests/test_tenants.py::" in out
    assert "direct cause" not in out and "During handling" not in out, out


def test_the_sdist_holds_what_its_tests_need(installed: Installed, tmp_path: Path) -> None:
    (sdist,) = installed.dist.glob("command_seeder-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.glob("command_seeder-*")
    for needed in (
        "commands/library.py",
        "scenarios/library.yaml",
        "tests/conftest.py",
        "constraints.txt",
        "Makefile",
        "seeder/py.typed",
    ):
        assert (unpacked / needed).is_file(), needed
    # this checkout's dev environment, but the sdist's own code, tests and examples
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(unpacked)
    where = _sh([sys.executable, "-c", "import seeder; print(seeder.__file__)"], unpacked, env)
    assert where.strip().startswith(str(unpacked)), where
    out = _sh(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n0",
            "-p",
            "no:cacheprovider",
            "tests/test_readme.py::test_readme_scenario_plans",
            "tests/plan/test_determinism.py::test_yaml_and_python_scenarios_plan_identical_logs",
            "tests/testing/test_given_calls.py",
        ],
        unpacked,
        env,
    )
    assert re.search(r"\b\d+ passed\b", out) and " failed" not in out, out
