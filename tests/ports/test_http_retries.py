"""HttpPort's retries over a scripted fake transport: what is retried (408/429/
502/503/504, transport errors), what is not (rejections; uncertain outcomes of a
service that does not honour idempotency keys), the waits scheduled between
attempts (backoff, Retry-After), the attempt cap, the Idempotency-Key on every
attempt, and what is captured from a success.

Waits are observed, not slept: HttpPort sleeps through ``asyncio.sleep`` (its
first wait directly, later ones through tenacity, which calls ``asyncio.sleep``
too), so the ``sleeps`` fixture replaces it with one that records the delay and
only yields. The policies' waits are tiny anyway, so that if the sleeping moves
elsewhere these tests stay fast (and those that look at the waits fail).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from seeder.commands import Credential, HttpBinding
from seeder.plan.items import PlanItem
from seeder.ports import Outcome, Send
from seeder.ports.health import Health
from seeder.ports.http import HttpPort, RawResponse, RetryPolicy, Transient

FAST = RetryPolicy(attempts=5, total_seconds=30.0, initial=0.004, maximum=0.02, timeout=1.5)
USERS = HttpBinding("POST", "/users", success=(201,))
ONCE = HttpBinding("POST", "/users", success=(201,), idempotent=False)


@dataclass(frozen=True)
class Attempt:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: float


Step = RawResponse | Transient


class ScriptedTransport:
    """Answers attempt k with ``steps[k]`` (a response, or a Transient to raise);
    past the end, the last step again. Records every attempt."""

    def __init__(self, *steps: Step) -> None:
        assert steps
        self.steps = steps
        self.attempts: list[Attempt] = []
        self.closed = False

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> RawResponse:
        self.attempts.append(Attempt(method, url, dict(headers), body, timeout))
        step = self.steps[min(len(self.attempts), len(self.steps)) - 1]
        if isinstance(step, Transient):
            raise step
        return step

    async def aclose(self) -> None:
        self.closed = True


def ok(body: Any = None, status: int = 201, location: str | None = None) -> RawResponse:
    data = b"" if body is None else json.dumps(body).encode()
    return RawResponse(status, data, location=location)


def status(code: int, body: Any = None, retry_after: str | None = None) -> RawResponse:
    data = json.dumps(body).encode() if body is not None else b""
    return RawResponse(code, data, retry_after=retry_after)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays HttpPort asked to sleep, in order (none is actually waited). Only
    this thread's sleeps count: a server thread left by an earlier test in the same
    worker (uvicorn sleeps 0.1 s between its ticks) must not show here."""
    recorded: list[float] = []
    real = asyncio.sleep
    mine = threading.get_ident()

    async def sleep(delay: float, result: Any = None) -> Any:
        if threading.get_ident() != mine:
            return await real(delay, result)
        recorded.append(delay)
        return await real(0, result)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return recorded


def send(
    transport: ScriptedTransport,
    http: HttpBinding = USERS,
    policy: RetryPolicy = FAST,
    fields: dict[str, Any] | None = None,
    credential: tuple[Credential, str] | None = None,
    seed: int = 3,
) -> Outcome:
    port = HttpPort(
        "http://svc.test/api",
        transport,
        headers={"X-Run": "r1"},
        policy=policy,
        rng=random.Random(seed),
    )
    body = {"name": "Ann"} if fields is None else fields
    item = PlanItem(1, "user:1", "user", "CreateUser", body, {}, [], None, "fp0:user:1")
    return anyio.run(port.send, Send(item, body, http, None, credential))


# -- retried, then done -----------------------------------------------------------------


def test_503_then_201_is_ok_after_two_attempts(sleeps: list[float]) -> None:
    transport = ScriptedTransport(status(503), ok({"id": 7}))
    outcome = send(transport)
    assert outcome.ok and outcome.captured == {"id": 7} and outcome.status == 201
    assert outcome.attempts == 2 == len(transport.attempts)
    assert outcome.retries_by_reason == {"HTTP 503": 1}
    assert len(sleeps) == 1


@pytest.mark.parametrize("code", [408, 429, 502, 503, 504])
def test_every_retryable_status_is_retried(code: int, sleeps: list[float]) -> None:
    transport = ScriptedTransport(status(code), status(code), ok({"id": 1}))
    outcome = send(transport)
    assert outcome.ok and outcome.attempts == 3
    assert outcome.retries_by_reason == {f"HTTP {code}": 2}


def test_transient_transport_errors_are_retried_and_counted_by_reason(
    sleeps: list[float],
) -> None:
    transport = ScriptedTransport(
        Transient("timeout"),
        Transient("ClientConnectorError", maybe_applied=False),
        Transient("timeout"),
        status(502),
        ok({"id": 9}),
    )
    outcome = send(transport)
    assert outcome.ok and outcome.captured == {"id": 9}
    assert outcome.attempts == 5 == len(transport.attempts)
    assert outcome.retries_by_reason == {"timeout": 2, "ClientConnectorError": 1, "HTTP 502": 1}


