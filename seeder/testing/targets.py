"""Where ``given`` sends: a target resolved into ports.

- an application object (its methods are the commands' in-process handlers) —
  the in-process port, no HTTP;
- an ASGI app (FastAPI, Starlette...) — the HTTP port over ``httpx.ASGITransport``:
  the whole HTTP stack, no socket;
- a URL — the HTTP port over aiohttp, to a running service;
- ``"demo"`` (or ``"demo:inprocess"``) / ``"demo:asgi"`` — a fresh in-memory demo
  service, made for this target and closed with it;
- ``"package.module:attribute"`` — an application object or ASGI app, or a
  factory (a class or a function without arguments) called once per target.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from seeder.ports import Port
from seeder.testing.blueprint import Blueprint
from seeder.testing.errors import GivenError

__all__ = ["Target", "resolve_target"]

ASGI_BASE = "http://given.test"
EXAMPLES = (
    "give an application object, an ASGI app, a URL (http://127.0.0.1:8000), "
    "'demo', 'demo:asgi' or 'package.module:attribute'"
)


class Target:
    """Makes ports (one per event loop that sends) and owns what it started."""

    def __init__(
        self,
        description: str,
        make_port: Callable[[], Port],
        close: Callable[[], None] | None = None,
    ) -> None:
        self.description = description
        self._make_port = make_port
        self._close = close

    def port(self) -> Port:
        return self._make_port()

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()


def _policy() -> Any:
    from seeder.ports.http import RetryPolicy

    # a test wants a quick, clear failure when the service is down, not a minute of retries
    return RetryPolicy(attempts=3, total_seconds=10.0, timeout=10.0)


def is_asgi(obj: Any) -> bool:
    """An ASGI app: an ``async def app(scope, receive, send)`` or an object whose
    ``__call__`` is one (FastAPI, Starlette)."""
    if inspect.isclass(obj):
        return False
    if inspect.isfunction(obj):
        return inspect.iscoroutinefunction(obj)
    call = next(
        (c.__dict__["__call__"] for c in type(obj).__mro__ if "__call__" in c.__dict__), None
    )
    return inspect.iscoroutinefunction(call)


def _url(url: str, headers: Mapping[str, str]) -> Target:
    def make() -> Port:
        from seeder.ports.http import AiohttpTransport, HttpPort

        return HttpPort(url, AiohttpTransport(4), headers, _policy())

    return Target(url, make)


def _asgi(app: Any, headers: Mapping[str, str], close: Callable[[], None] | None) -> Target:
    def make() -> Port:
        import httpx

        from seeder.ports.http import HttpPort, HttpxTransport

        return HttpPort(
            ASGI_BASE, HttpxTransport(4, httpx.ASGITransport(app=app)), headers, _policy()
        )

    return Target(f"the ASGI app {type(app).__name__}", make, close)


def _in_process(app: Any, blueprint: Blueprint, close: Callable[[], None] | None) -> Target:
    from seeder.ports.inprocess import DispatchPort

    handlers = sorted(
        {b.in_process.handler for b in blueprint.bindings.by_command.values() if b.in_process}
    )
    if handlers and not any(callable(getattr(app, h, None)) for h in handlers):
        raise GivenError(
            f"target {type(app).__name__} has none of the handler methods the commands "
            f"name ({', '.join(handlers)}); {EXAMPLES}"
        )
    port = DispatchPort(app)  # no I/O of its own: one for every event loop
    return Target(f"{type(app).__name__} (in-process)", lambda: port, close)


def _demo(kind: str, blueprint: Blueprint, headers: Mapping[str, str]) -> Target:
    try:
        from seeder.demo.app import build_application, create_app
    except ImportError as exc:
        raise GivenError(
            f"target 'demo' needs the 'demo' extra ({exc.name} is missing); install it "
            "with: pip install 'seeder[demo]'"
        ) from exc
    if kind == "asgi":
        app = create_app(":memory:")
        return _asgi(app, headers, app.state.application.close)
    application = build_application(":memory:")
    return _in_process(application, blueprint, application.close)


def _imported(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise GivenError(
            f"target {spec!r}: cannot import {module_name!r} ({exc}); check the module path "
            "(it is imported like any module: from the test's sys.path)"
        ) from exc
    obj = getattr(module, attr, None)
    if obj is None:
        raise GivenError(f"target {spec!r}: module {module_name!r} has no attribute {attr!r}")
    return obj


def resolve_target(
    target: Any, blueprint: Blueprint, headers: Mapping[str, str] | None = None
) -> Target:
    headers = dict(headers or {})
    if isinstance(target, Target):
        return target
    close: Callable[[], None] | None = None
    if isinstance(target, str):
        text = target.strip()
        if text.startswith(("http://", "https://")):
            return _url(text, headers)
        if text in ("demo", "demo:inprocess", "demo:asgi"):
            return _demo(text.partition(":")[2] or "inprocess", blueprint, headers)
        module, sep, attr = text.partition(":")
        if not (sep and module and attr.isidentifier()):
            raise GivenError(f"unknown target {target!r}; {EXAMPLES}")
        target = _imported(text)
        if (inspect.isclass(target) or inspect.isfunction(target)) and not is_asgi(target):
            target = target()  # a factory: this target's own application
            closer = getattr(target, "close", None)
            close = closer if callable(closer) else None
    if target is None:
        raise GivenError(f"no target given; {EXAMPLES}")
    if is_asgi(target):
        return _asgi(target, headers, close)
    return _in_process(target, blueprint, close)
