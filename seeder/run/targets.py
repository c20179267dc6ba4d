"""Targets: where commands go, resolved into ports — one resolver for ``seeder
run``/``replay`` and for ``seeder.testing``.

- an ``http(s)://`` URL — the HTTP port (aiohttp, or httpx), to a running service;
- ``demo`` — the embedded demo service: for a run, served on loopback over real
  HTTP on a temporary SQLite file; for a test, a fresh in-memory application
  called in-process (the profile's ``demo_served`` says which);
- ``demo:inprocess`` — its application object, no HTTP;
- ``demo:asgi`` — its ASGI app through ``httpx.ASGITransport``: the whole HTTP
  stack, no socket;
- ``file:PATH`` — the command log (the feed port; runs with a model only);
- with ``objects`` (tests): an application object (its methods are the commands'
  in-process handlers), an ASGI app, or ``package.module:attribute`` naming either
  or a factory of one (a class or a function without arguments).

A :class:`Target` makes ports (one per event loop that sends) and owns what it
started (the demo server, a command log's file); close it, or use it in ``with``.
The demo is imported only here: the core never depends on it.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from seeder.errors import SeederError
from seeder.ports import Port
from seeder.ports.http import RetryPolicy
from seeder.run.guard import (
    Guard,
    basic_auth,
    check_reachable,
    check_url,
    guard_target,
    redact_url,
)

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = ["DEMO_TARGETS", "Target", "TargetOptions", "is_asgi", "resolve_target"]

DEMO_TARGETS = ("demo", "demo:inprocess", "demo:asgi")
ASGI_BASE = "http://given.test"
RUN_EXAMPLES = "give a URL (http://127.0.0.1:8000), demo, demo:inprocess, demo:asgi or file:PATH"
OBJECT_EXAMPLES = (
    "give an application object, an ASGI app, a URL (http://127.0.0.1:8000), "
    "'demo', 'demo:asgi' or 'package.module:attribute'"
)


@dataclass(frozen=True)
class TargetOptions:
    """How targets are resolved: the HTTP client and its pool, headers for every
    request, the retry policy, and the profile (a run's or a test's)."""

    concurrency: int = 32
    headers: Mapping[str, str] = field(default_factory=dict)
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    guard: Guard | None = None  # checked for URLs before anything is sent (runs)
    check_reachable: bool = False  # a URL must accept a connection (runs)
    demo_served: bool = True  # 'demo': served over HTTP (runs), or in-process in memory
    objects: bool = False  # application objects, ASGI apps, 'module:attr' (tests)
    error: type[SeederError] = SeederError  # what a wrong target raises

    @property
    def examples(self) -> str:
        return OBJECT_EXAMPLES if self.objects else RUN_EXAMPLES


class Target:
    """Makes ports (one per event loop that sends) and owns what it started."""

    def __init__(
        self,
        description: str,
        make_port: Callable[[], Port],
        close: Callable[[], None] | None = None,
        counts: Callable[[], Mapping[str, int]] | None = None,
    ) -> None:
        self.description = description
        self._make_port = make_port
        self._close = close
        self.counts = counts  # the service's own counts, for the embedded demo

    def port(self) -> Port:
        return self._make_port()

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Target:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def resolve_target(
    target: object,
    options: TargetOptions,
    *,
    model: Model | None = None,
    handlers: Collection[str] = (),
) -> Target:
    """``target`` (a name, or with ``options.objects`` an object) as a Target.
    ``model`` is needed by ``file:``; ``handlers`` (the in-process handler names
    the commands use) check that an application object is the right one."""
    if isinstance(target, Target):
        return target
    close: Callable[[], None] | None = None
    if isinstance(target, str):
        text = target.strip() if options.objects else target
        if text.startswith(("http://", "https://")):
            return _url(text, options)
        if text in DEMO_TARGETS:
            return _demo(text, options, handlers)
        if text.startswith("file:") and model is not None:
            return _feed(text[5:], model)
        module, sep, attr = text.partition(":")
        if not (options.objects and sep and module and attr.isidentifier()):
            raise options.error(f"unknown target {target!r}; {options.examples}")
        target = _imported(text, options)
        if (inspect.isclass(target) or inspect.isfunction(target)) and not is_asgi(target):
            target = target()  # a factory: this target's own application
            closer = getattr(target, "close", None)
            close = closer if callable(closer) else None
    if target is None or not options.objects:
        raise options.error(f"no target given; {options.examples}")
    if is_asgi(target):
        return _asgi(target, options, close)
    return _in_process(target, options, handlers, close)


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


def _url(url: str, options: TargetOptions) -> Target:
    check_url(url)
    if options.guard is not None:
        guard_target(url, options.guard)
    if options.check_reachable:
        check_reachable(url)
    shown = redact_url(url)
    url, auth = basic_auth(url)
    headers = {**auth, **options.headers}

    def make() -> Port:
        from seeder.ports.http import AiohttpTransport, HttpPort, HttpxTransport

        transport: Any = (
            HttpxTransport(options.concurrency)
            if options.http_client == "httpx"
            else AiohttpTransport(options.concurrency)
        )
        return HttpPort(url, transport, headers, options.policy)

    return Target(shown, make)


def _asgi(app: Any, options: TargetOptions, close: Callable[[], None] | None) -> Target:
    return _asgi_target(app, options, f"the ASGI app {type(app).__name__}", ASGI_BASE, close)


def _asgi_target(
    app: Any,
    options: TargetOptions,
    description: str,
    base: str,
    close: Callable[[], None] | None,
    counts: Callable[[], Mapping[str, int]] | None = None,
) -> Target:
    def make() -> Port:
        import httpx

        from seeder.ports.http import HttpPort, HttpxTransport

        transport = HttpxTransport(options.concurrency, httpx.ASGITransport(app=app))
        return HttpPort(base, transport, options.headers, options.policy)

    return Target(description, make, close, counts)


def _in_process(
    app: Any,
    options: TargetOptions,
    handlers: Collection[str],
    close: Callable[[], None] | None,
    description: str | None = None,
    counts: Callable[[], Mapping[str, int]] | None = None,
) -> Target:
    from seeder.ports.inprocess import DispatchPort

    names = sorted(set(handlers))
    if names and not any(callable(getattr(app, h, None)) for h in names):
        raise options.error(
            f"target {type(app).__name__} has none of the handler methods the commands "
            f"name ({', '.join(names)}); {options.examples}"
        )
    port = DispatchPort(app)  # no I/O of its own: one for every event loop
    return Target(description or f"{type(app).__name__} (in-process)", lambda: port, close, counts)


def _feed(path: str, model: Model) -> Target:
    from seeder.plan.commandlog import JsonlCommandLog
    from seeder.ports.feed import FeedPort

    try:
        handle = Path(path).open("w", encoding="utf-8", newline="\n")  # noqa: SIM115
    except OSError as exc:
        raise SeederError(f"cannot write {path}: {exc.strerror}; choose another file") from exc
    from seeder.plan.manifest import manifest_of

    port = FeedPort(JsonlCommandLog(model, handle, manifest_of(model)))
    return Target(f"command log {path}", lambda: port, handle.close)


def _demo(name: str, options: TargetOptions, handlers: Collection[str]) -> Target:
    """The embedded demo: a fresh in-memory one for a test; for a run, one on a
    temporary SQLite file (its counts read back for the report), served over HTTP
    for plain ``demo``."""
    try:
        from seeder.demo.app import build_application, create_app
        from seeder.demo.server import serve_in_thread
    except ImportError as exc:
        what = f"target {name.partition(':')[0]!r}" if options.objects else "the demo target"
        raise options.error(
            f"{what} needs the 'demo' extra ({exc.name} is missing); install it with: "
            "pip install 'command-seeder[demo]'"
        ) from exc
    kind = name.partition(":")[2] or ("served" if options.demo_served else "inprocess")
    if options.objects:  # a test's: in memory, nothing to count
        if kind == "asgi":
            app = create_app(":memory:")
            return _asgi(app, options, app.state.application.close)
        application = build_application(":memory:")
        return _in_process(application, options, handlers, application.close)
    stack = contextlib.ExitStack()
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="seeder-demo-"))
    db = str(Path(folder) / "demo.db")
    try:
        if kind == "inprocess":
            application = build_application(db)
            stack.callback(application.close)
            return _in_process(
                application,
                options,
                (),
                stack.close,
                f"embedded demo, in-process (SQLite {db})",
                application.counts,
            )
        app = create_app(db)
        counts = build_application(db).counts
        if kind == "asgi":
            description = f"embedded demo, ASGI in-process (SQLite {db})"
            return _asgi_target(app, options, description, "http://demo", stack.close, counts)
        url = stack.enter_context(serve_in_thread(app))
        served = _url(
            url, TargetOptions(options.concurrency, options.headers, policy=options.policy)
        )
        return Target(f"embedded demo at {url} (SQLite {db})", served.port, stack.close, counts)
    except BaseException:
        stack.close()
        raise


def _imported(spec: str, options: TargetOptions) -> Any:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise options.error(
            f"target {spec!r}: cannot import {module_name!r} ({exc}); check the module path "
            "(it is imported like any module: from the test's sys.path)"
        ) from exc
    obj = getattr(module, attr, None)
    if obj is None:
        raise options.error(f"target {spec!r}: module {module_name!r} has no attribute {attr!r}")
    return obj
