"""The executor over an in-memory fake port: dependency order, transitive skips,
placeholders filled from earlier answers, failures when one cannot be, the cap on
sends in flight, stop(), ports that record the plan as it is, and journal marks.

The fake port answers per key (ok with captured values by default, or a scripted
outcome), may hold a send for a number of scheduler checkpoints so that others
run meanwhile, and logs every send's start and end and the sends in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import anyio
import anyio.lowlevel
import pytest

from seeder.commands import Credential, HttpBinding
from seeder.plan.items import PlanItem, split_key
from seeder.ports import Outcome, Send
from seeder.run.bindings import Binding, Bindings
from seeder.run.executor import Executor
from seeder.run.journal import Mark
from seeder.run.results import DONE, FAILED, PENDING, Results
from seeder.run.stats import RunStats

# a lost wake-up (a dependency's event never set, a send slot never handed back)
# hangs the run: fail in seconds rather than at the suite's 300 s timeout
pytestmark = pytest.mark.timeout(30)

REJECT = Outcome(False, status=409, message="isbn_taken: this ISBN is already used")
GAVE_UP = Outcome(False, status=503, message="gave up after 8 attempts", retryable=True)
UNKNOWN = Outcome(False, status=None, message="outcome unknown", retryable=True, uncertain=True)


class FakePort:
    """Answers per key; ``ok`` by default, capturing ``{"id": 1000 + n}``."""

    def __init__(
        self,
        answers: dict[str, Outcome] | None = None,
        hold: dict[str, int] | int = 0,
        on_send: Callable[[Send], None] | None = None,
        needs_values: bool = True,
    ) -> None:
        self.needs_values = needs_values
        self.answers = answers or {}
        self.hold = hold
        self.on_send = on_send
        self.sent: list[Send] = []
        self.log: list[tuple[str, str]] = []
        self.inflight = 0
        self.max_inflight = 0
        self.closed = False

    def sent_keys(self) -> list[str]:
        return [s.item.key for s in self.sent]

    async def send(self, request: Send) -> Outcome:
        key = request.item.key
        self.sent.append(request)
        self.log.append(("start", key))
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            if self.on_send is not None:
                self.on_send(request)
            hold = self.hold if isinstance(self.hold, int) else self.hold.get(key, 0)
            for _ in range(hold):
                await anyio.lowlevel.checkpoint()
        finally:
            self.inflight -= 1
        self.log.append(("end", key))
        answer = self.answers.get(key)
        if answer is not None:
            return answer
        return Outcome(True, {"id": 1000 + split_key(key)[1]}, status=201)

    async def aclose(self) -> None:
        self.closed = True


def item(
    key: str,
    deps: Iterable[str] = (),
    refs: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    actor: str | None = None,
) -> PlanItem:
    entity, n = split_key(key)
    return PlanItem(
        n,
        key,
        entity,
        f"Create{entity.title()}",
        {"name": key} if body is None else body,
        refs or {},
        list(deps),
        actor,
        f"fp:{key}",
    )


def run(
    port: FakePort, items: Iterable[PlanItem], bindings: Bindings | None = None, **kw: Any
) -> Executor:
    executor = Executor(port, bindings or Bindings(), **kw)
    anyio.run(executor.run, items)
    return executor


def _counts(stats: RunStats, entity: str) -> dict[str, int]:
    return dict(vars(stats.entities[entity]))


# -- dependency order -------------------------------------------------------------


def test_dependents_are_sent_only_after_their_dependency_is_done() -> None:
    port = FakePort(hold={"user:1": 20})
    items = [
        item("user:1"),
        item("post:1", ["user:1"], {"author_id": "user:1.id"}),
        item("post:2", ["user:1"], {"author_id": "user:1.id"}),
        item("user:2"),  # independent: not held back by the chain
    ]
    executor = run(port, items, concurrency=4)
    log = port.log
    end_of_user = log.index(("end", "user:1"))
    assert log.index(("start", "post:1")) > end_of_user
    assert log.index(("start", "post:2")) > end_of_user
    assert log.index(("start", "user:2")) < end_of_user  # the pool was not blocked
    assert sorted(port.sent_keys()) == ["post:1", "post:2", "user:1", "user:2"]
    assert executor.stats.total.created == 4 and executor.stats.ok


def test_a_chain_is_sent_in_order() -> None:
    port = FakePort(hold=3)
    items = [item("reading:1")] + [item(f"reading:{n}", [f"reading:{n - 1}"]) for n in range(2, 9)]
    run(port, items, concurrency=8)
    assert port.sent_keys() == [f"reading:{n}" for n in range(1, 9)]
    for n in range(2, 9):
        assert port.log.index(("start", f"reading:{n}")) > port.log.index(
            ("end", f"reading:{n - 1}")
        )


def test_a_dependency_done_earlier_is_not_waited_for() -> None:
    results = Results()
    results.done("user:1", {"id": 77})  # e.g. restored from a journal
    port = FakePort()
    run(port, [item("post:1", ["user:1"], {"author_id": "user:1.id"})], results=results)
    assert port.sent_keys() == ["post:1"]
    assert port.sent[0].fields["author_id"] == 77


# -- failures and skips -------------------------------------------------------------


def test_a_rejected_item_s_dependents_are_skipped_transitively() -> None:
    port = FakePort(answers={"user:1": REJECT}, hold={"user:1": 5})
    done: list[tuple[str, str]] = []
    items = [
        item("user:1"),
        item("post:1", ["user:1"], {"author_id": "user:1.id"}),
        item("comment:1", ["post:1"], {"post_id": "post:1.id"}),
        item("comment:2", ["post:1", "user:2"]),
        item("user:2"),
    ]
    executor = run(port, items, concurrency=4, on_done=lambda i, what: done.append((i.key, what)))
    assert sorted(port.sent_keys()) == ["user:1", "user:2"]  # no dependent was sent
    stats = executor.stats
    assert _counts(stats, "user")["rejected"] == 1 and _counts(stats, "user")["created"] == 1
    assert _counts(stats, "post")["skipped"] == 1
    assert _counts(stats, "comment")["skipped"] == 2
    assert stats.skip_causes == {("post", "user"): 1, ("comment", "post"): 2}
    assert stats.rejections == {("CreateUser", 409, REJECT.message): 1}
    for key in ("user:1", "post:1", "comment:1", "comment:2"):
        assert executor.results.state(key) == FAILED
    assert executor.results.state("user:2") == DONE
    assert dict(done) == {
        "user:1": "rejected",
        "user:2": "created",
        "post:1": "skipped",
        "comment:1": "skipped",
        "comment:2": "skipped",
    }
    assert not stats.ok


def test_retries_exhausted_and_uncertain_outcomes_skip_dependents_too() -> None:
    port = FakePort(answers={"user:1": GAVE_UP, "user:2": UNKNOWN})
    items = [
        item("user:1"),
        item("user:2"),
        item("post:1", ["user:1"]),
        item("post:2", ["user:2"]),
    ]
    executor = run(port, items, concurrency=1)
    stats = executor.stats
    assert _counts(stats, "user") == {
        "created": 0,
        "rejected": 0,
        "failed": 1,
        "skipped": 0,
        "uncertain": 1,
        "earlier": 0,
    }
    assert stats.failures == {("CreateUser", 503, GAVE_UP.message): 1}
    assert stats.uncertain_keys == ["user:2"]
    assert _counts(stats, "post")["skipped"] == 2
    assert port.sent_keys() == ["user:1", "user:2"]


def test_a_dependency_never_planned_skips_the_item() -> None:
    port = FakePort()
    executor = run(port, [item("post:1", ["user:9"], {"author_id": "user:9.id"})])
    assert port.sent == []
    assert _counts(executor.stats, "post")["skipped"] == 1
    assert executor.results.state("post:1") == FAILED
    assert executor.results.state("user:9") == PENDING
    assert [e for e, _ in executor.stats.skip_causes] == ["post"]


def test_a_dependency_never_planned_is_reported_as_such() -> None:
    port = FakePort()
    executor = run(port, [item("post:1", ["user:9"])])
    causes = [cause for _, cause in executor.stats.skip_causes]
    assert any("never planned or sent" in cause for cause in causes), causes


# -- placeholders ------------------------------------------------------------------


def test_placeholders_are_filled_from_earlier_answers() -> None:
    port = FakePort(
        answers={
            "user:1": Outcome(True, {"id": 501, "token": "t-1"}, status=201),
            "article:3": Outcome(True, {"id": 3, "article.slug": "how-to"}, status=201),
        }
    )
    post = item(
        "post:1",
        ["user:1", "article:3"],
        {"author_id": "user:1.id", "token": "user:1.token", "slug": "article:3.article.slug"},
        body={"title": "t", "note": None},
    )
    run(port, [item("user:1"), item("article:3"), post], concurrency=2)
    sent = {s.item.key: s for s in port.sent}
    assert sent["post:1"].fields == {
        "title": "t",
        "note": None,
        "author_id": 501,
        "token": "t-1",
        "slug": "how-to",
    }
    assert post.body == {"title": "t", "note": None}  # the plan's item is not changed


def test_an_unfillable_placeholder_fails_the_item_and_names_the_binding() -> None:
    port = FakePort(answers={"user:1": Outcome(True, {}, status=201)})  # no id captured
    items = [
        item("user:1"),
        item("post:1", ["user:1"], {"author_id": "user:1.id"}),
        item("comment:1", ["post:1"]),
    ]
    executor = run(port, items, concurrency=2)
    assert port.sent_keys() == ["user:1"]
    stats = executor.stats
    assert _counts(stats, "post")["failed"] == 1
    ((command, status, message),) = stats.failures
    assert (command, status) == ("CreatePost", None)
    assert "user:1" in message and "'id'" in message and "author_id" in message
    assert "identity/captures" in message
    assert executor.results.state("post:1") == FAILED
    assert _counts(stats, "comment")["skipped"] == 1


def test_a_port_that_records_the_plan_gets_its_own_bodies_unresolved() -> None:
    port = FakePort(answers={"user:1": Outcome(True, {}, status=201)}, needs_values=False)
    post = item("post:1", ["user:1"], {"author_id": "user:1.id"}, body={"title": "t"})
    loan = item("loan:1", ["user:1"], actor="user:1")
    bindings = Bindings()
    bindings.credential_of_entity["user"] = Credential("token", "token")
    executor = run(port, [item("user:1"), post, loan], bindings, concurrency=2)
    sent = {s.item.key: s for s in port.sent}
    assert sent["post:1"].fields is post.body  # the plan's own body, placeholders apart
    assert sent["post:1"].fields == {"title": "t"}
    assert sent["loan:1"].credential is None
    assert executor.stats.total.created == 3 and executor.stats.ok


# -- credentials -------------------------------------------------------------------


def test_the_actor_s_credential_is_attached() -> None:
    token = Credential("token", "token")
    bindings = Bindings()
    bindings.credential_of_entity["member"] = token
    port = FakePort(
        answers={
            "member:1": Outcome(True, {"id": 1, "token": "tok-1"}, status=201),
            "member:2": Outcome(True, {"id": 2}, status=201),  # no token in its answer
        }
    )
    items = [
        item("member:1"),
        item("member:2"),
        item("loan:1", ["member:1"], actor="member:1"),
        item("loan:2", ["member:2"], actor="member:2"),
    ]
    executor = run(port, items, bindings, concurrency=2)
    sent = {s.item.key: s for s in port.sent}
    assert sent["loan:1"].credential == (token, "tok-1")
    assert "loan:2" not in sent
    ((_, _, message),) = executor.stats.failures
    assert "no token for the actor member:2" in message
    assert executor.results.state("loan:2") == FAILED


# -- concurrency and stopping -------------------------------------------------------


def test_sends_in_flight_are_capped_by_the_concurrency() -> None:
    port = FakePort(hold=5)
    items = [item(f"user:{n}") for n in range(1, 31)]
    executor = run(port, items, concurrency=3)
    assert port.max_inflight == 3  # capped, and the cap was reached
    assert executor.stats.total.created == 30


def test_parked_items_released_together_still_respect_the_cap() -> None:
    port = FakePort(hold={"user:1": 10, **{f"post:{n}": 3 for n in range(1, 21)}})
    items = [item("user:1")] + [item(f"post:{n}", ["user:1"]) for n in range(1, 21)]
    executor = run(port, items, concurrency=2)
    assert port.max_inflight == 2
    assert executor.stats.total.created == 21


def test_a_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="concurrency must be >= 1"):
        Executor(FakePort(), Bindings(), concurrency=0)


def _plan(n: int, taken: list[str]) -> Iterator[PlanItem]:
    for k in range(1, n + 1):
        taken.append(f"user:{k}")
        yield item(f"user:{k}")


def test_stop_takes_no_new_item() -> None:
    taken: list[str] = []
    executor: Executor | None = None

    def stop_at_third(request: Send) -> None:
        if request.item.key == "user:3":
            assert executor is not None
            executor.stop()

    port = FakePort(on_send=stop_at_third)
    executor = Executor(port, Bindings(), concurrency=1)
    anyio.run(executor.run, _plan(10, taken))
    assert port.sent_keys() == ["user:1", "user:2", "user:3"]
    assert taken == ["user:1", "user:2", "user:3"]  # the plan was not read further
    assert executor.stats.total.created == 3


def test_stop_lets_the_items_in_flight_finish() -> None:
    taken: list[str] = []
    executor: Executor | None = None

    def stop_when_three_are_out(request: Send) -> None:
        assert executor is not None
        if len(port.sent) == 3:
            executor.stop()

    port = FakePort(hold=10, on_send=stop_when_three_are_out)
    executor = Executor(port, Bindings(), concurrency=3)
    anyio.run(executor.run, _plan(50, taken))
    assert len(port.sent) == 3
    assert executor.stats.total.created == 3  # none abandoned
    assert all(executor.results.state(k) == DONE for k in port.sent_keys())
    assert len(taken) == 3


# -- journal -----------------------------------------------------------------------


class FakeJournal:
    """Records marks; ``durable`` remembers which keys were made durable."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, Mark, Any]] = []
        self.durable_keys: list[str] = []

    def record(self, key: str, mark: Mark, *rest: Any) -> None:
        self.marks.append((key, mark, rest))

    async def durable(self, key: str) -> None:
        self.durable_keys.append(key)

    def prior_state(self, key: str) -> int:
        return 0


