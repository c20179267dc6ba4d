"""A value ``given`` pins counts toward the entity's unique combinations, so the
planner does not draw it again for a later instance (``Planner.unique_guards``)."""

from __future__ import annotations

from seeder.testing import Given


def test_a_pinned_book_is_not_lent_again_by_a_later_loan(given: Given) -> None:
    member = given("member")
    book = given("book", tenant=member.tenant, status="published")
    pinned = given("loan", actor=member, book=book)  # loans are unique per book
    later = given("loan", actor=member)  # drawn by the planner: another book
    assert pinned.book is book and later.book is not book
    assert later.book.tenant_id == member.tenant_id and later.book.status == "published"
