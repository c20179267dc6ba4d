"""The async face: the ``agiven`` fixture and ``AsyncGiven``, in the test's own
event loop, against the same three targets."""

from __future__ import annotations

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
