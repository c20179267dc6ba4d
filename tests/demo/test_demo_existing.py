"""Entities that already exist in the service (``existing:``): read once through a
list endpoint (paginated) or a SQL query, picked among by references with the same
``weights``/``where`` semantics as any pool, and never created. The demo is filled
first by an earlier run; every check reads the demo's own read API or database."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import log_records
from tests.run.test_crash import CLI, demo_server

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ROOT / "commands" / "library.py"
TENANTS = 80  # made by the earlier run; 40% of them on the team plan (~32)
BOOKS = 1000

EARLIER = f"""\
seed: 3
commands: {COMMANDS}
entities:
  tenant:
    command: CreateTenant
    count: {TENANTS}
    fields:
      name: {{seq: "Staging tenant {{n:03d}}"}}
      plan: {{choice: {{free: 0.4, team: 0.4, enterprise: 0.2}}}}
"""

# books of team tenants only, the first quarter of them (by id) taking 70% of the
# books; authors made on demand inside each book's tenant
ON_EXISTING = f"""\
seed: 11
commands: {COMMANDS}
entities:
  tenant:
    existing:
      get: /tenants
      page_size: 25
      fields: [id, name, plan]
  author:
    command: RegisterAuthor
    fields:
      tenant_id: {{ref: tenant}}
      name: {{fake: name}}
  book:
    command: PublishBook
    count: {BOOKS}
    fields:
      tenant_id: {{ref: tenant, weights: [0.7, 0.2, 0.07, 0.03], where: {{plan: team}}}}
      author_id: {{ref: author, mean: 25, where: {{tenant_id: $tenant_id}}}}
      isbn: {{fake: isbn13}}
      title: {{fake: sentence, nb_words: 4}}
