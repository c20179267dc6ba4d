"""``seeder fit`` on big tables: wall time and the peak memory of the seeder process.

Creates, in a fresh PostgreSQL schema (dropped after), a ``customers`` table of
ROWS/50 rows and an ``orders`` table of ROWS rows (generate_series, in the server):
orders pick their customer with skew 2 (``floor(n · u²)``), 10% have no coupon, a
status of four values, an amount (lognormal), a note of 5–40 characters, a date.
Then runs ``seeder fit`` on it as a separate process and reports its wall time and
peak RSS (``wait4``'s ru_maxrss), for each size: the aggregation runs in the server,
so the peak RSS must not grow with the table.

    .venv/bin/python benchmarks/fit_bench.py                      # 1M and 10M rows
    .venv/bin/python benchmarks/fit_bench.py --rows 1000000 --rows 100000000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]
DSN = os.environ.get("SEEDER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")

TABLES = """
CREATE UNLOGGED TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, tier text NOT NULL);
INSERT INTO customers SELECT i, 'c' || i || '@example.org',
  (ARRAY['basic', 'plus', 'pro'])[1 + i % 3] FROM generate_series(1, {customers}) i;
CREATE UNLOGGED TABLE orders (id bigint NOT NULL, customer_id bigint NOT NULL,
  coupon text, status text NOT NULL, amount double precision NOT NULL, note text NOT NULL,
  placed_on date NOT NULL);
SELECT setseed(0.42);
INSERT INTO orders SELECT i, 1 + floor({customers} * power(random(), 2))::bigint,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'C' || (i % 97) END,
  (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + (i % 7) % 4],
  exp(3 + 0.8 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())),
  repeat('x', 5 + (i % 36)), DATE '2020-01-01' + (i % 2000)
  FROM generate_series(1, {rows}) i;
ALTER TABLE orders ADD PRIMARY KEY (id);
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);
ANALYZE customers; ANALYZE orders;
"""


def run_fit(dsn: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the seeder process, and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "seeder", "fit", "--dsn", dsn],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"seeder fit failed ({process.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024, out


def bench(rows: int) -> tuple[float, float, float, str]:
    schema = f"fit_bench_{uuid.uuid4().hex[:10]}"
    dsn = f"{DSN}{'&' if '?' in DSN else '?'}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        started = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(TABLES.format(rows=rows, customers=max(1, rows // 50)))
        made = time.perf_counter() - started
        wall, rss, out = run_fit(dsn)
        return made, wall, rss, out
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="orders rows (repeatable)")
    sizes = parser.parse_args().rows or [1_000_000, 10_000_000]
    print(f"{'orders rows':>12} {'make (s)':>9} {'fit wall (s)':>12} {'peak RSS (MiB)':>15}  skew")
    for rows in sizes:
        made, wall, rss, out = bench(rows)
        ref = yaml.safe_load(out)["entities"]["order"]["fields"]["customer_id"]
        shape = ref.get("skew", ref.get("weights"))
        print(f"{rows:>12,} {made:>9.1f} {wall:>12.1f} {rss:>15.1f}  {shape}", flush=True)


if __name__ == "__main__":
    main()
