"""`seeder run` end to end against the real demo service: over HTTP on loopback
(uvicorn) and in-process. The service's own counts must equal the report's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from seeder.cli import main
from seeder.demo.app import create_app
from seeder.demo.server import serve_in_thread
from tests.conftest import ROOT, SCENARIOS

COUNT_KEYS = {
    "tenant": "tenants",
    "author": "authors",
    "book": "books",
    "member": "members",
    "loan": "loans",
    "school": "schools",
    "class": "classes",
    "staff": "staff",
    "student": "students",
    "guardian": "parents",
    "emergency_contact": "emergency_contacts",
    "enrolment": "enrolments",
    "customer": "customers",
    "meter": "meters",
    "reading": "readings",
}


class Demo:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=30)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.client.get("/_counts").json().items() if v}

    def items(self, path: str) -> list[dict[str, Any]]:
        data = self.client.get(path, params={"limit": 10000}).json()
        assert data["total"] <= 10000
        return data["items"]  # type: ignore[no-any-return]


@pytest.fixture
def demo(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Demo]:
    faults = getattr(request, "param", None)
    with serve_in_thread(create_app(str(tmp_path / "demo.db"), faults)) as url:
        demo = Demo(url)
        yield demo
        demo.client.close()


def run(
    scenario: Path | str, target: str, tmp_path: Path, *extra: str
) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    code = main(
        ["run", str(scenario), "--target", target, "--no-progress", "--report", str(report), *extra]
    )
    return code, json.loads(report.read_text())


def created(report: dict[str, Any]) -> dict[str, int]:
    return {COUNT_KEYS[e]: c["created"] for e, c in report["entities"].items() if c["created"]}


@pytest.mark.parametrize(("name", "scale"), [("library", 0.2), ("school", 1.0), ("energy", 0.1)])
def test_example_scenarios_over_http_land_exactly(
    name: str, scale: float, demo: Demo, tmp_path: Path
) -> None:
    code, report = run(SCENARIOS / f"{name}.yaml", demo.url, tmp_path, "--scale", str(scale))
    assert code == 0, report["rejections"]
    assert report["totals"]["rejected"] == report["totals"]["skipped"] == 0
    assert demo.counts() == created(report)


def test_library_invariants_hold_in_the_service(demo: Demo, tmp_path: Path) -> None:
    code, report = run(
        SCENARIOS / "library.yaml", demo.url, tmp_path, "--scale", "0.2", "--concurrency", "64"
    )
    assert code == 0
    tenants = demo.counts()["tenants"]
    loans = 0
    for tenant in range(1, tenants + 1):
        authors = {a["id"] for a in demo.items(f"/tenants/{tenant}/authors")}
        books = demo.items(f"/tenants/{tenant}/books")
        assert books and all(b["author_id"] in authors for b in books)
        members = {m["id"] for m in demo.items(f"/tenants/{tenant}/members")}
        for loan in demo.items(f"/tenants/{tenant}/loans"):
            assert loan["member_id"] in members  # borrowed in their own tenant
            loans += 1
    # every loan needed the member's own token (the service answers 403 otherwise,
    # and nothing was rejected)
    assert loans == report["entities"]["loan"]["created"] > 0


def test_energy_readings_never_decrease_in_the_service(demo: Demo, tmp_path: Path) -> None:
    code, _ = run(SCENARIOS / "energy.yaml", demo.url, tmp_path, "--scale", "0.05")
    assert code == 0
    customers = demo.counts()["customers"]
    meters = [
        m["meter_id"] for c in range(1, customers + 1) for m in demo.items(f"/customers/{c}/meters")
    ]
    assert meters
    for meter in meters:
        readings = demo.items(f"/meters/{meter}/readings")
        assert len(readings) == 96
        values = [r["value"] for r in readings]
        assert values == sorted(values)


@pytest.mark.parametrize("target", ["demo", "demo:inprocess", "demo:asgi"])
def test_embedded_demo_targets(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run(SCENARIOS / "school.yaml", target, tmp_path)
    assert code == 0
    out = capsys.readouterr()
    assert "embedded demo" in out.err
    held = out.out.split("service now holds: ")[1].splitlines()[0]
    for key, n in created(report).items():
        assert f"{key} {n:,}" in held


REJECTING = """\
seed: 5
commands: COMMANDS
entities:
  tenant:
    command: CreateTenant
    count: 2
    fields:
      name: {seq: "T{n}"}
  author:
    command: RegisterAuthor
    per: tenant
    count: 2
    fields:
      tenant_id: {from: parent}
      name: {fake: name}
  book:
    command: PublishBook
    per: author
    count: 6
    fields:
      # a random tenant: where it is not the author's, the service refuses (422)
      tenant_id: {ref: tenant}
      author_id: {from: parent}
      # one ISBN for all: the service refuses a repeat within a tenant (409)
      isbn: "978-0-00-000000-2"
      title: {fake: sentence}
  ghost_author:                     # a tenant that does not exist: refused (404)
    command: RegisterAuthor
    count: 1
    fields:
      tenant_id: 999999
      name: {fake: name}
  ghost_book:                       # depends on a refused author: never sent
    command: PublishBook
    per: ghost_author
    count: 2
    fields:
      tenant_id: {from: parent.tenant_id}
      author_id: {from: parent}
      isbn: {fake: isbn13}
      title: {fake: sentence}
  member:
    command: RegisterMember
    count: 6
    fields:
      tenant_id: {ref: tenant}
      name: {fake: name}
      email: {fake: email}
  ghost_loan:                       # depends on a skipped book: skipped too
    command: BorrowBook
    per: ghost_book
    count: 1
    actor: {ref: member}
    fields:
      tenant_id: {from: parent.tenant_id}
      member_id: {from: actor}
      book_number: {from: parent}
  loan:
    command: BorrowBook
    per: member
    count: 1
    actor: parent
    unique: [tenant_id, book_number]
    fields:
      tenant_id: {from: parent.tenant_id}
      member_id: {from: parent}
      book_number: {ref: book, where: {tenant_id: $tenant_id}}
