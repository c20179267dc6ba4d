"""Hostile and broken input (issue 5, item 4): every malformed scenario and bad flag
ends in exit code 2, one line per problem (``file:line:column:`` when a file is
involved), no traceback, and not one request reaching the service.

Each case runs ``seeder run SCENARIO --target <a counting server>`` in-process. In
the scenario text, the line the error must point at carries the marker ``#<``; the
expected column is where ``at`` first occurs on that line. Cases without a marker
but with a file expect ``file: message`` (no line: the whole file is at fault).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from seeder.cli import main
from seeder.demo.server import serve_in_thread
from seeder.scenario.compose import MAX_DEPTH, MAX_SCENARIO_BYTES
from tests.conftest import ROOT

LIBRARY = str(ROOT / "commands" / "library.py")

BASE = f"""\
seed: 1
commands: {LIBRARY}
entities:
  tenant:
    command: CreateTenant
    fields:
      name: {{seq: "T{{n}}"}}
      plan: {{choice: {{free: 0.6, team: 0.4}}}}
  author:
    command: RegisterAuthor
    count: 3
    fields:
      tenant_id: {{ref: tenant, mean: 2}}
      name: {{fake: name}}
"""


class Counter:
    """A tiny ASGI service that accepts anything and counts the requests it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.requests.append(f"{scope['method']} {scope['path']}")
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": %d}' % len(self.requests)})


@pytest.fixture(scope="module")
def counter() -> Iterator[tuple[Counter, str]]:
    app = Counter()
    with serve_in_thread(app) as url:  # type: ignore[arg-type]
        yield app, url


@dataclass(frozen=True)
class Case:
    id: str
    scenario: str | bytes | None = BASE  # None: the path itself is the case (see `path`)
    flags: tuple[str, ...] = ()  # after `--target <counter>`: a later --target wins
    needles: tuple[str, ...] = ()  # substrings of the message, in order of the lines
    at: str = ""  # the expected column: where this first occurs on the #< line
    lines: int = 1  # problems the case holds: one line each
    files: dict[str, str] = field(default_factory=dict)  # more files beside the scenario
    links: dict[str, str] = field(default_factory=dict)  # symlinks beside it -> outside/
    path: str = ""  # "missing" or "directory" when scenario is None
    env: dict[str, str | None] = field(default_factory=dict)
    from_file: bool = True  # the message names the scenario file (else it says seeder:)
    in_file: tuple[str, int] | None = None  # (file beside the scenario, line) it names instead