def test_outcomes_are_journaled_and_a_non_idempotent_send_is_marked_first() -> None:
    journal = FakeJournal()
    bindings = Bindings()
    bindings.by_command["CreateUser"] = Binding(HttpBinding("POST", "/users"), None)
    bindings.by_command["CreatePost"] = Binding(
        HttpBinding("POST", "/posts", idempotent=False), None
    )
    seen_at_send: dict[str, list[str]] = {}

    def snapshot(request: Send) -> None:
        seen_at_send[request.item.key] = list(journal.durable_keys)

    port = FakePort(answers={"user:2": REJECT}, on_send=snapshot)
    items = [item("user:1"), item("user:2"), item("post:1", ["user:1"], {"a": "user:1.id"})]
    run(port, items, bindings, concurrency=1, journal=cast(Any, journal))
    assert journal.marks == [
        ("user:1", Mark.DONE, ({"id": 1001},)),
        ("user:2", Mark.REJECTED, (None, 409, REJECT.message)),
        ("post:1", Mark.SENT, ()),
        ("post:1", Mark.DONE, ({"id": 1001},)),
    ]
    # the SENT mark of the non-idempotent command was durable before it went out
    assert seen_at_send["post:1"] == ["post:1"]
    assert seen_at_send["user:1"] == []
