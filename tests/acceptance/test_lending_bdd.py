"""lending.feature with pytest-bdd: the Given steps are seeder's ``given`` fixture
(imported as ``given_step`` here, since pytest-bdd's decorator has the same name)."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given as given_step
from pytest_bdd import parsers, scenarios, then, when

from seeder.demo.application.service import Application
from seeder.demo.errors import DomainError
from seeder.testing import Given, Handle
from tests.acceptance.conftest import borrow, loans

scenarios("lending.feature")


@given_step(
    parsers.parse("{count:d} published books by the same author in one tenant"),
    target_fixture="books",
)
def books_by_one_author(given: Given, count: int) -> list[Handle]:
    return given.many("book", count, author=given("author"), status="published")


@given_step("a member of that tenant", target_fixture="member")
def member_of_that_tenant(given: Given, books: list[Handle]) -> Handle:
    return given("member", tenant=books[0].tenant)


@given_step("a published book", target_fixture="book")
def published_book(given: Given) -> Handle:
    return given("book", status="published")


@given_step("a member of its tenant who has borrowed it", target_fixture="borrower")
def borrower(given: Given, book: Handle) -> Handle:
    member = given("member", tenant=book.tenant)
    given("loan", actor=member, book=book)  # sent with the member's own token
    return member


@given_step("another member of its tenant", target_fixture="member")
def another_member(given: Given, book: Handle, borrower: Handle) -> Handle:
    return given("member", tenant=book.tenant)


@given_step(parsers.parse("a member with {count:d} books on loan"), target_fixture="member")
def member_with_loans(given: Given, count: int) -> Handle:
    member = given("member")
    given.many("loan", count, actor=member)
    return member


@given_step("a published book of the member's tenant", target_fixture="book")
def book_of_members_tenant(given: Given, member: Handle) -> Handle:
    return given("book", tenant=member.tenant, status="published")


@when("the member borrows two of them", target_fixture="outcomes")
def borrow_two(library: Application, member: Handle, books: list[Handle]) -> list[Any]:
    return [borrow(library, member, book) for book in books[:2]]


@when("the member borrows the book", target_fixture="outcomes")
def borrow_the_book(library: Application, member: Handle, book: Handle) -> list[Any]:
    return [borrow(library, member, book)]


@then("the tenant has 2 loans, both to that member")
def two_loans(library: Application, member: Handle, outcomes: list[Any]) -> None:
    assert not [o for o in outcomes if isinstance(o, DomainError)]
    assert [loan["member_id"] for loan in loans(library, member.tenant_id)] == [member.id] * 2


@then("the third book can still be borrowed by another member")
def third_still_available(given: Given, library: Application, books: list[Handle]) -> None:
    other = given("member", tenant=books[2].tenant)
    assert not isinstance(borrow(library, other, books[2]), DomainError)


@then(parsers.parse('the service refuses with "{rule}"'))
def refused(outcomes: list[Any], rule: str) -> None:
    (outcome,) = outcomes
    assert isinstance(outcome, DomainError) and outcome.error == rule
