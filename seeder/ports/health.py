"""What a port knows of its service's health while a run goes: how many commands
are retrying now and why, for how long the service has answered nothing, and
whether it stayed silent through a whole retry budget (then the run stops rather
than let every remaining command wait out its own budget in turn).

An *answer* is any response that is not a transient failure: a success or a
rejection both say the service is up. A 503 or a refused connection is not one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Health"]


class Health:
    """Counters the HTTP port keeps as it sends (cheap: one increment per answer).

    ``silent_for()`` is the time since the first transient failure that followed
    the last answer (0 while answers keep coming). ``down`` is set, with the last
    failure's reason, when a command gives up after retrying with nothing
    answered for ``at_least`` seconds: the whole retry budget (at least a second,
    so that ``--retry-for 0`` stops on an outage, not on one failure among answers).
    """

    __slots__ = (
        "_clock",
        "_streak",
        "answers",
        "at_least",
        "down",
        "quiet_since",
        "reason",
        "retrying",
    )

    def __init__(self, at_least: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.at_least = max(at_least, 1.0)
        self.answers = 0
        self.retrying = 0  # commands between their first failure and their last attempt
        self.reason = ""  # the last transient failure's
        self.quiet_since = 0.0
        self._streak = -1  # the answer count when the current streak of failures began
        self.down: str | None = None

    def failed(self, reason: str) -> None:
        """A transient failure (a refused connection, a timeout, a 503)."""
        self.reason = reason
        if self._streak != self.answers:  # answers came since: a new streak starts
            self._streak = self.answers
            self.quiet_since = self._clock()

    def silent_for(self) -> float:
        if self._streak != self.answers:
            return 0.0
        return self._clock() - self.quiet_since

    def gave_up(self, reason: str) -> None:
        """A command ran out of retries: the service is down if nothing answered
        through the whole budget."""
        if self.down is None and self.silent_for() >= self.at_least:
            self.down = (
                f"the service answered nothing for {self.silent_for():.0f}s ({reason}), "
                "a whole retry budget"
            )
