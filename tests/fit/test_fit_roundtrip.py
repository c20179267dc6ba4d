"""The round trips of ``seeder fit`` on PostgreSQL, through the CLI.

1. scenario → ``seeder run`` into the demo on PostgreSQL → ``seeder fit`` (and
   ``--check``): the fitted parameters equal the asked ones within tolerances
   derived from the sample sizes;
2. a synthetic "production" schema with known Zipf counts and nulls, made in SQL →
   ``seeder fit`` → seed the fitted scenario into the demo → ``seeder fit`` again:
   the same numbers.

Tolerances, each about three standard errors of the measured sample:
- a share p over N rows (null_weight, a choice weight): 3·sqrt(p(1−p)/N);
- a Poisson mean λ over P parents: 3·sqrt(λ/P);
- skew and quartile band shares: three standard deviations around the mean of
  what the estimator gives on picks drawn by seeder's own pick function at the
  measured pool size and number of uses (``simulate_reference``, 60 replicates),
  which includes the bias of ranking rows by their observed uses on small pools.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from seeder.cli import main
from seeder.fit.shape import simulate_reference
from tests.fit.conftest import ROOT, demo_on, seeder

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SCENARIO = Path(__file__).with_name("roundtrip_fixed.yaml")
COMMANDS = ROOT / "commands" / "library.py"


def share_tolerance(p: float, n: int) -> float:
    return 3 * math.sqrt(p * (1 - p) / n)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``seeder ARGS`` in this process (``seeder.cli.main``): exit code, stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fitted(
    capsys: pytest.CaptureFixture[str], dsn: str, tmp_path: Path, name: str, tables: str
) -> dict[str, Any]:
    out = tmp_path / name
    args = ["--dsn", dsn, "--tables", tables, "--commands", str(COMMANDS), "--out", str(out)]
    code, _, err = cli(capsys, "fit", *args)
    assert code == 0, err
    code, _, err = cli(capsys, "validate", str(out))  # the skeleton is a scenario seeder takes
    assert code == 0, err + out.read_text()
    loaded: dict[str, Any] = yaml.safe_load(out.read_text())
    return loaded["entities"]


def seed(url: str, scenario: Path) -> None:
    done = seeder("run", str(scenario), "--target", url, "--no-progress", "--concurrency", "16")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr


def test_a_seeded_database_fits_back_to_its_scenario(
    new_schema: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = new_schema()
    with demo_on(dsn) as url:
        seed(url, SCENARIO)

    code, report, err = cli(capsys, "fit", "--check", str(SCENARIO), "--dsn", dsn)
    assert code == 0, report + err
    for parameter in (
        "author.tenant_id skew",
        "author.tenant_id band 1 share",
        "member.tenant_id band 4 share",
        "author.birth_year null_weight",
        "book.subtitle null_weight",
        "book.status choice published",
        "book per author mean (poisson)",
        "member (members) rows",
        "book unique (tenant_id, isbn)",
        "book.published_on range",
    ):
        assert parameter in report, report

    entities = fitted(capsys, dsn, tmp_path, "fitted.yaml", "tenants,authors,books,members")
    tenant, author, book, member = (entities[e] for e in ("tenant", "author", "book", "member"))
    assert (tenant["count"], author["count"], member["count"]) == (20, 300, 600)

    skew = author["fields"]["tenant_id"]["skew"]
    spread = simulate_reference(20, 300, 2.0, None).skew
    assert spread is not None
    assert abs(skew - 2.0) <= spread.tolerance(2.0), (skew, spread)

    asked = [0.7, 0.2, 0.07, 0.03]
    weights = member["fields"]["tenant_id"]["weights"]
    shares = simulate_reference(20, 600, None, asked).shares
    for got, want, s in zip(weights, asked, shares, strict=True):
        assert abs(got - want) <= s.tolerance(want) + 1e-4, (weights, shares)  # + rounding

    assert book["per"] == "author"
    lam = book["count"]["poisson"]
    assert abs(lam - 2.0) <= 3 * math.sqrt(2.0 / 300), lam
    assert book["fields"]["author_id"] == {"from": "parent"}
    assert book["fields"]["tenant_id"] == {"from": "parent.tenant_id"}

    nulls = author["fields"]["birth_year"]["null_weight"]
    assert abs(nulls - 0.2) <= share_tolerance(0.2, 300), nulls
    subtitle = book["fields"]["subtitle"]["null_weight"]
    books = round(lam * 300)
    assert abs(subtitle - 0.4) <= share_tolerance(0.4, books), subtitle
    status = book["fields"]["status"]["choice"]
    assert abs(status["published"] - 0.85) <= share_tolerance(0.85, books), status
    assert author["fields"]["birth_year"]["range"] == [1920, 2000]
    first, last = book["fields"]["published_on"]["date"]
    assert dt.date(2000, 1, 1) <= first < last <= dt.date(2020, 12, 31), (first, last)
    assert book["unique"] == [["tenant_id", "isbn"]]

    # and --check fails where the database is not what a scenario asks
    wrong = tmp_path / "wrong.yaml"
    text = SCENARIO.read_text().replace("../../commands/library.py", str(COMMANDS))
    text = text.replace("skew: 2.0", "skew: 4.0").replace("null_weight: 0.4", "null_weight: 0.1")
    text = text.replace("[2000-01-01, 2020-12-31]", "[2010-01-01, 2020-12-31]")
    wrong.write_text(text)
    code, report, err = cli(capsys, "fit", "--check", str(wrong), "--dsn", dsn)
    assert code == 1, report + err
    bad = {line.split("  ")[0] for line in report.splitlines() if line.endswith("NO")}
    assert {"author.tenant_id skew", "book.subtitle null_weight", "book.published_on range"} <= bad
    assert all(
        p.startswith(("author.tenant_id ", "book.subtitle ", "book.published_on ")) for p in bad
    ), report


TENANTS, AUTHORS, ALPHA_SKEW = 30, 600, 2.0

PRODUCTION = f"""
CREATE TABLE tenants (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL, plan text NOT NULL);
INSERT INTO tenants (name, plan)
  SELECT 'Tenant ' || i, CASE WHEN i % 10 < 6 THEN 'free' WHEN i % 10 < 9 THEN 'team'
                              ELSE 'enterprise' END
  FROM generate_series(1, {TENANTS}) i;
