"""Pacing to the service: an adaptive concurrency limit, as in Netflix's
concurrency-limits (``Gradient2Limit``, with ``AIMDLimit``'s backoff on drops).

The limit starts low and, on every answer, moves by the gradient between the
long-term latency (an exponential average over ~600 answers) and this answer's:
while latency holds (within ``tolerance`` × the long-term one) it grows by up to
``queue`` slots, smoothed; as latency rises (a queue forming in the service) the
gradient drops below 1 and so does the limit (by at most half). A *drop* — a
timeout, a 503/429, a refused connection, an answer slower than a quarter of the
request timeout — cuts it multiplicatively (``backoff``), at most once per
latency period so one burst of failures is one cut. It never leaves
``[1, maximum]``; ``maximum`` is ``--concurrency``. When fewer than half the slots
are in use (the plan, not the service, is the bottleneck) it does not grow.

Each change of the limit is kept (time, limit) for the report's trace.
"""

from __future__ import annotations

import time

__all__ = ["AdaptiveLimit", "FixedLimit"]


class FixedLimit:
    """``--no-adaptive``: the limit is ``maximum`` all along."""

    adaptive = False

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.trace: list[tuple[float, int]] = [(0.0, maximum)]

    def sample(self, rtt: float, dropped: bool, inflight: int, timeout: float) -> int:
        return self.limit

    def as_dict(self) -> dict[str, object]:
        return {"adaptive": False, "maximum": self.maximum, "trace": self.trace}


class AdaptiveLimit:
    adaptive = True
    TRACE_POINTS = 5000

    def __init__(
        self,
        maximum: int,
        *,
        initial: int = 8,
        queue: float = 4.0,
        smoothing: float = 0.2,
        tolerance: float = 1.5,
        backoff: float = 0.9,
        long_window: int = 600,
        warmup: int = 10,
    ) -> None:
        self.maximum = maximum
        self.estimate = float(min(maximum, initial))
        self.limit = int(self.estimate)
        self.queue, self.smoothing, self.tolerance = queue, smoothing, tolerance
        self.backoff = backoff
        self._long = 0.0
        self._samples = 0
        self._factor = 2.0 / (long_window + 1)
        self._warmup = warmup
        self._short = 0.0
        self._last_drop = -1e9
        self._now = time.monotonic
        self._started = self._now()
        self.drops = 0
        self.trace: list[tuple[float, int]] = [(0.0, self.limit)]

    def sample(self, rtt: float, dropped: bool, inflight: int, timeout: float) -> int:
        """One answer: its latency, whether it was a drop, the slots in use when it
        came, and its request timeout. Returns the new limit."""
        now = self._now()
        if not dropped and rtt > timeout / 4:  # heading for a timeout: back off now
            dropped = True
        if dropped:
            if now - self._last_drop >= max(self._short, 0.01):
                self._last_drop = now
                self.drops += 1
                self._set(max(1.0, self.estimate * self.backoff), now)
            return self.limit
        self._short = rtt
        self._samples += 1
        if self._samples <= self._warmup:  # a plain mean of the first answers
            self._long += (rtt - self._long) / self._samples
        else:
            self._long += (rtt - self._long) * self._factor
        if rtt > 0 and self._long / rtt > 2:  # back to normal after a long overload
            self._long *= 0.95
        if inflight < self.estimate / 2:  # not using what it has: no reason to grow
            return self.limit
        gradient = max(0.5, min(1.0, self.tolerance * self._long / rtt)) if rtt > 0 else 1.0
        target = self.estimate * gradient + self.queue
        self._set(self.estimate * (1 - self.smoothing) + target * self.smoothing, now)
        return self.limit

    def _set(self, estimate: float, now: float) -> None:
        self.estimate = max(1.0, min(float(self.maximum), estimate))
        limit = int(self.estimate)
        if limit != self.limit:
            self.limit = limit
            if len(self.trace) < self.TRACE_POINTS:
                self.trace.append((round(now - self._started, 3), limit))

    def as_dict(self) -> dict[str, object]:
        return {
            "adaptive": True,
            "maximum": self.maximum,
            "limit": self.limit,
            "drops": self.drops,
            "trace": self.trace,
        }
