"""Compiling one field: a provider's draw, wrapped in its options.

- :class:`FieldContext` is what a provider sees while it compiles (its own random
  stream, a Faker generator bound to that stream, user functions);
- :func:`wrap_options` adds ``null_weight``, ``unique`` and ``seed_by`` around the
  provider's draw;
- :func:`seed_by_hooks` tells when a ``seed_by`` key changes and re-seeds the stream;
- :func:`with_unique` guards each entity-level ``unique`` combination: its
  last-drawn field is drawn again until the combination is new.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seeder.errors import InvalidProvider, PlanError
from seeder.model.types import EntityModel, Kind
from seeder.plan.builders import flatten
from seeder.plan.fingerprints import SIGNED, XXH3, FingerprintSet, digest, digest_pair
from seeder.plan.streams import derive_seed, stream
from seeder.providers import Provider, Row
from seeder.providers.base import CompileContext, Draw, inline
from seeder.scenario import Scenario
from seeder.scenario.modules import import_function

__all__ = [
    "REUSE_TRIES",
    "UNIQUE_TRIES",
    "FieldContext",
    "NoLocale",
    "Streams",
    "UniqueGuard",
    "seed_by_hooks",
    "with_unique",
    "wrap_options",
]

UNIQUE_TRIES = 100  # draws of a unique value (or combination) before planning stops
REUSE_TRIES = 20  # reuses of existing referenced entities before a new one is made


class NoLocale(InvalidProvider):
    """The scenario's locale is unknown to Faker (said once, at the locale's line)."""


Streams = Callable[[int, str, str], random.Random]


class FieldContext:
    """A provider's view of the scenario while it compiles (a CompileContext).
    ``streams`` makes the field's stream (``given`` lends re-seeded ones)."""

    def __init__(
        self, scenario: Scenario, seed: int, entity: str, field: str, streams: Streams = stream
    ) -> None:
        self.scenario = scenario
        self.entity = entity
        self.field = field
        self.rng = streams(seed, entity, field)

    def faker(self) -> Any:
        scenario = self.scenario
        generator = _clone(_template(scenario.locale, scenario.faker_weighting))
        generator.random = self.rng  # this field's own stream, re-seedable by seed_by
        return generator

    def field_draw(self, name: str) -> Draw:
        return lambda row: row.values[name]

    def import_function(self, spec: str) -> Callable[..., Any]:
        return import_function(spec, self.scenario.base_dir)


# (locale, weighting) -> a Faker generator that no field draws with: each field gets
# a copy (:func:`_clone`), 15x cheaper than building one (Faker instantiates and
# introspects its ~25 providers for each generator)
_TEMPLATES: dict[tuple[str, bool], Any] = {}


def _template(locale: str, weighting: bool) -> Any:
    template = _TEMPLATES.get((locale, weighting))
    if template is None:
        from seeder.providers.fakers import new_faker  # Faker: only for scenarios using it

        try:
            fake = new_faker(locale, weighting)
        except AttributeError as exc:
            raise NoLocale(f"Faker has no locale {locale!r}; e.g. en_US, de_DE, ja_JP") from exc
        template = _TEMPLATES[(locale, weighting)] = fake[locale]
    return template


def _clone(template: Any) -> Any:
    """A generator of its own, as Faker would build it: copies of the template's
    providers bound to the copy, and its methods (formatters) bound to them."""
    generator = copy.copy(template)
    clones: dict[int, Any] = {}
    providers = []
    for provider in template.providers:
        clone = copy.copy(provider)
        clone.generator = generator
        clones[id(provider)] = clone
        providers.append(clone)
    generator.providers = providers
    for name, value in list(vars(template).items()):
        owner = getattr(value, "__self__", None)
        if owner is not None and id(owner) in clones:
            setattr(generator, name, getattr(clones[id(owner)], value.__name__))
    return generator


def seed_by_hooks(
    provider: Provider, em: EntityModel, name: str, rng: random.Random, seed: int
) -> tuple[Callable[[Row], object] | None, Callable[[object], None] | None]:
    """For a ``seed_by`` provider: the key its value depends on (the referenced
    instance, or the field's value), and how to re-seed its stream for a key."""
    key_field = provider.seed_by
    if not key_field:
        return None, None
    key_kind = em.kinds.get(key_field)
    entity = em.name

    if key_kind is not None and key_kind.is_ref:

        def seed_key(row: Row) -> object:
            return ("@", row.links.get(key_field))
    else:

        def seed_key(row: Row) -> object:
            return row.values.get(key_field)

    def reseed(key: object) -> None:
        rng.seed(derive_seed(seed, entity, name, "seed_by", key))
        for reset in getattr(rng, "seeder_resets", ()):  # draws made ahead (fastfake)
            reset()

    return seed_key, reseed