def _edit(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def _vars(line: str) -> str:
    """BASE with one more `vars:` line on author (marked by the caller)."""
    return _edit("      name: {fake: name}\n", f"      name: {{fake: name}}\n    vars:\n{line}\n")


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        refs = ", ".join([f"*a{k - 1}"] * 9)
        lines.append(f"a{k}: &a{k} [{refs}]")
    return "\n".join(lines) + "\n"


def _merge_bomb() -> str:
    lines = ["m0: &m0 {x: 1, y: 2}"]
    for k in range(1, 9):
        refs = ", ".join([f"*m{k - 1}"] * 9)
        lines.append(f"m{k}: &m{k} {{<<: [{refs}]}}")
    return "\n".join(lines) + "\nentities: {}\n"


SYNTAX = [
    Case(
        "yaml-unclosed-flow",
        _edit("name: {fake: name}", "name: {fake: [name}  #<"),
        needles=("fix the YAML syntax",),
        at="}",
    ),
    Case(
        "yaml-unclosed-quote",
        _edit('name: {seq: "T{n}"}', 'name: {seq: "T{n}}\n'),
        needles=("fix the YAML syntax",),
    ),
    Case(
        "yaml-bad-indentation",
        _edit("    count: 3", "    count: 3\n   per: tenant  #<"),
        needles=("fix the YAML syntax",),
    ),
    Case(
        "yaml-tab-indentation",
        _edit("      name: {fake: name}", "\tname: {fake: name}  #<"),
        needles=("fix the YAML syntax",),
    ),
    Case(
        "yaml-two-documents",
        BASE + "---  #<\nseed: 2\n",
        needles=("another document", "fix the YAML syntax"),
        at="---",
    ),
    Case("empty-file", "", needles=("must be a mapping with 'entities:'",)),
    Case("only-a-comment", "# nothing here\n", needles=("must be a mapping with 'entities:'",)),
    Case("scenario-is-a-list", "- a  #<\n- b\n", needles=("must be a mapping",)),
    Case("scenario-is-a-scalar", "hello  #<\n", needles=("must be a mapping",)),
    Case(
        "entities-empty",
        _edit("entities:", "entities: {}  #<").split("  tenant")[0],
        needles=("entities must be a mapping",),
        at="entities",
    ),
    Case(
        "duplicate-key",
        _edit("      name: {fake: name}", "      name: {fake: name}\n      name: {fake: word}  #<"),
        needles=("appears twice",),
        at="name",
    ),
    Case(
        "key-is-a-list",
        _edit("seed: 1", "seed: 1\n? [a, b]\n: 1"),
        needles=("mapping keys must be plain names",),
    ),
]

UNSAFE = [
    Case(
        "tag-python-object-apply",
        _edit('name: {seq: "T{n}"}', 'name: !!python/object/apply:os.system ["exit 3"]  #<'),
        needles=("only plain YAML is accepted",),
        at="!!",
    ),
    Case(
        "tag-python-name",
        _edit('name: {seq: "T{n}"}', "name: !!python/name:os.system  #<"),
        needles=("only plain YAML is accepted",),
        at="!!",
    ),
    Case(
        "tag-python-object-on-mapping",
        _edit("  tenant:\n", "  tenant: !!python/object:seeder.Scenario  #<\n"),
        needles=("only plain YAML is accepted",),
        at="!!",
    ),
    Case(
        "tag-local",
        _edit('name: {seq: "T{n}"}', "name: !shell ls  #<"),
        needles=("only plain YAML is accepted",),
        at="!shell",
    ),
    Case(
        "tag-binary",
        _edit('name: {seq: "T{n}"}', "name: !!binary aGVsbG8=  #<"),
        needles=("only plain YAML is accepted",),
        at="!!",
    ),
    Case(
        "tag-set",
        _edit('name: {seq: "T{n}"}', "name: !!set {a, b}  #<"),
        needles=("only plain YAML is accepted",),
        at="!!",
    ),
]

LIMITS = [
    Case(
        "oversized",
        BASE + "# " + "x" * MAX_SCENARIO_BYTES + "\n",
        needles=(f"over the {MAX_SCENARIO_BYTES} byte limit",),
    ),
    Case(
        "nested-too-deep",
        _edit("      name: {fake: name}", "      name: {const: " + "[" * 50 + "]" * 50 + "}  #<"),
        needles=(f"nests deeper than {MAX_DEPTH} levels",),
    ),
    Case(
        "nested-beyond-the-parser",
        "a: " + "[" * 200_000 + "]" * 200_000 + "\n",
        needles=("nests too deeply",),
    ),
    Case("recursive-alias", "a: &a [*a]  #<\n", needles=("nests deeper than",)),
    Case("alias-bomb", _bomb(), needles=("expands to more than", "aliases")),
    Case("merge-key-bomb", _merge_bomb(), needles=("expands to more than", "aliases")),
    Case("not-utf8", b"seed: 1\nentities:\n  a: \xff\xfe\xfa\n", needles=("not UTF-8",)),
    Case("missing-file", None, path="missing", needles=("scenario file not found",)),
    Case("a-directory", None, path="directory", needles=("is a folder",)),  # issue 16
]

TYPES_AND_NAMES = [
    Case(
        "seed-not-a-number", _edit("seed: 1", "seed: abc  #<"), needles=("seed must be",), at="seed"
    ),
    Case(
        "count-not-a-number",
        _edit("count: 3", "count: ten  #<"),
        needles=("count must be a whole number",),
        at="count",
    ),
    Case(
        "count-bool",
        _edit("count: 3", "count: true  #<"),
        needles=("count must be a whole number",),
        at="count",
    ),
    Case(
        "fields-not-a-mapping",
        _edit("    fields:\n      tenant_id", "    fields: [a]  #<\n    vars:\n      tenant_id"),
        needles=("fields must be a mapping",),
        at="fields",
    ),
    Case(
        "commands-not-a-path",
        _edit(f"commands: {LIBRARY}", "commands: [x]  #<"),
        needles=("commands must be a path",),
        at="commands",
    ),
    Case(
        "unique-nested-lists",
        _edit("count: 3", "count: 3\n    unique: [[[name]]]  #<"),
        needles=("unique must be a list of field names",),
        at="unique",
    ),
    Case(
        "unique-option-not-bool",
        _edit("name: {fake: name}", "name: {fake: name, unique: maybe}  #<"),
        needles=("unique must be true or false",),
        at="name",
    ),
    Case(
        "seed-by-not-a-name",
        _edit("name: {fake: name}", "name: {fake: name, seed_by: 5}  #<"),
        needles=("seed_by must name a field",),
        at="name",
    ),
    Case(
        "unknown-top-level-key",
        _edit("seed: 1", "sed: 1  #<"),
        needles=("unknown scenario key 'sed'", "did you mean 'seed'"),
        at="sed",
    ),
    Case(
        "unknown-entity-key",
        _edit("count: 3", "cuont: 3  #<"),
        needles=("unknown entity key 'cuont'",),
        at="cuont",
    ),
    Case(
        "unknown-command",
        _edit("command: CreateTenant", "command: CreateTenat  #<"),
        needles=("unknown command 'CreateTenat'",),
        at="command",
    ),
    Case(
        "unknown-field",
        _edit("      name: {fake: name}", "      nmae: {fake: name}  #<"),
        needles=("has no field 'nmae'",),
        at="nmae",
    ),
    Case(
        "unknown-provider",
        _edit("name: {fake: name}", "name: {fak: name}  #<"),
        needles=("unknown provider",),
        at="name",
    ),
    Case(
        "unknown-faker-method",
        _edit("name: {fake: name}", "name: {fake: nmae}  #<"),
        needles=("Faker has no method 'nmae'",),
        at="name",
    ),
    Case(
        "faker-private-method",
        _edit("name: {fake: name}", "name: {fake: _Generator__config}  #<"),
        needles=("Faker has no method",),
        at="name",
    ),
    Case(
        "unknown-entity-in-ref",
        _edit("{ref: tenant, mean: 2}", "{ref: tenat, mean: 2}  #<"),
        needles=("'tenat' is not an entity",),
        at="ref",  # at the value's own key (issue 16)
    ),
    Case(
        "unknown-field-in-where",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: 2, where: {nam: x}}  #<"),
        needles=("has no field 'nam'",),
        at="nam",
    ),
    Case(
        "unknown-locale",
        _edit("seed: 1", "seed: 1\nlocale: xx_XX  #<"),
        needles=("no locale 'xx_XX'",),
    ),
    Case(
        "commands-file-missing",
        _edit(f"commands: {LIBRARY}", "commands: nowhere.py  #<"),
        needles=("not found",),
        at="commands",
    ),
    Case(
        "commands-file-raises",
        _edit(f"commands: {LIBRARY}", "commands: broken.py  #<"),
        files={"broken.py": "raise RuntimeError('boom')\n"},
        needles=("cannot import commands file", "RuntimeError: boom"),
        in_file=("broken.py", 1),  # said in the commands module (issue 16)
    ),
    Case(
        "commands-file-exits",
        _edit(f"commands: {LIBRARY}", "commands: exits.py  #<"),
        files={"exits.py": "import sys\nsys.exit(3)\n"},
        needles=("cannot import commands file", "SystemExit"),
        in_file=("exits.py", 2),
    ),
    Case(
        "target-not-a-string",
        _edit("seed: 1", "seed: 1\ntarget: [x]  #<"),
        needles=("target must be a URL",),
        at="target",
    ),
    Case(
        "seq-attribute-access",
        _edit('name: {seq: "T{n}"}', 'name: {seq: "{n.__class__}"}  #<'),
        needles=("plain names",),
        at="name",
    ),
    Case(
        "seq-format-width-bomb",
        _edit('name: {seq: "T{n}"}', 'name: {seq: "{n:999999999999}"}  #<'),
        needles=("width",),
        at="name",
    ),
    Case(
        "template-index-access",
        _edit(
            "name: {fake: name}",
            'name: {fake: name}\n    vars:\n      x: {template: "{name[0]}"}  #<',
        ),
        needles=("plain names",),
        at="x",
    ),
]

