"""The blogging context: a service shaped like the RealWorld ("Conduit") reference
backends rather than to seeder's contract, so that seeder is tried against the
shapes such services have (issue 11):

- every body is wrapped in an envelope, asked and answered: ``{"user": {...}}``,
  ``{"article": {...}}``, ``{"comment": {...}}``; field names are camelCase on the
  wire (``tagList``);
- articles are known by a slug made from the title, never by a number;
- registering gives no token: a user logs in (``POST /api/users/login``) for one,
  presented as ``Authorization: Token <token>``;
- ``Idempotency-Key`` is ignored: a command sent twice is applied twice, or
  refused as "has already been taken";
- rejections are Rails-style: ``{"errors": {"username": ["has already been taken"]}}``.

It keeps its state in memory, one store per app, apart from the other contexts.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BlogStore", "router"]

router = APIRouter(prefix="/api", tags=["blog"])
Json = dict[str, Any]


@dataclass
class BlogStore:
    users: dict[str, Json] = field(default_factory=dict)  # by username
    tokens: dict[str, str] = field(default_factory=dict)  # token -> username
    articles: dict[str, Json] = field(default_factory=dict)  # by slug
    comments: list[Json] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewUser(_Strict):
    username: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8)


class NewUserBody(_Strict):
    user: NewUser


class LoginUser(_Strict):
    email: str
    password: str


class LoginBody(_Strict):
    user: LoginUser


class NewArticle(_Strict):
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    body: str
    tagList: list[str] = Field(default_factory=list)


class NewArticleBody(_Strict):
    article: NewArticle


class NewComment(_Strict):
    body: str = Field(min_length=1)


class NewCommentBody(_Strict):
    comment: NewComment


def _store(request: Request) -> BlogStore:
    store: BlogStore = request.app.state.blog
    return store


def _errors(status: int, errors: Json) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status)


def _author(store: BlogStore, authorization: str | None) -> str | None:
    if not authorization or not authorization.startswith("Token "):
        return None
    return store.tokens.get(authorization[len("Token ") :])


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "article"


def _public(user: Json) -> Json:
    return {k: user[k] for k in ("username", "email", "bio", "image")}


@router.post("/users", status_code=201, summary="RegisterUser")
def register(body: NewUserBody, request: Request) -> Any:
    store, new = _store(request), body.user
    with store.lock:
        taken: Json = {}
        if new.username in store.users:
            taken["username"] = ["has already been taken"]
        if any(u["email"] == new.email for u in store.users.values()):
            taken["email"] = ["has already been taken"]
        if taken:
            return _errors(422, {"user": taken})
        user = {**new.model_dump(), "bio": None, "image": None}
        store.users[new.username] = user
    return {"user": _public(user)}


@router.post("/users/login", summary="Login")
def login(body: LoginBody, request: Request) -> Any:
    store = _store(request)
    with store.lock:
        user = next((u for u in store.users.values() if u["email"] == body.user.email), None)
        if user is None or user["password"] != body.user.password:
            return _errors(401, {"email or password": ["is invalid"]})
        token = secrets.token_urlsafe(16)
        store.tokens[token] = user["username"]
    return {"user": {**_public(user), "token": token}}


@router.post("/articles", status_code=201, summary="CreateArticle")
def create_article(
    body: NewArticleBody, request: Request, authorization: str | None = Header(None)
) -> Any:
    store = _store(request)
    with store.lock:
        author = _author(store, authorization)
        if author is None:
            return _errors(401, {"token": ["is missing or invalid"]})
        slug = slugify(body.article.title)
        if slug in store.articles:
            return _errors(422, {"article": {"title": ["has already been taken"]}})
        article = {**body.article.model_dump(), "slug": slug, "author": author}
        store.articles[slug] = article
    return {"article": _article(store, article)}


@router.post("/articles/{slug}/comments", status_code=201, summary="AddComment")
def add_comment(
    slug: str, body: NewCommentBody, request: Request, authorization: str | None = Header(None)
) -> Any:
    store = _store(request)
    with store.lock:
        author = _author(store, authorization)
        if author is None:
            return _errors(401, {"token": ["is missing or invalid"]})
        if slug not in store.articles:
            return _errors(404, {"article": ["not found"]})
        comment = {"id": len(store.comments) + 1, "body": body.comment.body}
        store.comments.append({**comment, "article": slug, "author": author})
    return {"comment": {**comment, "author": _public(store.users[author])}}


def _article(store: BlogStore, article: Json) -> Json:
    shown = {k: v for k, v in article.items() if k != "author"}
    return {**shown, "author": _public(store.users[article["author"]])}


@router.get("/articles", summary="ListArticles")
def list_articles(request: Request, limit: int = 20, offset: int = 0) -> Json:
    store = _store(request)
    with store.lock:
        articles = list(store.articles.values())
    page = [_article(store, a) for a in articles[offset : offset + limit]]
    return {"articles": page, "articlesCount": len(articles)}


@router.get("/articles/{slug}/comments", summary="ListComments")
def list_comments(slug: str, request: Request) -> Any:
    store = _store(request)
    with store.lock:
        if slug not in store.articles:
            return _errors(404, {"article": ["not found"]})
        found = [c for c in store.comments if c["article"] == slug]
    return {
        "comments": [
            {"id": c["id"], "body": c["body"], "author": _public(store.users[c["author"]])}
            for c in found
        ]
    }


@router.get("/profiles", summary="ListProfiles")
def list_profiles(request: Request) -> Json:
    store = _store(request)
    with store.lock:
        return {"profiles": [_public(u) for u in store.users.values()]}
