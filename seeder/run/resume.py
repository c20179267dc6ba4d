"""Resuming a run from its journal.

The plan is made again (it is deterministic), and each item is weighed against what
the journal says of it:

- done: not sent; its real ids are already in the results (restored in bulk). An
  item whose answer held a credential (a member's token) is sent again with its
  idempotency key, which the service answers with the stored response — that is how
  a credential, never journaled, comes back;
- rejected: final, not sent; its dependents are skipped again;
- failed (transient failures that did not apply it) or never journaled: sent;
- sent with no outcome, or uncertain: sent again with the same idempotency key when
  the service honours it; otherwise it may already have been applied: settled by
  its binding's lookup when it has one (:mod:`seeder.run.recovery`), else listed
  as uncertain and not sent, unless ``resend_uncertain``.

A done item whose answer held a credential gets it back through its Credential's
login command when it names one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from seeder.model import Model
from seeder.model.canonical import canonical
from seeder.plan.items import PlanItem
from seeder.ports import Outcome
from seeder.run.bindings import Bindings
from seeder.run.journal import Journal, Mark
from seeder.run.results import Results
from seeder.run.stats import RunStats

__all__ = ["log_identity", "resume_items", "run_identity"]


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()


def run_identity(model: Model, target: str, shard: str = "1/1") -> dict[str, str]:
    """What makes a run the same run: the scenario (as a whole and per entity, so a
    refusal can say which entity changed), seed, scale, shard, and target."""
    scenario = model.scenario
    identity = {
        "fingerprint": model.fingerprint,
        "scenario": str(scenario.source or "<python>"),
        "seed": str(scenario.seed),
        "scale": repr(model.scale),
        "shard": shard,
        "target": target,
    }
    for name, entity in sorted(scenario.entities.items()):
        identity[f"entity:{name}"] = _digest(canonical(entity))
    return identity


def log_identity(path: Path, target: str) -> dict[str, str]:
    """A replayed command log is the same run when its bytes and target are."""
    digest = hashlib.blake2b(digest_size=16)
    for part in sorted(path.iterdir()) if path.is_dir() else [path]:  # a CSV log: its files
        with part.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return {"fingerprint": digest.hexdigest(), "scenario": str(path), "target": target}


def resume_items(
    items: Iterable[PlanItem],
    journal: Journal,
    results: Results,
    stats: RunStats,
    bindings: Bindings,
    *,
    resend_uncertain: bool = False,
    reacquire: set[str],
    settle: set[str] | None = None,
    on_done: Callable[[PlanItem, str], None] | None = None,
) -> Iterator[PlanItem]:
    """The items of ``items`` that still need sending (see the module docstring).
    ``reacquire`` receives the keys of done items sent again for their credential;
    ``settle`` those that may have been applied and that their binding's lookup
    settles (see :mod:`seeder.run.recovery`)."""
    journal.restore(results)
    prior_state = journal.prior_state
    holders = bindings.credential_of_entity
    for item in items:
        state = prior_state(item.key)
        if state == 0 or state == Mark.FAILED:
            yield item
            continue
        idempotent = _idempotent(bindings, item)
        if state == Mark.DONE:
            stats.earlier(item)
            if item.entity in holders and (idempotent or holders[item.entity].login is not None):
                reacquire.add(item.key)
                results.forget(item.key)  # its dependents wait for the credential
                yield item
            elif on_done is not None:
                on_done(item, "earlier")
            continue
        if state == Mark.REJECTED:
            results.failed(item.key)
            stats.rejected_earlier(item)
            if on_done is not None:
                on_done(item, "rejected")
            continue
        # sent with no outcome, or uncertain
        if idempotent or resend_uncertain:
            yield item
            continue
        if settle is not None and _looks_up(bindings, item):
            settle.add(item.key)
            yield item
            continue
        results.failed(item.key)
        stats.uncertain(
            item,
            Outcome(False, uncertain=True, message="in flight when the earlier run stopped"),
        )
        journal.record(item.key, Mark.UNCERTAIN, None, None, "in flight when the run stopped")
        if on_done is not None:
            on_done(item, "uncertain")


def _looks_up(bindings: Bindings, item: PlanItem) -> bool:
    http = bindings.for_item(item).http
    return http is not None and http.lookup is not None


def _idempotent(bindings: Bindings, item: PlanItem) -> bool:
    http = bindings.for_item(item).http
    return http is None or bool(http.idempotent)