DISTRIBUTIONS = [
    Case(
        "mean-negative",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: -2}  #<"),
        needles=("mean", ">= 1"),
        at="tenant_id",
    ),
    Case(
        "mean-nan",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: .nan}  #<"),
        needles=(".nan is not a finite number",),
        at="mean",
    ),
    Case(
        "skew-negative",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: 2, skew: -1}  #<"),
        needles=("skew must be a number > 0",),
        at="tenant_id",
    ),
    Case(
        "ref-weights-empty",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: 2, weights: []}  #<"),
        needles=("weights must be a non-empty list",),
        at="tenant_id",
    ),
    Case(
        "ref-weights-negative",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: 2, weights: [-1, 2]}  #<"),
        needles=("weights must be numbers >= 0",),
        at="-1",  # at the entry itself (issue 16)
    ),
    Case(
        "ref-weights-nan",
        _edit("{ref: tenant, mean: 2}", "{ref: tenant, mean: 2, weights: [.nan, 1]}  #<"),
        needles=(".nan is not a finite number",),
        at=".nan",
    ),
    Case(
        "choice-weights-wrong-length",
        _edit('name: {seq: "T{n}"}', "name: {choice: [a, b, c], weights: [1, 2]}  #<"),
        needles=("3 values but 2 weights",),
        at="name",
    ),
    Case(
        "choice-weights-sum-zero",
        _edit("plan: {choice: {free: 0.6, team: 0.4}}", "plan: {choice: {free: 0, team: 0}}  #<"),
        needles=("add up to 0",),
        at="plan",
    ),
    Case(
        "choice-weight-negative",
        _edit("plan: {choice: {free: 0.6, team: 0.4}}", "plan: {choice: {free: -1, team: 2}}  #<"),
        needles=("weights must be numbers >= 0",),
        at="plan",
    ),
    Case(
        "range-min-above-max",
        _vars("      x: {range: [10, 1]}  #<"),
        needles=("above high", "swap"),
        at="x",
    ),
    Case(
        "range-nan",
        _vars("      x: {range: [.nan, 1]}  #<"),
        needles=(".nan is not a finite number",),
        at=".nan",
    ),
    Case(
        "uniform-infinite",
        _vars("      x: {uniform: [0, .inf]}  #<"),
        needles=(".inf is not a finite number",),
        at=".inf",
    ),
    Case(
        "normal-min-above-max",
        _vars("      x: {normal: [5, 1], min: 10, max: 0}  #<"),
        needles=("min 10 is above max 0",),
        at="x",
    ),
    Case(
        "normal-negative-sd", _vars("      x: {normal: [5, -1]}  #<"), needles=("sd >= 0",), at="x"
    ),
    Case(
        "poisson-negative",
        _vars("      x: {poisson: -3}  #<"),
        needles=("poisson needs a rate >= 0",),
        at="x",
    ),
    Case(
        "null-weight-above-one",
        _edit("name: {fake: name}", "name: {fake: name, null_weight: 1.5}  #<"),
        needles=("null_weight must be between 0 and 1",),
        at="name",
    ),
    Case(
        "date-range-reversed",
        _vars("      d: {date: [2021-01-01, 2020-01-01]}  #<"),
        needles=("starts after it ends",),
        at="d",
    ),
    Case(
        "count-negative",
        _edit("count: 3", "count: -3  #<"),
        needles=("count must be a whole number >= 0",),
        at="count",
    ),
    Case(
        "reference-cycle",
        _edit(
            "      plan: {choice: {free: 0.6, team: 0.4}}",
            "      plan: {choice: {free: 0.6, team: 0.4}}\n    vars:\n      owner: {ref: author}",
        ),
        needles=("references form a cycle",),
    ),
    Case(
        "per-itself",
        _edit("    count: 3", "    per: author  #<\n    count: 3"),
        needles=("cannot be per itself",),
        at="per",
    ),
    Case(
        "two-problems-two-lines",
        _edit("name: {fake: name}", "name: {fake: nmae}  #<\n      birth_year: {fake: wrod}"),
        needles=("nmae", "wrod"),
        at="name",
        lines=2,
    ),
]

