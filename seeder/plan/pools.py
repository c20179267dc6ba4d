"""Final pools: where a reference with ``mean`` draws its uses.

The pool made on demand has a size known from the plan (the reference's expected
uses / ``mean``); each use draws a *rank* in it, and the entity of a rank is
created at the rank's first use (:class:`FinalPool` keeps rank → instance index,
8 bytes a rank). So the uses by rank follow the asked shape over the final pool,
as they would over a fixed pool of that size:

- ``skew``/``weights``: the rank is ``floor(n * x)``, ``x`` drawn as for a fixed
  pool (:func:`~seeder.providers.references.popularity`);
- uniform: the uses are dealt — every round visits each rank once, in an order
  shuffled per round (:class:`Deal`) — so each entity gets ``floor`` or ``ceil``
  of uses / n (``mean: 1`` is one-to-one, the first-quartile share is 1/4).

Ranks never drawn (the tail of a steep shape, or fewer uses than expected) are
created at the end of the plan (:meth:`FinalPool.unused`): the final pool holds
exactly n, and uses per entity average ``mean``.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Iterator

__all__ = ["Deal", "FinalPool"]

_ROUNDS = 4  # Feistel rounds: enough to look shuffled; it is not cryptography
_MIX = 0x9E3779B97F4A7C15


class Deal:
    """The uses of a uniform reference: each round a permutation of ``range(n)``
    (a keyed Feistel network over the next even power of two, walking the cycle
    back into range), O(1) memory; new keys each round, from ``rng``."""

    __slots__ = ("half", "keys", "mask", "n", "rng", "t")

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n = n
        self.rng = rng
        bits = max(2, (n - 1).bit_length())
        self.half = (bits + 1) // 2
        self.mask = (1 << self.half) - 1
        self.t = n  # starts a round at the first draw
        self.keys: list[int] = []

    def _permute(self, x: int) -> int:
        half, mask = self.half, self.mask
        left, right = x >> half, x & mask
        for key in self.keys:
            f = ((right * _MIX + key) >> 17) & mask
            left, right = right, left ^ f
        return (left << half) | right

    def __call__(self) -> int:
        n = self.n
        if self.t >= n:
            self.t = 0
            self.keys = [self.rng.getrandbits(64) for _ in range(_ROUNDS)]
        x = self.t
        self.t += 1
        while True:  # cycle walking: a permutation of the power of two, restricted to n
            x = self._permute(x)
            if x < n:
                return x


class FinalPool:
    """Rank → instance index for one reference's final pool of ``n`` ranks, in
    ``bands`` equal rank bands (a ``weights`` reference's; one otherwise);
    ``rank`` draws the rank of the next use."""

    __slots__ = ("bands", "free", "n", "rank", "slots")

    def __init__(self, n: int, rank: Callable[[], int], bands: int = 1) -> None:
        self.n = n
        self.rank = rank
        self.slots = array("q", [-1]) * n
        self.bands = max(1, min(bands, n))
        # per band, its first rank not created yet (or the band's end)
        self.free = [self._low(b) for b in range(self.bands)]

    def _low(self, band: int) -> int:
        return band * self.n // self.bands

    @staticmethod
    def of(
        n: int, rng: random.Random, position: Callable[[], float] | None, bands: int = 1
    ) -> FinalPool:
        """A pool of ``n`` ranks drawn by ``position`` (a shape), or dealt evenly
        (None: uniform)."""
        if position is None:
            return FinalPool(n, Deal(n, rng))
        last = n - 1
        return FinalPool(n, lambda: min(int(n * position()), last), bands)

    def band_of(self, rank: int) -> int:
        band = min(self.bands - 1, rank * self.bands // self.n)
        while band > 0 and self._low(band) > rank:
            band -= 1
        while band < self.bands - 1 and self._low(band + 1) <= rank:
            band += 1
        return band

    def next_free(self, band: int | None = None) -> int | None:
        """The first rank not created yet (in ``band``, or in any; None: none)."""
        slots = self.slots
        for b in range(self.bands) if band is None else (band,):
            end = self._low(b + 1)
            r = self.free[b]
            while r < end and slots[r] >= 0:
                r += 1
            self.free[b] = r
            if r < end:
                return r
        return None

    def unused(self, create: Callable[[], int]) -> Iterator[int]:
        """Creates the ranks no use has drawn, one at a time (each step yields the
        new instance's index, so that the planner emits it and its children)."""
        while (r := self.next_free()) is not None:
            self.slots[r] = idx = create()
            yield idx

    def nbytes(self) -> int:
        return self.slots.itemsize * len(self.slots)
