"""A live demo server for tests: one uvicorn server on a free loopback port for the
whole session (``seeder.demo.server.serve_in_thread``), on which each test mounts
its own fresh service."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send


class MountPoint:
    """An ASGI app that forwards to whichever app a test mounted (one server for
    the session, a fresh service per test)."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            raise RuntimeError("no demo app is mounted")
        await self.app(scope, receive, send)


class LiveDemo:
    """Serves one app at a time on the session's live server."""

    def __init__(self, base_url: str, mount: MountPoint) -> None:
        self.base_url = base_url
        self._mount = mount
        self._opened: list[tuple[FastAPI, httpx.Client]] = []

    def serve(self, app: FastAPI, *, timeout: float = 10.0) -> httpx.Client:
        """Mount ``app`` and return a client of it (closed, with the app's
        database, after the test)."""
        self._mount.app = app
        client = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._opened.append((app, client))
        return client

    def close(self) -> None:
        self._mount.app = None
        for app, client in self._opened:
            client.close()
            app.state.application.close()
