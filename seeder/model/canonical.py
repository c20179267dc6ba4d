"""A scenario's canonical form and fingerprint: what makes two scenarios the same,
however they were written (YAML or Python, key order). The fingerprint prefixes
every idempotency key; the journal compares canonical forms per entity."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from seeder.scenario import Scenario

__all__ = ["canonical", "fingerprint"]

# how a scenario is located, served or reached, not what it makes; an existing
# entity's dsn may hold a password, and canonical forms are kept in journals
_NOT_CANONICAL = ("base_dir", "source", "commands", "target", "allowed_targets", "serve", "dsn")


def canonical(obj: Any) -> Any:
    """A description of a scenario that does not depend on how it was written
    (YAML or Python, key order): the basis of its fingerprint."""
    if isinstance(obj, type):
        return obj.__name__
    if is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__name__] + [
            [f.name, canonical(getattr(obj, f.name))]
            for f in fields(obj)
            if f.name not in _NOT_CANONICAL
        ]
    if isinstance(obj, Mapping):
        return sorted(([str(k), canonical(v)] for k, v in obj.items()), key=lambda kv: kv[0])
    if isinstance(obj, list | tuple):
        return [canonical(v) for v in obj]
    if isinstance(obj, dt.date):  # YAML reads 2026-01-31 as a date, Python users write str
        return repr(obj.isoformat())
    return repr(obj)


def fingerprint(scenario: Scenario, scale: float) -> str:
    """12 hex digits of the canonical scenario and the scale (the seed is part of
    the scenario)."""
    return hashlib.blake2b(
        repr([canonical(scenario), repr(scale)]).encode(), digest_size=6
    ).hexdigest()
