"""What every endpoint needs from the request: the application object and the
headers the command contract defines."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from seeder.demo.application.service import Application


def application(request: Request) -> Application:
    app: Application = request.app.state.application
    return app


App = Annotated[Application, Depends(application)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Repeat a request safely: the same key with the same body returns "
        "the first response without applying the command again.",
    ),
]
Authorization = Annotated[
    str | None, Header(description="Bearer <member token>, as returned at registration")
]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None
