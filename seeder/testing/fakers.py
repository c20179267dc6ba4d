"""Faker generators lent to per-test planners instead of built for each.

Every test gets a fresh planner (a fresh registry, its own seed), and building a
``Faker`` costs ~2 ms (loading two dozen providers), ~90% of a planner's start-up
on the library scenario. A generator's output depends only on the ``random`` it is
given, so a pool hands each field a finished generator bound to that field's own
stream, and takes it back when the test ends: the values are the same as with a new
generator (a test checks it), at ~0.05 ms per planner.

``PooledFake`` replaces ``Fake`` in the blueprint's scenario; it borrows from the
lease of the planner being built (a context variable set around ``Planner(...)``)
and, outside a lease, behaves exactly like ``Fake``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from seeder.providers import Fake, InvalidProvider
from seeder.providers.base import JSON_SCALARS, CompileContext, Draw
from seeder.providers.fastfake import fast_method
from seeder.providers.values import jsonable

__all__ = ["Lease", "PooledFake", "leased"]

_Key = tuple[str, bool]
_pool: dict[_Key, list[Any]] = {}
_lock = threading.Lock()
_current: ContextVar[Lease | None] = ContextVar("seeder_faker_lease", default=None)
_checked: set[tuple[str, str, str]] = set()  # (locale, method, arguments) known to be valid


class Lease:
    """The generators one planner borrowed; :meth:`release` gives them back."""

    def __init__(self) -> None:
        self._taken: list[tuple[_Key, Any]] = []

    def take(self, locale: str, weighting: bool, rng: random.Random) -> Any:
        key = (locale, weighting)
        with _lock:
            free = _pool.get(key)
            generator = free.pop() if free else None
        if generator is None:
            from seeder.providers.fakers import new_faker

            try:
                made: Any = new_faker(locale, weighting)
                generator = made[locale]
            except AttributeError as exc:
                raise InvalidProvider(f"Faker has no locale {locale!r}") from exc
        generator.random = rng  # the field's own stream: values as with a new one
        self._taken.append((key, generator))
        return generator

    def release(self) -> None:
        with _lock:
            for key, generator in self._taken:
                _pool.setdefault(key, []).append(generator)
        self._taken.clear()


@contextmanager
def leased(lease: Lease) -> Iterator[None]:
    """Makes ``PooledFake`` providers compiled inside borrow from ``lease``."""
    token = _current.set(lease)
    try:
        yield
    finally:
        _current.reset(token)


@dataclass(frozen=True)
class PooledFake(Fake):
    """``Fake`` that borrows its generator from the current lease, if any."""

    locale: str = "en_US"
    weighting: bool = False

    @classmethod
    def of(cls, fake: Fake, locale: str, weighting: bool) -> PooledFake:
        return cls(
            fake.method,
            fake.args,
            null_weight=fake.null_weight,
            unique=fake.unique,
            seed_by=fake.seed_by,
            locale=locale,
            weighting=weighting,
        )

    def compile(self, ctx: CompileContext) -> Draw:
        lease = _current.get()
        if lease is None:
            return super().compile(ctx)
        key = (self.locale, self.method, repr(sorted(self.args.items())))
        if key not in _checked:  # the first time: Fake's own checks (method, signature)
            draw = super().compile(_Borrowing(ctx, lease, self.locale, self.weighting))
            _checked.add(key)
            return draw
        # Checked before: what Fake.compile does, without inspecting the signature
        # again (~16 µs per field per test). The sample draw is kept: it advances the
        # stream exactly as Fake.compile does, so the values stay the same.
        generator = lease.take(self.locale, self.weighting, ctx.rng)
        method = getattr(generator, self.method)
        args = dict(self.args)
        plain = type(method(**args)) in JSON_SCALARS
        fast = fast_method(generator, self.method, args)  # as Fake.compile: Faker's data
        if fast is not None:
            return (lambda row: fast()) if plain else (lambda row: jsonable(fast()))
        if not plain:
            return lambda row: jsonable(method(**args))
        if args:
            return lambda row: method(**args)
        return lambda row: method()


class _Borrowing:
    """A compile context whose ``faker()`` borrows instead of building."""

    def __init__(self, ctx: CompileContext, lease: Lease, locale: str, weighting: bool) -> None:
        self._ctx = ctx
        self._lease = lease
        self._locale = locale
        self._weighting = weighting

    @property
    def entity(self) -> str:
        return self._ctx.entity

    @property
    def field(self) -> str:
        return self._ctx.field

    @property
    def rng(self) -> random.Random:
        return self._ctx.rng

    def faker(self) -> Any:
        return self._lease.take(self._locale, self._weighting, self._ctx.rng)

    def field_draw(self, name: str) -> Draw:
        return self._ctx.field_draw(name)

    def import_function(self, spec: str) -> Callable[..., Any]:
        return self._ctx.import_function(spec)
