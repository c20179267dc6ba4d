"""Library (multi-tenant): tenants, authors, books, members and loans.

Identities mix what real services do: tenants, authors and members get
server-assigned ids; a book's id is composite (tenant id + a book number assigned
within the tenant); members receive a token that loans must present.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from seeder.commands import Command, Credential, HttpBinding, Read, Undo, bind


@bind(
    http=HttpBinding(
        "POST",
        "/tenants",
        success=(201,),
        idempotent=True,
        undo=Undo("/tenants/{id}"),
        reads=(Read("/tenants/{id}"), Read("/tenants/{id}/books", weight=0.5)),
    ),
    handler="create_tenant",
)
class CreateTenant(Command):
    name: str = Field(min_length=1, max_length=200)
    plan: Literal["free", "team", "enterprise"] = "free"


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/authors",
        success=(201,),
        idempotent=True,
        undo=Undo("/tenants/{tenant_id}/authors/{id}"),
        reads=(Read("/tenants/{tenant_id}/authors", {"name": "name"}),),
    ),
    handler="register_author",
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
        idempotent=True,
        undo=Undo("/tenants/{tenant_id}/books/{number}"),
        reads=(Read("/tenants/{tenant_id}/books", {"isbn": "isbn"}),),
    ),
    handler="publish_book",
)
class PublishBook(Command):
    tenant_id: int
    author_id: int
    isbn: str = Field(min_length=10, max_length=17)
    title: str = Field(min_length=1, max_length=300)
    subtitle: str | None = None
    status: Literal["draft", "published"] = "published"
    published_on: dt.date | None = None


MEMBER_TOKEN = Credential(name="token", capture="token", header="Authorization")


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/members",
        success=(201,),
        captures={"token": "token"},
        credential=MEMBER_TOKEN,
        idempotent=True,
        undo=Undo("/tenants/{tenant_id}/members/{id}"),
        reads=(Read("/tenants/{tenant_id}/loans", {"member_id": "id"}, 0.5),),
    ),
    handler="register_member",
)
class RegisterMember(Command):
    tenant_id: int
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    password: str | None = Field(default=None, min_length=8, max_length=200)  # to log in


@bind(
    http=HttpBinding(
        "POST",
        "/tenants/{tenant_id}/books/{book_number}/loans",
        success=(201,),
        idempotent=True,
        undo=Undo("/tenants/{tenant_id}/loans/{id}"),
    ),
    handler="borrow_book",
)
class BorrowBook(Command):
    """Sent on behalf of the member (actor): the member's token must be presented."""

    tenant_id: int
    book_number: int
    member_id: int
    due_on: dt.date | None = None
