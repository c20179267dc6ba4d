"""A compact set of values seen, for ``unique``: 32-bit fingerprints in one
``array('i')`` with open addressing (6 to 12 bytes per value, at a load between a
third and two thirds), instead of a Python set holding every value (about 140 bytes
per value). 64-bit fingerprints cost twice as much, which at 10 million planned
books (library's unique ISBNs) was 128 MB of a 300 MB budget. The planner sizes
each set for the entity's expected count (up to 16 million values), so a large plan
does not double its table while planning: a doubling holds the old table and the
new one at once (at 8.6 million books, 67 + 134 MB at a load of a half).

A false positive — a new value whose fingerprint is already there, n/2³² likely
with n values seen (0.2% at 8 million) — only makes the planner draw once more;
it never lets a duplicate through. In a value space used almost whole, it may
leave a few values undrawn (about n²/2³² of them).
Fingerprints are XXH3 digests of the value's repr (xxhash: stable across
processes and machines, unlike ``hash()``, and 4x cheaper than blake2b), so they,
and therefore the plan, are the same in every process.
"""

from __future__ import annotations

from array import array

import xxhash

__all__ = ["MAX_PRESIZE", "SIGNED", "XXH3", "FingerprintSet", "digest", "digest_pair"]

_xxh3 = xxhash.xxh3_64_intdigest
_SIGNED = 1 << 31
_ZERO = (0,)
MAX_PRESIZE = 1 << 24  # values a set makes room for up front (a 2**25-slot table, 128 MB)
XXH3, SIGNED = _xxh3, _SIGNED  # for fingerprints computed inline (fields.py)


def digest(text: str) -> int:
    """The fingerprint of a value's canonical text (its repr, or a combination's
    reprs joined): the top 32 bits of its XXH3, signed (array('i')), never 0 (0
    marks an empty slot)."""
    return ((_xxh3(text.encode()) >> 32) - _SIGNED) or 1


def digest_pair(a: object, b: object) -> int:
    """The fingerprint of a two-part combination. The common one, an instance
    index (a link) and a text (library's ``[tenant_id, isbn]``), is the text's XXH3
    seeded with the index, 2.5x cheaper than the digest of the parts' reprs; any
    other pair is the digest of its reprs joined by NUL (no repr holds one). A pair
    always takes the same way, so its fingerprint is stable."""
    if a.__class__ is int and b.__class__ is str and 0 <= a < _SEED_LIMIT:
        return ((_xxh3(b.encode(), seed=a) >> 32) - _SIGNED) or 1
    return digest(f"{a!r}\x00{b!r}")


_SEED_LIMIT = 1 << 64


class FingerprintSet:
    __slots__ = ("_mask", "_size", "_table")

    def __init__(self, capacity: int = 0) -> None:
        """``capacity``: the values expected (the table holds them at a load of at
        most two thirds without growing); at most 2**24 are made room for at once."""
        slots = 1024
        while 2 * slots < 3 * min(capacity, MAX_PRESIZE):
            slots *= 2
        self._table = array("i", _ZERO) * slots  # no bytes() copy: one allocation
        self._mask = slots - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @staticmethod
    def fingerprint(value: object) -> int:
        return digest(repr(value))

    def add(self, value: object) -> bool:
        """Adds ``value``; False if it (or its fingerprint) was already there."""
        return self.add_digest(digest(repr(value)))

    def add_digest(self, fp: int) -> bool:
        """Adds a fingerprint made by :func:`digest`; False if it was already there."""
        table, mask = self._table, self._mask
        i = fp & mask
        while True:
            current = table[i]
            if current == 0:
                table[i] = fp
                self._size += 1
                if 3 * self._size > 2 * mask:  # load above two thirds
                    self._grow()
                return True
            if current == fp:
                return False
            i = (i + 1) & mask

    def __contains__(self, value: object) -> bool:
        fp = self.fingerprint(value)
        table, mask = self._table, self._mask
        i = fp & mask
        while True:
            current = table[i]
            if current == 0:
                return False
            if current == fp:
                return True
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self._table
        slots = 2 * len(old)
        table = array("i", _ZERO) * slots
        mask = slots - 1
        for fp in old:
            if fp:
                i = fp & mask
                while table[i]:
                    i = (i + 1) & mask
                table[i] = fp
        self._table, self._mask = table, mask

    def nbytes(self) -> int:
        return self._table.itemsize * len(self._table)
