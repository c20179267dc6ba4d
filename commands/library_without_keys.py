"""The library, as a service that does not honour ``Idempotency-Key`` would be bound
(the demo plays one with ``seeder demo --ignore-idempotency-key``).

Nothing can ask such a service "did you apply this?", so each binding says how to
find what its command made — a lookup by a natural key — and, where the service
enforces that key, what its conflict answer means (the entity exists: adopt it).
Members log in again with the password their plan drew, so a resumed run gets
their tokens back (tokens are never journaled).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from seeder.commands import Adopt, Command, Credential, HttpBinding, Lookup, bind


@bind(
    http=HttpBinding(
        "POST",
        "/tenants",
        success=(201,),
        idempotent=False,
        lookup=Lookup("/tenants", query={"name": "name"}),
    )
)
class CreateTenant(Command):
    name: str = Field(min_length=1, max_length=200)
    plan: Literal["free", "team", "enterprise"] = "free"


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/authors",
        success=(201,),
        idempotent=False,
        lookup=Lookup("/tenants/{tenant_id}/authors", query={"name": "name"}),
    )
)
class RegisterAuthor(Command):
    tenant_id: int
    name: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1000, le=2100)


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/books",
        success=(201,),
        identity="number",
        captures={"number": "number"},
        idempotent=False,
        lookup=Lookup("/tenants/{tenant_id}/books", query={"isbn": "isbn"}),
        adopt=Adopt(statuses=(409,), message="already exists"),  # an ISBN is unique
    )
)
class PublishBook(Command):
    tenant_id: int
    author_id: int
    isbn: str = Field(min_length=10, max_length=17)
    title: str = Field(min_length=1, max_length=300)
    subtitle: str | None = None
    status: Literal["draft", "published"] = "published"
    published_on: dt.date | None = None


@bind(http=HttpBinding("POST", "/tenants/{tenant_id}/members/login", success=(200,)))
class LogInMember(Command):
    tenant_id: int
    email: str
    password: str


MEMBER_TOKEN = Credential(name="token", capture="token", login=LogInMember)


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/members",
        success=(201,),
        captures={"token": "token"},
        credential=MEMBER_TOKEN,
        idempotent=False,
        lookup=Lookup("/tenants/{tenant_id}/members", query={"email": "email"}),
    )
)
class RegisterMember(Command):
    tenant_id: int
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=200)


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/books/{book_number}/loans",
        success=(201,),
        idempotent=False,
        lookup=Lookup("/tenants/{tenant_id}/loans", query={"book_number": "book_number"}),
        adopt=Adopt(statuses=(409,), message="is on loan"),  # a lent book is lent once
    )
)
class BorrowBook(Command):
    """Sent on behalf of the member (actor): the member's token must be presented."""

    tenant_id: int
    book_number: int
    member_id: int
    due_on: dt.date | None = None
