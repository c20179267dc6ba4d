"""The in-process port: dispatch each command to a method of an application object
(the binding's ``handler``), no HTTP at all.

The method takes the command's fields, the actor's credential and the idempotency
key, and returns what the HTTP endpoint would answer; a rejection is an exception
with ``status`` and ``body`` attributes (the service's own error).
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Generator
from typing import Any

from seeder.ports import Outcome, Send, capture, error_message

__all__ = ["NEEDS_LOOP", "DispatchPort"]

# what a send driven without an event loop yields (given's sync face) when the
# handler's answer must be awaited: whoever drives it goes on in a loop
NEEDS_LOOP = object()


@types.coroutine
def _in_a_loop() -> Generator[Any, None, None]:
    """Suspends once, to whoever drives the coroutine, if no event loop runs it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        yield NEEDS_LOOP


class DispatchPort:
    """Sends commands by calling ``application.<handler>(fields, ...)``."""

    needs_values = True

    def __init__(self, application: Any) -> None:
        self.application = application
        self._handlers: dict[str, Any] = {}

    def _handler(self, request: Send) -> Any:
        binding = request.in_process
        name = binding.handler if binding is not None else None
        if name is None:
            return None
        handler = self._handlers.get(name)
        if handler is None:
            handler = getattr(self.application, name, None)
            self._handlers[name] = handler
        return handler

    async def send(self, request: Send) -> Outcome:
        handler = self._handler(request)
        if handler is None:
            return Outcome(
                False,
                message=f"{request.item.command} has no in-process handler on "
                f"{type(self.application).__name__}; add handler= to its @bind",
            )
        credential = request.credential[1] if request.credential is not None else None
        try:
            result = handler(
                request.fields, credential=credential, idempotency_key=request.item.idempotency_key
            )
            if inspect.isawaitable(result):
                await _in_a_loop()
                result = await result
        except Exception as exc:  # the service's rejection, as its own exception type
            status = getattr(exc, "status", None)
            body = getattr(exc, "body", None)
            if not isinstance(status, int):
                return Outcome(
                    False, status=500, message=f"handler raised {type(exc).__name__}: {exc}"
                )
            return Outcome(False, status=status, message=error_message(body, str(exc)))
        http = request.http
        return Outcome(True, capture(http, http.credential if http else None, result), status=200)

    async def aclose(self) -> None:
        """The application belongs to whoever made it; nothing to release here."""