PYTHON = [
    Case(
        "python-module-with-dots-and-slashes",
        _edit("name: {fake: name}", 'name: {python: "../../etc/x:f"}  #<'),
        needles=("dotted Python module name",),
        at="name",
    ),
    Case(
        "python-module-absolute-path",
        _edit("name: {fake: name}", 'name: {python: "/abs/path:f"}  #<'),
        needles=("dotted Python module name",),
        at="name",
    ),
    Case(
        "python-module-dot-dot-inside",
        _edit("name: {fake: name}", 'name: {python: "a/../b:f"}  #<'),
        needles=("dotted Python module name",),
        at="name",
    ),
    Case(
        "python-function-not-a-name",
        _edit("name: {fake: name}", 'name: {python: "names:f(1)"}  #<'),
        files={"names.py": "def f(rng):\n    return 'x'\n"},
        needles=("function name",),
        at="name",
    ),
    Case(
        "python-module-symlinked-outside",
        _edit("name: {fake: name}", 'name: {python: "evil:f"}  #<'),
        links={"evil.py": "evil.py"},
        needles=("outside the scenario's folder",),
        at="name",
    ),
    Case(
        "python-package-symlinked-outside",
        _edit("name: {fake: name}", 'name: {python: "pkg.evil:f"}  #<'),
        links={"pkg": "."},
        needles=("outside the scenario's folder",),
        at="name",
    ),
    Case(
        "python-module-missing",
        _edit("name: {fake: name}", 'name: {python: "nowhere_at_all:f"}  #<'),
        needles=("cannot import 'nowhere_at_all'",),
        at="name",
    ),
    Case(
        "python-function-missing",
        _edit("name: {fake: name}", 'name: {python: "names:g"}  #<'),
        files={"names.py": "def f(rng):\n    return 'x'\n"},
        needles=("has no function 'g'",),
        at="name",
    ),
    Case(
        "python-function-raises",
        _edit("name: {fake: name}", 'name: {python: "names:f"}  #<'),
        files={"names.py": "def f(rng):\n    return 1 / 0\n"},
        needles=("names:f", "ZeroDivisionError"),
        at="name",
    ),
    Case(
        "python-installed-function-wrong-arguments",
        _edit("name: {fake: name}", 'name: {python: "os:system", command: "exit 3"}  #<'),
        needles=("os:system", "TypeError"),
        at="name",
    ),
]

