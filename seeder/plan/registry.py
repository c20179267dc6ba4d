"""The registry: what exists so far, per entity, in compact columns.

Only what later picks and copies read is kept: the columns a ``from:`` copy, a
``field:`` reference or a ``$ne`` check needs (references as ``array('i')`` of
indexes, 4 bytes each), and the specification indexes (``where`` buckets: value
→ ``array('i')`` of instance indexes) that keep filtered picks O(1). Indexes are
32-bit: an entity holds at most 2,147,483,647 instances in one plan (a plan of
that size would take days to send), said as a plan error past it.
"""

from __future__ import annotations

import json
from array import array
from typing import Any

from seeder.errors import PlanError
from seeder.model.types import EntityModel, SpecIndex
from seeder.providers import Row

__all__ = ["Store"]


_PLAIN = frozenset((str, int, float, bool, type(None)))
INDEX = "i"  # the typecode of instance indexes: 32-bit
MAX_INSTANCES = 2**31 - 1


def hashable(value: Any) -> Any:
    """``value`` as a specification index key: plain values as they are; lists and
    mappings (a ``choice`` of flag lists) by their canonical JSON, in a tuple so
    that no string can collide with them."""
    if value.__class__ in _PLAIN:
        return value
    return ("json", json.dumps(value, sort_keys=True, default=str))


class Store:
    """The instances of one entity: ``done`` of them are complete and pickable."""

    __slots__ = ("count", "done", "indexes", "links", "name", "values")

    def __init__(self, em: EntityModel) -> None:
        self.name = em.name
        self.count = 0  # reserved indexes (an instance being built has one)
        self.done = 0
        self.values: dict[str, list[Any]] = {}
        self.links: dict[str, array[int]] = {}
        for name in sorted(em.stored):
            if em.kinds.get(name) is not None and em.kinds[name].is_ref:
                self.links[name] = array(INDEX)
            else:
                self.values[name] = []
        self.indexes: list[tuple[SpecIndex, dict[Any, array[int]]]] = [
            (spec, {}) for spec in em.specs
        ]

    def bucket_key(self, spec: SpecIndex, row: Row) -> Any:
        if len(spec.fields) == 1:
            f = spec.fields[0]
            return row.links.get(f) if spec.links[0] else hashable(row.values.get(f))
        return tuple(
            row.links.get(f) if is_link else hashable(row.values.get(f))
            for f, is_link in zip(spec.fields, spec.links, strict=True)
        )

    def record(self, idx: int, row: Row) -> None:
        """Makes instance ``idx`` (just built from ``row``) visible to picks."""
        if idx != self.done:  # instances of one entity never nest (no cycles)
            raise AssertionError(f"{self.name}: recorded {idx} out of order")
        if idx >= MAX_INSTANCES:
            raise PlanError(
                f"{self.name}: more than {MAX_INSTANCES:,} instances in one plan; "
                "lower --scale, or split the plan with --shard",
                entity=self.name,
            )
        for name, col in self.values.items():
            col.append(row.values.get(name))
        for name, links in self.links.items():
            link = row.links.get(name)
            links.append(-1 if link is None else link)
        for spec, buckets in self.indexes:
            key = self.bucket_key(spec, row)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = array(INDEX, (idx,))
            else:
                bucket.append(idx)
        self.done += 1

    def nbytes(self) -> int:
        """Approximate memory held by the columns and indexes (for reports/tests)."""
        total = sum(a.itemsize * len(a) for a in self.links.values())
        total += sum(8 * len(v) for v in self.values.values())
        for _, buckets in self.indexes:
            total += sum(a.itemsize * len(a) + 64 for a in buckets.values())
        return total
