"""Fault injection for the seeder's reliability tests: off unless asked for.

A spec such as ``"status503=0.1,retry_after=0.5,drop=0.02,delay=0.01,delay_seconds=5,seed=7"``
says what fraction of command requests go wrong, and how:

- ``drop``: the command IS applied, then the connection is closed without any
  response (the client sees a transport error, though the data landed);
- ``status503``: the command is NOT applied; the answer is 503, and a fraction
  ``retry_after`` of those carry ``Retry-After: 1``;
- ``delay``: the command IS applied, then the response is held back
  ``delay_seconds`` (a client with a shorter timeout gives up although the data
  landed — the case an idempotent retry must not duplicate).

The fractions split one uniform draw per request, so they are exact marginal
probabilities and at most one fault hits a request (their sum is at most 1). The
n-th command request's fate is a hash of (seed, n): the same seed gives the same
sequence of faults in every run.
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import threading
from dataclasses import dataclass, fields

__all__ = ["Fault", "FaultInjector", "FaultSpec", "FaultSpecError", "parse_faults"]


class FaultSpecError(ValueError):
    """A faults string could not be understood. The demo is a service like any
    other: it has its own errors and imports nothing of seeder's core (the CLI
    turns this one into its one-line message)."""


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"
    UNAVAILABLE = "status503"
    UNAVAILABLE_RETRY_AFTER = "status503+retry_after"
    DELAY = "delay"


@dataclass(frozen=True, slots=True)
class FaultSpec:
    status503: float = 0.0
    retry_after: float = 0.0
    drop: float = 0.0
    delay: float = 0.0
    delay_seconds: float = 5.0
    seed: int = 0

    @property
    def active(self) -> bool:
        return self.status503 > 0 or self.drop > 0 or self.delay > 0

    def decide(self, n: int) -> Fault:
        """The fate of the ``n``-th command request (0-based)."""
        u = _uniform(self.seed, n, 0)
        if u < self.drop:
            return Fault.DROP
        if u < self.drop + self.status503:
            if _uniform(self.seed, n, 1) < self.retry_after:
                return Fault.UNAVAILABLE_RETRY_AFTER
            return Fault.UNAVAILABLE
        if u < self.drop + self.status503 + self.delay:
            return Fault.DELAY
        return Fault.NONE


class FaultInjector:
    """Numbers command requests in arrival order and says each one's fate."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next(self) -> Fault:
        with self._lock:
            n = next(self._counter)
        return self.spec.decide(n)


_FRACTIONS = ("status503", "retry_after", "drop", "delay")
_KEYS = tuple(f.name for f in fields(FaultSpec))


def parse_faults(text: str | None) -> FaultSpec:
    """Parse ``key=value,...``; an empty or missing spec means no faults."""
    if text is None or not text.strip():
        return FaultSpec()
    values: dict[str, float | int] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or key not in _KEYS:
            raise FaultSpecError(
                f"faults: cannot read {part!r}; write key=value with keys {', '.join(_KEYS)}, "
                "e.g. status503=0.1,drop=0.02,seed=7"
            )
        if key in values:
            raise FaultSpecError(f"faults: {key!r} is given twice")
        try:
            values[key] = int(raw) if key == "seed" else float(raw)
        except ValueError:
            kind = "an integer" if key == "seed" else "a number"
            raise FaultSpecError(f"faults: {part!r}: {key} must be {kind}") from None
        if key in _FRACTIONS and not 0.0 <= values[key] <= 1.0:
            raise FaultSpecError(f"faults: {part!r}: {key} is a fraction between 0 and 1")
        if key == "delay_seconds" and not 0.0 <= values[key] <= 3600:
            raise FaultSpecError(f"faults: {part!r}: delay_seconds must be between 0 and 3600")
    spec = FaultSpec(
        status503=float(values.get("status503", 0.0)),
        retry_after=float(values.get("retry_after", 0.0)),
        drop=float(values.get("drop", 0.0)),
        delay=float(values.get("delay", 0.0)),
        delay_seconds=float(values.get("delay_seconds", 5.0)),
        seed=int(values.get("seed", 0)),
    )
    if spec.drop + spec.status503 + spec.delay > 1.0 + 1e-9:
        raise FaultSpecError(
            f"faults: {text!r}: drop + status503 + delay is more than 1 "
            "(each request suffers at most one fault)"
        )
    return spec


def _uniform(seed: int, n: int, stream: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{n}:{stream}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
