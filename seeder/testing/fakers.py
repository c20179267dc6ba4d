"""Random streams, Faker generators and compiled fake draws lent to per-test
planners instead of built for each.

Every test gets a fresh planner (a fresh registry, its own seed), and building a
``Faker`` costs ~2 ms (loading two dozen providers), ~90% of a planner's start-up
on the library scenario; compiling a fake field on it (a name's formats, an
e-mail's) another 20-80 µs. A generator's output, and a compiled draw's, depend
only on the ``random`` they draw from, so:

- the planner's streams are lent (:meth:`Lease.stream`): a ``random.Random`` kept
  per (entity, field), re-seeded as the planner would seed a new one (the same
  state, so the same values);
- a fake field compiled on a lent stream is kept with it (its generator bound to
  that stream, its draw over it): the next test that borrows the stream gets the
  draw back, after the sample draw ``Fake.compile`` makes (so the stream advances
  alike, and the values are those a new planner makes: a test checks it);
- other generators are pooled per (locale, weighting) and bound to the field's
  stream when lent.

Everything goes back to the pools when the test ends. ``PooledFake`` replaces
``Fake`` in the blueprint's scenario; it borrows from the lease of the planner
being built (a context variable set around ``Planner(...)``) and, outside a
lease, behaves exactly like ``Fake``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from seeder.plan.streams import derive_seed
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

# a fake compiled on a lent stream: (locale, weighting, method, arguments) ->
# Faker's method (for the sample draw) and the draw
_FakeKey = tuple[str, bool, str, str]
_Compiled = tuple[Callable[..., Any], dict[str, Any], Draw]


class _Stream:
    """A stream lent to one planner at a time, with the fakes compiled over it."""

    __slots__ = ("compiled", "rng")

    def __init__(self) -> None:
        self.rng = random.Random(0)
        self.compiled: dict[_FakeKey, _Compiled] = {}


_StreamKey = tuple[str, str]  # (entity, field)
_streams: dict[_StreamKey, list[_Stream]] = {}


class Lease:
    """The streams and generators one planner borrowed; :meth:`release` gives
    them back."""

    def __init__(self) -> None:
        self._taken: list[tuple[_Key, Any]] = []
        self._streams: list[tuple[_StreamKey, _Stream]] = []
        self._lent: dict[int, _Stream] = {}  # id(rng) -> its stream, while lent

    def stream(self, seed: int, entity: str, field: str) -> random.Random:
        """The planner's stream of (entity, field) under ``seed``: a lent
        ``random.Random`` re-seeded as :func:`seeder.plan.streams.stream` seeds a
        new one (the same state)."""
        key = (entity, field)
        with _lock:
            free = _streams.get(key)
            lent = free.pop() if free else None
        if lent is None:
            lent = _Stream()
        lent.rng.seed(derive_seed(seed, entity, field))
        for reset in getattr(lent.rng, "seeder_resets", ()):  # draws made ahead (fastfake)
            reset()
        self._streams.append((key, lent))
        self._lent[id(lent.rng)] = lent
        return lent.rng

    def lent(self, rng: random.Random) -> _Stream | None:
        found = self._lent.get(id(rng))
        return found if found is not None and found.rng is rng else None

    def take(self, locale: str, weighting: bool, rng: random.Random, *, kept: bool = False) -> Any:
        """A generator drawing from ``rng``; ``kept``: it stays bound to ``rng``
        (a lent stream's), never given back to the pool."""
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
        if not kept:
            self._taken.append((key, generator))
        return generator

    def release(self) -> None:
        with _lock:
            for key, generator in self._taken:
                _pool.setdefault(key, []).append(generator)
            for skey, lent in self._streams:
                _streams.setdefault(skey, []).append(lent)
        self._taken.clear()
        self._streams.clear()
        self._lent.clear()


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
        arguments = repr(sorted(self.args.items()))
        lent = lease.lent(ctx.rng)
        fake_key = (self.locale, self.weighting, self.method, arguments)
        if lent is not None:
            found = lent.compiled.get(fake_key)
            if found is not None:  # compiled over this stream by an earlier test
                method, args, draw = found
                method(**args)  # Fake.compile's sample draw: the stream advances alike
                return draw
        key = (self.locale, self.method, arguments)
        if key not in _checked:  # the first time: Fake's own checks (method, signature)
            draw = super().compile(_Borrowing(ctx, lease, self.locale, self.weighting))
            _checked.add(key)
            return draw  # not kept: its generator goes back to the pool
        # Checked before: what Fake.compile does, without inspecting the signature
        # again (~16 µs per field per test). The sample draw is kept: it advances the
        # stream exactly as Fake.compile does, so the values stay the same.
        generator = lease.take(self.locale, self.weighting, ctx.rng, kept=lent is not None)
        method = getattr(generator, self.method)
        args = dict(self.args)
        plain = type(method(**args)) in JSON_SCALARS
        draw = _draw(generator, self.method, method, args, plain)
        if lent is not None:  # the generator stays bound to the stream, with the draw
            lent.compiled[fake_key] = (method, args, draw)
        return draw


def _draw(
    generator: Any, name: str, method: Callable[..., Any], args: dict[str, Any], plain: bool
) -> Draw:
    fast = fast_method(generator, name, args)  # as Fake.compile: Faker's data
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
