"""Run statistics and the report: created / rejected / failed / skipped per entity,
throughput, latency percentiles, the top rejection reasons in the service's words,
retries, and the achieved distributions of every reference next to what the
scenario asked for."""

from __future__ import annotations

import json
import math
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seeder.plan.items import PlanItem
from seeder.ports import Outcome
from seeder.providers.references import Ref

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = ["REPORT_VERSION", "EntityCounts", "RunStats", "duration"]

# The JSON report's format (seeder/report.schema.json describes it): raised when a
# field changes meaning or goes away; new fields may appear within a version.
REPORT_VERSION = 1


@dataclass
class EntityCounts:
    created: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    uncertain: int = 0  # may have been applied; not sent again (no idempotency)
    earlier: int = 0  # done by the run this one resumes


@dataclass
class RunStats:
    entities: dict[str, EntityCounts] = field(default_factory=dict)
    latencies: array[float] = field(default_factory=lambda: array("d"), repr=False)
    rejections: Counter[tuple[str, int | None, str]] = field(default_factory=Counter)
    failures: Counter[tuple[str, int | None, str]] = field(default_factory=Counter)
    skip_causes: Counter[tuple[str, str]] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    uses: dict[tuple[str, str], array[int]] = field(default_factory=dict, repr=False)
    started_at: float = 0.0
    finished_at: float = 0.0
    track_fields: dict[str, list[str]] = field(default_factory=dict)
    reacquired: int = 0  # credentials fetched again on resume
    notes: list[str] = field(default_factory=list)
    interrupted: str | None = None  # the signal that stopped the run
    stopped: str | None = None  # why the run stopped before the plan's end (service down)
    uncertain_keys: list[str] = field(default_factory=list)
    command_of: dict[str, str] = field(default_factory=dict)  # entity -> its command's name
    # how each uncertain item was settled (recovery without idempotency keys)
    settlements: Counter[tuple[str, str]] = field(default_factory=Counter)
    pacing: Any = None  # the executor's concurrency limit (run.pacing), for its trace
    settled_keys: list[tuple[str, str, str]] = field(default_factory=list)  # key, how, why

    def cut_short(self) -> str | None:
        """Why the run ended before its plan did, in words (None: it did not)."""
        if self.interrupted:
            return f"interrupted by {self.interrupted}"
        if self.stopped:
            return f"stopped: {self.stopped}"
        return None

    def track(self, model: Model) -> None:
        """Measure the achieved distribution of each reference of ``model``."""
        for name, em in model.entities.items():
            fields = [f for f, p in em.providers.items() if isinstance(p, Ref)]
            if isinstance(em.spec.actor, Ref):
                fields.append("actor")
            if fields:
                self.track_fields[name] = fields

    def start(self) -> None:
        self.started_at = time.monotonic()

    def finish(self) -> None:
        self.finished_at = time.monotonic()

    def _counts(self, entity: str, command: str | None = None) -> EntityCounts:
        counts = self.entities.get(entity)
        if counts is None:
            counts = self.entities[entity] = EntityCounts()
            if command is not None:
                self.command_of[entity] = command
        return counts

    def _retried(self, outcome: Outcome) -> None:
        for reason, n in outcome.retries_by_reason.items():
            self.retries[reason] += n

    def created(self, item: PlanItem, latency: float, outcome: Outcome) -> None:
        self._counts(item.entity, item.command).created += 1
        self.latencies.append(latency)
        self._retried(outcome)
        fields = self.track_fields.get(item.entity)
        if fields and item.links:
            for f in fields:
                target = item.links.get(f)
                if target is None:
                    continue
                uses = self.uses.get((item.entity, f))
                if uses is None:
                    uses = self.uses[(item.entity, f)] = array("q")
                if len(uses) <= target:
                    uses.extend([0] * (target + 1 - len(uses)))
                uses[target] += 1

    def rejected(self, item: PlanItem, outcome: Outcome, latency: float) -> None:
        self._counts(item.entity, item.command).rejected += 1
        self.latencies.append(latency)
        self._retried(outcome)
        self.rejections[(item.command, outcome.status, outcome.message[:200])] += 1

    def failed(self, item: PlanItem, outcome: Outcome, latency: float | None = None) -> None:
        self._counts(item.entity, item.command).failed += 1
        if latency is not None:
            self.latencies.append(latency)
        self._retried(outcome)
        self.failures[(item.command, outcome.status, outcome.message[:200])] += 1

    def uncertain(self, item: PlanItem, outcome: Outcome, latency: float | None = None) -> None:
        self._counts(item.entity, item.command).uncertain += 1
        if latency is not None:
            self.latencies.append(latency)
        self._retried(outcome)
        if len(self.uncertain_keys) < 1000:
            self.uncertain_keys.append(item.key)

    def settled(self, item: PlanItem, how: str, why: str = "") -> None:
        """An uncertain item settled by its binding's lookup (see run.recovery);
        ``why`` says what the lookup could not tell."""
        self.settlements[(item.entity, how)] += 1
        if len(self.settled_keys) < 10_000:
            self.settled_keys.append((item.key, how, why))

    def earlier(self, item: PlanItem) -> None:
        """Done by the run being resumed."""
        self._counts(item.entity, item.command).earlier += 1

    def rejected_earlier(self, item: PlanItem) -> None:
        self._counts(item.entity, item.command).rejected += 1
        self.rejections[(item.command, None, "(rejected in the run being resumed)")] += 1

    def skipped(self, item: PlanItem, cause: str) -> None:
        """``cause``: the dependency's key, maybe followed by why (``"user:9 (never
        planned or sent)"``); causes are counted by the dependency's entity."""
        self._counts(item.entity, item.command).skipped += 1
        entity, _, rest = cause.partition(":")
        why = rest.partition(" ")[2].strip("()")
        self.skip_causes[(item.entity, f"{entity}, {why}" if why else entity)] += 1

    # -- the report -------------------------------------------------------------

    @property
    def total(self) -> EntityCounts:
        total = EntityCounts()
        for c in self.entities.values():
            total.created += c.created
            total.rejected += c.rejected
            total.failed += c.failed
            total.skipped += c.skipped
            total.uncertain += c.uncertain
            total.earlier += c.earlier
        return total

    @property
    def ok(self) -> bool:
        t = self.total
        return (
            t.rejected == t.failed == t.skipped == t.uncertain == 0
            and not self.interrupted
            and not self.stopped
        )

    def as_dict(self, model: Model | None = None) -> dict[str, Any]:
        elapsed = max(self.finished_at - self.started_at, 1e-9)
        t = self.total
        lat = sorted(self.latencies)
        sent = t.created + t.rejected + t.failed
        return {
            "version": REPORT_VERSION,
            "ok": self.ok,
            "elapsed_seconds": round(elapsed, 3),
            "commands_per_second": round(sent / elapsed, 1),
            "totals": vars(t),
            "entities": {k: vars(v) for k, v in sorted(self.entities.items())},
            "latency_ms": {
                name: round(_percentile(lat, q) * 1000, 3) if lat else None
                for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
            },
            "rejections": [
                {"command": c, "status": s, "message": m, "count": n}
                for (c, s, m), n in self.rejections.most_common(10)
            ],
            "failures": [
                {"command": c, "status": s, "message": m, "count": n}
                for (c, s, m), n in self.failures.most_common(10)
            ],
            "skipped_because": [
                {"entity": e, "cause": c, "count": n}
                for (e, c), n in self.skip_causes.most_common(10)
            ],
            "retries": dict(self.retries.most_common()),
            "uncertain": self.uncertain_keys,
            "settled": {
                "counts": [
                    {"entity": e, "how": h, "count": n}
                    for (e, h), n in sorted(self.settlements.items())
                ],
                "items": [
                    {"key": k, "how": h, **({"why": w} if w else {})}
                    for k, h, w in self.settled_keys
                ],
            },
            "credentials_reacquired": self.reacquired,
            "notes": self.notes,
            "interrupted": self.interrupted,
            "stopped": self.stopped,
            "concurrency": self.pacing.as_dict() if self.pacing is not None else None,
            "distributions": self.distributions(model),
        }

    def distributions(self, model: Model | None) -> list[dict[str, Any]]:
        rows = []
        for (entity, f), uses in sorted(self.uses.items()):
            used = sorted((u for u in uses if u), reverse=True)
            if not used:
                continue
            total = sum(used)
            top = used[: max(1, math.ceil(len(used) * 0.2))]
            row: dict[str, Any] = {
                "reference": f"{entity}.{f}",
                "referenced": len(used),
                "mean_uses": round(total / len(used), 2),
                "max_uses": used[0],
                "top_20pct_share": round(sum(top) / total, 3),
            }
            if model is not None:
                em = model.entities[entity]
                ref = em.spec.actor if f == "actor" else em.providers.get(f)
                if isinstance(ref, Ref):
                    row["target"] = ref.entity
                    row["asked"] = {
                        k: v
                        for k, v in (
                            ("mean", ref.mean),
                            ("skew", ref.skew),
                            ("weights", ref.weights),
                        )
                        if v is not None
                    }
            rows.append(row)
        return rows

    def to_json(self, model: Model | None = None) -> str:
        return json.dumps(self.as_dict(model), indent=2, default=list)


def duration(seconds: float) -> str:
    """``42s``, ``3m07s``, ``2h05m``: a duration as progress lines and estimates say it."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    k = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k]