"""


def test_rejections_are_reported_and_dependents_never_sent(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "rejecting.yaml"
    scenario.write_text(REJECTING.replace("COMMANDS", str(ROOT / "commands" / "library.py")))
    code, report = run(scenario, demo.url, tmp_path)
    assert code == 1
    e = report["entities"]
    assert e["author"]["created"] == 4
    zero = {"created": 0, "rejected": 0, "failed": 0, "skipped": 0, "uncertain": 0, "earlier": 0}
    assert e["ghost_author"] == {**zero, "rejected": 1}
    assert e["ghost_book"] == {**zero, "skipped": 2}
    assert e["ghost_loan"] == {**zero, "skipped": 2}
    books = e["book"]
    assert books["created"] + books["rejected"] == 24 and books["skipped"] == 0
    assert 1 <= books["created"] <= 2 and books["rejected"] >= 22
    loans = e["loan"]
    assert loans["rejected"] == 0  # a loan of a refused book is never sent
    assert loans["skipped"] > 0 and loans["created"] + loans["skipped"] == 6
    assert demo.counts() == created(report)
    messages = " ".join(r["message"] for r in report["rejections"])
    for rule in ("isbn_taken", "author_not_in_tenant", "tenant_not_found"):
        assert rule in messages
    causes = {(s["entity"], s["cause"]) for s in report["skipped_because"]}
    assert ("ghost_book", "ghost_author") in causes
    assert ("ghost_loan", "ghost_book") in causes
    assert ("loan", "book") in causes
    out = capsys.readouterr().out
    assert "rejected" in out and "isbn_taken" in out


@pytest.mark.slow
@pytest.mark.parametrize(
    "demo",
    ["status503=0.1,retry_after=0.3,drop=0.02,delay=0.01,delay_seconds=1.5,seed=11"],
    indirect=True,
)
def test_faults_are_retried_without_duplicates(demo: Demo, tmp_path: Path) -> None:
    code, report = run(
        SCENARIOS / "library.yaml", demo.url, tmp_path, "--scale", "0.1", "--timeout", "0.5"
    )
    assert code == 0, report["rejections"]
    assert demo.counts() == created(report)  # exact: nothing lost, nothing applied twice
    retries = report["retries"]
    assert retries.get("HTTP 503", 0) > 20
    assert retries.get("timeout", 0) > 0
    assert sum(v for k, v in retries.items() if k not in ("HTTP 503", "timeout")) > 0  # drops


def _logical_library(demo: Demo) -> list[Any]:
    """The service's data with its own ids replaced by the values they point at."""
    result = []
    for tenant in range(1, demo.counts()["tenants"] + 1):
        authors = {
            a["id"]: (a["name"], a["birth_year"]) for a in demo.items(f"/tenants/{tenant}/authors")
        }
        members = {m["id"]: m["email"] for m in demo.items(f"/tenants/{tenant}/members")}
        books = {
            b["number"]: (
                b["isbn"],
                b["title"],
                b["subtitle"],
                b["status"],
                authors[b["author_id"]],
            )
            for b in demo.items(f"/tenants/{tenant}/books")
        }
        loans = sorted(
            (members[x["member_id"]], books[x["book_number"]][0], x["due_on"])
            for x in demo.items(f"/tenants/{tenant}/loans")
        )
        name = demo.client.get(f"/tenants/{tenant}").json()["name"]
        result.append(
            (
                name,
                sorted(authors.values()),
                sorted(books.values()),
                sorted(members.values()),
                loans,
            )
        )
    return sorted(result)


def test_results_do_not_depend_on_concurrency(tmp_path: Path) -> None:
    dumps = []
    for concurrency in ("1", "64"):
        folder = tmp_path / concurrency
        folder.mkdir()
        with serve_in_thread(create_app(str(folder / "demo.db"))) as url:
            demo = Demo(url)
            code, _ = run(
                SCENARIOS / "library.yaml",
                url,
                folder,
                "--scale",
                "0.2",  # 1,000 books, mean 500: two tenants
                "--concurrency",
                concurrency,
            )
            assert code == 0
            dumps.append(_logical_library(demo))
            demo.client.close()
    assert dumps[0] == dumps[1]
    assert len(dumps[0]) >= 2
