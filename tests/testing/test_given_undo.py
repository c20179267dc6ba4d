"""``Given(undo=True)`` and the plugin's ``seeder_undo``: a test against a shared,
persistent service deletes, at its end, what it made (dependents first, through the
bindings' ``Undo``), so the service stays as it was — what was there before stays.
Checked through the demo server's own counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from seeder.errors import GivenError
from seeder.testing import AsyncGiven, Given
from tests.run.test_crash import demo_server
from tests.testing.conftest import ROOT

LIBRARY = ROOT / "scenarios" / "library.yaml"
ENERGY = ROOT / "scenarios" / "energy.yaml"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def counts(url: str) -> dict[str, int]:
    held: dict[str, int] = httpx.get(url + "/_counts", timeout=5).json()
    return held


def test_given_with_undo_leaves_the_service_as_it_was(tmp_path: Path) -> None:
    with demo_server(tmp_path / "shared.db") as url:
        with Given(LIBRARY, url, seed=1) as keeper:  # data the tests must not touch
            kept_author = keeper("author")
        before = counts(url)
        with Given(LIBRARY, url, seed=2, undo=True) as given:
            loan = given("loan")  # a tenant, an author, a book, a member, then the loan
            given.many("book", 3, author=loan.book.author)
            during = counts(url)
            assert during["loans"] == before["loans"] + 1
            assert during["books"] == before["books"] + 4
        assert counts(url) == before
        assert httpx.get(f"{url}/tenants/{kept_author.tenant.id}").status_code == 200


@pytest.mark.anyio
async def test_async_given_with_undo_too(tmp_path: Path) -> None:
    with demo_server(tmp_path / "shared.db") as url:
        before = counts(url)
        async with AsyncGiven(LIBRARY, url, seed=3, undo=True) as given:
            await given("loan")
            assert counts(url) != before
        assert counts(url) == before


def test_what_has_no_undo_is_said_at_the_end(tmp_path: Path) -> None:
    with demo_server(tmp_path / "shared.db") as url:
        given = Given(ENERGY, url, seed=4, undo=True)
        given("meter")
        with pytest.raises(GivenError) as caught:
            given.close()
        message = str(caught.value)
        assert message.startswith("given(undo=True) at the end of the test: kept 1 customer")
        assert "declare no Undo" in message


def test_the_plugin_undoes_each_test_when_configured(tmp_path: Path) -> None:
    with demo_server(tmp_path / "shared.db") as url:
        before = counts(url)
        for folder in ("scenarios", "commands"):
            (tmp_path / folder).symlink_to(ROOT / folder)
        (tmp_path / "pytest.ini").write_text(
            f"[pytest]\nseeder_scenario = scenarios/library.yaml\nseeder_target = {url}\n"
            "seeder_undo = true\n"
        )
        (tmp_path / "test_shared.py").write_text(
            "import httpx\n\n"
            "def test_one(given):\n"
            "    given('loan')\n\n"
            f"def test_two(given):\n"
            f"    assert httpx.get('{url}/_counts').json() == {before!r}\n"
            "    given.many('book', 2)\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert counts(url) == before  # test_two also saw test_one's data gone


def _pytest_project(tmp_path: Path, ini: str, test: str) -> Path:
    tmp_path.mkdir()
    for folder in ("scenarios", "commands"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    (tmp_path / "pytest.ini").write_text(ini)
    (tmp_path / "test_shared.py").write_text(test)
    return tmp_path


def _pytest(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SEEDER_NONCE"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


def test_a_nonce_per_run_keeps_service_wide_unique_values_apart(tmp_path: Path) -> None:
    # a meter's id is drawn from the seed (seed_by its customer): the same test
    # makes the same id on every run, which a persistent service refuses the second
    # time; with seeder_nonce = random each run draws its own
    test = "def test_meter(given):\n    print('METER', given('meter').meter_id)\n"
    with demo_server(tmp_path / "shared.db") as url:
        ini = f"[pytest]\nseeder_scenario = scenarios/energy.yaml\nseeder_target = {url}\n"
        fixed = _pytest_project(tmp_path / "fixed", ini, test)
        assert _pytest(fixed).returncode == 0
        again = _pytest(fixed)
        assert again.returncode == 1 and "is already installed" in again.stdout, again.stdout
        fresh = _pytest_project(tmp_path / "fresh", ini + "seeder_nonce = random\n", test)
        runs = [_pytest(fresh, PYTEST_ADDOPTS="-v") for _ in range(2)]  # -v: the header
        assert all(r.returncode == 0 for r in runs), runs[-1].stdout
        nonces = [r.stdout.split("seeder: nonce ", 1)[1].split()[0] for r in runs]
        assert nonces[0] != nonces[1]
        # a run's nonce repeats its values: the service refuses the meter it holds
        repeated = _pytest(fresh, SEEDER_NONCE=nonces[0])
        assert repeated.returncode == 1 and "is already installed" in repeated.stdout
        assert f"and nonce {nonces[0]}" in repeated.stdout  # the failure says how to repeat


def test_a_hand_made_given_does_not_repeat_the_scenarios_own_values() -> None:
    import seeder
    from tests.conftest import records

    planned = next(
        r for r in records(seeder.load_model(LIBRARY)) if r["command"] == "RegisterAuthor"
    )
    with Given(LIBRARY, "demo") as given:
        author = given("author")
    assert (author.name, author.birth_year) != (
        planned["body"]["name"],
        planned["body"]["birth_year"],
    )
    with Given(LIBRARY, "demo") as again:  # the same values for the same hand-made Given
        assert again("author").name == author.name
