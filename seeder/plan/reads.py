"""Read traffic with the popularity the scenario gives: ``seeder plan --reads N``
writes, after the commands, N read requests (the bindings' ``reads=``: get by id,
list by parent, filters) over the entities the commands make.

Which read: each binding's reads by their ``weight`` (normalised over all of them).
Which entity: instance i of the read's entity with probability proportional to
``1 + uses_i``, its uses being the planned commands that depend on it (an author's
books, a tenant's authors, books and members), so what the scenario makes popular
(``skew``, ``weights``, ``mean`` on references) is read that much more, like YCSB's
zipfian request distribution over its hot keys. A read depends on the command that
made its entity, so a replay sends it after, with the real ids.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from seeder.commands import HttpBinding, Read
from seeder.plan.items import PlanItem

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = ["read_bindings", "with_reads"]

READ_ENTITY = "read"


class RecordSink(Protocol):
    def write_record(self, record: dict[str, Any]) -> None: ...


def _reads_of(model: Model) -> list[tuple[str, str, Read]]:
    """(entity, read command name, read) for every read the bindings declare."""
    out = []
    for name in model.order:
        em = model.entities[name]
        if em.http is None:
            continue
        for j, read in enumerate(em.http.reads):
            out.append((name, f"{em.command.__name__}.read{j}", read))
    return out


def read_bindings(model: Model) -> dict[str, HttpBinding]:
    """The read requests' bindings, by their command name (for the manifest)."""
    return {
        command: HttpBinding(
            "GET", read.path, success=(200,), identity=None, query=dict(read.query)
        )
        for _, command, read in _reads_of(model)
    }


def with_reads(
    model: Model, items: Iterable[PlanItem], n: int, sink: RecordSink
) -> Iterator[PlanItem]:
    """``items`` passed through, then ``n`` reads written to ``sink`` (a
    :class:`seeder.plan.commandlog.JsonlCommandLog`)."""
    reads = _reads_of(model)
    wanted = {entity: set() for entity, _, _ in reads}  # type: dict[str, set[str]]
    for entity, _, read in reads:
        wanted[entity].update(read.names())
    made: dict[str, list[tuple[str, dict[str, Any], dict[str, str]]]] = {e: [] for e in wanted}
    uses: dict[str, int] = {}
    last = 0
    for item in items:
        yield item
        last = item.seq
        for dep in item.deps:
            uses[dep] = uses.get(dep, 0) + 1
        names = wanted.get(item.entity)
        if names is not None:
            body = {k: item.body[k] for k in names if k in item.body}
            refs = {k: item.refs[k] for k in names if k in item.refs}
            made[item.entity].append((item.key, body, refs))
    choices = [(e, c, r) for e, c, r in reads if made[e]]
    if not choices:
        return
    rng = random.Random(f"seeder-reads:{model.scenario.seed}:{model.fingerprint}")
    spec_weights = list(itertools.accumulate(r.weight for _, _, r in choices))
    cumulative = {
        e: list(itertools.accumulate(1 + uses.get(key, 0) for key, _, _ in made[e]))
        for e, _, _ in choices
    }
    for i in range(1, n + 1):
        entity, command, read = choices[_pick(rng, spec_weights)]
        key, body, refs = made[entity][_pick(rng, cumulative[entity])]
        fields: dict[str, Any] = {}
        placeholders: dict[str, str] = {}
        for name in read.names():
            if name in refs:
                placeholders[name] = refs[name]
            elif name in body:
                fields[name] = body[name]
            else:  # captured from the answer: the identity, a capture
                placeholders[name] = f"{key}.{name}"
        sink.write_record(
            {
                "seq": last + i,
                "key": f"{READ_ENTITY}:{i}",
                "command": command,
                "method": "GET",
                "path": read.path,
                "body": fields,
                "refs": placeholders,
                "deps": [key],
                "reads": key,
                "idempotency_key": f"{model.fingerprint}:{READ_ENTITY}:{i}",
            }
        )


def _pick(rng: random.Random, cumulative: list[int] | list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
