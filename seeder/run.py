"""``seeder run``: a model, a target, the executor, a report.

Targets: an ``http(s)://`` URL (aiohttp, or httpx with ``http_client="httpx"``);
``demo`` — the embedded demo service on a temporary SQLite file, served on loopback
and reached over real HTTP; ``demo:inprocess`` — its application object, no HTTP;
``demo:asgi`` — its ASGI app through ``httpx.ASGITransport``; ``file:PATH`` — the
command log (the feed port).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from seeder.errors import SeederError
from seeder.executor import Bindings, Executor
from seeder.items import PlanItem
from seeder.journal import Journal
from seeder.model import Model
from seeder.ports import Port
from seeder.report import RunStats
from seeder.results import Results

__all__ = [
    "RunOptions",
    "Target",
    "expand_headers",
    "guard_target",
    "open_target",
    "redact_url",
    "run_items",
    "run_model",
]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Target:
    port: Port
    description: str
    counts: Any = None  # a callable returning the service's counts, for the embedded demo


@dataclass
class RunOptions:
    concurrency: int = 32
    rate: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    http_client: str = "aiohttp"
    timeout: float = 10.0
    grace: float = 15.0  # seconds in-flight commands get to finish after SIGINT/SIGTERM
    allowed_targets: Sequence[str] | None = None  # the scenario's URL patterns
    allowed_from: str = "the scenario"  # where they were written, for messages
    allow_any_target: bool = False


def expand_headers(raw: Iterable[str], environ: Mapping[str, str]) -> dict[str, str]:
    """``'Authorization: Bearer ${TOKEN}'`` → a header, with the variable expanded.
    The values are secrets: no message ever repeats them."""
    headers: dict[str, str] = {}
    for number, text in enumerate(raw, 1):
        name, sep, value = text.partition(":")
        name = name.strip()
        if not sep or not name or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            # never echo the text: without its colon, a value is all there is
            problem = "has no ':'" if not sep else "has no valid name before its ':'"
            raise SeederError(
                f"--header number {number} {problem}; write it as 'Name: value', e.g. "
                "--header 'Authorization: Bearer ${TOKEN}'"
            )

        def env(match: re.Match[str], name: str = name) -> str:
            var = match.group(1)
            if var not in environ:
                raise SeederError(
                    f"--header {name}: environment variable {var} is not set; "
                    "export it or write the value"
                )
            return environ[var]

        expanded = _ENV.sub(env, value.strip())
        if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", expanded):  # a header splitting in two
            raise SeederError(
                f"--header {name}: the value holds a control character (a line break?); "
                "a header value is one line"
            )
        headers[name] = expanded
    return headers


@contextlib.contextmanager
def open_target(target: str, options: RunOptions, model: Model) -> Iterator[Target]:
    """Resolves a target name into a port (and starts the embedded demo if asked)."""
    from seeder.ports.http import AiohttpTransport, HttpPort, HttpxTransport

    if target.startswith(("http://", "https://")):
        guard_target(target, options)
        _reachable(target)
        transport: Any = (
            HttpxTransport(options.concurrency)
            if options.http_client == "httpx"
            else AiohttpTransport(options.concurrency)
        )
        port = HttpPort(target, transport, options.headers, _policy(options))
        yield Target(port, redact_url(target))
        return
    if target.startswith("file:"):
        yield from _feed_target(target[5:], model)
        return
    if target in ("demo", "demo:inprocess", "demo:asgi"):
        yield from _demo_target(target, options)
        return
    raise SeederError(
        f"unknown target {target!r}; give a URL (http://127.0.0.1:8000), demo, "
        "demo:inprocess, demo:asgi or file:PATH"
    )


def redact_url(url: str) -> str:
    """The URL as it may be shown or stored: a password in it becomes ``***``."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if not sep or "@" not in authority:
        return url
    userinfo, _, host = authority.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def guard_target(url: str, options: RunOptions) -> None:
    """Refuses, before anything is sent, a URL the scenario does not allow: one of
    its ``allowed_targets`` patterns, or else loopback only (unless
    ``allow_any_target``). A seeding run aimed at production by a typo is the most
    expensive mistake this tool can make."""
    from fnmatch import fnmatchcase
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError as exc:  # http://[::1
        raise SeederError(
            f"target {redact_url(url)!r}: {exc}; write it like http://127.0.0.1:8000. "
            "Nothing was sent"
        ) from exc
    normal = f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    if options.allowed_targets is not None:
        for pattern in options.allowed_targets:
            pattern = pattern.rstrip("/")
            if fnmatchcase(normal, pattern) or fnmatchcase(normal, pattern + "/*"):
                return
        shown = ", ".join(options.allowed_targets)
        raise SeederError(
            f"target {redact_url(url)} is not in allowed_targets of "
            f"{options.allowed_from} ({shown}); use an allowed target or add a pattern "
            "to allowed_targets. Nothing was sent"
        )
    if options.allow_any_target or _is_loopback(parts.hostname or ""):
        return
    raise SeederError(
        f"target {redact_url(url)} is not on this machine and {options.allowed_from} has no "
        "allowed_targets; list the target's URL pattern under allowed_targets in the "
        "scenario, or pass --allow-any-target. Nothing was sent"
    )


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reachable(url: str) -> None:
    """Fails fast, before anything is sent, when nothing listens at the target (a
    mistyped port would otherwise make every command retry for a minute)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise SeederError(
            f"target {redact_url(url)!r} has no host; write it like http://127.0.0.1:8000"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise SeederError(
            f"target {redact_url(url)!r}: {exc}; write it like http://127.0.0.1:8000"
        ) from exc
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SeederError(
            f"cannot reach {parts.scheme}://{host}:{port} ({reason}); is the "
            "service running, and is the URL right? Nothing was sent"
        ) from exc


def _policy(options: RunOptions) -> Any:
    from seeder.ports.http import RetryPolicy

    return RetryPolicy(timeout=options.timeout)


def _feed_target(path: str, model: Model) -> Iterator[Target]:
    from seeder.commandlog import JsonlCommandLog
    from seeder.ports.feed import FeedPort

    try:
        handle = Path(path).open("w", encoding="utf-8", newline="\n")  # noqa: SIM115
    except OSError as exc:
        raise SeederError(f"cannot write {path}: {exc.strerror}; choose another file") from exc
    with handle:
        yield Target(FeedPort(JsonlCommandLog(model, handle)), f"command log {path}")


def _demo_target(target: str, options: RunOptions) -> Iterator[Target]:
    try:
        from seeder.demo.app import build_application, create_app
        from seeder.demo.server import serve_in_thread
    except ImportError as exc:
        raise SeederError(
            f"the demo target needs the 'demo' extra ({exc.name} is missing); "
            "install it with: pip install 'seeder[demo]'"
        ) from exc
    from seeder.ports.http import AiohttpTransport, HttpPort, HttpxTransport
    from seeder.ports.inprocess import DispatchPort

    with tempfile.TemporaryDirectory(prefix="seeder-demo-") as folder:
        db = str(Path(folder) / "demo.db")
        if target == "demo:inprocess":
            application = build_application(db)
            try:
                yield Target(
                    DispatchPort(application),
                    f"embedded demo, in-process (SQLite {db})",
                    application.counts,
                )
            finally:
                application.close()
            return
        app = create_app(db)
        counts = build_application(db).counts
        if target == "demo:asgi":
            import httpx

            transport = HttpxTransport(options.concurrency, httpx.ASGITransport(app=app))
            yield Target(
                HttpPort("http://demo", transport, options.headers, _policy(options)),
                f"embedded demo, ASGI in-process (SQLite {db})",
                counts,
            )
            return
        with serve_in_thread(app) as url:
            yield Target(
                HttpPort(
                    url, AiohttpTransport(options.concurrency), options.headers, _policy(options)
                ),
                f"embedded demo at {url} (SQLite {db})",
                counts,
            )


async def run_items(
    items: Iterable[PlanItem],
    port: Port,
    bindings: Bindings,
    options: RunOptions,
    stats: RunStats,
    progress: Any = None,
    *,
    journal: Journal | None = None,
    results: Results | None = None,
    reacquire: set[str] | None = None,
    signals: bool = False,
) -> RunStats:
    """Sends ``items``. With ``signals`` (the CLI, in the main thread), SIGINT and
    SIGTERM stop the run gracefully: no new item is taken, those in flight get
    ``options.grace`` seconds to finish (a second signal cancels them at once), and
    ``stats.interrupted`` names the signal. With a ``journal``, outcomes are
    committed in batches while the run goes."""
    executor = Executor(
        port,
        bindings,
        concurrency=options.concurrency,
        rate=options.rate,
        results=results,
        stats=stats,
        on_done=progress,
        journal=journal,
        reacquire=reacquire,
    )
    try:
        async with anyio.create_task_group() as tg:
            with anyio.CancelScope() as scope:
                if journal is not None:
                    tg.start_soon(journal.keep_flushing)
                if signals:
                    tg.start_soon(_stop_on_signal, executor, scope, options.grace)
                await executor.run(items)
            tg.cancel_scope.cancel()
        return stats
    except BaseExceptionGroup as group:  # from the task group: surface our own error alone
        own = _first(group, (SeederError, KeyboardInterrupt))
        if own is not None:
            raise own from None
        raise
    finally:
        await port.aclose()


async def _stop_on_signal(executor: Executor, scope: anyio.CancelScope, grace: float) -> None:
    import signal

    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
        async for signum in received:
            if executor.stopping:  # a second signal: stop waiting for the in-flight
                scope.cancel()
                return
            executor.stats.interrupted = signal.Signals(signum).name
            executor.stop()
            scope.deadline = anyio.current_time() + grace


def _first(
    group: BaseExceptionGroup[Any], kinds: tuple[type[BaseException], ...]
) -> BaseException | None:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            inner = _first(exc, kinds)
            if inner is not None:
                return inner
        elif isinstance(exc, kinds):
            return exc
    return None


def run_model(
    model: Model, port: Port, options: RunOptions | None = None, progress: Any = None
) -> RunStats:
    """Plans ``model`` and sends it through ``port``; returns the run's statistics."""
    from seeder.planner import plan_items

    options = options or RunOptions()
    stats = RunStats()
    stats.track(model)
    return anyio.run(
        run_items, plan_items(model), port, Bindings.of_model(model), options, stats, progress
    )
