"""The executor: sends a plan through a port, fast and in dependency order.

Workers (``concurrency`` of them) pull items straight from the plan, so the
planner runs only when a worker is free. An item whose dependencies are still in
flight is parked (a task waiting on their events) and the worker moves on, so a
chain (the readings of one meter) does not hold the pool; at most ``window`` items
are parked, which bounds how far the planner runs ahead. Sends are capped at
``concurrency``. A ready item gets its
placeholders filled from the results, its actor's credential attached, and is
sent; its answer is recorded.
If a dependency failed, the item is not sent: it is reported as skipped with the
cause, and so are its own dependents, transitively.

With a journal, each outcome is recorded (batched); a command whose service does
not honour idempotency keys is first marked sent, committed before it goes out.
``stop()`` makes the workers take no new item; those in flight finish.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import anyio
import anyio.abc
import anyio.lowlevel

from seeder.commands import Credential, HttpBinding, InProcessBinding
from seeder.plan.items import PlanItem, placeholder_attr, placeholder_key
from seeder.ports import Found, Outcome, Port, Send
from seeder.ports.health import Health
from seeder.run.bindings import Bindings
from seeder.run.journal import Journal, Mark
from seeder.run.pacing import AdaptiveLimit, FixedLimit
from seeder.run.recovery import ADOPTED, FOUND, RESENT, ROUNDS, UNSETTLED, Recovery
from seeder.run.results import DONE, PENDING, Results
from seeder.run.sharding import ForeignDeps
from seeder.run.stats import RunStats
from seeder.run.undo import with_undo

__all__ = ["Executor"]


class _Halted(Exception):
    """An item taken from the plan but not sent when the run halted."""


class _Slots:
    """At most ``limit`` sends at once (the pacing moves it): a counter on the fast
    path (no checkpoint), a queue of events woken in order when full."""

    __slots__ = ("limit", "used", "waiters")

    def __init__(self, n: int) -> None:
        self.limit = n
        self.used = 0
        self.waiters: deque[anyio.Event] = deque()

    async def acquire(self) -> None:
        if self.used < self.limit and not self.waiters:
            self.used += 1
            return
        event = anyio.Event()
        self.waiters.append(event)
        await event.wait()  # the releaser counted this slot as used for us

    def release(self) -> None:
        self.used -= 1
        self._wake()

    def set_limit(self, n: int) -> None:
        self.limit = n
        self._wake()

    def _wake(self) -> None:
        while self.waiters and self.used < self.limit:
            self.used += 1
            self.waiters.popleft().set()


class Executor:
    def __init__(
        self,
        port: Port,
        bindings: Bindings,
        *,
        concurrency: int = 32,
        rate: float | None = None,
        results: Results | None = None,
        stats: RunStats | None = None,
        on_done: Callable[[PlanItem, str], None] | None = None,
        journal: Journal | None = None,
        reacquire: set[str] | None = None,
        settle: set[str] | None = None,
        adaptive: bool = False,
        timeout: float = 10.0,
        done_mark: Mark | None = None,
        foreign: ForeignDeps | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.port = port
        self.bindings = bindings
        self.concurrency = concurrency
        self.rate = rate
        self.results = results or Results()
        self.stats = stats or RunStats()
        self.on_done = on_done
        self.journal = journal
        self.reacquire = reacquire if reacquire is not None else set()  # re-sent for a credential
        self.recovery = Recovery(port)
        if settle is not None:  # filled as the resume goes through the plan
            self.recovery.settle = settle
        self.stopping = False
        self.halted = False  # stopped because the service is down: nothing more is sent
        self.health: Health | None = getattr(port, "health", None)
        self.resolves = port.needs_values
        self.window = concurrency * 16
        self._inflight: set[str] = set()  # taken from the plan, not finished
        self._waiting: dict[str, anyio.Event] = {}  # only for keys someone waits on
        self._parked = 0
        # pacing: sends in flight follow the limit, up to ``concurrency``
        self.pacing = AdaptiveLimit(concurrency) if adaptive else FixedLimit(concurrency)
        self.stats.pacing = self.pacing
        self.timeout = timeout
        self.done_mark = done_mark  # an undo journals its deletions only, as this mark
        self.foreign = foreign  # a shard's dependencies that other shards make
        self._slots = _Slots(self.pacing.limit)
        self._items: Iterator[PlanItem] = iter(())
        self._next_at = 0.0

    async def run(self, items: Iterable[PlanItem]) -> RunStats:
        self.stats.start()
        self._items = iter(items)
        self._next_at = time.monotonic()
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(self.concurrency):
                    tg.start_soon(self._worker, tg)
        finally:
            self.stats.finish()
        return self.stats

    async def run_in_order(self, items: Iterable[PlanItem]) -> RunStats:
        """Sends ``items`` one at a time, in order, each once the one before it has
        ended: what :meth:`run` does with ``concurrency=1``, without tasks, so that
        while the port never waits (an in-process one) a caller may drive it to
        the end without an event loop (given's sync face)."""
        self.stats.start()
        try:
            for item in items:
                if self.stopping:
                    break
                self._inflight.add(item.key)
                await self._handle(item)
        finally:
            self.stats.finish()
        return self.stats

    def stop(self) -> None:
        """Take no new item; those already taken finish."""
        self.stopping = True

    def halt(self, why: str) -> None:
        """The service answered nothing through a whole retry budget: take no new
        item, and send none of those taken but not sent yet (parked, or waiting
        for a slot); those being retried end with their own budget."""
        self.stats.stopped = why
        self.halted = True
        self.stop()

    async def _take(self) -> PlanItem | None:
        """The next item of the plan (the planner runs only when a worker is free)."""
        if self.stopping:
            return None
        if self.rate:  # reserve this item's slot first, so workers never share one
            now = time.monotonic()
            slot = max(self._next_at, now)
            self._next_at = slot + 1.0 / self.rate
            if slot > now:
                await anyio.sleep(slot - now)
        item = None if self.stopping else next(self._items, None)
        if item is not None:
            self._inflight.add(item.key)
        return item

    async def _worker(self, tg: anyio.abc.TaskGroup) -> None:
        checkpoint = anyio.lowlevel.checkpoint
        n = 0
        while True:
            item = await self._take()
            if item is None:
                return
            if self._parked < self.window and self._waits(item):
                self._parked += 1
                tg.start_soon(self._park, item)
            else:
                await self._handle(item)
            n += 1
            if n % 64 == 0:  # in-process handlers never yield: let others run
                await checkpoint()

    def _waits(self, item: PlanItem) -> bool:
        inflight = self._inflight
        if any(dep in inflight for dep in item.deps):
            return True
        return self.foreign is not None and self.foreign.pending(item.deps)

    async def _park(self, item: PlanItem) -> None:
        try:
            await self._handle(item)
        finally:
            self._parked -= 1

    async def _handle(self, item: PlanItem) -> None:
        try:
            await self._process(item)
        except _Halted:
            pass  # no outcome: a resume sends it (or settles it, had it gone out before)
        finally:
            self._inflight.discard(item.key)
            event = self._waiting.pop(item.key, None)
            if event is not None:
                event.set()

    async def _wait_for(self, key: str) -> None:
        event = self._waiting.get(key)
        if event is None:
            event = self._waiting[key] = anyio.Event()
        await event.wait()

    async def _process(self, item: PlanItem) -> None:
        if item.deps and not await self._deps_done(item):
            return
        if self.halted:
            return
        binding = self.bindings.for_item(item)
        request = self._request(item, binding.http, binding.in_process)
        if request is None:
            return
        if self.reacquire and item.key in self.reacquire:
            await self._reacquire(item, request)
            return
        http = binding.http
        recovery = self.recovery
        resent = False
        if recovery.settle and item.key in recovery.settle:  # uncertain when the run stopped
            recovery.settle.discard(item.key)
            if recovery.recoverable(http):
                found = await recovery.look_up(request)
                if found.captured is None and found.settled:
                    found = await recovery.look_up_after_quiet(request, found)
                if found.captured is not None or not found.settled:
                    await self._settled(item, request, found, FOUND, earlier=True)
                    return
                resent = True  # not applied: send it again
        journal = self.journal
        marked = journal is not None and http is not None and not http.idempotent
        if marked:
            assert journal is not None
            journal.record(item.key, Mark.SENT)
            await journal.durable(item.key)  # known as sent before it goes out
        try:
            outcome, latency = await self._send(request)
        except _Halted:
            if marked:  # it never went out: known not applied
                assert journal is not None
                journal.record(item.key, Mark.FAILED, None, None, "not sent: the run stopped")
            raise
        if http is not None and recovery.recoverable(http):
            for _ in range(ROUNDS):
                if outcome.uncertain:  # the answer was lost: did it land?
                    found = await recovery.look_up(request)
                    if found.captured is not None or not found.settled:
                        await self._settled(item, request, found, FOUND, outcome=outcome)
                        return
                elif resent and recovery.adopts(http, outcome):  # it had landed after all
                    found = await recovery.look_up_existing(request)
                    if found.captured is None and found.settled:
                        break  # a conflict with nothing like it: a rejection after all
                    await self._settled(item, request, found, ADOPTED, earlier=True)
                    return
                else:
                    break
                resent = True
                outcome, latency = await self._send(request)
        if resent and outcome.ok:
            self.stats.settled(item, RESENT)
        self._record(item, outcome, latency, journal, request)

    async def _send(self, request: Send) -> tuple[Outcome, float]:
        slots = self._slots
        if slots.used < slots.limit and not slots.waiters:  # acquire's fast path, inline
            slots.used += 1
        else:
            await slots.acquire()
        if self.halted:
            slots.release()
            raise _Halted
        try:
            inflight = slots.used
            started = time.perf_counter()
            outcome = await self.port.send(request)
            latency = time.perf_counter() - started
        finally:
            slots.release()
        health = self.health
        if health is not None and health.down is not None and not self.halted:
            self.halt(health.down)
        if self.pacing.adaptive:
            dropped = bool(outcome.retries_by_reason) or (not outcome.ok and outcome.retryable)
            http = request.http
            timeout = http.timeout if http is not None and http.timeout else self.timeout
            limit = self.pacing.sample(latency, dropped, inflight, timeout)
            if limit != slots.limit:
                slots.set_limit(limit)
        return outcome, latency

    async def _settled(
        self,
        item: PlanItem,
        request: Send,
        found: Found,
        how: str,
        *,
        earlier: bool = False,
        outcome: Outcome | None = None,
    ) -> None:
        """An uncertain item settled by its lookup: done with the real id it found
        (counted as done earlier when an earlier run or send applied it), or, when
        the lookup could not tell, left uncertain with why."""
        captured = found.captured
        if captured is None:
            self.stats.settled(item, UNSETTLED, found.message)
            message = f"outcome unknown, and {found.message}"
            self._record(item, Outcome(False, uncertain=True, message=message), 0.0, self.journal)
            return
        cred = self.bindings.credential_of_entity.get(item.entity)
        if cred is not None and captured.get(cred.name) is None and cred.login is not None:
            value, why = await self.recovery.log_in(request, cred)
            if value is None:
                self.stats.notes.append(f"{item.key}: {why}")
            else:
                captured[cred.name] = value
        self.stats.settled(item, how)
        if earlier:
            self.results.done(item.key, captured)
            self.stats.earlier(item)
            if self.journal is not None:
                self.journal.record(item.key, Mark.DONE, with_undo(captured, item, request))
            self._finish(item, "earlier")
        else:
            done = Outcome(
                True, captured, retries_by_reason=outcome.retries_by_reason if outcome else {}
            )
            self._record(item, done, 0.0, self.journal, request)

    async def _deps_done(self, item: PlanItem) -> bool:
        """Waits for the item's dependencies in flight; False (the item skipped,
        with the cause) when one of them is not done."""
        results = self.results
        for dep in item.deps:
            state = results.state(dep)
            if state == PENDING and dep in self._inflight:
                await self._wait_for(dep)
                state = results.state(dep)
            elif state == PENDING and self.foreign is not None and self.foreign.foreign(dep):
                await self.foreign.wait(dep)  # another shard makes it
                state = results.state(dep)
            if state != DONE:
                results.failed(item.key)
                cause = dep if state != PENDING else f"{dep} (never planned or sent)"
                self.stats.skipped(item, cause)
                self._finish(item, "skipped")
                return False
        return True

    def _request(
        self, item: PlanItem, http: HttpBinding | None, in_process: InProcessBinding | None
    ) -> Send | None:
        """The item ready to send: placeholders filled from the results, the actor's
        credential attached (for a port that sends values); None (the item failed)
        when the service's earlier answers lack what it needs."""
        if not self.resolves:
            return Send(item, item.body, http, in_process)
        results = self.results
        fields = dict(item.body) if item.refs else item.body
        for field, placeholder in item.refs.items():
            value = results.resolve(placeholder)
            if value is None:
                results.failed(item.key)
                self.stats.failed(
                    item,
                    Outcome(
                        False,
                        message=f"the answer for {placeholder_key(placeholder)} had "
                        f"no {placeholder_attr(placeholder)!r} to fill {field}; check the "
                        "binding's identity/captures",
                    ),
                )
                self._finish(item, "failed")
                return None
            fields[field] = value
        credential: tuple[Credential, str] | None = None
        actor = self.bindings.actor_credential(item, results)
        if actor is not None:
            cred, value = actor
            if value is None:
                self._credential_lost(item, cred)
                return None
            credential = (cred, str(value))
        return Send(item, fields, http, in_process, credential)

    def _record(
        self,
        item: PlanItem,
        outcome: Outcome,
        latency: float,
        journal: Journal | None,
        request: Send | None = None,
    ) -> None:
        """The answer, in the results, the statistics and the journal."""
        if outcome.ok:
            self.results.done(item.key, outcome.captured)
            self.stats.created(item, latency, outcome)
            what, mark = "created", Mark.DONE
        else:
            self.results.failed(item.key)
            if outcome.uncertain:
                self.stats.uncertain(item, outcome, latency)
                what, mark = "uncertain", Mark.UNCERTAIN
            elif outcome.retryable:
                self.stats.failed(item, outcome, latency)
                what, mark = "failed", Mark.FAILED
            else:
                self.stats.rejected(item, outcome, latency)
                what, mark = "rejected", Mark.REJECTED
        if journal is not None and self.done_mark is not None:  # an undo: only what it did
            if outcome.ok:
                journal.record(item.key, self.done_mark)
        elif journal is not None:
            if outcome.ok:
                journal.record(item.key, mark, with_undo(outcome.captured, item, request))
            else:
                journal.record(item.key, mark, None, outcome.status, outcome.message[:500])
        self._finish(item, what)

    async def _reacquire(self, item: PlanItem, request: Send) -> None:
        """An item done by an earlier run whose credential is needed again
        (credentials are never journaled): through its Credential's login command,
        or else sent again with its idempotency key for the answer that holds it."""
        cred = self.bindings.credential_of_entity[item.entity]
        if cred.login is not None:
            value, why = await self.recovery.log_in(request, cred)
            if value is not None:
                self.stats.reacquired += 1
            else:
                self.stats.notes.append(
                    f"could not re-acquire the credential of {item.key}: {why}; commands "
                    "sent on its behalf are skipped"
                )
            # done earlier, whatever the login said (its ids were restored)
            self.results.done(item.key, {cred.name: value} if value is not None else {})
            self._finish(item, "earlier")
            return
        outcome, _ = await self._send(request)
        if outcome.ok:
            self.results.done(item.key, outcome.captured)
            self.stats.reacquired += 1
        else:
            self.results.failed(item.key)
            self.stats.notes.append(
                f"could not re-acquire the credential of {item.key} ({outcome.status}: "
                f"{outcome.message[:200]}); commands sent on its behalf are skipped"
            )
        self._finish(item, "earlier")

    def _credential_lost(self, item: PlanItem, cred: Credential) -> None:
        """The actor exists but its credential is not known: it was created by an
        earlier run (credentials are never journaled) and could not be re-acquired."""
        assert item.actor is not None
        if self.journal is not None and self.journal.prior_state(item.actor) == Mark.DONE:
            why = (
                "it was created by an earlier run and credentials are never journaled; "
                "they are re-acquired through an idempotent binding or a Credential login"
            )
        else:
            why = f"its answer had nothing at {cred.capture!r}; check the binding's Credential"
        self.results.failed(item.key)
        self.stats.failed(
            item, Outcome(False, message=f"no {cred.name} for the actor {item.actor}: {why}")
        )
        self._finish(item, "failed")

    def _finish(self, item: PlanItem, what: str) -> None:
        if self.on_done is not None:
            self.on_done(item, what)