def wrap_options(
    provider: Provider,
    draw: Draw,
    ctx: CompileContext,
    seed_key: Callable[[Row], object] | None,
    reseed: Callable[[object], None] | None,
    expected: float = 0.0,
) -> Draw:
    """Adds ``null_weight``, ``unique`` and ``seed_by`` around a compiled draw;
    ``expected``: the entity's expected count, which a unique set is sized for."""
    rng = ctx.rng
    p = provider.null_weight
    if p > 0.0:
        inner = draw

        def draw_nullable(row: Row) -> Any:
            if rng.random() < p:
                return None
            return inner(row)

        draw = inline(
            draw_nullable,
            "None if {p}rand() < {p}p else {inner}",
            rand=rng.random,
            p=p,
            inner=inner,
        )

    if provider.unique:
        seen = FingerprintSet(round(expected))
        inner_u = draw
        where = f"{ctx.entity}.{ctx.field}"

        def draw_unique(row: Row) -> Any:
            for _ in range(UNIQUE_TRIES):
                value = inner_u(row)
                if value is None or seen.add(value):
                    return value
            raise PlanError(
                f"{where}: no unused value after {UNIQUE_TRIES} draws at item "
                f"{ctx.entity}:{row.n}; its value space is too small for unique: widen "
                "the provider (more choices, a longer pattern) or lower the count"
            )

        draw = draw_unique

    if seed_key is not None and reseed is not None:
        inner_s = draw
        last: list[object] = [object()]

        def draw_seeded(row: Row) -> Any:
            key = seed_key(row)
            if key != last[0]:
                reseed(key)
                last[0] = key
            return inner_s(row)

        draw = draw_seeded
    return draw


@dataclass(frozen=True, slots=True)
class UniqueGuard:
    """One ``unique`` combination of an entity: the field drawn last, the fields
    (and which of them are links to referenced instances), and what was seen.
    ``fingerprint`` is the combination's digest for a row (its parts' reprs joined
    by NUL, which no repr holds), compiled once for the combination's shape."""

    last: str
    combo: tuple[str, ...]
    is_link: tuple[bool, ...]
    seen: FingerprintSet
    fingerprint: Callable[[Row], int]

    def key(self, row: Row) -> tuple[Any, ...]:
        return tuple(
            row.links.get(f) if lk else row.values.get(f)
            for f, lk in zip(self.combo, self.is_link, strict=True)
        )


def _combo_fingerprint(combo: tuple[str, ...], is_link: tuple[bool, ...]) -> Callable[[Row], int]:
    if len(combo) == 2:  # the common (parent, value) pair, without a loop
        (a, b), (la, lb) = combo, is_link

        def pair(row: Row) -> int:
            va = row.links.get(a) if la else row.values.get(a)
            vb = row.links.get(b) if lb else row.values.get(b)
            return digest_pair(va, vb)

        return pair
    parts = tuple(zip(combo, is_link, strict=True))

    def fingerprint(row: Row) -> int:
        links, values = row.links, row.values
        return digest("\x00".join([repr(links.get(f) if lk else values.get(f)) for f, lk in parts]))

    return fingerprint


def with_unique(
    em: EntityModel,
    steps: list[tuple[str, Draw]],
    creators: dict[str, Callable[[Row], Any]],
) -> tuple[list[tuple[str, Draw]], list[UniqueGuard]]:
    """Wraps the last-drawn field of each of ``em``'s unique combinations so that it
    is drawn again until the combination is new. ``creators`` (by field) make a new
    referenced instance when existing ones are used up."""
    entity = em.name
    order = [n for n, _ in steps]
    result = dict(steps)
    guards: list[UniqueGuard] = []
    for combo in em.unique:
        last = max(combo, key=lambda f: order.index(f) if f in order else -1)
        if last not in result:
            continue
        is_link = tuple(_is_ref(em.kinds.get(f)) for f in combo)
        guard = UniqueGuard(
            last,
            tuple(combo),
            is_link,
            FingerprintSet(round(em.expected)),
            _combo_fingerprint(tuple(combo), is_link),
        )
        guards.append(guard)
        result[last] = _unique_draw(entity, guard, result[last], creators.get(last))
    return [(n, result[n]) for n in order], guards


def _is_ref(kind: Kind | None) -> bool:
    return kind is not None and kind.is_ref


def _unique_draw(
    entity: str, guard: UniqueGuard, inner: Draw, creator: Callable[[Row], Any] | None
) -> Draw:
    """``inner`` drawn again until ``guard``'s combination is new. Inlinable: the
    builders write ``check(row, <inner's expression>)``, one call for the guard."""
    last, add, fingerprint = guard.last, guard.seen.add_digest, guard.fingerprint
    flat = flatten(inner)

    def check(row: Row, value: Any) -> Any:
        row.values[last] = value
        if add(fingerprint(row)):  # the common case: new at the first draw
            return value
        return again(row)

    if len(guard.combo) == 2 and guard.is_link == (True, False) and guard.combo[1] == last:
        # (a link, the value drawn): library's [tenant_id, isbn]. digest_pair's
        # fingerprint, computed here for a text (a link is an index, >= 0)
        link_field = guard.combo[0]

        def check_pair(row: Row, value: Any) -> Any:
            row.values[last] = value
            link = row.links.get(link_field)
            if link.__class__ is int and value.__class__ is str:
                fp = ((XXH3(value.encode(), link) >> 32) - SIGNED) or 1
            else:
                fp = fingerprint(row)
            if add(fp):
                return value
            return again(row)

        check = check_pair

    def draw(row: Row) -> Any:
        return check(row, flat(row))

    def again(row: Row) -> Any:
        """Draws until the combination is new (a repeat was drawn first)."""
        for attempt in range(1, UNIQUE_TRIES):
            # after REUSE_TRIES, existing ones are used up: make a new one
            make = creator if creator is not None and attempt >= REUSE_TRIES else flat
            value = make(row)
            row.values[last] = value
            if add(fingerprint(row)):
                return value
        raise PlanError(
            f"{entity}: no new combination of unique {list(guard.combo)} after "
            f"{UNIQUE_TRIES} draws at item {entity}:{row.n}; there are too few "
            "candidates left: add more of the referenced entities or plan fewer "
            f"{entity}"
        )

    return inline(draw, "{p}check(row, {inner})", check=check, inner=inner)
