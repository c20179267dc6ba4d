"""The replay engine a load tool drives, one request at a time, from any number of
cooperative users (gevent greenlets, threads): it hands out the next item whose
dependencies are done (waiting for those in flight), builds its request the way
the HTTP port does (path template, query, headers, body shape, the actor's
credential, the idempotency key), and records the answer's identity and captures
for the placeholders of later items. No load tool is imported here."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seeder.commands import HttpBinding
from seeder.plan.items import PlanItem, placeholder_attr, placeholder_key
from seeder.plan.manifest import IDEMPOTENCY_HEADER
from seeder.plan.nonce import vary_item, vary_of_manifest
from seeder.ports import capture
from seeder.ports.wire import RequestShape
from seeder.run.bindings import Bindings
from seeder.run.results import DONE, PENDING, Results

__all__ = ["Replay", "Request", "from_log", "from_scenario"]


@dataclass(frozen=True, slots=True)
class Request:
    item: PlanItem
    http: HttpBinding
    method: str
    target: str  # path and query
    headers: dict[str, str]
    data: bytes
    name: str  # for the load tool's statistics: the path template


class Replay:
    """One pass (or many, under a new nonce each) over a plan's items."""

    def __init__(
        self,
        source: Callable[[], Iterable[PlanItem]],
        bindings: Bindings,
        vary: Mapping[str, list[str]] | None = None,
        nonce: str | None = None,
    ) -> None:
        self.source = source
        self.bindings = bindings
        self.vary = dict(vary or {})
        self.base_nonce = nonce
        self.passes = 0
        self.reported = False  # the load tool was told this replay is done
        self.sent = 0
        self.ok = 0
        self.skipped: list[str] = []
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._shapes: dict[int, RequestShape] = {}
        self._start()

    def _start(self) -> None:
        self.results = Results()
        self._inflight: dict[str, threading.Event] = {}
        nonce = self.nonce()
        items: Iterator[PlanItem] = iter(self.source())
        if nonce is not None:
            items = (vary_item(item, nonce, self.vary) for item in items)
        self._items = items
        self.exhausted = False

    def nonce(self) -> str | None:
        """This pass's nonce: the first pass sends the log as written unless a nonce
        is given; each later pass adds its number."""
        if self.passes == 0:
            return self.base_nonce
        return f"{self.base_nonce or 'p'}{self.passes}"

    def again(self) -> None:
        """Starts the next pass (new idempotency keys and unique values)."""
        with self._lock:
            self.passes += 1
            self._start()

    def take(self) -> PlanItem | None:
        """The next item to send (None: this pass is over)."""
        with self._lock:
            item = next(self._items, None)
            if item is None:
                self.exhausted = True
                return None
            self._inflight[item.key] = threading.Event()
            return item

    def request(self, item: PlanItem, timeout: float = 60.0) -> Request | None:
        """``item``'s request once its dependencies are done; None (and the item
        marked failed, with why) when one is not."""
        results = self.results
        for dep in item.deps:
            event = self._inflight.get(dep)
            if event is not None:
                event.wait(timeout)
            if results.state(dep) != DONE:
                cause = "never made in this shard" if results.state(dep) == PENDING else "failed"
                self._skip(item, f"{item.key}: skipped, {dep} {cause}")
                return None
        binding = self.bindings.for_item(item)
        http = binding.http
        if http is None:
            self._skip(item, f"{item.key}: command {item.command} has no HTTP binding")
            return None
        fields = dict(item.body)
        for name, placeholder in item.refs.items():
            value = results.resolve(placeholder)
            if value is None:
                self._skip(
                    item,
                    f"{item.key}: the answer for {placeholder_key(placeholder)} had no "
                    f"{placeholder_attr(placeholder)!r} for {name}",
                )
                return None
            fields[name] = value
        shape = self._shapes.get(id(http))
        if shape is None:
            shape = self._shapes[id(http)] = RequestShape(http)
        encoded = shape.encode(fields, item.idempotency_key)
        if isinstance(encoded, str):
            self._skip(item, f"{item.key}: {encoded}")
            return None
        headers = {**encoded.headers, IDEMPOTENCY_HEADER: item.idempotency_key}
        actor = self.bindings.actor_credential(item, results)
        if actor is not None:
            cred, value = actor
            if value is None:
                self._skip(item, f"{item.key}: no {cred.name} for the actor {item.actor}")
                return None
            headers[cred.header] = cred.template.format(value=value)
        return Request(item, http, http.method, encoded.target, headers, encoded.data, http.path)

    def answered(
        self, request: Request, status: int, body: bytes, headers: Mapping[str, str]
    ) -> bool:
        """Records the answer; True when it is a success of the binding."""
        item, http = request.item, request.http
        ok = status in http.success
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.sent += 1
            if ok:
                self.ok += 1
                parsed = _json(body)
                self.results.done(
                    item.key,
                    capture(http, http.credential, parsed, lowered.get("location"), lowered),
                )
            else:
                self.results.failed(item.key)
                self.failures.append(f"{item.key}: HTTP {status} {body[:200]!r}")
        self._release(item)
        return ok

    def failed(self, request: Request, why: str) -> None:
        with self._lock:
            self.sent += 1
            self.results.failed(request.item.key)
            self.failures.append(f"{request.item.key}: {why}")
        self._release(request.item)

    def _skip(self, item: PlanItem, why: str) -> None:
        with self._lock:
            self.results.failed(item.key)
            self.skipped.append(why)
        self._release(item)

    def _release(self, item: PlanItem) -> None:
        event = self._inflight.pop(item.key, None)
        if event is not None:
            event.set()

    @property
    def idle(self) -> bool:
        """This pass is over and nothing of it is in flight."""
        return self.exhausted and not self._inflight


def from_log(
    path: str | Path,
    *,
    shard: tuple[int, int] = (0, 1),
    nonce: str | None = None,
    only: Callable[[PlanItem], bool] | None = None,
) -> Replay:
    """A replay of a command log (JSONL with its manifest, or a CSV log's folder):
    no commands module needed."""
    from seeder.load.shards import shard_items
    from seeder.run.logs import open_log

    log = Path(path)
    bindings, _, manifest = open_log(log)

    def source() -> Iterable[PlanItem]:
        items = shard_items(open_log(log)[1], *shard)
        return filter(only, items) if only else items

    return Replay(source, bindings, vary_of_manifest(manifest), nonce)


def from_scenario(
    scenario: str | Path,
    *,
    scale: float = 1.0,
    seed: int | None = None,
    shard: tuple[int, int] = (0, 1),
    nonce: str | None = None,
) -> Replay:
    """A replay that plans ``scenario`` on the fly (its commands module is loaded)."""
    from seeder.load.shards import shard_items
    from seeder.model import load_model
    from seeder.plan.manifest import vary_fields
    from seeder.plan.planner import plan_items

    model = load_model(Path(scenario), scale=scale, seed=seed)
    return Replay(
        lambda: shard_items(plan_items(model), *shard),
        Bindings.of_model(model),
        vary_fields(model),
        nonce,
    )


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
