"""Shards: which part of a plan one process sends (``--shard I/N``, or the index a
Kubernetes Indexed Job or a CI matrix gives in the environment).

Every process plans the whole plan (it is deterministic) and keeps the items of its
shard. The partition is made while planning, in plan order, so every process makes
the same one: an item goes with what it references — the shard of its actor (whose
credential is never shared between processes), else the shard most of its
dependencies are in — unless that shard is ahead of the least loaded one by more
than a slack (5% of the average load, at least 32 items); then, and for an item that
references nothing (a root), it goes to the least loaded shard. So shards stay
within a few percent of each other in size, and a tree (a customer, its meters,
their readings) stays whole unless it is bigger than a shard's fair share (the one
big tenant of a skewed scenario), when its overflow is spread: those references
cross shards and are resolved through the shared journal. :attr:`Partition.cross`
counts them.

Each item is in exactly one shard, and the union of the shards is the plan.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from seeder.errors import SeederError
from seeder.plan.items import PlanItem, split_key

__all__ = ["Partition", "Shard", "parse_shard", "shard_from_environ", "shard_items"]

MAX_SHARDS = 4096
SLACK_SHARE = 0.05  # a shard may run this far ahead of the least loaded one...
SLACK_MIN = 32  # ...or this many items, whichever is more
CAP_MARGIN = 0.02  # with the plan's expected size: a shard takes its share and 2% more


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` of ``total``, 1-based as written (``--shard 2/4``)."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str, where: str = "--shard") -> Shard:
    """``"2/4"`` → ``Shard(2, 4)``; a SeederError (one line) for anything else."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise SeederError(f"{where} needs I/N (shard I of N, 1-based, e.g. 2/4), got {text!r}")
    index, total = int(match[1]), int(match[2])
    return _checked(index, total, where, text)


def _checked(index: int, total: int, where: str, text: str | None = None) -> Shard:
    got = f", got {text!r}" if text is not None else ""
    if not 1 <= total <= MAX_SHARDS:
        raise SeederError(f"{where}: the number of shards must be 1..{MAX_SHARDS}{got}")
    if not 1 <= index <= total:
        raise SeederError(f"{where}: shard {index} does not exist among {total} (1..{total}){got}")
    return Shard(index, total)


# (index variable, total variable, index base, scheduler) in the order they are tried
_SCHEDULERS = (
    ("JOB_COMPLETION_INDEX", "SEEDER_SHARDS", 0, "a Kubernetes Indexed Job"),
    ("CI_NODE_INDEX", "CI_NODE_TOTAL", 1, "GitLab CI parallel"),
    ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0, "CircleCI parallelism"),
    ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0, "Buildkite parallelism"),
)


def shard_from_environ(environ: Mapping[str, str]) -> tuple[Shard | None, str]:
    """The shard the environment gives, and where it was read (for the run's first
    lines): ``SEEDER_SHARD=I/N`` first, then a Kubernetes Indexed Job
    (``JOB_COMPLETION_INDEX``, 0-based, with the total in ``SEEDER_SHARDS`` — the
    Job's ``completions``), GitLab ``parallel:`` (``CI_NODE_INDEX``/``CI_NODE_TOTAL``,
    1-based), CircleCI (``CIRCLE_NODE_INDEX``/``CIRCLE_NODE_TOTAL``) and Buildkite
    (``BUILDKITE_PARALLEL_JOB``/``BUILDKITE_PARALLEL_JOB_COUNT``), both 0-based.
    ``(None, "")`` when none is set, or one shard of one."""
    text = environ.get("SEEDER_SHARD", "").strip()
    if text:
        shard = parse_shard(text, "SEEDER_SHARD")
        return (shard if shard.total > 1 else None), "SEEDER_SHARD"
    for index_name, total_name, base, scheduler in _SCHEDULERS:
        index_text = environ.get(index_name, "").strip()
        if not index_text:
            continue
        total_text = environ.get(total_name, "").strip()
        if not total_text:
            raise SeederError(
                f"{index_name}={index_text} ({scheduler}) gives this process's index but "
                f"{total_name} is not set; set {total_name} to the number of shards "
                "(or pass --shard I/N)"
            )
        shown = f"{index_name}={index_text}, {total_name}={total_text}"
        if not (index_text.isdigit() and total_text.isdigit()):
            raise SeederError(
                f"{shown} ({scheduler}): both must be whole numbers; fix them or pass --shard I/N"
            )
        shard = _checked(int(index_text) + 1 - base, int(total_text), f"{shown} ({scheduler})")
        return (shard if shard.total > 1 else None), f"{index_name}/{total_name}"
    return None, ""


class Partition:
    """Assigns each item of a plan, in plan order, to one of ``total`` shards (0-based
    internally); see the module docstring."""

    def __init__(self, total: int, expected: float | None = None) -> None:
        self.total = total
        # a shard's fair share of the plan (the model's expected size), with a margin
        self.cap = expected / total * (1 + CAP_MARGIN) + SLACK_MIN if expected is not None else None
        self.load = [0] * total
        self._of: dict[str, array[int]] = {}
        self.references = 0  # dependencies seen
        self.cross = 0  # of which in another shard than their dependent's
        self.assigned = 0

    def shard_of(self, key: str) -> int | None:
        """The shard (0-based) of an item already assigned, else None."""
        entity, n = split_key(key)
        shards = self._of.get(entity)
        if shards is None or n >= len(shards):
            return None
        value = shards[n]
        return None if value == 0xFFFF else value

    def _set(self, key: str, shard: int) -> None:
        entity, n = split_key(key)
        shards = self._of.get(entity)
        if shards is None:
            shards = self._of[entity] = array("H")
        if len(shards) <= n:
            shards.extend([0xFFFF] * (n + 1 - len(shards)))
        shards[n] = shard

    def assign(self, item: PlanItem) -> int:
        load = self.load
        least = min(range(self.total), key=load.__getitem__)
        slack = (
            max(SLACK_MIN, int(SLACK_SHARE * self.assigned / self.total))
            if self.cap is None
            else self.assigned  # with a cap, only a full shard sends items elsewhere
        )
        deps = [s for s in map(self.shard_of, item.deps) if s is not None]
        actor = self.shard_of(item.actor) if item.actor is not None else None
        if actor is not None:
            chosen = actor  # its credential lives in that shard's process only
        elif deps:
            votes: dict[int, int] = {}
            for s in deps:
                votes[s] = votes.get(s, 0) + 1
            # the most dependencies; among equals, the least loaded
            chosen = max(votes, key=lambda s: (votes[s], -load[s], -s))
            full = load[chosen] >= self.cap if self.cap is not None else False
            if full or load[chosen] > load[least] + slack:
                chosen = least
        else:
            chosen = least
        self.references += len(deps)
        self.cross += sum(1 for s in deps if s != chosen)
        load[chosen] += 1
        self.assigned += 1
        self._set(item.key, chosen)
        return chosen

    def filter(self, items: Iterable[PlanItem], shard: Shard) -> Iterator[PlanItem]:
        """The items of ``items`` in ``shard`` (all are assigned on the way)."""
        mine = shard.index - 1
        assign = self.assign
        for item in items:
            if assign(item) == mine:
                yield item

    @property
    def cross_share(self) -> float:
        """The share of references that cross shards (0 when there are none)."""
        return self.cross / self.references if self.references else 0.0


def shard_items(
    items: Iterable[PlanItem], shard: Shard, expected: float | None = None
) -> Iterator[PlanItem]:
    """The items of ``items`` (a whole plan, in order, of about ``expected`` items)
    in ``shard``."""
    return Partition(shard.total, expected).filter(items, shard)
