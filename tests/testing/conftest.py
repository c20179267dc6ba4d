"""Targets for the given tests: the demo service in-process (its application
object), as an ASGI app (the whole HTTP stack, no socket) and over HTTP on loopback
(a real uvicorn server in a background thread) — each with a way to read back what
the service holds through its read side."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from seeder.demo.app import build_application, create_app
from seeder.demo.application.service import Application
from seeder.demo.server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "scenarios" / "library.yaml"


@dataclass
class Demo:
    """A running demo service: ``target`` for Given, ``read`` for assertions."""

    name: str
    target: Any
    application: Application
    url: str | None = None

    def read(self, view: str, tenant_id: int) -> list[dict[str, Any]]:
        """A list of the service's read side (``/tenants/{id}/{view}``)."""
        if self.url is not None:
            answer = httpx.get(f"{self.url}/tenants/{tenant_id}/{view}", timeout=10)
            answer.raise_for_status()
            items: list[dict[str, Any]] = answer.json()["items"]
            return items
        return list(
            self.application.queries.list_view(view, tenant_id, offset=0, limit=1000)["items"]
        )


@pytest.fixture(scope="module")
def http_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    db = str(tmp_path_factory.mktemp("given-http") / "demo.db")
    app = create_app(db)
    with serve_in_thread(app) as url:
        yield Demo("http", url, app.state.application, url)
    app.state.application.close()


@pytest.fixture(params=["inprocess", "asgi", "http"])
def demo(request: pytest.FixtureRequest) -> Iterator[Demo]:
    """The demo service, reached each way Given can reach a service."""
    if request.param == "http":
        yield request.getfixturevalue("http_demo")
        return
    if request.param == "asgi":
        app = create_app(":memory:")
        yield Demo("asgi", app, app.state.application)
        app.state.application.close()
        return
    application = build_application(":memory:")
    yield Demo("inprocess", application, application)
    application.close()


@pytest.fixture
def library() -> Path:
    return LIBRARY


# The plugin's fixtures, configured by overriding (the other way is the ini options):
# every test here that asks for `given` runs against each of the three targets.


@pytest.fixture(scope="session")
def seeder_scenario() -> Path:
    return LIBRARY


@pytest.fixture
def seeder_target(demo: Demo) -> Any:
    return demo.target
