"""Repeatable sends: the same log sent again and again (a load loop) without
conflicts. A nonce makes every idempotency key new (so the service applies the
commands again instead of replaying its stored answers) and changes the values
the service must find unique: the fields the manifest lists as ``vary`` per
entity (client-chosen identities, unique values, and their copies), text values
changed so that their shape stays what the service validates:

- a text with digits: its last run of k digits shifted by an offset drawn from the
  nonce, modulo 10**k (``MTR-00000017`` -> ``MTR-58211094``, ``0412`` -> ``7735``):
  the same length and pattern, and distinct values stay distinct within a pass;
  two passes collide only if their offsets fall within the spread of the values
  (about 2N/10**k for N consecutive values, N²/10**k for N random ones);
- an address (``a@b.c``): ``+NONCE`` before the ``@``;
- any other text: ``-NONCE`` appended.

Numbers and placeholders are kept: server-assigned ids are new anyway. The same
value always changes the same way, so copies (``from: parent.centre_code``) and
references to client-chosen ids keep matching."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from seeder.plan.items import PlanItem

__all__ = ["vary_item", "vary_of_manifest", "vary_text", "with_nonce"]


def vary_of_manifest(manifest: Mapping[str, object] | None) -> dict[str, list[str]]:
    entities = manifest.get("entities") if manifest else None
    if not isinstance(entities, Mapping):
        return {}
    return {
        str(name): [str(f) for f in info.get("vary") or ()]
        for name, info in entities.items()
        if isinstance(info, Mapping)
    }


_DIGITS = re.compile(r"[0-9]+")


def vary_text(value: str, nonce: str) -> str:
    """``value`` as sent under ``nonce`` (see the module's rules)."""
    runs = list(_DIGITS.finditer(value))
    if runs:
        run = runs[-1]
        k = len(run.group())
        digest = hashlib.blake2b(f"{nonce}:{k}".encode(), digest_size=16).digest()
        offset = int.from_bytes(digest, "big") % 10**k or 1
        shifted = (int(run.group()) + offset) % 10**k
        return f"{value[: run.start()]}{shifted:0{k}d}{value[run.end() :]}"
    at = value.rfind("@")
    if at > 0:
        return f"{value[:at]}+{nonce}{value[at:]}"
    return f"{value}-{nonce}"


def vary_item(item: PlanItem, nonce: str, vary: Mapping[str, Sequence[str]]) -> PlanItem:
    """``item`` as sent under ``nonce``."""
    fields = vary.get(item.entity, ())
    body = item.body
    changed = [f for f in fields if isinstance(body.get(f), str)]
    if changed:
        body = dict(body)
        for f in changed:
            body[f] = vary_text(body[f], nonce)
    return replace(item, body=body, idempotency_key=f"{item.idempotency_key}~{nonce}")


def with_nonce(
    items: Iterable[PlanItem], nonce: str | None, vary: Mapping[str, Sequence[str]]
) -> Iterator[PlanItem]:
    if not nonce:
        yield from items
        return
    for item in items:
        yield vary_item(item, nonce, vary)