def test_every_attempt_is_the_same_request_with_the_same_idempotency_key(
    sleeps: list[float],
) -> None:
    transport = ScriptedTransport(status(503), Transient("timeout"), status(504), ok({"id": 1}))
    send(transport, fields={"name": "Ann", "kind": "bot"})
    assert len(transport.attempts) == 4
    first = transport.attempts[0]
    assert first.headers["Idempotency-Key"] == "fp0:user:1"
    assert first.headers["X-Run"] == "r1"
    assert first.headers["Content-Type"] == "application/json"
    assert (first.method, first.url) == ("POST", "http://svc.test/api/users")
    assert json.loads(first.body or b"") == {"name": "Ann", "kind": "bot"}
    assert first.timeout == FAST.timeout
    assert all(a == first for a in transport.attempts)


# -- the waits --------------------------------------------------------------------------


def test_backoff_waits_are_jittered_under_a_doubling_ceiling(sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=6, initial=0.004, maximum=0.01)
    transport = ScriptedTransport(status(503))
    outcome = send(transport, policy=policy)
    assert outcome.attempts == 6
    assert len(sleeps) == 5  # one wait between each two attempts
    ceilings = [0.004, 0.004, 0.008, 0.01, 0.01]  # initial, then initial * 2**(k-1), capped
    for wait, ceiling in zip(sleeps, ceilings, strict=True):
        assert 0 <= wait <= ceiling
    assert len(set(sleeps)) == 5  # jittered, not a fixed schedule


def test_the_waits_are_reproducible_from_the_seeded_rng(sleeps: list[float]) -> None:
    send(ScriptedTransport(status(503), status(503), ok({"id": 1})), seed=11)
    first = list(sleeps)
    sleeps.clear()
    send(ScriptedTransport(status(503), status(503), ok({"id": 1})), seed=11)
    assert sleeps == first and len(first) == 2


def test_retry_after_is_honoured_as_the_wait(sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=5, initial=0.001, maximum=10.0)
    transport = ScriptedTransport(
        status(429, retry_after="3"), status(503, retry_after="0.5"), ok({"id": 2})
    )
    outcome = send(transport, policy=policy)
    assert outcome.ok and outcome.attempts == 3
    assert sleeps == [3.0, 0.5]  # the server's own waits, not the tiny backoff


def test_retry_after_is_capped_by_the_policy_maximum(sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=5, initial=0.001, maximum=0.02)
    transport = ScriptedTransport(
        status(503, retry_after="120"), status(503, retry_after="60"), ok({"id": 2})
    )
    assert send(transport, policy=policy).ok
    assert sleeps == [0.02, 0.02]


def test_an_unparsable_retry_after_falls_back_to_backoff(sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=5, initial=0.004, maximum=1.0)
    transport = ScriptedTransport(
        status(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"), ok({"id": 2})
    )
    assert send(transport, policy=policy).ok
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= policy.initial


# -- giving up --------------------------------------------------------------------------


def test_the_attempts_cap_gives_a_retryable_failure(sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=3, initial=0.001, maximum=0.002)
    transport = ScriptedTransport(status(503, {"error": "overloaded", "message": "try later"}))
    outcome = send(transport, policy=policy)
    assert not outcome.ok and outcome.retryable and not outcome.uncertain
    assert outcome.attempts == 3 == len(transport.attempts)
    assert outcome.status == 503
    assert outcome.retries_by_reason == {"HTTP 503": 2}  # the last failure was not retried
    assert outcome.message.startswith("gave up after 3 attempts")
    assert "overloaded: try later" in outcome.message and "(HTTP 503)" in outcome.message


def test_giving_up_on_transport_errors_has_no_status(sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=2, initial=0.001, maximum=0.002)
    transport = ScriptedTransport(Transient("ClientConnectorError", maybe_applied=False))
    outcome = send(transport, policy=policy)
    assert not outcome.ok and outcome.retryable and outcome.status is None
    assert outcome.attempts == 2 == len(transport.attempts)
    assert "(ClientConnectorError)" in outcome.message


def test_a_policy_of_one_attempt_never_retries(sleeps: list[float]) -> None:
    transport = ScriptedTransport(status(503), ok({"id": 1}))
    outcome = send(transport, policy=RetryPolicy(attempts=1, initial=0.001, maximum=0.002))
    assert len(transport.attempts) == 1
    assert not outcome.ok and outcome.retryable and outcome.attempts == 1


# -- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body", "message"),
    [
        (400, {"error": "invalid", "message": "name is required"}, "invalid: name is required"),
        (409, {"detail": "isbn_taken"}, "isbn_taken"),
        (404, {"error": "tenant_not_found"}, "tenant_not_found"),
        (422, {"title": "Unprocessable", "status": 422}, "Unprocessable"),
    ],
)
def test_a_rejection_is_not_retried_and_keeps_the_service_s_words(
    code: int, body: Any, message: str, sleeps: list[float]
) -> None:
    transport = ScriptedTransport(status(code, body), ok({"id": 1}))
    outcome = send(transport)
    assert not outcome.ok and not outcome.retryable and not outcome.uncertain
    assert outcome.status == code and outcome.message == message
    assert outcome.attempts == 1 == len(transport.attempts)
    assert outcome.retries_by_reason == {} and sleeps == []


