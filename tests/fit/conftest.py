"""Fixtures of the ``seeder fit`` tests: PostgreSQL schemas (as the demo's
fixtures do: fresh random schemas, dropped after; a failure instead of a skip when
SEEDER_REQUIRE_POSTGRES=1, as CI sets), a fresh MariaDB database (skipped when
MariaDB is not reachable, unless SEEDER_REQUIRE_MARIADB=1), a ``seeder demo``
process on a given DSN, and the CLI as a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_DSN = os.environ.get(
    "SEEDER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = "SEEDER_REQUIRE_POSTGRES"  # as in tests/demo/conftest.py
MARIADB = os.environ.get("SEEDER_TEST_MARIADB", "mysql://root@127.0.0.1:3306")
REQUIRE_MARIADB = "SEEDER_REQUIRE_MARIADB"


def seeder(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seeder", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def schema_dsn(dsn: str, schema: str) -> str:
    separator = "&" if "?" in dsn else "?"
    return f"{dsn}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """PostgreSQL's DSN; skips when it is not reachable, fails instead under
    SEEDER_REQUIRE_POSTGRES=1 (CI), like tests/demo/conftest.py."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        problem = f"PostgreSQL is not reachable at {POSTGRES_DSN}: {' '.join(str(exc).split())}"
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{problem} (and {REQUIRE_POSTGRES}=1 requires PostgreSQL)")
        pytest.skip(f"{problem}; set {REQUIRE_POSTGRES}=1 to make this a failure")
    return POSTGRES_DSN


@pytest.fixture
def new_schema(postgres_dsn: str) -> Iterator[Callable[[], str]]:
    """Makes fresh schemas (a DSN whose search_path is one), all dropped after."""
    import psycopg

    made: list[str] = []

    def make() -> str:
        schema = f"fit_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return schema_dsn(postgres_dsn, schema)

    yield make
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for schema in made:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def demo_on(dsn: str) -> Iterator[str]:
    """``seeder demo --db DSN`` on a free port, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "seeder", "demo", "--port", str(port), "--db", dsn],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"seeder demo exited: {process.communicate()[1]}")
            try:
                if httpx.get(url + "/_counts", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("seeder demo did not answer within 60 seconds")
            time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture
def mariadb() -> Iterator[tuple[str, str]]:
    """A fresh MariaDB database: (DSN naming it, its name), dropped after."""
    try:
        import pymysql
    except ImportError as exc:  # pragma: no cover - in the fit extra
        pytest.fail(f"PyMySQL is not installed ({exc}); pip install -e '.[fit]'")
    name = f"fit_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3)
    except pymysql.Error as exc:
        problem = f"MariaDB is not reachable at {MARIADB}: {exc}"
        if os.environ.get(REQUIRE_MARIADB) == "1":
            pytest.fail(problem)
        pytest.skip(f"{problem}; set {REQUIRE_MARIADB}=1 to make this a failure")
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    conn.commit()
    try:
        yield f"{MARIADB}/{name}", name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE {name}")
        conn.close()