FLAGS = [
    Case(
        "concurrency-zero",
        flags=("--concurrency", "0"),
        needles=("--concurrency must be",),
        from_file=False,
    ),
    Case(
        "concurrency-not-a-number",
        flags=("--concurrency", "many"),
        needles=("--concurrency needs a whole number",),
        from_file=False,
    ),
    Case(
        "rate-not-a-number",
        flags=("--rate", "x"),
        needles=("--rate needs commands per",),
        from_file=False,
    ),
    Case("rate-zero", flags=("--rate", "0"), needles=("--rate must be > 0",), from_file=False),
    Case(
        "scale-negative", flags=("--scale", "-1"), needles=("--scale must be > 0",), from_file=False
    ),
    Case("scale-infinite", flags=("--scale", "inf"), needles=("--scale must be",), from_file=False),
    Case(
        "seed-not-a-number-flag",
        flags=("--seed", "abc"),
        needles=("--seed needs a whole number",),
        from_file=False,
    ),
    Case(
        "timeout-zero",
        flags=("--timeout", "0"),
        needles=("--timeout must be > 0",),
        from_file=False,
    ),
    Case(
        "timeout-not-a-number",
        flags=("--timeout", "soon"),
        needles=("--timeout needs seconds",),
        from_file=False,
    ),
    Case(
        "header-without-colon",
        flags=("--header", "NoColonHere"),
        needles=("--header", "'Name: value'"),
        from_file=False,
    ),
    Case(
        "header-unset-env",
        flags=("--header", "Authorization: Bearer ${SEEDER_HOSTILE_UNSET}"),
        env={"SEEDER_HOSTILE_UNSET": None},
        needles=("environment variable SEEDER_HOSTILE_UNSET is not set",),
        from_file=False,
    ),
    Case(
        "header-with-newline",
        flags=("--header", "X-A: a\r\nX-Injected: b"),
        needles=("--header X-A", "control character"),
        from_file=False,
    ),
    Case(
        "header-env-with-newline",
        flags=("--header", "X-A: ${SEEDER_HOSTILE_NL}"),
        env={"SEEDER_HOSTILE_NL": "a\nX-Injected: b"},
        needles=("--header X-A", "control character"),
        from_file=False,
    ),
    Case(
        "target-unknown-scheme",
        flags=("--target", "ftp://127.0.0.1/"),
        needles=("unknown target 'ftp://127.0.0.1/'",),
        from_file=False,
    ),
    Case(
        "target-malformed-url",
        flags=("--target", "http://[::1"),
        needles=("target 'http://[::1'",),
        from_file=False,
    ),
    Case(
        "target-port-out-of-range",
        flags=("--target", "http://127.0.0.1:99999"),
        needles=("Port out of range",),
        from_file=False,
    ),
    Case(
        "http-client-unknown",
        flags=("--http-client", "nope"),
        needles=("invalid choice: 'nope'",),
        from_file=False,
    ),
    Case(
        "unknown-flag",
        flags=("--bogus",),
        needles=("unrecognized arguments: --bogus",),
        from_file=False,
    ),
    Case(
        "report-in-a-missing-folder",
        flags=("--report", "/nonexistent/folder/report.json"),
        needles=("cannot write the report",),
        from_file=False,
    ),
    Case(
        "file-target-in-a-missing-folder",
        flags=("--target", "file:/nonexistent/folder/x.jsonl"),
        needles=("cannot write",),
        from_file=False,
    ),
]

