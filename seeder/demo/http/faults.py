"""Fault injection on the wire (see :mod:`seeder.demo.faults` for the spec).

A raw ASGI middleware, placed outside every other middleware so that it holds the
server's own ``send``: a dropped request must reach the client as a closed
connection with no bytes of response, which no Starlette response can express.
Only command endpoints (``POST``) suffer faults; reads never do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seeder.demo.faults import Fault, FaultInjector

logger = logging.getLogger("seeder.demo.faults")


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        fault = self.injector.next()
        if fault is Fault.NONE:
            await self.app(scope, receive, send)
        elif fault in (Fault.UNAVAILABLE, Fault.UNAVAILABLE_RETRY_AFTER):
            logger.info("fault: 503 for %s %s", scope["method"], scope["path"])
            await _unavailable(send, retry_after=fault is Fault.UNAVAILABLE_RETRY_AFTER)
        elif fault is Fault.DELAY:
            logger.info("fault: delaying the response to %s", scope["path"])
            await self.app(scope, receive, _delayed(send, self.injector.spec.delay_seconds))
        else:  # Fault.DROP: apply the command, then lose the response
            await self.app(scope, receive, _discard)
            logger.info("fault: dropping the connection of %s %s", scope["method"], scope["path"])
            await _drop_connection(send)


async def _unavailable(send: Send, *, retry_after: bool) -> None:
    body = json.dumps(
        {"error": "service_unavailable", "message": "injected fault: try again later"}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _delayed(send: Send, seconds: float) -> Send:
    async def send_later(message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(seconds)
        await send(message)

    return send_later


async def _discard(message: Message) -> None:
    return None


async def _drop_connection(send: Send) -> None:
    """Abort the TCP connection under ``send`` without writing a response.

    uvicorn's ``send`` is a method of its request cycle, which holds the asyncio
    transport; aborting it closes the socket at once. Once the server has seen the
    connection lost, it sends nothing for a request that started no response.
    Other servers (or an in-process ASGI transport) get an exception instead.
    """
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("injected fault: connection dropped")
    transport.abort()
    for _ in range(3):  # let the loop deliver connection_lost to the server
        await asyncio.sleep(0)
