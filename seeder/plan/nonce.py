"""Repeatable sends: the same log sent again and again (a load loop) without
conflicts. A nonce makes every idempotency key new (so the service applies the
commands again instead of replaying its stored answers) and changes the values
the service must find unique: the fields the manifest lists as ``vary`` per
entity (client-chosen identities, unique values, and their copies), text values
getting ``-NONCE`` appended. Numbers and placeholders are kept: server-assigned ids
are new anyway."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from seeder.plan.items import PlanItem

__all__ = ["vary_of_manifest", "with_nonce"]


def vary_of_manifest(manifest: Mapping[str, object] | None) -> dict[str, list[str]]:
    entities = manifest.get("entities") if manifest else None
    if not isinstance(entities, Mapping):
        return {}
    return {
        str(name): [str(f) for f in info.get("vary") or ()]
        for name, info in entities.items()
        if isinstance(info, Mapping)
    }


def vary_item(item: PlanItem, nonce: str, vary: Mapping[str, Sequence[str]]) -> PlanItem:
    """``item`` as sent under ``nonce``."""
    fields = vary.get(item.entity, ())
    body = item.body
    changed = [f for f in fields if isinstance(body.get(f), str)]
    if changed:
        body = dict(body)
        for f in changed:
            body[f] = f"{body[f]}-{nonce}"
    return replace(item, body=body, idempotency_key=f"{item.idempotency_key}~{nonce}")


def with_nonce(
    items: Iterable[PlanItem], nonce: str | None, vary: Mapping[str, Sequence[str]]
) -> Iterator[PlanItem]:
    if not nonce:
        yield from items
        return
    for item in items:
        yield vary_item(item, nonce, vary)