def test_a_rejection_with_a_text_body_keeps_the_text() -> None:
    transport = ScriptedTransport(RawResponse(400, b"bad request: name"))
    outcome = send(transport)
    assert (outcome.ok, outcome.status, outcome.message) == (False, 400, "bad request: name")


def test_a_rejection_after_retries_counts_them(sleeps: list[float]) -> None:
    transport = ScriptedTransport(status(503), status(409, {"detail": "isbn_taken"}))
    outcome = send(transport)
    assert not outcome.ok and not outcome.retryable
    assert (outcome.status, outcome.message, outcome.attempts) == (409, "isbn_taken", 2)
    assert outcome.retries_by_reason == {"HTTP 503": 1}


# -- a service that does not honour Idempotency-Key ---------------------------------------


@pytest.mark.parametrize(
    "first",
    [Transient("timeout"), status(502), status(504)],
    ids=["timeout", "502", "504"],
)
def test_not_idempotent_a_maybe_applied_failure_is_uncertain_and_not_retried(
    first: Step, sleeps: list[float]
) -> None:
    transport = ScriptedTransport(first, ok({"id": 1}))
    outcome = send(transport, http=ONCE)
    assert not outcome.ok and outcome.uncertain and outcome.retryable
    assert outcome.attempts == 1 == len(transport.attempts)
    assert "may have been applied" in outcome.message
    assert sleeps == []


@pytest.mark.parametrize("code", [408, 429, 503])
def test_not_idempotent_a_status_saying_not_processed_is_retried(
    code: int, sleeps: list[float]
) -> None:
    transport = ScriptedTransport(status(code), ok({"id": 4}))
    outcome = send(transport, http=ONCE)
    assert outcome.ok and outcome.captured == {"id": 4} and outcome.attempts == 2
    assert transport.attempts[0].headers["Idempotency-Key"] == "fp0:user:1"


def test_not_idempotent_no_connection_is_retried() -> None:
    transport = ScriptedTransport(
        Transient("ClientConnectorError", maybe_applied=False), ok({"id": 4})
    )
    outcome = send(transport, http=ONCE)
    assert outcome.ok and outcome.attempts == 2


def test_not_idempotent_a_timeout_after_a_503_stops_as_uncertain(sleeps: list[float]) -> None:
    transport = ScriptedTransport(status(503), Transient("timeout"), ok({"id": 1}))
    outcome = send(transport, http=ONCE)
    assert not outcome.ok and outcome.uncertain
    assert outcome.attempts == 2 == len(transport.attempts)
    assert outcome.retries_by_reason == {"HTTP 503": 1}


def test_idempotent_a_maybe_applied_failure_is_retried(sleeps: list[float]) -> None:
    transport = ScriptedTransport(Transient("timeout"), status(502), ok({"id": 1}))
    outcome = send(transport, http=USERS)
    assert outcome.ok and not outcome.uncertain and outcome.attempts == 3


# -- what a success captures --------------------------------------------------------------


def test_the_identity_is_captured_from_the_json_body() -> None:
    http = HttpBinding(
        "POST", "/books", success=(201,), identity="data.id", captures={"number": "data.number"}
    )
    transport = ScriptedTransport(ok({"data": {"id": 12, "number": 3}, "other": 1}))
    outcome = send(transport, http=http)
    assert outcome.ok and outcome.captured == {"data.id": 12, "number": 3}


def test_a_missing_identity_is_captured_as_none() -> None:
    outcome = send(ScriptedTransport(ok({"uuid": "x"})))
    assert outcome.ok and outcome.captured == {"id": None}


def test_the_identity_is_taken_from_the_location_header() -> None:
    http = HttpBinding("POST", "/users", success=(201,), identity="Location")
    transport = ScriptedTransport(ok(None, location="http://svc.test/api/users/u-42/"))
    outcome = send(transport, http=http)
    assert outcome.ok and outcome.captured == {"id": "u-42"}


