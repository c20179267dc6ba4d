"""Idempotency-Key and concurrency, on SQLite and PostgreSQL.

A repeated key returns the first response (success or rejection) without applying
the command again; the same key with another command is a 422; keys live in the
database, so they hold across service instances; concurrent duplicates apply once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from demo_drivers import Driver, HttpDriver, InProcessDriver, Reply, ok, send

from commands.library import BorrowBook, CreateTenant, PublishBook, RegisterAuthor, RegisterMember
from seeder.demo.app import build_application


def test_a_repeated_key_returns_the_first_response(driver: Driver) -> None:
    tenant = ok(driver, CreateTenant(name="Acme"))["id"]
    command = RegisterMember(tenant_id=tenant, name="Mia", email="mia@x.example")
    first = send(driver, command, key="member-1")
    again = send(driver, command, key="member-1")
    assert first.status == again.status == 201
    assert again.body == first.body  # the same id and the same token
    assert driver.counts()["members"] == 1
    other = send(driver, command, key="member-2")  # a new key is a new command
    assert other.status == 201 and other.body["id"] != first.body["id"]
    assert driver.counts()["members"] == 2


def test_a_key_reused_for_another_command_is_refused(driver: Driver) -> None:
    first = send(driver, CreateTenant(name="Acme"), key="k")
    assert first.status == 201
    changed = send(driver, CreateTenant(name="Other"), key="k")
    assert (changed.status, changed.error) == (422, "idempotency_key_reused")
    other_command = send(driver, RegisterAuthor(tenant_id=first.body["id"], name="A"), key="k")
    assert (other_command.status, other_command.error) == (422, "idempotency_key_reused")
    assert driver.counts()["tenants"] == 1 and driver.counts()["authors"] == 0


def test_a_rejection_is_replayed_too(driver: Driver) -> None:
    tenant = ok(driver, CreateTenant(name="Acme"))["id"]
    member = ok(driver, RegisterMember(tenant_id=tenant, name="Mia", email="m@x.example"))
    borrow = BorrowBook(tenant_id=tenant, book_number=1, member_id=member["id"])
    first = send(driver, borrow, token=member["token"], key="loan-1")
    assert (first.status, first.error) == (404, "book_not_found")
    author = ok(driver, RegisterAuthor(tenant_id=tenant, name="A"))["id"]
    ok(driver, PublishBook(tenant_id=tenant, author_id=author, isbn="9780000000001", title="T"))
    replay = send(driver, borrow, token=member["token"], key="loan-1")
    assert (replay.status, replay.body) == (first.status, first.body)
    fresh = send(driver, borrow, token=member["token"], key="loan-2")
    assert fresh.status == 201 and driver.counts()["loans"] == 1


def test_keys_are_kept_in_the_database_across_instances(db: str) -> None:
    first_instance = build_application(db)
    try:
        body = first_instance.create_tenant({"name": "Acme", "plan": "free"}, idempotency_key="t-1")
    finally:
        first_instance.close()
    second_instance = build_application(db)
    try:
        again = second_instance.create_tenant(
            {"name": "Acme", "plan": "free"}, idempotency_key="t-1"
        )
        assert again == body and second_instance.counts()["tenants"] == 1
    finally:
        second_instance.close()


def race(n: int, attempt: Callable[[int], Reply]) -> list[Reply]:
    """Run ``attempt(i)`` for i < n in n threads released at the same moment."""
    barrier = threading.Barrier(n)

    def start(i: int) -> Reply:
        barrier.wait()
        return attempt(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(start, range(n)))


def http_clients(driver: Driver, n: int) -> list[Driver]:
    """One connection per thread over HTTP (httpx clients are not shared across
    racing threads); the in-process driver is shared as is."""
    if isinstance(driver, HttpDriver):
        base = str(driver.client.base_url)
        return [HttpDriver(httpx.Client(base_url=base, timeout=30)) for _ in range(n)]
    assert isinstance(driver, InProcessDriver)
    return [driver] * n


def close(drivers: list[Driver]) -> None:
    for d in drivers:
        if isinstance(d, HttpDriver):
            d.client.close()


def test_concurrent_duplicates_apply_once(driver: Driver) -> None:
    drivers = http_clients(driver, 8)
    try:
        replies = race(8, lambda i: send(drivers[i], CreateTenant(name="Acme"), key="same"))
    finally:
        close(drivers)
    assert {r.status for r in replies} == {201}
    assert len({r.body["id"] for r in replies}) == 1
    assert driver.counts()["tenants"] == 1


def test_concurrent_commands_cannot_both_pass_a_rule(driver: Driver) -> None:
    tenant = ok(driver, CreateTenant(name="Acme"))["id"]
    author = ok(driver, RegisterAuthor(tenant_id=tenant, name="A"))["id"]
    drivers = http_clients(driver, 8)
    try:
        publish = PublishBook(tenant_id=tenant, author_id=author, isbn="9780000000001", title="T")
        isbn_race = race(8, lambda i: send(drivers[i], publish))
        members: list[dict[str, Any]] = [
            ok(driver, RegisterMember(tenant_id=tenant, name=f"m{i}", email=f"m{i}@x.example"))
            for i in range(8)
        ]

        def borrow(i: int) -> Reply:
            command = BorrowBook(tenant_id=tenant, book_number=1, member_id=members[i]["id"])
            return send(drivers[i], command, token=members[i]["token"])

        loan_race = race(8, borrow)
    finally:
        close(drivers)
    assert sorted(r.status for r in isbn_race) == [201] + [409] * 7
    assert {r.error for r in isbn_race if r.status == 409} == {"isbn_taken"}
    assert sorted(r.status for r in loan_race) == [201] + [409] * 7
    assert {r.error for r in loan_race if r.status == 409} == {"book_on_loan"}
    counts = driver.counts()
    assert (counts["books"], counts["loans"]) == (1, 1)
