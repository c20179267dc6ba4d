"""A plan item: one command to send, with placeholders for what only the service
will know, and the format of keys (``author:17``) and placeholders
(``author:17.id``), parsed here and nowhere else. Kept apart from the planner so
that sending a command log does not import the planner (and Faker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PlanItem", "placeholder_attr", "placeholder_key", "split_key", "split_placeholder"]


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


def split_key(key: str) -> tuple[str, int]:
    """``"author:17"`` → ``("author", 17)``: an item's key is its entity and its
    1-based instance number."""
    entity, _, n = key.rpartition(":")
    return entity, int(n)


def split_placeholder(placeholder: str) -> tuple[str, int, str]:
    """``"author:17.id"`` → ``("author", 17, "id")``. The attribute may itself be a
    dotted path (``"article:3.article.slug"`` → ``("article", 3, "article.slug")``):
    an entity name is an identifier and a number has no dot, so the first dot after
    the key ends it."""
    key, _, attr = placeholder.partition(".")
    entity, n = split_key(key)
    return entity, n, attr


def placeholder_key(placeholder: str) -> str:
    """``"author:17.id"`` → ``"author:17"``."""
    return placeholder.partition(".")[0]


def placeholder_attr(placeholder: str) -> str:
    """``"author:17.id"`` → ``"id"``."""
    return placeholder.partition(".")[2]
