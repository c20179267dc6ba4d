"""Every call form of ``given``, against the real demo service in-process, as an
ASGI app and over HTTP (the ``demo`` fixture), checked through the service's own
read side."""

from __future__ import annotations

import pytest

from seeder.testing import Given, Handle, Rejected
from tests.testing.conftest import Demo


def test_a_book_comes_with_what_it_needs(given: Given, demo: Demo) -> None:
    book = given("book")
    assert isinstance(book, Handle) and book.key == "book:1"
    assert isinstance(book.id, int) and book.id == book.number == book["number"]
    assert book.author.key == "author:1" and book.tenant.key == "tenant:1"
    assert book.author.tenant_id == book.tenant_id == book.tenant.id
    (stored,) = demo.read("books", book.tenant.id)
    assert stored["number"] == book.id
    assert {k: stored[k] for k in ("isbn", "title", "status", "author_id")} == {
        "isbn": book.isbn,
        "title": book["title"],
        "status": book.status,
        "author_id": book.author.id,
    }
    assert [a["name"] for a in demo.read("authors", book.tenant.id)] == [book.author.name]
    assert [h.key for h in given.created] == ["tenant:1", "author:1", "book:1"]


def test_overrides_are_sent(given: Given, demo: Demo) -> None:
    book = given("book", status="draft", title="Kindred", subtitle=None)
    assert (book.status, book.title, book.subtitle) == ("draft", "Kindred", None)
    (stored,) = demo.read("books", book.tenant_id)
    assert (stored["status"], stored["title"], stored["subtitle"]) == ("draft", "Kindred", None)


def test_a_specification_reuses_a_matching_author_or_creates_one(given: Given) -> None:
    first = given("book", status="published", author={"name": "Ursula"})
    again = given("book", author={"name": "Ursula"})
    other = given("book", author={"name": "Octavia"})
    assert first.author.name == "Ursula" and first.status == "published"
    assert again.author is first.author  # the same entity: reused within this test
    assert other.author.name == "Octavia" and other.author.id != first.author.id
    by_plan = given("book", tenant={"plan": "enterprise"})
    assert by_plan.tenant.plan == "enterprise" and by_plan.author.tenant_id == by_plan.tenant.id


def test_many_with_a_handle_as_the_reference(given: Given, demo: Demo) -> None:
    author = given("author", name="Ursula K. Le Guin")
    books = given.many("book", 3, author=author, status="published")
    assert len(books) == 3 and len({b.id for b in books}) == 3
    assert all(b.author is author and b.author_id == author.id for b in books)
    assert all(b.tenant_id == author.tenant_id for b in books)  # the author decides it
    stored = demo.read("books", author.tenant_id)
    assert sorted(b["number"] for b in stored) == sorted(b.id for b in books)
    assert {b["author_id"] for b in stored} == {author.id}
    assert given.many("book", 0) == []


def test_a_real_id_or_a_nested_specification_works_as_a_reference(given: Given) -> None:
    author = given("author")
    by_id = given("book", author_id=author.id)
    assert by_id.author is author
    nested = given("book", author={"name": "Ann", "tenant": {"plan": "team"}})
    assert nested.author.name == "Ann" and nested.tenant.plan == "team"
    inside = given("book", author={"name": "Ann", "tenant": author.tenant})
    assert inside.author.name == "Ann" and inside.author is not nested.author
    assert inside.tenant is author.tenant


def test_a_loan_is_sent_on_behalf_of_the_member(given: Given, demo: Demo) -> None:
    member = given("member")
    loan = given("loan", actor=member)  # the service checks the member's own token
    assert loan.member is member and loan.actor is member
    assert loan.member_id == member.id and loan.tenant_id == member.tenant_id
    assert loan.book.status == "published" and loan.book.tenant_id == member.tenant_id
    (stored,) = demo.read("loans", member.tenant_id)
    assert (stored["member_id"], stored["book_number"]) == (member.id, loan.book.id)


def test_a_loan_of_a_given_book_finds_a_member_of_its_tenant(given: Given) -> None:
    given("member")  # a member of some tenant...
    book = given("book", tenant={"name": "Elsewhere"}, status="published")
    loan = given("loan", book=book)  # ...but the loan needs one of the book's tenant
    assert loan.member.tenant_id == book.tenant_id == loan.tenant_id
    named = given("loan", member={"name": "Zed"})
    assert named.member.name == "Zed" and named.actor is named.member


def test_acting_as_another_member_is_refused(given: Given) -> None:
    owner = given("member")
    intruder = given("member", tenant=owner.tenant)
    with pytest.raises(Rejected) as caught:
        given("loan", member=owner, actor=intruder)
    assert caught.value.command == "BorrowBook"
    assert caught.value.status == 403
    assert "token_of_another_member" in caught.value.message


def test_a_rejection_carries_the_command_status_and_message(given: Given, demo: Demo) -> None:
    book = given("book")
    with pytest.raises(Rejected) as caught:
        given("book", tenant=book.tenant, isbn=book.isbn)
    rejected = caught.value
    assert (rejected.command, rejected.status, rejected.entity) == ("PublishBook", 409, "book")
    assert "isbn_taken" in rejected.message and book.isbn in rejected.message
    assert rejected.fields["isbn"] == book.isbn
    assert f"PublishBook ({rejected.key}) was rejected with status 409" in str(rejected)
    assert len(demo.read("books", book.tenant_id)) == 1
    assert given("book", tenant=book.tenant).tenant is book.tenant  # the test goes on


def test_a_handle_reads_like_a_mapping(given: Given) -> None:
    member = given("member", name="Ada")
    assert dict(member)["name"] == "Ada" and "token" in member and len(member) >= 4
    assert "token=***" in repr(member) and member.token not in repr(member)
    with pytest.raises(KeyError, match="member handle member:1 has no 'nmae'; did you mean 'name'"):
        member["nmae"]
    with pytest.raises(AttributeError, match="has no 'emial'; did you mean 'email'"):
        _ = member.emial


def test_after_a_rejection_what_was_made_has_its_handle(given: Given, demo: Demo) -> None:
    tenant = given("tenant")
    with pytest.raises(Rejected) as caught:
        given.many("book", 2, tenant=tenant, isbn="978-0-00-000001-1")  # the 2nd repeats it
    assert caught.value.key == "book:2" and "isbn_taken" in caught.value.message
    made = [h.key for h in given.created if h.entity == "book"]
    assert made == ["book:1"]
    assert [b["number"] for b in demo.read("books", tenant.id)] == [given.created[-1].id]
