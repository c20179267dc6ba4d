"""Fixtures of the demo service's tests.

``db`` runs a test against SQLite and against PostgreSQL (a fresh schema per test,
dropped afterwards). When PostgreSQL is not reachable those tests skip, saying why
— unless ``SEEDER_REQUIRE_POSTGRES=1`` (set by CI), which turns the skip into a
failure. ``driver`` runs a test through the in-process application object and
through HTTP on loopback (a real uvicorn server in a background thread, shared by
the session; each test mounts its own fresh app on it).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from seeder.demo.app import build_application, create_app
from seeder.demo.application.service import Application
from seeder.demo.server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the bindings live in the project's commands/ folder
    sys.path.insert(0, str(ROOT))

from demo_drivers import Driver, HttpDriver, InProcessDriver  # noqa: E402
from demo_live import LiveDemo, MountPoint  # noqa: E402

POSTGRES_DSN = os.environ.get(
    "SEEDER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = "SEEDER_REQUIRE_POSTGRES"


def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is in the demo extra
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {POSTGRES_DSN}: {' '.join(str(exc).split())}"
    return None


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{problem} (and {REQUIRE_POSTGRES}=1 requires PostgreSQL)")
        pytest.skip(f"{problem}; set {REQUIRE_POSTGRES}=1 to make this a failure")
    return POSTGRES_DSN


@pytest.fixture
def postgres_schema_dsn(postgres_dsn: str) -> Iterator[str]:
    """A DSN whose search_path is a fresh, empty schema, dropped after the test."""
    import psycopg

    schema = f"demo_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_dsn else "?"
    yield f"{postgres_dsn}{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "demo.db")
    dsn: str = request.getfixturevalue("postgres_schema_dsn")
    return dsn


@pytest.fixture(scope="session")
def live_server() -> Iterator[tuple[str, MountPoint]]:
    mount = MountPoint()
    with serve_in_thread(mount) as base_url:
        yield base_url, mount


@pytest.fixture
def live_demo(live_server: tuple[str, MountPoint]) -> Iterator[LiveDemo]:
    demo = LiveDemo(*live_server)
    yield demo
    demo.close()


@pytest.fixture
def application(db: str) -> Iterator[Application]:
    app = build_application(db)
    yield app
    app.close()


@pytest.fixture
def http_client(db: str, live_demo: LiveDemo) -> httpx.Client:
    """A client of a live HTTP demo over ``db``."""
    return live_demo.serve(create_app(db))


@pytest.fixture(params=["in-process", "http"])
def driver(request: pytest.FixtureRequest, db: str) -> Driver:
    if request.param == "in-process":
        application: Application = request.getfixturevalue("application")
        return InProcessDriver(application)
    client: httpx.Client = request.getfixturevalue("http_client")
    return HttpDriver(client)
