"""One contract, every port: the HTTP port over aiohttp and over httpx (real
sockets, loopback), the HTTP port over httpx's ASGI transport, and in-process
dispatch — all against the real demo service (the eventsourcing habit: one test
suite subclassed per backend)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from commands import library
from seeder.commands import Command, binding_of
from seeder.demo.app import build_application, create_app
from seeder.demo.server import serve_in_thread
from seeder.plan.items import PlanItem
from seeder.ports import Outcome, Port, Send
from seeder.ports.http import AiohttpTransport, HttpPort, HttpxTransport
from seeder.ports.inprocess import DispatchPort

_keys = itertools.count(1)


async def _send(
    port: Port,
    command: type[Command],
    fields: dict[str, Any],
    credential: str | None = None,
    key: str | None = None,
) -> Outcome:
    binding = binding_of(command)
    assert binding is not None
    n = next(_keys)
    item = PlanItem(
        n, f"x:{n}", "x", command.__name__, fields, {}, [], None, key or f"contract-{n}"
    )
    member_token = library.MEMBER_TOKEN
    send = Send(
        item,
        fields,
        binding.http,
        binding.in_process,
        (member_token, credential) if credential is not None else None,
    )
    return await port.send(send)


Counts = Callable[[], dict[str, int]]
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class PortContract:
    """What every port must do. Subclasses provide the ``port`` and ``counts``
    fixtures."""

    async def test_a_created_entity_returns_its_identity(self, port: Port) -> None:
        outcome = await _send(port, library.CreateTenant, {"name": "Acme", "plan": "team"})
        assert outcome.ok and isinstance(outcome.captured["id"], int)

    async def test_a_composite_identity_is_captured(self, port: Port) -> None:
        tenant = (await _send(port, library.CreateTenant, {"name": "T"})).captured["id"]
        author = (
            await _send(port, library.RegisterAuthor, {"tenant_id": tenant, "name": "Ursula"})
        ).captured["id"]
        book = await _send(
            port,
            library.PublishBook,
            {"tenant_id": tenant, "author_id": author, "isbn": "978-0-00-000001-1", "title": "A"},
        )
        assert book.ok and book.captured == {"number": 1}

    async def test_a_rejection_keeps_the_service_words_and_is_not_retried(self, port: Port) -> None:
        outcome = await _send(port, library.RegisterAuthor, {"tenant_id": 987654, "name": "X"})
        assert not outcome.ok and not outcome.retryable
        assert outcome.status == 404 and outcome.attempts == 1
        assert "tenant_not_found" in outcome.message

    async def test_a_captured_credential_is_presented_for_the_actor(self, port: Port) -> None:
        tenant = (await _send(port, library.CreateTenant, {"name": "T"})).captured["id"]
        author = (
            await _send(port, library.RegisterAuthor, {"tenant_id": tenant, "name": "A"})
        ).captured["id"]
        await _send(
            port,
            library.PublishBook,
            {"tenant_id": tenant, "author_id": author, "isbn": "978-0-00-000002-8", "title": "B"},
        )
        ann = await _send(
            port,
            library.RegisterMember,
            {"tenant_id": tenant, "name": "Ann", "email": "ann@example.org"},
        )
        bob = await _send(
            port,
            library.RegisterMember,
            {"tenant_id": tenant, "name": "Bob", "email": "bob@example.org"},
        )
        assert ann.ok and isinstance(ann.captured["token"], str)
        loan = {"tenant_id": tenant, "book_number": 1, "member_id": ann.captured["id"]}
        wrong = await _send(port, library.BorrowBook, loan, credential=bob.captured["token"])
        assert (wrong.ok, wrong.status) == (False, 403)
        right = await _send(port, library.BorrowBook, loan, credential=ann.captured["token"])
        assert right.ok, right.message

    async def test_the_idempotency_key_makes_a_repeat_harmless(
        self, port: Port, counts: Counts
    ) -> None:
        before = counts()["tenants"]
        key = f"same-key-{next(_keys)}"
        first = await _send(port, library.CreateTenant, {"name": "Once"}, key=key)
        again = await _send(port, library.CreateTenant, {"name": "Once"}, key=key)
        assert first.ok and again.ok and first.captured == again.captured
        assert counts()["tenants"] == before + 1


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    db = str(tmp_path_factory.mktemp("contract") / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        yield url, db


@pytest.fixture(scope="module")
def application(served: tuple[str, str]) -> Iterator[Any]:
    application = build_application(served[1])
    yield application
    application.close()


@pytest.fixture
def counts(application: Any) -> Counts:
    return application.counts  # type: ignore[no-any-return]


class TestHttpPortOverAiohttp(PortContract):
    @pytest.fixture
    async def port(self, served: tuple[str, str]) -> AsyncIterator[Port]:
        port = HttpPort(served[0], AiohttpTransport(4))  # a session per event loop
        yield port
        await port.aclose()


class TestHttpPortOverHttpx(PortContract):
    @pytest.fixture
    async def port(self, served: tuple[str, str]) -> AsyncIterator[Port]:
        port = HttpPort(served[0], HttpxTransport(4))
        yield port
        await port.aclose()


class TestHttpPortOverAsgi(PortContract):
    @pytest.fixture
    def port(self, served: tuple[str, str]) -> Port:
        transport = httpx.ASGITransport(app=create_app(served[1]))
        return HttpPort("http://demo", HttpxTransport(4, transport))


class TestInProcessDispatch(PortContract):
    @pytest.fixture
    def port(self, application: Any) -> Port:
        return DispatchPort(application)


def test_feed_port_writes_the_command_log(tmp_path: Path) -> None:
    import seeder
    from seeder.run.bindings import Bindings
    from seeder.run.runner import RunOptions, open_target, run_items
    from seeder.run.stats import RunStats
    from tests.conftest import SCENARIOS, jsonl

    model = seeder.load_model(SCENARIOS / "school.yaml")
    out = tmp_path / "feed.jsonl"
    with open_target(f"file:{out}", RunOptions(concurrency=4), model) as target:
        stats = anyio.run(
            run_items,
            seeder.plan_items(model),
            target.port(),
            Bindings.of_model(model),
            RunOptions(concurrency=4),
            RunStats(),
        )
    assert stats.ok
    assert sorted(out.read_text().splitlines()) == sorted(jsonl(model).splitlines())