"""


def seeder(*words: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [*CLI, *words],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def pages(url: str, path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = httpx.get(url + path, params={"offset": len(found), "limit": 1000}).json()
        found += page["items"]
        if len(found) >= page["total"]:
            return found


def first_quarter_share(books: Counter[int], team: list[int]) -> tuple[float, float]:
    """The share of books on the first ``k = floor(n/4)`` team tenants by id, and the
    share the weights give them: rank ``floor(n*x)`` is below ``k`` when ``x < k/n``,
    which the first band (probability 0.7, uniform over [0, 1/4)) covers in part."""
    n = len(team)
    k = n // 4
    share = sum(books[t] for t in team[:k]) / sum(books.values())
    return share, 0.7 * (k / n) / 0.25


@pytest.mark.slow
def test_references_pick_among_existing_records_and_none_is_created(tmp_path: Path) -> None:
    with demo_server(tmp_path / "demo.db") as url:
        earlier = seeder("run", str(write(tmp_path, "earlier.yaml", EARLIER)), "--target", url)
        assert earlier.returncode == 0, earlier.stdout + earlier.stderr
        before = httpx.get(url + "/_counts").json()
        tenants = pages(url, "/tenants")
        team = sorted(t["id"] for t in tenants if t["plan"] == "team")
        assert len(tenants) == TENANTS and len(team) > 16

        scenario = write(tmp_path, "on_existing.yaml", ON_EXISTING)
        plans = [
            seeder("plan", str(scenario), "--target", url, "--out", str(tmp_path / f"{i}.jsonl"))
            for i in (1, 2)
        ]
        assert all(p.returncode == 0 for p in plans), plans[0].stderr
        log = (tmp_path / "1.jsonl").read_text()
        assert log == (tmp_path / "2.jsonl").read_text()  # the same records: the same plan
        records = log_records(log)
        assert {r["command"] for r in records} == {"RegisterAuthor", "PublishBook"}
        # a reference to an existing record is its real id, not a placeholder
        assert all(isinstance(r["body"]["tenant_id"], int) for r in records)
        assert not any("tenant_id" in r["refs"] for r in records)

        run = seeder("run", str(scenario), "--target", url, "--no-progress")
        assert run.returncode == 0, run.stdout + run.stderr
        after = httpx.get(url + "/_counts").json()
        assert after["tenants"] == before["tenants"]  # nothing made for existing records
        assert after["books"] == before["books"] + BOOKS

        books: Counter[int] = Counter()
        for tenant in tenants:
            held = pages(url, f"/tenants/{tenant['id']}/books")
            authors = {a["id"] for a in pages(url, f"/tenants/{tenant['id']}/authors")}
            assert all(b["author_id"] in authors for b in held)  # authors of their tenant
            books[tenant["id"]] = len(held)
        assert set(+books) <= set(team)  # where: {plan: team}
        share, asked = first_quarter_share(books, team)
        # a binomial share of 1,000 books: standard error <= sqrt(0.25/1000) = 0.0158;
        # 3 SE = 0.047
        assert abs(share - asked) < 0.047, (share, asked)


@pytest.mark.postgres
def test_existing_records_from_sql_and_mistakes_said_before_sending(
    postgres_schema_dsn: str, tmp_path: Path
) -> None:
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        earlier = write(tmp_path, "earlier.yaml", EARLIER.replace(f"count: {TENANTS}", "count: 12"))
        assert seeder("run", str(earlier), "--target", url).returncode == 0
        before = httpx.get(url + "/_counts").json()
        by_sql = ON_EXISTING.replace(
            "      get: /tenants\n      page_size: 25\n      fields: [id, name, plan]\n",
            "      sql: SELECT id, name, plan FROM tenants\n      dsn: $STAGING_DSN\n"
            "      fields: [id, plan]\n",
        ).replace(f"count: {BOOKS}", "count: 40")
        scenario = write(tmp_path, "by_sql.yaml", by_sql)
        secret = {"STAGING_DSN": postgres_schema_dsn}
        run = seeder("run", str(scenario), "--target", url, "--no-progress", env=secret)
        assert run.returncode == 0, run.stdout + run.stderr
        after = httpx.get(url + "/_counts").json()
        assert after["tenants"] == before["tenants"] and after["books"] == before["books"] + 40

        mistakes = {
            "plan without a target": (
                ["plan", str(scenario.with_name("get.yaml"))],
                "seeder plan --target",
            ),
            "a path the service does not have": (
                ["run", str(scenario.with_name("wrong.yaml")), "--target", url],
                "answered 404",
            ),
            "mean on an existing pool": (
                ["run", str(scenario.with_name("mean.yaml")), "--target", url],
                "remove mean:",
            ),
            "an unset dsn variable": (["run", str(scenario), "--target", url], "STAGING_DSN"),
        }
        write(tmp_path, "get.yaml", ON_EXISTING)
        write(tmp_path, "wrong.yaml", ON_EXISTING.replace("get: /tenants", "get: /tenantz"))
        write(
            tmp_path,
            "mean.yaml",
            ON_EXISTING.replace("{ref: tenant, weights", "{ref: tenant, mean: 3, weights"),
        )
        for what, (words, said) in mistakes.items():
            done = seeder(*words)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 2, (what, done.stderr)
            assert len(lines) == 1 and said in lines[0], (what, done.stderr)
            assert "Traceback" not in done.stderr
            assert ".yaml:" in lines[0], (what, lines)  # located in the scenario
        assert httpx.get(url + "/_counts").json() == after  # nothing was sent
        # a failing query is said with the DSN's password hidden
        broken = by_sql.replace("FROM tenants", "FROM no_such_table")
        dsn = postgres_schema_dsn.replace("postgres@", "postgres:hunter2@")
        done = seeder("plan", str(write(tmp_path, "broken.yaml", broken)), env={"STAGING_DSN": dsn})
        assert done.returncode == 2 and "no_such_table" in done.stderr, done.stderr
        assert "hunter2" not in done.stderr + done.stdout


# the staging service of the next test: tenants with three authors each
STAGING = EARLIER.replace(f"count: {TENANTS}", "count: 12") + (
    """\
  author:
    command: RegisterAuthor
    per: tenant
    count: 3
    fields:
      tenant_id: {from: parent}
      name: {fake: name}
"""
)

# authors read with their tenant as a reference (refs:), so a book can ask for "an
# existing author of this tenant" or copy the tenant of an existing author; and new
# authors made per existing tenant (per: an existing parent)
LINKED = f"""\
seed: 5
commands: {COMMANDS}
entities:
  tenant:
    existing: {{sql: "SELECT id, plan FROM tenants", dsn: $STAGING_DSN, fields: [id, plan]}}
  author:
    existing:
      sql: SELECT id, tenant_id FROM authors
      dsn: $STAGING_DSN
      fields: [id, tenant_id]
      refs: {{tenant_id: tenant}}
  newcomer:
    command: RegisterAuthor
    per: tenant
    count: 2
    fields:
      tenant_id: {{from: parent}}
      name: {{fake: name}}
  book:
    command: PublishBook
    count: 60
    fields:
      tenant_id: {{ref: tenant, where: {{plan: team}}}}
      author_id: {{ref: author, where: {{tenant_id: $tenant_id}}}}
      isbn: {{fake: isbn13}}
      title: {{fake: sentence, nb_words: 4}}
  reprint:
    command: PublishBook
    count: 30
    fields:
      author_id: {{ref: author, skew: 2.0}}
      tenant_id: {{from: author_id.tenant_id}}
      isbn: {{fake: isbn13}}
      title: {{fake: sentence, nb_words: 4}}
