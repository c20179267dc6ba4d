"""The demo playing a service without idempotency keys, on SQLite and PostgreSQL:
``ignore_idempotency_key`` drops the header (a repeated command is applied again,
or meets its own conflict rule), the lookups by natural key that recovery needs
(``?name=``, ``?isbn=``, ``?email=``, ``?book_number=``), and the members' log-in
that issues a new token and revokes the old one."""

from __future__ import annotations

import time

import httpx

from seeder.demo.app import create_app
from tests.demo.demo_live import LiveDemo

KEY = {"Idempotency-Key": "same-key"}


def serve(live_demo: LiveDemo, db: str, **options: object) -> httpx.Client:
    return live_demo.serve(create_app(db, **options))  # type: ignore[arg-type]


def test_ignoring_the_key_applies_a_command_twice(db: str, live_demo: LiveDemo) -> None:
    client = serve(live_demo, db, ignore_idempotency_key=True)
    first = client.post("/tenants", json={"name": "Acme"}, headers=KEY)
    again = client.post("/tenants", json={"name": "Acme"}, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] != again.json()["id"]
    assert client.get("/_counts").json()["tenants"] == 2
    tenant = first.json()["id"]
    book = {"author_id": _author(client, tenant), "isbn": "9780000000002", "title": "T"}
    assert client.post(f"/tenants/{tenant}/books", json=book, headers=KEY).status_code == 201
    conflict = client.post(f"/tenants/{tenant}/books", json=book, headers=KEY)
    assert conflict.status_code == 409 and "already exists" in conflict.json()["message"]


def test_honouring_the_key_is_the_default(db: str, live_demo: LiveDemo) -> None:
    client = serve(live_demo, db)
    first = client.post("/tenants", json={"name": "Acme"}, headers=KEY)
    again = client.post("/tenants", json={"name": "Acme"}, headers=KEY)
    assert first.json() == again.json()
    assert client.get("/_counts").json()["tenants"] == 1


def _author(client: httpx.Client, tenant: int) -> int:
    answer = client.post(f"/tenants/{tenant}/authors", json={"name": "Ann Author"})
    author: int = answer.json()["id"]
    return author


def test_lists_filter_by_natural_keys(db: str, live_demo: LiveDemo) -> None:
    client = serve(live_demo, db)
    acme = client.post("/tenants", json={"name": "Acme"}).json()["id"]
    client.post("/tenants", json={"name": "Other"})
    assert [t["id"] for t in client.get("/tenants", params={"name": "Acme"}).json()["items"]] == [
        acme
    ]
    assert client.get("/tenants", params={"name": "Nobody"}).json() == {
        "items": [],
        "total": 0,
        "offset": 0,
        "limit": 1000,
    }
    assert client.get("/tenants").json()["total"] == 2
    author = _author(client, acme)
    _author(client, acme)  # the same name twice: a lookup sees both
    assert (
        client.get(f"/tenants/{acme}/authors", params={"name": "Ann Author"}).json()["total"] == 2
    )
    book = {"author_id": author, "isbn": "9780000000002", "title": "T"}
    number = client.post(f"/tenants/{acme}/books", json=book).json()["number"]
    found = client.get(f"/tenants/{acme}/books", params={"isbn": "9780000000002"}).json()
    assert [b["number"] for b in found["items"]] == [number]
    member = {"name": "Mia", "email": "mia@x.example", "password": "s3cret-pass"}
    registered = client.post(f"/tenants/{acme}/members", json=member).json()
    assert "password" not in registered
    by_email = client.get(f"/tenants/{acme}/members", params={"email": "mia@x.example"}).json()
    assert [m["id"] for m in by_email["items"]] == [registered["id"]]
    assert "token" not in by_email["items"][0] and "password" not in by_email["items"][0]
    loan = {"member_id": registered["id"]}
    auth = {"Authorization": f"Bearer {registered['token']}"}
    lent = client.post(f"/tenants/{acme}/books/{number}/loans", json=loan, headers=auth).json()
    loans = client.get(f"/tenants/{acme}/loans", params={"book_number": number}).json()
    assert [x["id"] for x in loans["items"]] == [lent["id"]]
    assert (
        client.get(f"/tenants/{acme}/loans", params={"book_number": number + 1}).json()["items"]
        == []
    )


def test_a_log_in_issues_a_new_token_and_revokes_the_old(db: str, live_demo: LiveDemo) -> None:
    client = serve(live_demo, db)
    tenant = client.post("/tenants", json={"name": "Acme"}).json()["id"]
    number = client.post(
        f"/tenants/{tenant}/books",
        json={"author_id": _author(client, tenant), "isbn": "9780000000002", "title": "T"},
    ).json()["number"]
    member = {"name": "Mia", "email": "mia@x.example", "password": "s3cret-pass"}
    registered = client.post(f"/tenants/{tenant}/members", json=member).json()
    login = {"email": "mia@x.example", "password": "s3cret-pass"}
    answer = client.post(f"/tenants/{tenant}/members/login", json=login)
    assert answer.status_code == 200
    assert answer.json()["id"] == registered["id"] and answer.json()["token"] != registered["token"]
    wrong = client.post(f"/tenants/{tenant}/members/login", json={**login, "password": "x" * 9})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_credentials")
    loan = {"member_id": registered["id"]}
    old = {"Authorization": f"Bearer {registered['token']}"}
    new = {"Authorization": f"Bearer {answer.json()['token']}"}
    refused = client.post(f"/tenants/{tenant}/books/{number}/loans", json=loan, headers=old)
    assert refused.status_code == 401
    lent = client.post(f"/tenants/{tenant}/books/{number}/loans", json=loan, headers=new)
    assert lent.status_code == 201


def test_block_stalls_the_event_loop_per_command(db: str, live_demo: LiveDemo) -> None:
    client = serve(live_demo, db, block_seconds=0.2)
    started = time.perf_counter()
    client.post("/tenants", json={"name": "Acme"})
    posted = time.perf_counter() - started
    assert posted >= 0.2  # a command waits out the block (reads are not blocked)