GUARD = [
    Case(
        "allowed-targets-do-not-match",
        _edit("seed: 1", "seed: 1\nallowed_targets: ['https://staging.example.com/*']"),
        needles=("is not in allowed_targets", "Nothing was sent"),
        from_file=False,
    ),
    Case(
        "not-loopback-without-allow-any-target",
        flags=("--target", "http://10.255.255.1:9"),
        needles=("is not on this machine", "--allow-any-target"),
        from_file=False,
    ),
    Case(
        "allowed-targets-not-a-list",
        _edit("seed: 1", "seed: 1\nallowed_targets: yes  #<"),
        needles=("allowed_targets must be a list",),
        at="allowed_targets",
    ),
]

CASES = SYNTAX + UNSAFE + LIMITS + TYPES_AND_NAMES + DISTRIBUTIONS + PYTHON + FLAGS + GUARD


def _prepare(case: Case, tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "scenario"
    folder.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text("def f(rng):\n    return 'outside'\n")
    for name, text in case.files.items():
        (folder / name).write_text(text)
    for name, target in case.links.items():
        (folder / name).symlink_to(outside / target)
    path = folder / "scenario.yaml"
    if case.scenario is None:
        if case.path == "directory":
            return folder, ""
        if case.path == "fifo":
            os.mkfifo(folder / "pipe.yaml")
            return folder / "pipe.yaml", ""
        if case.path.startswith("/"):  # a file of the system's own
            return Path(case.path), ""
        return folder / "missing.yaml", ""
    if isinstance(case.scenario, bytes):
        path.write_bytes(case.scenario)
        return path, ""
    path.write_text(case.scenario)
    return path, case.scenario


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse refuses a flag this way
        return exc.code if isinstance(exc.code, int) else 1


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_one_located_line_and_nothing_is_sent(
    case: Case,
    counter: tuple[Counter, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_case(case, counter, tmp_path, capsys, monkeypatch)


def check_case(
    case: Case,
    counter: tuple[Counter, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs ``case`` through ``seeder run`` against the counting server: exit 2, one
    line per problem at the marked place, no traceback, no request."""
    app, url = counter
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    path, text = _prepare(case, tmp_path)
    before = len(app.requests)
    code = _run(["run", str(path), "--target", url, "--no-progress", *case.flags])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == case.lines, err
    assert app.requests[before:] == [], "a request reached the service"
    for needle in case.needles:
        assert needle in err, (needle, err)
    if not case.from_file:
        assert lines[0].startswith("seeder: "), lines[0]
        return
    if case.in_file is not None:
        name, line = case.in_file
        assert lines[0].startswith(f"{(path.parent / name).resolve()}:{line}:"), lines[0]
        return
    assert lines[0].startswith(f"{path}:"), lines[0]
    marked = [i for i, t in enumerate(text.splitlines(), 1) if "#<" in t]
    if marked:
        source_line = text.splitlines()[marked[0] - 1]
        where = f"{path}:{marked[0]}:"
        if case.at:
            where += f"{source_line.index(case.at) + 1}:"
        assert lines[0].startswith(where), (lines[0], where)
    elif case.scenario is None or not text or case.id in _WHOLE_FILE:
        assert lines[0].startswith(f"{path}: "), lines[0]


# cases where the whole file is at fault: the message has no line number
_WHOLE_FILE = {"oversized", "not-utf8", "nested-beyond-the-parser", "empty-file", "only-a-comment"}


def test_unsafe_tag_ran_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "scenario.yaml"
    path.write_text(
        _edit('name: {seq: "T{n}"}', f'name: !!python/object/apply:os.system ["touch {marker}"]')
    )
    assert _run(["validate", str(path)]) == 2
    assert not marker.exists()
    assert "only plain YAML" in capsys.readouterr().err


def test_the_base_scenario_reaches_the_counter(
    counter: tuple[Counter, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: without a mistake the same run does send, so zero means something."""
    app, url = counter
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE)
    before = len(app.requests)
    assert _run(["run", str(path), "--target", url, "--no-progress"]) == 0, capsys.readouterr()
    assert len(app.requests) > before


def test_there_are_at_least_40_distinct_cases() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("names:title", "N"),  # a module beside the scenario
        ("pkg.deep:word", "deep"),  # a package below it
        ("alias:title", "N"),  # a symlink that resolves inside the tree
        ("seeder_hostile_installed:word", "installed"),  # an installed module, by name
        ("operator:truth", "N"),  # the standard library (a var: True is no name)
    ],
)
def test_python_providers_load_from_the_scenario_tree_and_installed_modules(
    spec: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The other side of the python-* cases above: these all work."""
    folder = tmp_path / "scenario"
    (folder / "pkg").mkdir(parents=True)
    (folder / "names.py").write_text("def title(rng):\n    return f'N{rng.randint(1, 9)}'\n")
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "deep.py").write_text("def word(rng):\n    return 'deep'\n")
    (folder / "alias.py").symlink_to(folder / "names.py")
    site = tmp_path / "site"
    site.mkdir()
    (site / "seeder_hostile_installed.py").write_text("def word(rng):\n    return 'installed'\n")
    monkeypatch.syspath_prepend(str(site))
    if spec.startswith("operator"):
        line = f'name: {{python: "names:title"}}\n    vars:\n      truth: {{python: "{spec}"}}'
    else:
        line = f'name: {{python: "{spec}"}}'
    path = folder / "scenario.yaml"
    path.write_text(_edit("name: {fake: name}", line))
    out = tmp_path / "plan.jsonl"
    assert _run(["plan", str(path), "--out", str(out)]) == 0, capsys.readouterr().err
    records = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    names = [r["body"]["name"] for r in records if r["command"] == "RegisterAuthor"]
    assert len(names) == 3 and all(n.startswith(expected) for n in names), names
