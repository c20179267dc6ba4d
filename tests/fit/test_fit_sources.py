"""``seeder fit`` on MariaDB, on CSV files, and its errors (one line, exit 2, the
password never shown). Tables here hold exact, generated counts, so the fitted
numbers are checked against the known ones (only integer rounding separates them)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from seeder.cli import main
from tests.conftest import free_port

SKEW = 3.0
CUSTOMERS, METERS = 200, 2000

MARIADB_TABLES = [
    "CREATE TABLE customers (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
    "email VARCHAR(200) NOT NULL UNIQUE, tariff VARCHAR(20) NOT NULL, postcode VARCHAR(10))",
    "INSERT INTO customers (email, tariff, postcode) SELECT CONCAT('c', seq, '@example.org'), "
    "CASE WHEN seq % 10 < 6 THEN 'flat' WHEN seq % 10 < 9 THEN 'time_of_use' ELSE 'demand' END, "
    f"IF(seq % 5 = 0, NULL, LPAD(seq, 4, '0')) FROM seq_1_to_{CUSTOMERS}",
    "CREATE TABLE meters (meter_id VARCHAR(12) PRIMARY KEY, customer_id BIGINT NOT NULL, "
    "kind VARCHAR(20) NOT NULL, installed_on DATE NOT NULL, "
    "FOREIGN KEY (customer_id) REFERENCES customers (id))",
    # customer i gets N·((i/n)^(1/s) − ((i−1)/n)^(1/s)) meters: the counts of skew s
    "INSERT INTO meters SELECT CONCAT('MTR-', LPAD(c.seq * 1000 + m.seq, 8, '0')), c.seq, "
    "IF(m.seq % 4 = 0, 'gas', 'electricity'), DATE '2020-01-01' + INTERVAL (m.seq % 365) DAY "
    f"FROM seq_1_to_{CUSTOMERS} c JOIN seq_1_to_1000 m ON m.seq <= ROUND({METERS} * "
    f"(POW(c.seq / {CUSTOMERS}, 1 / {SKEW}) - POW((c.seq - 1) / {CUSTOMERS}, 1 / {SKEW})))",
]


def fit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fit", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_mariadb_introspection_and_fit(
    mariadb: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    import pymysql

    dsn, name = mariadb
    conn = pymysql.connect(host="127.0.0.1", user="root", database=name)
    with conn.cursor() as cur:
        for statement in MARIADB_TABLES:
            cur.execute(statement)
        cur.execute("SELECT COUNT(*) FROM meters")
        ((meters,),) = cur.fetchall()
    conn.commit()
    conn.close()

    code, out, err = fit(capsys, "--dsn", dsn)
    assert code == 0, err
    entities: dict[str, Any] = yaml.safe_load(out)["entities"]
    customer, meter = entities["customer"], entities["meter"]
    assert customer["count"] == CUSTOMERS and meter["count"] == meters
    fields = customer["fields"]
    assert "id" not in fields  # AUTO_INCREMENT: the service assigns it
    assert fields["email"] == {"fake": "email", "unique": True}
    assert fields["tariff"] == {"choice": {"flat": 0.6, "time_of_use": 0.3, "demand": 0.1}}
    assert fields["postcode"]["null_weight"] == 0.2
    ref = meter["fields"]["customer_id"]
    assert ref["ref"] == "customer" and abs(ref["skew"] - SKEW) <= 0.1, ref
    assert meter["fields"]["meter_id"]["unique"] is True  # the primary key
    kind = meter["fields"]["kind"]["choice"]
    assert set(kind) == {"electricity", "gas"} and math.isclose(sum(kind.values()), 1.0)
    assert meter["fields"]["installed_on"]["date"][0] == dt.date(2020, 1, 2)
    assert "Zipf alpha" in out and "r²" in out  # the fit quality, in comments


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_csv_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, total, skew = 50, 5000, 2.0
    rows: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        uses = round(total * ((i / n) ** (1 / skew) - ((i - 1) / n) ** (1 / skew)))
        for j in range(uses):
            rows.append({"author_id": i if j % 10 else "", "pages": 100 + (j * 7919) % 301})
    path = tmp_path / "books.csv"
    write_csv(path, rows)

    code, out, err = fit(capsys, "--csv", str(path), "--column", "author_id")
    assert code == 0, err
    field = yaml.safe_load(out)["author_id"]
    nulls = sum(1 for r in rows if r["author_id"] == "") / len(rows)
    assert field["null_weight"] == round(nulls, 4)
    # a tenth of each author's uses are blanked, evenly: the shape stays skew 2
    assert abs(field["skew"] - skew) <= 0.05, out

    code, out, err = fit(capsys, "--csv", str(path), "--column", "pages")
    assert code == 0, err
    assert yaml.safe_load(out)["pages"] == {"range": [100, 400]}, out

    code, _, err = fit(capsys, "--csv", str(path), "--column", "page")
    assert code == 2 and "no column 'page'" in err and "did you mean 'pages'" in err, err


@pytest.mark.postgres
def test_errors_are_one_line_exit_2_and_never_show_the_password(
    capsys: pytest.CaptureFixture[str], new_schema: Callable[[], str]
) -> None:
    secret = "s3cr3t-pw"
    closed = free_port()  # nothing listens there
    cases = [
        (["--dsn", f"postgresql://postgres:{secret}@127.0.0.1:{closed}/test"], "cannot connect"),
        (["--dsn", f"mysql://root:{secret}@127.0.0.1:{closed}/x"], "cannot connect"),
        (["--dsn", f"oracle://scott:{secret}@127.0.0.1/x"], "unknown database scheme"),
        (["--dsn", f"postgresql://postgres:{secret}@127.0.0.1:99999/test"], "not a valid URL"),
        ([], "needs --dsn"),
        (["--csv", "x.csv"], "needs --column"),
    ]
    dsn = new_schema()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE things (id serial PRIMARY KEY, label text)")
    with_password = dsn.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    cases += [
        (["--dsn", with_password, "--tables", "thing"], "no table 'thing'"),
        (["--dsn", with_password, "--schema", "no_such_schema"], "no schema 'no_such_schema'"),
    ]
    for args, what in cases:
        code, out, err = fit(capsys, *args)
        assert code == 2, (args, out, err)
        assert what in err, (args, err)
        assert secret not in err + out, err
        assert len(err.strip().splitlines()) == 1, err
    code, out, err = fit(capsys, "--dsn", with_password, "--tables", "things")
    assert code == 0 and "postgres:***@" in out and secret not in out + err, out


@pytest.mark.postgres
def test_skew_is_finite_past_zipf_alpha_one(
    new_schema: Callable[[], str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The seed recipe's 1/(1 − alpha) breaks down at alpha ≥ 1; seeder's fit from
    the cumulative curve does not: skew 8 (alpha 0.875 in the limit, measured
    steeper than 1 on a pool of 30) comes back as skew ≈ 8."""
    dsn = new_schema()
    n, total, skew = 30, 3000, 8.0
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE parents (id int PRIMARY KEY)")
        conn.execute(f"INSERT INTO parents SELECT generate_series(1, {n})")
        conn.execute(
            "CREATE TABLE children (id serial PRIMARY KEY, parent_id int REFERENCES parents)"
        )
        conn.execute(
            "INSERT INTO children (parent_id) SELECT i FROM generate_series(1, %s) i, "
            "LATERAL generate_series(1, round(%s * (power(i / %s::float8, 1 / %s::float8) "
            "- power((i - 1) / %s::float8, 1 / %s::float8)))::int)",
            [n, total, n, skew, n, skew],
        )
    code, out, err = fit(capsys, "--dsn", dsn)
    assert code == 0, err
    ref = yaml.safe_load(out)["entities"]["children"]["fields"]["parent_id"]
    alpha = float(out.split("Zipf alpha ")[1].split()[0])
    assert alpha > 1.0  # where 1/(1 − alpha) is negative
    assert math.isclose(ref["skew"], skew, rel_tol=0.03), (ref, alpha)

    # the CSV path computes the same statistics in Python: the same numbers
    with psycopg.connect(dsn) as conn:
        ids = [r[0] for r in conn.execute("SELECT parent_id FROM children").fetchall()]
    path = tmp_path / "children.csv"
    write_csv(path, [{"parent_id": i} for i in ids])
    code, out, err = fit(capsys, "--csv", str(path), "--column", "parent_id")
    assert code == 0, err
    assert yaml.safe_load(out)["parent_id"]["skew"] == ref["skew"], out

    # --pools growing: a pool only this reference fills is made on demand, with mean
    code, out, err = fit(capsys, "--dsn", dsn, "--pools", "growing")
    assert code == 0, err
    entities = yaml.safe_load(out)["entities"]
    assert "count" not in entities["parent"] and entities["children"]["count"] == len(ids)
    assert entities["children"]["fields"]["parent_id"]["mean"] == round(len(ids) / n, 3)
