"""The async face: the ``agiven`` fixture and ``AsyncGiven``, in the test's own
event loop, against the same three targets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from seeder.testing import AsyncGiven, Given, GivenError, Rejected
from tests.testing.conftest import LIBRARY, Demo

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the HTTP port's aiohttp transport is asyncio-only


async def test_the_agiven_fixture_makes_what_a_book_needs(agiven: AsyncGiven, demo: Demo) -> None:
    book = await agiven("book", author={"name": "Ursula"}, status="published")
    more = await agiven.many("book", 2, author=book.author)
    assert book.author.name == "Ursula" and all(b.author is book.author for b in more)
    stored = demo.read("books", book.tenant_id)
    assert sorted(b["number"] for b in stored) == sorted(b.id for b in [book, *more])


async def test_a_loan_on_behalf_of_a_member_and_a_rejection(agiven: AsyncGiven) -> None:
    member = await agiven("member")
    loan = await agiven("loan", actor=member)
    assert loan.member is member
    other = await agiven("member", tenant=member.tenant)
    with pytest.raises(Rejected) as caught:
        await agiven("loan", actor=other, book=loan.book)
    assert (caught.value.status, caught.value.command) == (409, "BorrowBook")
    assert "book_on_loan" in caught.value.message


async def test_async_given_is_an_async_context_manager(demo: Demo) -> None:
    async with AsyncGiven(LIBRARY, demo.target, seed=7) as given:
        author = await given("author", name="Octavia")
        assert author.name == "Octavia" and given.created[-1] is author
    with pytest.raises(GivenError, match="this given is closed"):
        await given("author")


async def test_the_sync_face_inside_an_event_loop_points_to_the_async_one(demo: Demo) -> None:
    with Given(LIBRARY, demo.target) as given, pytest.raises(GivenError) as caught:
        given("book")
    assert str(caught.value) == (
        "given('book') was called inside a running event loop (an async test); use the "
        "async face: `await agiven('book')` (the agiven fixture) or seeder.testing.AsyncGiven"
    )


class _AsyncHandlers:
    """The demo application with async publish/register handlers (the tenant's
    stays plain), each of which waits in the event loop before answering."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.create_tenant = application.create_tenant
        self.loops: list[asyncio.AbstractEventLoop] = []

    async def _later(self, name: str, payload: Any, **options: Any) -> Any:
        self.loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0.001)
        return getattr(self.application, name)(payload, **options)

    async def register_author(self, payload: Any, **options: Any) -> Any:
        return await self._later("register_author", payload, **options)

    async def publish_book(self, payload: Any, **options: Any) -> Any:
        return await self._later("publish_book", payload, **options)


def test_the_sync_face_awaits_async_in_process_handlers_in_its_own_loop() -> None:
    from seeder.demo.app import build_application

    with Given(LIBRARY, "demo", seed="plain") as plain:
        expected = plain("book")
    application = build_application(":memory:")
    handlers = _AsyncHandlers(application)
    try:
        with Given(LIBRARY, handlers, seed="plain") as given:
            book = given("book")  # tenant sent without a loop, author and book in one
            again = given("book", author=book.author)
        assert len(handlers.loops) == 3 and len(set(handlers.loops)) == 1
        assert handlers.loops[0].is_closed()  # the face's own, closed with it
        assert (book.title, book.author.name) == (expected.title, expected.author.name)
        assert again.author is book.author and again.tenant is book.tenant
        stored = application.queries.list_view("books", book.tenant_id, offset=0, limit=10)
        assert sorted(b["number"] for b in stored["items"]) == sorted([book.id, again.id])
    finally:
        application.close()
