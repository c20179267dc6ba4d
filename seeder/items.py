"""A plan item: one command to send, with placeholders for what only the service
will know. Kept apart from the planner so that sending a command log does not
import the planner (and Faker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PlanItem"]


@dataclass(slots=True)
class PlanItem:
    """One command to send: ``refs`` maps fields to placeholders the executor fills
    from the registry of real ids; ``deps`` must be done before it is sent."""

    seq: int
    key: str
    entity: str
    command: str
    body: dict[str, Any]
    refs: dict[str, str]
    deps: list[str]
    actor: str | None
    idempotency_key: str
    links: dict[str, int | None] | None = None  # logical targets by field (for reports)
