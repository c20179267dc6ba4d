"""Settling commands whose answer was lost, against a service without idempotency
keys: the executor and the HTTP port over a scripted transport (attempt k gets
step k), for the cases a real service rarely shows on cue — a resend that meets
the conflict answer (adopted), a conflict that is someone else's (a rejection), a
lookup that finds several or another entity (left uncertain), a read side that
lags. The crash tests (test_crash_without_keys.py) run the common cases against
the real demo."""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

from seeder.commands import Adopt, HttpBinding, Lookup
from seeder.errors import BindingError
from seeder.plan.items import PlanItem
from seeder.ports.http import HttpPort, RetryPolicy, Transient
from seeder.run.bindings import Binding, Bindings
from seeder.run.executor import Executor
from seeder.run.results import DONE
from tests.ports.test_http_retries import ScriptedTransport, ok, status

FAST = RetryPolicy(attempts=3, total_seconds=5.0, initial=0.001, maximum=0.002, timeout=1.0)
BOOKS = HttpBinding(
    "POST",
    "/tenants/{tenant_id}/books",
    success=(201,),
    identity="number",
    idempotent=False,
    lookup=Lookup("/tenants/{tenant_id}/books", query={"isbn": "isbn"}),
    adopt=Adopt(statuses=(409,), message="already exists"),
)
FIELDS = {"tenant_id": 3, "isbn": "978-0-00-000000-2", "title": "Dune"}
LOST = Transient("timeout", maybe_applied=True)
BOOK = {"number": 12, **FIELDS}
CONFLICT = status(409, {"error": "isbn_taken", "message": "ISBN 978-0 already exists"})


def run(transport: ScriptedTransport, http: HttpBinding = BOOKS) -> Executor:
    bindings = Bindings()
    bindings.by_command["PublishBook"] = Binding(http, None)
    port = HttpPort("http://svc.test", transport, policy=FAST, rng=random.Random(1))
    executor = Executor(port, bindings, concurrency=1)
    item = PlanItem(1, "book:1", "book", "PublishBook", dict(FIELDS), {}, [], None, "k1")
    anyio.run(executor.run, [item])
    return executor


def page(*items: dict[str, Any]) -> Any:
    return ok({"items": list(items), "total": len(items)}, status=200)


def calls(transport: ScriptedTransport) -> list[str]:
    return [f"{a.method} {urlsplit(a.url).path}" for a in transport.attempts]


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The lookups' waits for a lagging read side, recorded, not slept."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("seeder.run.recovery.anyio.sleep", sleep)
    return waits


def test_a_lost_answer_is_looked_up_by_its_natural_key_and_found() -> None:
    transport = ScriptedTransport(LOST, page(BOOK))
    executor = run(transport)
    assert calls(transport) == ["POST /tenants/3/books", "GET /tenants/3/books"]
    assert parse_qs(urlsplit(transport.attempts[1].url).query) == {"isbn": [FIELDS["isbn"]]}
    assert executor.results.state("book:1") == DONE
    assert executor.results.value("book", 1, "number") == 12
    assert executor.stats.settled_keys == [("book:1", "found", "")]
    assert executor.stats.total.created == 1 and executor.stats.total.uncertain == 0


def test_not_found_is_sent_again_and_its_conflict_adopts_the_entity(no_waits: list[float]) -> None:
    # the lookup lags: nothing, then the resend meets "already exists", then the
    # lookup finds it on its second try
    transport = ScriptedTransport(LOST, page(), CONFLICT, page(), page(BOOK))
    executor = run(transport)
    assert calls(transport) == [
        "POST /tenants/3/books",
        "GET /tenants/3/books",
        "POST /tenants/3/books",
        "GET /tenants/3/books",
        "GET /tenants/3/books",
    ]
    assert no_waits == [0.25]
    assert executor.stats.settled_keys == [("book:1", "adopted", "")]
    assert executor.results.value("book", 1, "number") == 12
    t = executor.stats.total
    assert (t.earlier, t.created, t.rejected, t.uncertain) == (1, 0, 0, 0)


def test_not_found_then_sent_again_is_created() -> None:
    transport = ScriptedTransport(LOST, page(), ok(BOOK))
    executor = run(transport)
    assert executor.stats.settled_keys == [("book:1", "resent", "")]
    assert executor.stats.total.created == 1


def test_a_first_send_meeting_a_conflict_is_a_rejection_not_an_adoption() -> None:
    transport = ScriptedTransport(CONFLICT, page(BOOK))
    executor = run(transport)
    assert calls(transport) == ["POST /tenants/3/books"]  # someone else's book: no lookup
    assert executor.stats.total.rejected == 1 and not executor.stats.settled_keys


def test_a_conflict_in_other_words_is_a_rejection() -> None:
    other = status(409, {"error": "author_busy", "message": "author is locked"})
    transport = ScriptedTransport(LOST, page(), other)
    executor = run(transport)
    assert len(transport.attempts) == 3
    assert executor.stats.total.rejected == 1


