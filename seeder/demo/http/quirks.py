"""Behaviours of services in the wild, on demand: off unless asked for.

- ``ignore_idempotency_key``: the ``Idempotency-Key`` header is dropped before the
  service sees it, as by a service that never heard of it (a command sent twice is
  applied twice, or meets its own conflict rule);
- ``block_seconds``: each command request (``POST``) blocks the server's event loop
  that long before it is handled, as a service hashing passwords on its event loop
  does: every request waits, reads included, and concurrency does not help.

A raw ASGI middleware, outside the fault middleware (a blocked request may still
suffer a fault).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

IDEMPOTENCY_HEADER = b"idempotency-key"


class QuirksMiddleware:
    def __init__(
        self, app: ASGIApp, *, ignore_idempotency_key: bool = False, block_seconds: float = 0.0
    ) -> None:
        self.app = app
        self.ignore_idempotency_key = ignore_idempotency_key
        self.block_seconds = block_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            if self.ignore_idempotency_key:
                headers = [(k, v) for k, v in scope["headers"] if k.lower() != IDEMPOTENCY_HEADER]
                scope = {**scope, "headers": headers}
            if self.block_seconds:
                time.sleep(self.block_seconds)  # on purpose: the event loop stalls
        await self.app(scope, receive, send)
