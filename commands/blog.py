"""Blog (the demo's RealWorld-shaped context): users, their login sessions, articles
known by slug, comments. Every shape is said by binding options alone: envelopes
(``envelope="user"``), identities inside them (``user.username``,
``article.slug``), a token acquired by logging in and presented as
``Token <token>``, a camelCase wire name (a pydantic alias), and a service that
ignores ``Idempotency-Key`` (``idempotent=False``)."""

from __future__ import annotations

from pydantic import Field

from seeder.commands import Command, Credential, HttpBinding, bind

TOKEN = Credential("token", "user.token", template="Token {value}")


@bind(
    http=HttpBinding(
        "POST",
        "/api/users",
        success=(201,),
        envelope="user",
        identity="user.username",
        idempotent=False,
    )
)
class RegisterUser(Command):
    username: str
    email: str
    password: str = Field(min_length=8)


@bind(
    http=HttpBinding(
        "POST",
        "/api/users/login",
        success=(200,),
        envelope="user",
        identity="user.username",
        credential=TOKEN,
    )
)
class Login(Command):
    email: str
    password: str


@bind(
    http=HttpBinding(
        "POST",
        "/api/articles",
        success=(201,),
        envelope="article",
        identity="article.slug",
        idempotent=False,
    )
)
class CreateArticle(Command):
    title: str
    description: str
    body: str
    tag_list: list[str] = Field(default_factory=list, alias="tagList")


@bind(
    http=HttpBinding(
        "POST",
        "/api/articles/{slug}/comments",
        success=(201,),
        envelope="comment",
        identity="comment.id",
        idempotent=False,
    )
)
class AddComment(Command):
    slug: str
    body: str