def test_a_conflict_whose_entity_never_shows_is_a_rejection(no_waits: list[float]) -> None:
    transport = ScriptedTransport(LOST, page(), CONFLICT, page())
    executor = run(transport)
    assert no_waits == [0.25, 0.5, 1.0, 2.0]  # the lookup was given ~4 s to catch up
    assert executor.stats.total.rejected == 1


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (page(BOOK, {**BOOK, "number": 13}), "the lookup found 2 matches"),
        (page({**BOOK, "title": "Emma"}), "an entity with other values (title)"),
        (status(500, {"message": "boom"}), "the lookup answered 500: boom"),
        (ok({"results": []}, status=200), "no list at 'items'"),
    ],
)
def test_a_lookup_that_cannot_tell_leaves_it_uncertain(answer: Any, words: str) -> None:
    transport = ScriptedTransport(LOST, answer)
    executor = run(transport)
    assert executor.stats.total.uncertain == 1
    assert executor.stats.uncertain_keys == ["book:1"]
    ((key, how, why),) = executor.stats.settled_keys
    assert (key, how) == ("book:1", "unsettled") and words in why, why


def test_answers_lost_again_and_again_stay_uncertain_after_three_rounds() -> None:
    # every POST lost, every lookup empty
    transport = ScriptedTransport(LOST, page(), LOST, page(), LOST, page(), LOST, page(BOOK))
    executor = run(transport)
    assert calls(transport).count("POST /tenants/3/books") == 4  # the first + 3 resends
    assert len(transport.attempts) == 7  # no lookup after the last: it is left uncertain
    assert executor.stats.total.uncertain == 1


# -- a search by POST, an entity shaped otherwise than the answer -------------------
RUNS = HttpBinding(
    "POST",
    "/api/runs/create",
    identity="run.info.run_id",
    captures={"started": "run.info.start_time"},
    idempotent=False,
    lookup=Lookup(
        "/api/runs/search",
        method="POST",
        body={
            "experiment_ids": ["{tenant_id}"],
            "filter": "attributes.run_name = '{title}'",
            "max_results": 2,
        },
        items="runs",
        omits_empty=True,
        identity="info.run_id",
        captures={"started": "info.start_time"},
    ),
)
RUN = {"info": {"run_id": "r-9", "run_name": "Dune", "start_time": 1700}}


def test_a_search_by_post_sends_its_body_with_the_commands_values() -> None:
    transport = ScriptedTransport(LOST, ok({"runs": [RUN]}, status=200))
    executor = run(transport, RUNS)
    assert calls(transport) == ["POST /api/runs/create", "POST /api/runs/search"]
    search = transport.attempts[1]
    assert search.headers["Content-Type"] == "application/json"
    assert "Idempotency-Key" not in search.headers
    assert json.loads(search.body or b"") == {
        "experiment_ids": [3],  # a string that is only "{field}": the value as it is
        "filter": "attributes.run_name = 'Dune'",  # formatted into the string
        "max_results": 2,
    }
    assert executor.stats.settled_keys == [("book:1", "found", "")]
    # identity and captures read where the lookup says they are in the entity
    assert executor.results.value("book", 1, "run.info.run_id") == "r-9"
    assert executor.results.value("book", 1, "started") == 1700


def test_a_list_the_service_leaves_out_is_not_found_only_when_the_lookup_says_so() -> None:
    transport = ScriptedTransport(LOST, ok({}, status=200), ok({"run": RUN}))
    executor = run(transport, RUNS)
    assert executor.stats.settled_keys == [("book:1", "resent", "")]
    assert executor.stats.total.created == 1
    strict = dataclasses.replace(RUNS, lookup=dataclasses.replace(RUNS.lookup, omits_empty=False))
    transport = ScriptedTransport(LOST, ok({}, status=200), ok({"run": RUN}))
    executor = run(transport, strict)
    ((_, how, why),) = executor.stats.settled_keys
    assert how == "unsettled" and "no list at 'runs'" in why, why
    assert len(transport.attempts) == 2  # not sent again


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"method": "POST"}, "method='POST' needs a JSON body"),
        ({"body": {"q": "{title}"}}, "body is sent only with method='POST'"),
        ({"method": "DELETE", "body": {}}, "method 'DELETE' must be 'GET' or 'POST'"),
        ({"method": "POST", "body": {"q": "{title"}}, "body: q: '{title': "),
        ({"method": "POST", "body": {"q": "{a.b}"}}, "body: {a.b} must name one field"),
        ({"method": "POST", "body": {"q": {1, 2}}}, "is not a JSON value"),
        ({"captures": {"started": ""}}, "captures 'started': ''"),
        ({"omits_empty": True, "items": None}, "omits_empty needs items"),
    ],
)
def test_a_lookup_mistake_is_said_when_it_is_made(options: dict[str, Any], words: str) -> None:
    with pytest.raises(BindingError) as caught:
        Lookup("/api/runs/search", **options)
    assert words in str(caught.value), caught.value
    assert caught.value.where is not None and caught.value.where[0] == __file__


def test_a_lookup_capturing_what_the_binding_does_not_is_refused() -> None:
    with pytest.raises(BindingError, match="lookup captures 'stated', which the binding"):
        HttpBinding(
            "POST",
            "/runs",
            captures={"started": "run.start"},
            lookup=Lookup("/runs", captures={"stated": "start"}),
        )
