"""Which items of a plan one load worker sends: one small function, kept apart so
the run's own sharding (``--shard I/N``) can take its place."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from seeder.plan.items import PlanItem

__all__ = ["shard_items"]


def shard_items(items: Iterable[PlanItem], index: int, total: int) -> Iterator[PlanItem]:
    """The items of shard ``index`` (0-based) of ``total``: an item goes with its
    first dependency (transitively: with the root it was made under, a tenant with
    its authors, books, members and loans), a root by a stable hash of its key. An
    item whose other dependencies fall in another shard is sent there too, and is
    skipped (said so) when they were never made there."""
    if total <= 1:
        yield from items
        return
    shard_of: dict[str, int] = {}
    for item in items:
        if item.deps and item.deps[0] in shard_of:
            shard = shard_of[item.deps[0]]
        else:
            digest = hashlib.blake2b(item.key.encode(), digest_size=8).digest()
            shard = int.from_bytes(digest, "big") % total
        shard_of[item.key] = shard
        if shard == index:
            yield item