def test_a_credential_is_captured_and_presented_on_every_attempt(sleeps: list[float]) -> None:
    token = Credential("token", "auth.token")
    http = HttpBinding("POST", "/members", success=(201,), credential=token)
    transport = ScriptedTransport(ok({"id": 5, "auth": {"token": "tok-5"}}))
    outcome = send(transport, http=http)
    assert outcome.captured == {"id": 5, "token": "tok-5"}
    loans = ScriptedTransport(status(503), ok({"id": 1}))
    send(loans, credential=(token, "tok-5"))
    assert [a.headers["Authorization"] for a in loans.attempts] == ["Bearer tok-5"] * 2


def test_a_success_status_outside_the_binding_s_is_a_rejection() -> None:
    outcome = send(ScriptedTransport(ok({"id": 1}, status=200)))  # USERS wants 201
    assert not outcome.ok and not outcome.retryable and outcome.status == 200


def test_path_fields_go_into_the_url_and_out_of_the_body() -> None:
    http = HttpBinding("POST", "/users/{follower_id}/follows", success=(201,))
    transport = ScriptedTransport(ok({"id": 1}))
    send(transport, http=http, fields={"follower_id": "a/b", "followee_id": 2})
    (attempt,) = transport.attempts
    assert attempt.url == "http://svc.test/api/users/a%2Fb/follows"
    assert json.loads(attempt.body or b"") == {"followee_id": 2}


# -- the service's health: down after a whole budget with nothing answered -------------


class Clock:
    """A monotonic clock the transport moves: ``step`` seconds per attempt."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        return self.now


class TimedTransport(ScriptedTransport):
    def __init__(self, clock: Clock, *steps: Step) -> None:
        super().__init__(*steps)
        self.clock = clock

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> RawResponse:
        self.clock.now += self.clock.step
        return await super().request(method, url, headers, body, timeout)


def timed_port(transport: TimedTransport, policy: RetryPolicy) -> HttpPort:
    port = HttpPort("http://svc.test", transport, policy=policy, rng=random.Random(1))
    port.health = Health(policy.total_seconds, clock=transport.clock)
    return port


def send_on(port: HttpPort, n: int = 1) -> Outcome:
    body = {"name": "Ann"}
    item = PlanItem(n, f"user:{n}", "user", "CreateUser", body, {}, [], None, f"fp0:user:{n}")
    return anyio.run(port.send, Send(item, body, USERS, None, None))


REFUSED = Transient("ClientConnectorError", maybe_applied=False)


def test_a_command_giving_up_with_nothing_answered_through_its_budget_says_down(
    sleeps: list[float],
) -> None:
    clock = Clock(step=10.0)  # 5 attempts, 40 s between the first failure and the last
    port = timed_port(TimedTransport(clock, REFUSED), RetryPolicy(attempts=5, total_seconds=30))
    outcome = send_on(port)
    assert not outcome.ok and outcome.retryable
    assert port.health.down is not None
    assert port.health.down.startswith("the service answered nothing for 40s")
    assert "(ClientConnectorError)" in port.health.down
    assert port.health.retrying == 0


def test_giving_up_before_the_budget_of_silence_is_not_down(sleeps: list[float]) -> None:
    clock = Clock(step=1.0)  # the attempts cap ends it after 4 s of silence, budget 30 s
    port = timed_port(TimedTransport(clock, REFUSED), RetryPolicy(attempts=5, total_seconds=30))
    assert not send_on(port).ok
    assert port.health.down is None
    assert port.health.silent_for() == 4.0


def test_an_answer_between_failures_starts_the_silence_again(sleeps: list[float]) -> None:
    clock = Clock(step=20.0)
    script = (REFUSED, ok({"id": 1}), REFUSED)  # command 1: refused, then done; 2: refused
    port = timed_port(TimedTransport(clock, *script), RetryPolicy(attempts=2, total_seconds=30))
    assert send_on(port, 1).ok
    assert port.health.silent_for() == 0.0 and port.health.answers == 1
    assert not send_on(port, 2).ok  # 20 s of silence since its first failure: < 30
    assert port.health.down is None and port.health.silent_for() == 20.0


def test_without_retries_an_outage_of_a_second_is_down_but_one_failure_is_not(
    sleeps: list[float],
) -> None:
    clock = Clock(step=0.6)
    # --retry-for 0: one attempt each; the budget of silence is then a second
    port = timed_port(TimedTransport(clock, REFUSED), RetryPolicy(attempts=1, total_seconds=0))
    assert not send_on(port, 1).ok and port.health.down is None  # silent 0 s
    assert not send_on(port, 2).ok and port.health.down is None  # 0.6 s
    assert not send_on(port, 3).ok and port.health.down is not None  # 1.2 s
