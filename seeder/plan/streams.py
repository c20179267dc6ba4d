"""Independent random streams derived from the scenario seed.

Each (entity, field) owns its own ``random.Random``: adding a field or an entity
never shifts the values of another. Nothing here touches ``random``'s module state.
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["derive_seed", "stream"]


def derive_seed(seed: int, *names: object) -> int:
    """A 64-bit seed that depends only on ``seed`` and ``names`` (stable across
    processes and platforms, unlike ``hash()``)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(str(seed).encode())
    for name in names:
        h.update(b"\x00")
        h.update(repr(name).encode())
    return int.from_bytes(h.digest(), "big")


def stream(seed: int, *names: object) -> random.Random:
    """A fresh generator for the stream named by ``names`` under ``seed``."""
    return random.Random(derive_seed(seed, *names))
