"""A sharded run's references to items other shards make, resolved through the
journal they all share.

An item whose dependency belongs to another shard waits (parked, not holding a
worker) until that dependency's row appears in the journal: a bounded poll asks for
every awaited key in one query, every 20 ms while answers keep coming and backing
off to 0.5 s when none does. Done: its real ids and captured values fill the
results, and the item is sent. Rejected by its shard: the item is skipped, as for a
local dependency. Not there after ``timeout`` seconds (the other shard not started,
or killed and not resumed): the item is skipped with a note that says which shard
to start or resume; a ``--resume`` of this shard sends it later.
"""

from __future__ import annotations

import time

import anyio

from seeder.plan.shards import Partition, Shard
from seeder.run.journal import Journal, Mark
from seeder.run.results import PENDING, Results
from seeder.run.stats import RunStats

__all__ = ["ForeignDeps"]

FASTEST = 0.02  # seconds between polls while answers come
SLOWEST = 0.5  # ... and when none has come for a while


class ForeignDeps:
    def __init__(
        self,
        journal: Journal,
        partition: Partition,
        shard: Shard,
        results: Results,
        stats: RunStats,
        timeout: float,
    ) -> None:
        self.journal = journal
        self.partition = partition
        self.mine = shard.index - 1
        self.shard = shard
        self.results = results
        self.stats = stats
        self.timeout = timeout
        self._wanted: dict[str, tuple[anyio.Event, float]] = {}
        self._kick = anyio.Event()
        self.waited = 0  # distinct keys this shard had to wait for
        self.timed_out = 0

    def foreign(self, key: str) -> bool:
        shard = self.partition.shard_of(key)
        return shard is not None and shard != self.mine

    def pending(self, deps: list[str]) -> bool:
        """Whether some of ``deps`` are another shard's and not known yet."""
        state = self.results.state
        return any(state(dep) == PENDING and self.foreign(dep) for dep in deps)

    async def wait(self, key: str) -> None:
        """Returns once ``key`` is done, rejected or given up on (see the module)."""
        entry = self._wanted.get(key)
        if entry is None:
            entry = self._wanted[key] = (anyio.Event(), time.monotonic())
            self.waited += 1
            self._kick.set()
        await entry[0].wait()

    async def run(self) -> None:
        """The poll, beside the executor (cancelled with it)."""
        interval = FASTEST
        while True:
            if not self._wanted:
                await self._kick.wait()
                self._kick = anyio.Event()
                interval = FASTEST
            found = self.journal.latest(list(self._wanted))
            progressed = False
            for key, (state, values) in found.items():
                if state == Mark.DONE:
                    self.results.done(key, values)
                elif state == Mark.REJECTED:
                    self.results.failed(key)
                else:
                    continue  # sent, failed or uncertain: its shard may still make it
                self._wanted.pop(key)[0].set()
                progressed = True
            now = time.monotonic()
            for key, (event, since) in list(self._wanted.items()):
                if now - since >= self.timeout:
                    self._give_up(key)
                    event.set()
                    del self._wanted[key]
            interval = FASTEST if progressed else min(SLOWEST, interval * 2)
            await anyio.sleep(interval)

    def _give_up(self, key: str) -> None:
        owner = self.partition.shard_of(key)
        self.results.failed(key)
        self.timed_out += 1
        if self.timed_out <= 3:
            self.stats.notes.append(
                f"shard {self.shard}: waited {self.timeout:g}s for {key}, which shard "
                f"{(owner or 0) + 1}/{self.shard.total} makes, and it is not done in the "
                f"journal {self.journal.where}; start or resume that shard (the same command "
                "with its --shard), then --resume this one; or raise --shard-wait"
            )
