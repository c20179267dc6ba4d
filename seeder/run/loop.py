"""The event loop a run sends on: uvloop where it is installed (a dependency on
Linux and macOS), the standard asyncio loop elsewhere. uvloop's sockets, timers
and callbacks are written in C over libuv; at concurrency 32 against a fast local
endpoint they take about a fifth off the client's CPU per request (README,
*Performance*). Nothing else differs: anyio runs the same code on either loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

__all__ = ["run_async", "uses_uvloop"]

T = TypeVar("T")


def uses_uvloop() -> bool:
    """Whether runs use uvloop here (it imports: installed, and on a platform it
    supports)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def run_async(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``anyio.run(func, *args)`` on uvloop when available, else on asyncio."""
    return anyio.run(func, *args, backend="asyncio", backend_options={"use_uvloop": uses_uvloop()})
