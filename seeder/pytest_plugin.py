"""The pytest plugin (registered through the ``pytest11`` entry point): the
``given`` fixture (sync tests) and ``agiven`` (async tests, with anyio's plugin).

Configured by two ini options — in ``[tool.pytest.ini_options]`` of pyproject.toml
or in pytest.ini — or by overriding the fixtures of the same names in a conftest:

- ``seeder_scenario``: the scenario file whose entities ``given`` makes (relative
  to the ini file);
- ``seeder_target``: where it sends — a URL, ``demo`` (a fresh in-memory demo per
  test), ``demo:asgi``, or ``package.module:attribute`` (an application object, an
  ASGI app, or a factory called once per test);
- ``seeder_nonce``: ``random`` mixes a value drawn once per pytest run into every
  test's seed (shown in the header; ``SEEDER_NONCE=...`` repeats a run's values),
  so values unique across a shared, persistent service (client-chosen ids, codes
  drawn from the seed) differ from one run to the next; any other text is that
  nonce. Empty (the default): a test's values are the same on every run;
- ``seeder_undo`` (``true``/``false``, default false): at the end of each test,
  delete what it made, dependents first, through the bindings' ``Undo``
  declarations — for a shared, persistent service (a staging environment) that
  must stay as it was.

Each test gets its own registry (it sees only what it made) and a seed derived
from its node id: the same test makes the same values on every run, two tests make
different ones. When a test fails, its report shows the seed and what was made.
Nothing heavy is imported until a test asks for a fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

if TYPE_CHECKING:
    from seeder.testing import AsyncGiven, Given

SCENARIO = "seeder_scenario"
TARGET = "seeder_target"
UNDO = "seeder_undo"
NONCE = "seeder_nonce"
NONCE_ENV = "SEEDER_NONCE"
_NONCE = pytest.StashKey[str]()
_T = TypeVar("_T")
_MADE = pytest.StashKey[Any]()
_SAID = pytest.StashKey[dict[str, str]]()  # configuration errors said so far: the first test


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        SCENARIO,
        "seeder: the scenario file whose entities the given fixture makes (relative to "
        "this ini file)",
        default="",
    )
    parser.addini(
        TARGET,
        "seeder: where the given fixture sends: a URL, demo, demo:asgi or package.module:attribute",
        default="",
    )
    parser.addini(
        NONCE,
        "seeder: random (a new value per run, mixed into every test's seed) or a fixed "
        f"nonce; ${NONCE_ENV} overrides it",
        default="",
    )
    parser.addini(
        UNDO,
        "seeder: delete at the end of each test what the given fixture made (through the "
        "bindings' Undo declarations)",
        type="bool",
        default=False,
    )


def _missing(name: str, example: str) -> str:
    return (
        f"seeder: no {name} is configured for the given fixture; set {name} = {example!r} "
        "under [tool.pytest.ini_options] in pyproject.toml (or [pytest] in pytest.ini), "
        f"or define a {name} fixture in conftest.py"
    )


@pytest.fixture(scope="session")
def seeder_scenario(pytestconfig: pytest.Config) -> Any:
    """The scenario for ``given``: the ``seeder_scenario`` ini option (a path)."""
    value = str(pytestconfig.getini(SCENARIO)).strip()
    if not value:
        pytest.fail(_missing(SCENARIO, "scenarios/library.yaml"), pytrace=False)
    base = pytestconfig.inipath.parent if pytestconfig.inipath else pytestconfig.rootpath
    return base / Path(value)


@pytest.fixture
def seeder_target(pytestconfig: pytest.Config) -> Any:
    """Where ``given`` sends: the ``seeder_target`` ini option."""
    value = str(pytestconfig.getini(TARGET)).strip()
    if not value:
        pytest.fail(_missing(TARGET, "demo"), pytrace=False)
    return value


def _nonce(config: pytest.Config) -> str:
    """This run's nonce ("" without one): ``$SEEDER_NONCE``, else the ini option
    (``random``: drawn once per run)."""
    if _NONCE not in config.stash:
        import os
        import secrets

        value = os.environ.get(NONCE_ENV) or str(config.getini(NONCE)).strip()
        config.stash[_NONCE] = secrets.token_hex(4) if value == "random" else value
    return config.stash[_NONCE]


def pytest_configure(config: pytest.Config) -> None:
    """A random nonce is drawn once, here, and handed to pytest-xdist's workers
    (started later, with this environment): one run, one nonce."""
    import os

    if not os.environ.get(NONCE_ENV) and str(config.getini(NONCE)).strip() == "random":
        os.environ[NONCE_ENV] = _nonce(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    nonce = _nonce(config)
    if not nonce:
        return None
    return f"seeder: nonce {nonce} (mixed into every test's seed; {NONCE_ENV}={nonce} repeats it)"


@pytest.fixture
def seeder_seed(request: pytest.FixtureRequest) -> int | str:
    """The seed of this test's values: its node id (mixed with the scenario's
    seed, and with the run's nonce when ``seeder_nonce`` is set). Override it to
    try other values."""
    nonce = _nonce(request.config)
    return f"{request.node.nodeid}~{nonce}" if nonce else str(request.node.nodeid)


def _start(request: pytest.FixtureRequest, start: Callable[[], _T]) -> _T:
    """``start()``; a configuration mistake (a missing extra, an unknown target)
    fails the test with its message alone, once per session."""
    from seeder.errors import SeederError

    try:
        return start()
    except SeederError as exc:
        message = str(exc)
    _fail_once(request, message)


def _fail_once(request: pytest.FixtureRequest, message: str) -> NoReturn:
    """Fails the test with ``message`` the first time in the session; later tests
    that meet the same mistake point at that first one instead of repeating it.
    Called outside ``except``, so no exception chain is printed with it."""
    said: dict[str, str] = request.config.stash.setdefault(_SAID, {})
    first = said.setdefault(message, request.node.nodeid)
    if first == request.node.nodeid:
        pytest.fail(message, pytrace=False)
    pytest.fail(
        f"seeder: the given fixture cannot start; the reason is under {first}", pytrace=False
    )


@pytest.fixture
def given(
    request: pytest.FixtureRequest,
    seeder_scenario: Any,
    seeder_target: Any,
    seeder_seed: int | str,
) -> Iterator[Given]:
    """``given("book", author={"name": "Ursula"})``: entities made through the
    service, with their real ids; a fresh registry per test."""
    from seeder.testing import Given

    undo = bool(request.config.getini(UNDO))
    made = _start(
        request, lambda: Given(seeder_scenario, seeder_target, seed=seeder_seed, undo=undo)
    )
    request.node.stash[_MADE] = made
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
async def agiven(
    request: pytest.FixtureRequest,
    anyio_backend: Any,
    seeder_scenario: Any,
    seeder_target: Any,
    seeder_seed: int | str,
) -> AsyncIterator[AsyncGiven]:
    """The async face of ``given`` (``await agiven("book")``), for anyio tests."""
    from seeder.testing import AsyncGiven

    undo = bool(request.config.getini(UNDO))
    made = _start(
        request, lambda: AsyncGiven(seeder_scenario, seeder_target, seed=seeder_seed, undo=undo)
    )
    request.node.stash[_MADE] = made
    try:
        yield made
    finally:
        await made.aclose()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    made = item.stash.get(_MADE, None)
    if made is not None and report.failed and report.when == "call":
        nonce = _nonce(item.config)
        source = f"{item.nodeid!r} and nonce {nonce}" if nonce else repr(item.nodeid)
        lines = [f"seed {made.seed} (from {source}); target {made.target}"]
        lines += [f"  {handle!r}" for handle in made.created]
        report.sections.append(("seeder given: what this test made", "\n".join(lines)))
    return report