CREATE TABLE authors (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants (id), name text NOT NULL, birth_year int);
-- tenant i gets exactly N·((i/n)^(1/s) − ((i−1)/n)^(1/s)) authors: the counts of skew s
INSERT INTO authors (tenant_id, name, birth_year)
  SELECT t.i, 'Author ' || t.i || '-' || j,
         CASE WHEN j % 4 = 0 THEN NULL ELSE 1920 + (j * 37 + t.i) % 81 END
  FROM generate_series(1, {TENANTS}) t(i),
  LATERAL generate_series(1, round({AUTHORS} * (power(t.i / {TENANTS}.0, 1 / {ALPHA_SKEW})
                          - power((t.i - 1) / {TENANTS}.0, 1 / {ALPHA_SKEW})))::int) j;
CREATE TABLE members (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants (id), name text NOT NULL, email text NOT NULL);
-- tenant i has 2 + i mod 7 members: a uniform count per tenant in [2, 8]
INSERT INTO members (tenant_id, name, email)
  SELECT t.i, 'Member ' || j, 'm' || t.i || '.' || j || '@example.org'
  FROM generate_series(1, {TENANTS}) t(i), LATERAL generate_series(1, 2 + t.i % 7) j;
"""


def test_production_fits_seeds_and_fits_again_to_the_same_numbers(
    new_schema: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    production = new_schema()
    with psycopg.connect(production, autocommit=True) as conn:
        conn.execute(PRODUCTION)
        ((authors, null_share),) = conn.execute(
            "SELECT count(*), avg((birth_year IS NULL)::int)::float8 FROM authors"
        ).fetchall()

    first = fitted(capsys, production, tmp_path, "production.yaml", "tenants,authors,members")
    assert first["member"]["per"] == "tenant", first["member"]
    assert first["member"]["count"] == {"range": [2, 8]}, first["member"]
    ref = first["author"]["fields"]["tenant_id"]
    assert abs(ref["skew"] - ALPHA_SKEW) <= 0.05, ref  # exact Zipf counts, rounded to integers
    assert first["author"]["fields"]["birth_year"]["null_weight"] == round(null_share, 4)
    assert first["tenant"]["fields"]["plan"]["choice"] == {
        "free": 0.6,
        "team": 0.3,
        "enterprise": 0.1,
    }
    assert (first["tenant"]["count"], first["author"]["count"]) == (TENANTS, authors)

    staging = new_schema()
    with demo_on(staging) as url:
        seed(url, tmp_path / "production.yaml")
    # what the fitted scenario asks, the staging database holds (per-parent range too)
    code, report, err = cli(
        capsys, "fit", "--check", str(tmp_path / "production.yaml"), "--dsn", staging
    )
    assert code == 0, report + err
    assert "member per tenant range" in report, report
    second = fitted(capsys, staging, tmp_path, "staging.yaml", "tenants,authors")

    assert (second["tenant"]["count"], second["author"]["count"]) == (TENANTS, authors)
    spread = simulate_reference(TENANTS, authors, ref["skew"], None).skew
    assert spread is not None
    again = second["author"]["fields"]["tenant_id"]
    assert abs(again["skew"] - ref["skew"]) <= spread.tolerance(ref["skew"]), (again, spread)
    p = first["author"]["fields"]["birth_year"]["null_weight"]
    q = second["author"]["fields"]["birth_year"]["null_weight"]
    assert abs(p - q) <= share_tolerance(p, authors), (p, q)
    plan = second["tenant"]["fields"]["plan"]["choice"]
    for value, w in first["tenant"]["fields"]["plan"]["choice"].items():
        assert abs(plan.get(value, 0.0) - w) <= share_tolerance(w, TENANTS), plan


GROWING = Path(__file__).with_name("roundtrip_growing.yaml")


def test_growing_pools_fit_back_to_their_scenario(
    new_schema: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pools made on demand (``mean``) hold the asked shape over the final pool."""
    dsn = new_schema()
    with demo_on(dsn) as url:
        seed(url, GROWING)

    code, report, err = cli(capsys, "fit", "--check", str(GROWING), "--dsn", dsn)
    assert code == 0, report + err
    for parameter in (
        "book.author_id mean",
        "book.author_id band 4 share",
        "author.tenant_id skew",
    ):
        assert parameter in report, report

    args = ["--dsn", dsn, "--tables", "tenants,authors,books", "--pools", "growing"]
    out = tmp_path / "growing.yaml"
    code, _, err = cli(capsys, "fit", *args, "--commands", str(COMMANDS), "--out", str(out))
    assert code == 0, err
    code, _, err = cli(capsys, "validate", str(out))
    assert code == 0, err + out.read_text()
    entities = yaml.safe_load(out.read_text())["entities"]
    tenant, author, book = entities["tenant"], entities["author"], entities["book"]
    assert "count" not in tenant and "count" not in author and book["count"] == 1000
    assert book["fields"]["tenant_id"] == {"from": "author_id.tenant_id"}

    authors = round(1000 / book["fields"]["author_id"]["mean"])
    tenants = round(authors / author["fields"]["tenant_id"]["mean"])
    # growth: final makes expected uses / mean entities: the means are exact
    assert (authors, tenants) == (100, 10), (authors, tenants)
    asked = [0.7, 0.2, 0.07, 0.03]
    weights = book["fields"]["author_id"]["weights"]
    shares = simulate_reference(authors, 1000, None, asked).shares
    for got, want, s in zip(weights, asked, shares, strict=True):
        assert abs(got - want) <= s.tolerance(want) + 1e-4, (weights, shares)
    skew = author["fields"]["tenant_id"]["skew"]
    spread = simulate_reference(tenants, authors, 2.0, None).skew
    assert spread is not None and abs(skew - 2.0) <= spread.tolerance(2.0), (skew, spread)
