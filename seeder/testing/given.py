"""The two faces of ``given``: :class:`Given` for plain (sync) tests and
:class:`AsyncGiven` for async ones, over the same session (planner, answers,
handles).

The sync face sends to an in-process application without an event loop: the
in-process port never waits on a plain handler, so the send (the executor going
through the items in order) is driven to its end directly. A handler whose answer
must be awaited (an ``async def``) makes it go on in an event loop, the face's
own, made then and kept for its whole life; other targets (HTTP, ASGI) always
send in it. It is a plain loop driven with ``run_until_complete`` rather than an
``asyncio.Runner``, whose per-call SIGINT handler swap cost ~50 µs of each call;
the loop is never made the thread's current loop.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from seeder.errors import GivenError
from seeder.ports import Port
from seeder.ports.inprocess import NEEDS_LOOP, DispatchPort
from seeder.scenario import Scenario
from seeder.testing.blueprint import Blueprint, blueprint
from seeder.testing.handles import Handle
from seeder.testing.requests import describe
from seeder.testing.session import Session
from seeder.testing.targets import resolve_target

__all__ = ["AsyncGiven", "Given"]

T = TypeVar("T")
ScenarioLike = str | Path | Scenario | Blueprint


def _check_count(count: Any, call: str) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise GivenError(f"{call}: the count must be a whole number >= 0, got {count!r}")
    return count


class _Face:
    def __init__(
        self,
        scenario: ScenarioLike,
        target: Any,
        *,
        seed: int | str | None = None,
        headers: Mapping[str, str] | None = None,
        undo: bool = False,
    ) -> None:
        bp = blueprint(scenario)
        self._target = resolve_target(target, bp, headers)
        self._session = Session(bp, seed, bp.with_records(target, headers))
        self._closed = False
        self._undo = undo

    @property
    def seed(self) -> int:
        """The seed of this test's values (derived from the test's id by the plugin)."""
        return self._session.seed

    @property
    def created(self) -> list[Handle]:
        """Every entity made so far, prerequisites included, in creation order."""
        return list(self._session.handles)

    @property
    def target(self) -> str:
        """Where this given sends (for messages and reports)."""
        return self._target.description

    def __repr__(self) -> str:
        made = len(self._session.handles)
        return f"<{type(self).__name__} {self._session.bp.source} -> {self.target}: {made} made>"

    def _plan(
        self, entity: str, count: int | None, overrides: Mapping[str, Any]
    ) -> tuple[list[str], str]:
        call = describe(entity, overrides, count)
        if self._closed:
            raise GivenError(f"{call}: this given is closed (its test is over)")
        n = 1 if count is None else _check_count(count, call)
        return [self._session.plan(entity, overrides, call) for _ in range(n)], call

    async def _send(self, port: Port, call: str) -> None:
        await self._session.send(port, call, self._target.description)


async def _rest(coro: Coroutine[Any, Any, T], waiting: Any) -> T:
    """The rest of ``coro``, begun without an event loop, in this one: ``waiting``
    is what it yielded (``NEEDS_LOOP``: nothing to wait for, it goes on now)."""
    while True:
        try:
            sent = None if waiting is NEEDS_LOOP else await _passing(waiting)
        except BaseException as exc:  # thrown into this task (cancelled): into coro
            try:
                waiting = coro.throw(exc)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            continue
        try:
            waiting = coro.send(sent)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


@types.coroutine
def _passing(waiting: Any) -> Generator[Any, Any, Any]:
    """Yields what ``coro`` waits on to the task running it, and back."""
    return (yield waiting)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """What ``asyncio.Runner.close`` does: cancel what is left, finish async
    generators and the default executor, close."""
    try:
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        if left:
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


class Given(_Face):
    """``given("book", status="published", author={"name": "Ursula"})`` → a handle.

    Bound to a scenario (the entity definitions) and a target (an application
    object, an ASGI app, a URL, or ``"demo"``). Each instance has its own registry;
    ``seed`` (an int, or a string such as a test's node id) fixes the values.
    Close it (or use it as a context manager) to release its port and event loop;
    with ``undo=True`` closing first deletes what it made, dependents first, through
    the bindings' ``Undo`` declarations (a shared, persistent service stays as it
    was), and raises :class:`~seeder.errors.GivenError` if something could not be deleted.
    """

    def __init__(
        self,
        scenario: ScenarioLike,
        target: Any,
        *,
        seed: int | str | None = None,
        headers: Mapping[str, str] | None = None,
        undo: bool = False,
    ) -> None:
        super().__init__(scenario, target, seed=seed, headers=headers, undo=undo)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port: Port | None = None

    def __call__(self, entity: str, /, **overrides: Any) -> Handle:
        """Makes one ``entity`` (and whatever it needs) through the service."""
        self._outside_loop(entity)
        (key,), call = self._plan(entity, None, overrides)
        self._run(self._send(self._loop_port(), call))
        return self._session.get(key)

    def many(self, entity: str, count: int, /, **overrides: Any) -> list[Handle]:
        """Makes ``count`` of ``entity`` with the same overrides (a specification
        is matched anew each time, so the first one made is reused)."""
        self._outside_loop(entity)
        keys, call = self._plan(entity, count, overrides)
        self._run(self._send(self._loop_port(), call))
        return [self._session.get(key) for key in keys]

    def _outside_loop(self, entity: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        raise GivenError(
            f"given({entity!r}) was called inside a running event loop (an async test); "
            f"use the async face: `await agiven({entity!r})` (the agiven fixture) or "
            "seeder.testing.AsyncGiven"
        )

    def _loop_port(self) -> Port:
        if self._port is None:
            self._port = self._target.port()
        return self._port

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if isinstance(self._port, DispatchPort):  # begun without a loop
            try:
                waiting = coro.send(None)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            return self._own_loop().run_until_complete(_rest(coro, waiting))
        return self._own_loop().run_until_complete(coro)

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def close(self) -> None:
        """Releases the port, the event loop and what the target started."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._undo and self._session.made_any():
                self._run(self._session.undo(self._loop_port(), self._target.description))
        finally:
            try:
                try:
                    if self._port is not None:
                        self._run(self._port.aclose())
                finally:
                    if self._loop is not None:
                        _close_loop(self._loop)
            finally:
                self._session.close()
                self._target.close()

    def __enter__(self) -> Given:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncGiven(_Face):
    """The async face: ``await given("book")``, in the test's own event loop."""

    def __init__(
        self,
        scenario: ScenarioLike,
        target: Any,
        *,
        seed: int | str | None = None,
        headers: Mapping[str, str] | None = None,
        undo: bool = False,
    ) -> None:
        super().__init__(scenario, target, seed=seed, headers=headers, undo=undo)
        self._port: Port | None = None

    async def __call__(self, entity: str, /, **overrides: Any) -> Handle:
        (key,), call = self._plan(entity, None, overrides)
        await self._send(self._own_port(), call)
        return self._session.get(key)

    async def many(self, entity: str, count: int, /, **overrides: Any) -> list[Handle]:
        keys, call = self._plan(entity, count, overrides)
        await self._send(self._own_port(), call)
        return [self._session.get(key) for key in keys]

    def _own_port(self) -> Port:
        if self._port is None:
            self._port = self._target.port()
        return self._port

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._undo and self._session.made_any():
                await self._session.undo(self._own_port(), self._target.description)
        finally:
            try:
                if self._port is not None:
                    await self._port.aclose()
            finally:
                self._session.close()
                self._target.close()

    async def __aenter__(self) -> AsyncGiven:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