"""


@pytest.mark.postgres
def test_existing_records_link_to_each_other_and_have_children(
    postgres_schema_dsn: str, tmp_path: Path
) -> None:
    secret = {"STAGING_DSN": postgres_schema_dsn}
    with demo_server(postgres_schema_dsn) as url:  # type: ignore[arg-type]
        staging = seeder("run", str(write(tmp_path, "staging.yaml", STAGING)), "--target", url)
        assert staging.returncode == 0, staging.stdout + staging.stderr
        before = httpx.get(url + "/_counts").json()
        tenants = {t["id"]: t for t in pages(url, "/tenants")}
        authors = {i: {a["id"] for a in pages(url, f"/tenants/{i}/authors")} for i in tenants}
        assert len(tenants) == 12 and all(len(held) == 3 for held in authors.values())

        scenario = write(tmp_path, "linked.yaml", LINKED)
        log = tmp_path / "linked.jsonl"
        plan = seeder("plan", str(scenario), "--out", str(log), env=secret)
        assert plan.returncode == 0, plan.stderr
        records = log_records(log.read_text())
        made = Counter(r["key"].split(":")[0] for r in records)
        assert made == {"newcomer": 24, "book": 60, "reprint": 30}
        for r in records:
            body = r["body"]
            if r["key"].startswith("newcomer:"):
                continue
            # the author is an existing one, of the book's tenant (where: or from:)
            assert body["author_id"] in authors[body["tenant_id"]], r
            if r["key"].startswith("book:"):
                assert tenants[body["tenant_id"]]["plan"] == "team", r

        run = seeder("run", str(scenario), "--target", url, "--no-progress", env=secret)
        assert run.returncode == 0, run.stdout + run.stderr
        after = httpx.get(url + "/_counts").json()
        assert after["tenants"] == before["tenants"]
        assert after["authors"] == before["authors"] + 2 * 12
        assert after["books"] == before["books"] + 90
        for tenant_id, held in authors.items():
            now = {a["id"] for a in pages(url, f"/tenants/{tenant_id}/authors")}
            assert held <= now and len(now - held) == 2  # two newcomers per tenant
            for book in pages(url, f"/tenants/{tenant_id}/books"):
                assert book["author_id"] in held  # books went to existing authors only

        # authors whose tenant was not read: refused at the refs, before anything is sent
        narrow = LINKED.replace("FROM tenants", "FROM tenants WHERE plan = 'team'", 1)
        done = seeder(
            "run", str(write(tmp_path, "narrow.yaml", narrow)), "--target", url, env=secret
        )
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1, done.stderr
        assert lines[0].startswith(str(tmp_path / "narrow.yaml:11:")), lines
        assert "tenant_id" in lines[0] and "tenant records read" in lines[0], lines
        assert httpx.get(url + "/_counts").json() == after


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        ("{tenant_id: newcomer}", "created by this plan"),
        ("{tenantid: tenant}", "not a field kept"),
        ("{tenant_id: tenants}", "did you mean 'tenant'"),
        ("[tenant]", "existing refs maps a kept field"),
    ],
)
def test_wrong_existing_refs_are_one_line_at_their_place(
    wrong: str, said: str, tmp_path: Path
) -> None:
    text = LINKED.replace("refs: {tenant_id: tenant}", f"refs: {wrong}")
    scenario = write(tmp_path, "refs.yaml", text)
    done = seeder("validate", str(scenario))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{scenario}:11:") and said in lines[0], lines


@pytest.mark.slow
def test_given_picks_among_existing_records_and_never_creates_them(tmp_path: Path) -> None:
    from seeder.errors import GivenError
    from seeder.testing import Given

    with demo_server(tmp_path / "demo.db") as url:
        earlier = seeder("run", str(write(tmp_path, "earlier.yaml", EARLIER)), "--target", url)
        assert earlier.returncode == 0, earlier.stdout + earlier.stderr
        team = {t["id"]: t for t in pages(url, "/tenants") if t["plan"] == "team"}
        before = httpx.get(url + "/_counts").json()
        scenario = write(tmp_path, "on_existing.yaml", ON_EXISTING)
        with Given(scenario, url, seed="test-1") as given:
            books = [given("book") for _ in range(5)]
            for book in books:
                assert book.tenant_id in team  # an existing team tenant, by its real id
                assert book.tenant.id == book.tenant_id and book.tenant.plan == "team"
                assert book.author.tenant_id == book.tenant_id  # made inside it
            with pytest.raises(GivenError, match="'tenant' is existing"):
                given("tenant")
        after = httpx.get(url + "/_counts").json()
        assert after["tenants"] == before["tenants"] and after["books"] == before["books"] + 5
