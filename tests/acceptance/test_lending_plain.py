"""The scenarios of lending.feature in plain pytest: the same Given data from the
``given`` fixture, without pytest-bdd."""

from __future__ import annotations

from seeder.demo.application.service import Application
from seeder.demo.errors import DomainError
from seeder.testing import Given
from tests.acceptance.conftest import borrow, loans


def test_a_member_borrows_two_of_three_books_by_the_same_author(
    given: Given, library: Application
) -> None:
    books = given.many("book", 3, author=given("author"), status="published")
    member = given("member", tenant=books[0].tenant)

    outcomes = [borrow(library, member, book) for book in books[:2]]

    assert not [o for o in outcomes if isinstance(o, DomainError)]
    assert [loan["member_id"] for loan in loans(library, member.tenant_id)] == [member.id] * 2
    other = given("member", tenant=books[2].tenant)
    assert not isinstance(borrow(library, other, books[2]), DomainError)


def test_a_book_on_loan_cannot_be_lent_again(given: Given, library: Application) -> None:
    book = given("book", status="published")
    given("loan", actor=given("member", tenant=book.tenant), book=book)
    member = given("member", tenant=book.tenant)

    outcome = borrow(library, member, book)

    assert isinstance(outcome, DomainError) and outcome.error == "book_on_loan"


def test_a_member_with_five_books_on_loan_cannot_borrow_a_sixth(
    given: Given, library: Application
) -> None:
    member = given("member")
    given.many("loan", 5, actor=member)
    book = given("book", tenant=member.tenant, status="published")

    outcome = borrow(library, member, book)

    assert isinstance(outcome, DomainError) and outcome.error == "loan_limit_reached"
