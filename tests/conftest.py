"""Shared helpers: plan a scenario (file or object) into JSONL text or records."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import socket
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import seeder
from seeder.plan.commandlog import JsonlCommandLog
from seeder.plan.manifest import manifest_of

ROOT = Path(__file__).resolve().parent.parent

# runs' journals go to a temporary folder, not beside the repository's scenarios; each
# pytest-xdist worker gets its own (the workers inherit the controller's environment,
# and two runs at once must not meet on one journal)
_journals = os.environ.get("SEEDER_JOURNAL_DIR") or tempfile.mkdtemp(prefix="seeder-test-journals-")
if os.environ.get("PYTEST_XDIST_WORKER"):
    _journals = os.path.join(_journals, os.environ["PYTEST_XDIST_WORKER"])
    os.makedirs(_journals, exist_ok=True)
os.environ["SEEDER_JOURNAL_DIR"] = _journals
SCENARIOS = ROOT / "scenarios"


def jsonl(model: seeder.Model) -> str:
    out = io.StringIO()
    JsonlCommandLog(model, out, manifest_of(model)).write_all(seeder.plan_items(model))
    return out.getvalue()


def records(model: seeder.Model) -> list[dict[str, Any]]:
    return [json.loads(line) for line in jsonl(model).splitlines()[1:]]  # after the manifest


def model_of(
    entities: dict[str, seeder.Entity], seed: int = 1, scale: float = 1.0, **kw: Any
) -> seeder.Model:
    from tests.fixtures import social

    return seeder.compile_model(
        seeder.Scenario(entities=entities, seed=seed, commands=social, **kw), scale=scale
    )


def _port_block() -> range:
    """This process's own ports for servers that tests start in subprocesses: a block
    below the kernel's ephemeral range (where bind(0) and outgoing connections take
    theirs), one block per pytest-xdist worker, placed by the test run's id so that
    two test runs on one machine rarely share blocks."""
    low = 32768
    with contextlib.suppress(OSError, ValueError, IndexError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    first, size = 10_000, 200
    if low - first < 8 * size:  # an unusual ephemeral range: leave it to the kernel
        return range(0)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    blocks = (low - first) // size
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    block = (zlib.crc32(run.encode()) + index) % blocks
    return range(first + block * size, first + (block + 1) * size)


_PORTS = itertools.cycle(_port_block() or [0])


def free_port() -> int:
    """A free loopback port for a server that a test starts in another process.

    Probing with bind(0) and closing leaves the port to whoever binds next; under
    pytest-xdist another worker's server or client could take it before the
    subprocess binds it. Ports from this worker's own block (``_port_block``) are
    not handed out to anyone else; each call moves on to the next one."""
    for _ in range(1000):
        port = next(_PORTS)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            found: int = sock.getsockname()[1]
            return found
    raise RuntimeError("no free loopback port")


_SHARD_VARIABLES = (
    "SEEDER_SHARD",
    "JOB_COMPLETION_INDEX",
    "CI_NODE_INDEX",
    "CIRCLE_NODE_INDEX",
    "BUILDKITE_PARALLEL_JOB",
)


@pytest.fixture(autouse=True)
def _not_a_shard_of_the_suites_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite itself may run as one node of a parallel CI job (GitLab
    ``parallel:``): the seeder processes it starts must not take that node's index
    as their shard. Tests of sharding set these variables themselves."""
    for name in _SHARD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _readme_blueprints_stay_in_the_readme(request: pytest.FixtureRequest) -> Iterator[None]:
    """The README's Given snippets load ``scenarios/library.yaml`` by a relative path.
    The blueprint cache (one per process, keyed by the resolved path) keeps the
    spelling of whoever loaded a file first, and messages quote it; a later test in the
    same process that expects the absolute path would see the README's spelling. Under
    pytest-xdist the order of tests within a process varies, so the README's tests
    leave the cache as they found it."""
    from seeder.testing import blueprint

    cache = getattr(blueprint, "_cache", None)
    if request.path.name != "test_readme.py" or not isinstance(cache, dict):
        yield
        return
    saved = dict(cache)
    yield
    cache.clear()
    cache.update(saved)


@pytest.fixture
def root() -> Path:
    return ROOT


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Runs the CLI (from the project folder), asserts exit code 2 and no traceback,
    and returns what it printed on stderr."""
    import os

    from seeder.cli import main

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        with pytest.raises(SystemExit) as exc_info:
            raise SystemExit(main(argv))
    finally:
        os.chdir(here)
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


_REPORT_SCHEMA: dict[str, Any] = {}


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Every JSON report a test leaves in its tmp_path validates against the schema
    shipped in the package (seeder/report.schema.json)."""
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    if not isinstance(tmp, Path) or not tmp.is_dir():
        return
    import jsonschema

    if not _REPORT_SCHEMA:
        _REPORT_SCHEMA.update(json.loads((ROOT / "seeder" / "report.schema.json").read_text()))
    for path in tmp.rglob("*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and {"totals", "entities", "latency_ms"} <= data.keys():
            jsonschema.validate(data, _REPORT_SCHEMA)


def log_records(text: str) -> list[dict[str, Any]]:
    """The commands of a JSONL command log (``seeder plan``'s output), without its
    first line, the manifest that describes the bindings."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return lines[1:] if lines and "seeder_log" in lines[0] else lines
