"""Composition root: the application object, and the HTTP app over it.

``build_application(db)`` is the in-process face (the seeder's in-process port calls
its methods); ``create_app(db, faults)`` is the same service behind FastAPI.
``db`` is None or ``:memory:`` (in-memory SQLite), an SQLite file path, or a
``postgresql://`` DSN.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from seeder.demo import blog
from seeder.demo.application.service import Application
from seeder.demo.faults import FaultInjector, FaultSpec, parse_faults
from seeder.demo.http import commands, reads
from seeder.demo.http.errors import install_error_handlers
from seeder.demo.http.faults import FaultMiddleware
from seeder.demo.http.quirks import QuirksMiddleware
from seeder.demo.storage.backends import open_database

__all__ = ["Application", "DemoAPI", "build_application", "create_app"]


def build_application(db: str | None = None) -> Application:
    """The service's application object over a fresh connection to ``db``."""
    return Application(open_database(db))


class DemoAPI(FastAPI):
    """FastAPI with the fault middleware outside Starlette's own middleware stack
    (it needs the server's raw ``send`` to drop a connection)."""

    faults: FaultSpec = FaultSpec()
    ignore_idempotency_key: bool = False
    block_seconds: float = 0.0

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if self.faults.active:
            stack = FaultMiddleware(stack, FaultInjector(self.faults))
        if self.ignore_idempotency_key or self.block_seconds:
            stack = QuirksMiddleware(
                stack,
                ignore_idempotency_key=self.ignore_idempotency_key,
                block_seconds=self.block_seconds,
            )
        return stack


def create_app(
    db: str | None = None,
    faults: str | None = None,
    *,
    ignore_idempotency_key: bool = False,
    block_seconds: float = 0.0,
) -> FastAPI:
    """The demo service as an ASGI app. ``faults`` is a fault spec
    (:func:`seeder.demo.faults.parse_faults`); a bad one raises ``ValueError``.
    ``ignore_idempotency_key`` and ``block_seconds``: see
    :mod:`seeder.demo.http.quirks`."""
    spec = parse_faults(faults)
    application = build_application(db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        application.close()

    api = DemoAPI(
        title="seeder demo service",
        version="1",
        summary="Library, school data hub, energy and a blog: a small service to seed.",
        lifespan=lifespan,
    )
    api.faults = spec
    api.ignore_idempotency_key = ignore_idempotency_key
    api.block_seconds = block_seconds
    api.state.application = application
    api.state.blog = blog.BlogStore()
    install_error_handlers(api)
    api.include_router(commands.router)
    api.include_router(reads.router)
    api.include_router(blog.router)
    return api
