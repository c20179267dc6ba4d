"""Every mistake a test can make with ``given`` is one GivenError (a SeederError)
whose message says what, where (the call) and how to fix it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from seeder.demo.app import build_application
from seeder.errors import ScenarioError, SeederError
from seeder.testing import Given, GivenError, Handle
from tests.testing.conftest import LIBRARY


@pytest.fixture
def made() -> Iterator[tuple[Given, dict[str, Handle]]]:
    with Given(LIBRARY, "demo", seed=1) as given, Given(LIBRARY, "demo", seed=2) as other:
        yield (
            given,
            {
                "author": given("author"),
                "member": given("member"),
                "foreign": other("author"),
            },
        )


CALLS: list[tuple[str, Callable[[Given, dict[str, Handle]], Any], str]] = [
    (
        "unknown entity",
        lambda g, h: g("bok"),
        f"given('bok'): {LIBRARY} has no entity 'bok'; did you mean 'book'?",
    ),
    (
        "unknown field",
        lambda g, h: g("book", titel="Kindred"),
        "given('book', titel='Kindred'): book has no field 'titel'; did you mean 'title'?",
    ),
    (
        "unknown field, nothing close",
        lambda g, h: g("book", zzz=1),
        "given('book', zzz=1): book has no field 'zzz'; its fields are: tenant_id (or "
        "tenant), author_id (or author), isbn, title, subtitle, status, published_on",
    ),
    (
        "unknown field in a specification",
        lambda g, h: g("book", author={"nmae": "Ursula"}),
        "given('book', author={'nmae': 'Ursula'}): author has no field 'nmae'; did you "
        "mean 'name'?",
    ),
    (
        "a handle of the wrong entity",
        lambda g, h: g("book", author=h["member"]),
        "given('book', author=member:1): author= expects an author (a handle or a dict "
        "of author fields), got the member handle member:1",
    ),
    (
        "a handle of another test",
        lambda g, h: g("book", author=h["foreign"]),
        "given('book', author=author:1): author=author:1 was made by another test's given "
        "(each test has its own registry); make it in this test",
    ),
    (
        "a handle for a plain field",
        lambda g, h: g("book", title=h["author"]),
        "given('book', title=author:1): book.title takes a plain value, not a handle; "
        "pass one of its values (e.g. title=author.id)",
    ),
    (
        "an id nothing in this test has",
        lambda g, h: g("book", author_id=999),
        "given('book', author_id=999): author_id=999: no author with id 999 was made in "
        "this test; pass an author handle, a dict of its fields, or make one first with "
        "given('author')",
    ),
    (
        "an actor that is not a handle",
        lambda g, h: g("loan", actor=5),
        "given('loan', actor=5): actor= takes the handle of the entity the command is "
        "sent on behalf of (e.g. actor=member), got int",
    ),
    (
        "an actor without a credential",
        lambda g, h: g("loan", actor=h["author"]),
        "given('loan', actor=author:1): actor=author:1: the binding of author captures no "
        "credential to act with; give its HttpBinding a credential=Credential(...)",
    ),
    (
        "the same field twice",
        lambda g, h: g("book", author=h["author"], author_id=h["author"]),
        "given('book', author=author:1, author_id=author:1): author= and author_id= both "
        "set book.author_id; give one",
    ),
    (
        "no parent",
        lambda g, h: g("loan", member=None),
        "given('loan', member=None): member=None: a loan always has a parent",
    ),
    (
        "a negative count",
        lambda g, h: g.many("book", -1),
        "given.many('book', -1): the count must be a whole number >= 0, got -1",
    ),
    (
        "a count that is not a number",
        lambda g, h: g.many("book", "3"),  # type: ignore[arg-type]
        "given.many('book', '3'): the count must be a whole number >= 0, got '3'",
    ),
]


@pytest.mark.parametrize(("what", "call", "message"), CALLS, ids=[c[0] for c in CALLS])
def test_a_mistaken_call_says_what_where_and_how_to_fix(
    made: tuple[Given, dict[str, Handle]],
    what: str,
    call: Callable[[Given, dict[str, Handle]], Any],
    message: str,
) -> None:
    given, handles = made
    before = len(given.created)
    with pytest.raises(GivenError) as caught:
        call(given, handles)
    assert str(caught.value) == message
    assert len(given.created) == before  # nothing was sent
    assert given("book").key  # and the test can go on


TARGETS: list[tuple[str, Any, str]] = [
    (
        "an unknown scheme",
        "ftp://library",
        "unknown target 'ftp://library'; give an application object, an ASGI app, a URL "
        "(http://127.0.0.1:8000), 'demo', 'demo:asgi' or 'package.module:attribute'",
    ),
    (
        "an object without handlers",
        object(),
        "target object has none of the handler methods the commands name (borrow_book, "
        "create_tenant, publish_book, register_author, register_member); give an "
        "application object, an ASGI app, a URL (http://127.0.0.1:8000), 'demo', "
        "'demo:asgi' or 'package.module:attribute'",
    ),
    (
        "a module that does not import",
        "nosuch.module:app",
        "target 'nosuch.module:app': cannot import 'nosuch.module' (No module named "
        "'nosuch'); check the module path (it is imported like any module: from the "
        "test's sys.path)",
    ),
    (
        "a missing attribute",
        "seeder.demo.app:nothing",
        "target 'seeder.demo.app:nothing': module 'seeder.demo.app' has no attribute 'nothing'",
    ),
    (
        "no target",
        None,
        "no target given; give an application object, an ASGI app, a URL "
        "(http://127.0.0.1:8000), 'demo', 'demo:asgi' or 'package.module:attribute'",
    ),
]


@pytest.mark.parametrize(("what", "target", "message"), TARGETS, ids=[t[0] for t in TARGETS])
def test_a_wrong_target_is_one_message(what: str, target: Any, message: str) -> None:
    with pytest.raises(GivenError) as caught:
        Given(LIBRARY, target)
    assert str(caught.value) == message


def test_a_missing_or_broken_scenario_is_one_message(tmp_path: Any) -> None:
    with pytest.raises(GivenError, match=r"scenario file not found: nope\.yaml \("):
        Given("nope.yaml", "demo")
    with pytest.raises(GivenError, match=r"given needs a scenario file path or a seeder\.Scenario"):
        Given(3, "demo")  # type: ignore[arg-type]
    broken = tmp_path / "broken.yaml"
    broken.write_text(LIBRARY.read_text().replace("name: {fake: name}", "nmae: {fake: name}"))
    broken_commands = LIBRARY.parent.parent / "commands" / "library.py"
    broken.write_text(broken.read_text().replace("../commands/library.py", str(broken_commands)))
    line = broken.read_text().splitlines().index("      nmae: {fake: name}") + 1
    with pytest.raises(ScenarioError) as caught:
        Given(broken, "demo")
    assert f"{broken}:{line}:7: RegisterAuthor has no field 'nmae'; did you mean 'name'?" in str(
        caught.value
    )


def test_an_unreachable_service_fails_fast_and_says_so() -> None:
    with Given(LIBRARY, "http://127.0.0.1:1") as given, pytest.raises(GivenError) as caught:
        given("tenant")
    message = str(caught.value)
    assert message.startswith(
        "given('tenant'): could not send CreateTenant (tenant:1) to http://127.0.0.1:1: "
        "gave up after 3 attempts"
    )
    assert message.endswith("is the service running there?")


def test_a_closed_given_says_so() -> None:
    given = Given(LIBRARY, build_application(":memory:"))
    given.close()
    with pytest.raises(GivenError, match=r"given\('author'\): this given is closed"):
        given("author")


def test_every_given_error_is_a_seeder_error() -> None:
    assert issubclass(GivenError, SeederError)
