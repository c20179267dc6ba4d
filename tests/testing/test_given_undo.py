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
