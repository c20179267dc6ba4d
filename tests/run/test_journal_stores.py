"""One contract, every journal store: the same tests run against the SQLite file
and against PostgreSQL (a fresh schema per test), through :class:`Journal`.

PostgreSQL tests skip when it is not reachable, unless SEEDER_REQUIRE_POSTGRES=1
(CI), which makes that a failure — as the demo's fixtures do."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from seeder.errors import JournalMismatch, SeederError
from seeder.run.journal import Journal, Mark
from seeder.run.results import DONE, Results

POSTGRES_DSN = os.environ.get(
    "SEEDER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
IDENTITY = {"fingerprint": "abc", "seed": "42", "scale": "1.0", "shard": "of 2", "target": "t"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    if request.param == "sqlite":
        yield tmp_path / "run.journal"
        return
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        if os.environ.get("SEEDER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_DSN}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_DSN}; set SEEDER_REQUIRE_POSTGRES=1")
    schema = f"journal_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{POSTGRES_DSN}?options={quote(f'-csearch_path={schema}')}"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def start(location: Path | str, shard: int = 0, **kwargs: object) -> Journal:
    identity = dict(IDENTITY, shard="1/1") if not shard else IDENTITY
    secrets = {"member": frozenset({"token"})}
    return Journal.start(location, identity, secrets=secrets, shard=shard, **kwargs)  # type: ignore[arg-type]


def test_what_is_recorded_comes_back_on_resume_without_secrets(location: Path | str) -> None:
    journal = start(location, resume=False)
    journal.record("member:1", Mark.DONE, {"id": 7, "token": "s3cret", "api_key": "k"})
    journal.record("book:1", Mark.REJECTED, None, 422, "isbn taken")
    journal.record("book:2", Mark.SENT)
    journal.close("interrupted")

    resumed = start(location, resume=True)
    try:
        assert resumed.prior_state("member:1") == Mark.DONE
        assert resumed.prior_state("book:1") == Mark.REJECTED
        assert resumed.prior_state("book:2") == Mark.SENT
        assert resumed.prior_state("book:3") == 0
        results = Results()
        resumed.restore(results)
        assert results.state("member:1") == DONE
        assert results.value("member", 1, "id") == 7
        rows = list(resumed.store.rows())
        assert not any("s3cret" in (captured or "") for _, _, captured in rows)
        assert not any("api_key" in (captured or "") for _, _, captured in rows)
    finally:
        resumed.close("finished")


def test_a_resume_of_another_run_is_refused_and_says_what_differs(location: Path | str) -> None:
    start(location, resume=False).close("interrupted")
    with pytest.raises(JournalMismatch, match="seed was '42', now '7'"):
        Journal.start(location, dict(IDENTITY, shard="1/1", seed="7"), resume=True)


def test_an_unfinished_run_is_not_overwritten_without_fresh(location: Path | str) -> None:
    journal = start(location, resume=False)
    journal.record("book:1", Mark.DONE, {"id": 1})
    journal.close("interrupted")
    with pytest.raises(SeederError, match="an unfinished run's journal"):
        start(location, resume=False)
    start(location, resume=False, fresh=True).close("finished")


def test_one_process_per_shard(location: Path | str) -> None:
    first = start(location, shard=1, resume=False)
    try:
        with pytest.raises(SeederError, match="another seeder"):
            start(location, shard=1, resume=False)
        second = start(location, shard=2, resume=False)  # another shard of the run: fine
        second.close("finished")
    finally:
        first.close("finished")


def test_shards_read_what_the_others_made(location: Path | str) -> None:
    one = start(location, shard=1, resume=False)
    two = start(location, shard=2, resume=False)
    try:
        assert two.latest(["author:1"]) == {}
        one.record("author:1", Mark.DONE, {"id": 41, "~undo": {"x": 1}})
        one.record("author:2", Mark.REJECTED, None, 422, "no")
        one.flush()
        assert two.latest(["author:1", "author:2", "author:3"]) == {
            "author:1": (Mark.DONE, {"id": 41}),
            "author:2": (Mark.REJECTED, {}),
        }
    finally:
        one.close("finished")
        two.close("finished")


def test_a_journal_holds_one_plan(location: Path | str) -> None:
    start(location, shard=1, resume=False).close("interrupted")
    other = dict(IDENTITY, fingerprint="def", seed="7")
    with pytest.raises(JournalMismatch, match="holds another plan: seed was '42', now '7'"):
        Journal.start(location, other, resume=False, shard=2)
    Journal.start(location, other, resume=False, shard=2, fresh=True).close("finished")
    assert Journal.read_meta(location)["seed"] == "7"
    # once every shard of it has finished, a journal may take another plan
    Journal.start(location, IDENTITY, resume=False, shard=1).close("finished")
    assert Journal.read_meta(location)["seed"] == "42"


def test_a_shard_started_again_replaces_only_its_own_rows(location: Path | str) -> None:
    one = start(location, shard=1, resume=False)
    two = start(location, shard=2, resume=False)
    one.record("author:1", Mark.DONE, {"id": 1})
    two.record("book:1", Mark.DONE, {"id": 2})
    one.close("finished")
    two.close("interrupted")
    with pytest.raises(SeederError, match="unfinished"):
        start(location, shard=2, resume=False)
    again = start(location, shard=1, resume=False)  # its run finished: starts anew
    try:
        assert again.latest(["author:1", "book:1"]) == {"book:1": (Mark.DONE, {"id": 2})}
    finally:
        again.close("finished")


def test_done_in_order_is_the_order_of_completion(location: Path | str) -> None:
    journal = start(location, resume=False)
    for key in ("b:2", "a:1", "b:1"):
        journal.record(key, Mark.DONE, {"id": key})
        journal.flush()
    journal.record("b:2", Mark.UNDONE)
    journal.close("finished")
    undo = Journal.start_undo(location, "t")
    try:
        done, undone = undo.done_in_order()
        assert list(done) == ["b:2", "a:1", "b:1"]
        assert undone == ["b:2"]
    finally:
        undo.close("undone")
