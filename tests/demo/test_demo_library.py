"""Library rules, through HTTP and in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from demo_drivers import Driver, HttpDriver, ok, send

from commands.library import (
    BorrowBook,
    CreateTenant,
    PublishBook,
    RegisterAuthor,
    RegisterMember,
)


def tenant(driver: Driver, name: str = "Acme") -> int:
    return int(ok(driver, CreateTenant(name=name, plan="team"))["id"])


def author(driver: Driver, tenant_id: int, name: str = "Ann Author") -> int:
    return int(ok(driver, RegisterAuthor(tenant_id=tenant_id, name=name, birth_year=1970))["id"])


def book(driver: Driver, tenant_id: int, author_id: int, isbn: str) -> int:
    body = ok(driver, PublishBook(tenant_id=tenant_id, author_id=author_id, isbn=isbn, title="T"))
    return int(body["number"])


def member(driver: Driver, tenant_id: int, name: str = "Mia") -> dict[str, Any]:
    return ok(driver, RegisterMember(tenant_id=tenant_id, name=name, email=f"{name}@example.org"))


def test_ids_are_assigned_by_the_service_and_books_are_numbered_per_tenant(
    driver: Driver,
) -> None:
    t1, t2 = tenant(driver, "one"), tenant(driver, "two")
    assert t2 == t1 + 1
    a1, a2 = author(driver, t1), author(driver, t2)
    assert [book(driver, t1, a1, f"978000000000{i}") for i in range(3)] == [1, 2, 3]
    assert book(driver, t2, a2, "9780000000000") == 1
    body = ok(driver, PublishBook(tenant_id=t1, author_id=a1, isbn="9781111111111", title="X"))
    assert body["tenant_id"] == t1 and body["number"] == 4 and body["author_id"] == a1
    assert driver.counts()["books"] == 5


def test_an_author_needs_an_existing_tenant(driver: Driver) -> None:
    reply = send(driver, RegisterAuthor(tenant_id=999, name="Nobody"))
    assert (reply.status, reply.error) == (404, "tenant_not_found")
    assert "999" in reply.body["message"]
    assert driver.counts()["authors"] == 0


def test_a_book_author_must_be_in_the_same_tenant(driver: Driver) -> None:
    t1, t2 = tenant(driver), tenant(driver)
    foreign = author(driver, t2)
    reply = send(
        driver, PublishBook(tenant_id=t1, author_id=foreign, isbn="9780000000001", title="T")
    )
    assert (reply.status, reply.error) == (422, "author_not_in_tenant")
    unknown = send(
        driver, PublishBook(tenant_id=t1, author_id=4242, isbn="9780000000001", title="T")
    )
    assert (unknown.status, unknown.error) == (422, "author_not_in_tenant")
    missing_tenant = send(
        driver, PublishBook(tenant_id=77, author_id=foreign, isbn="9780000000001", title="T")
    )
    assert (missing_tenant.status, missing_tenant.error) == (404, "tenant_not_found")
    assert driver.counts()["books"] == 0


def test_isbn_is_unique_within_a_tenant_only(driver: Driver) -> None:
    t1, t2 = tenant(driver), tenant(driver)
    a1, a2 = author(driver, t1), author(driver, t2)
    book(driver, t1, a1, "9780000000001")
    reply = send(driver, PublishBook(tenant_id=t1, author_id=a1, isbn="9780000000001", title="T"))
    assert (reply.status, reply.error) == (409, "isbn_taken")
    assert "9780000000001" in reply.body["message"]
    assert book(driver, t2, a2, "9780000000001") == 1  # another tenant may reuse it
    assert book(driver, t1, a1, "9780000000002") == 2  # the refused one used no number


def test_members_receive_distinct_random_tokens(driver: Driver) -> None:
    t = tenant(driver)
    tokens = {member(driver, t, f"m{i}")["token"] for i in range(5)}
    assert len(tokens) == 5 and all(len(token) >= 20 for token in tokens)
    reply = send(driver, RegisterMember(tenant_id=404, name="x", email="x@y.z"))
    assert (reply.status, reply.error) == (404, "tenant_not_found")


@pytest.fixture
def shelf(driver: Driver) -> dict[str, Any]:
    """A tenant with 7 books and two members."""
    t = tenant(driver)
    a = author(driver, t)
    numbers = [book(driver, t, a, f"97800000000{i:02d}") for i in range(7)]
    return {
        "tenant": t,
        "books": numbers,
        "ann": member(driver, t, "ann"),
        "bob": member(driver, t, "bob"),
    }


def borrow(driver: Driver, shelf: dict[str, Any], number: int, who: str, token: str | None) -> Any:
    command = BorrowBook(tenant_id=shelf["tenant"], book_number=number, member_id=shelf[who]["id"])
    return send(driver, command, token=token)


def test_borrowing_needs_the_members_own_token(driver: Driver, shelf: dict[str, Any]) -> None:
    first = shelf["books"][0]
    no_token = borrow(driver, shelf, first, "ann", None)
    assert (no_token.status, no_token.error) == (401, "invalid_token")
    bad_token = borrow(driver, shelf, first, "ann", "not-a-token")
    assert (bad_token.status, bad_token.error) == (401, "invalid_token")
    bobs_token = borrow(driver, shelf, first, "ann", shelf["bob"]["token"])
    assert (bobs_token.status, bobs_token.error) == (403, "token_of_another_member")
    assert driver.counts()["loans"] == 0
    loan = borrow(driver, shelf, first, "ann", shelf["ann"]["token"])
    assert loan.status == 201 and loan.body["member_id"] == shelf["ann"]["id"]
    assert isinstance(loan.body["id"], int)


def test_a_member_cannot_borrow_in_another_tenant(driver: Driver, shelf: dict[str, Any]) -> None:
    other = tenant(driver, "other")
    outsider = member(driver, other, "olga")
    command = BorrowBook(tenant_id=shelf["tenant"], book_number=1, member_id=outsider["id"])
    reply = send(driver, command, token=outsider["token"])
    assert (reply.status, reply.error) == (403, "member_of_another_tenant")


def test_an_unknown_book_is_404(driver: Driver, shelf: dict[str, Any]) -> None:
    reply = borrow(driver, shelf, 999, "ann", shelf["ann"]["token"])
    assert (reply.status, reply.error) == (404, "book_not_found")


def test_a_lent_book_cannot_be_lent_again(driver: Driver, shelf: dict[str, Any]) -> None:
    first = shelf["books"][0]
    assert borrow(driver, shelf, first, "ann", shelf["ann"]["token"]).status == 201
    again = borrow(driver, shelf, first, "bob", shelf["bob"]["token"])
    assert (again.status, again.error) == (409, "book_on_loan")
    same_member = borrow(driver, shelf, first, "ann", shelf["ann"]["token"])
    assert (same_member.status, same_member.error) == (409, "book_on_loan")
    assert driver.counts()["loans"] == 1


def test_at_most_five_active_loans_per_member(driver: Driver, shelf: dict[str, Any]) -> None:
    token = shelf["ann"]["token"]
    for number in shelf["books"][:5]:
        assert borrow(driver, shelf, number, "ann", token).status == 201
    sixth = borrow(driver, shelf, shelf["books"][5], "ann", token)
    assert (sixth.status, sixth.error) == (422, "loan_limit_reached")
    assert "5" in sixth.body["message"]
    # the limit is per member: bob may still borrow
    assert borrow(driver, shelf, shelf["books"][5], "bob", shelf["bob"]["token"]).status == 201
    assert driver.counts()["loans"] == 6


def test_malformed_commands_are_refused_with_the_field_named(driver: Driver) -> None:
    reply = driver.send_raw(CreateTenant, {"name": "", "plan": "platinum"})
    assert (reply.status, reply.error) == (422, "invalid_command")
    assert "name" in reply.body["message"] and "plan" in reply.body["message"]
    extra = driver.send_raw(CreateTenant, {"name": "x", "plan": "free", "colour": "red"})
    assert (extra.status, extra.error) == (422, "invalid_command")
    assert driver.counts()["tenants"] == 0


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "token-without-scheme"])
def test_only_a_bearer_token_authenticates_over_http(http_client: Any, header: str) -> None:
    driver = HttpDriver(http_client)
    t = tenant(driver)
    who = member(driver, t)
    reply = http_client.post(
        f"/tenants/{t}/books/1/loans",
        json={"member_id": who["id"]},
        headers={"Authorization": header},
    )
    assert (reply.status_code, reply.json()["error"]) == (401, "invalid_token")
    assert reply.headers["www-authenticate"] == "Bearer"
