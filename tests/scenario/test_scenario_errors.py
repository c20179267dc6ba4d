"""Every scenario mistake ends in one line per problem — file:line:column, what is
wrong, how to fix it — and exit code 2. Never a traceback.

Each case edits a valid scenario; the edited line carries the marker ``#<`` so the
expected line number is read from the text itself, and the expected column is
where ``at`` first occurs on that line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seeder.cli import main
from tests.conftest import ROOT

BASE = """\
seed: 1
commands: COMMANDS
entities:
  tenant:
    command: CreateTenant
    fields:
      name: {seq: "T{n}"}
  author:
    command: RegisterAuthor
    fields:
      tenant_id: {ref: tenant, mean: 5}
      name: {fake: name}
  book:
    command: PublishBook
    count: 10
    fields:
      tenant_id: {ref: tenant, mean: 5}
      author_id: {ref: author, mean: 2, where: {tenant_id: $tenant_id}}
      isbn: {fake: isbn13}
      title: {fake: sentence}
  member:
    command: RegisterMember
    count: 5
    fields:
      tenant_id: {ref: tenant}
      name: {fake: name}
      email: {fake: email}
"""

# (id, old text, new text (with #< on the line the error must point at), `at`, substrings)
CASES: list[tuple[str, str, str, str, list[str]]] = [
    (
        "unknown-command",
        "command: CreateTenant",
        "command: CreateTenat  #<",
        "command",
        ["unknown command 'CreateTenat'", "did you mean 'CreateTenant'"],
    ),
    (
        "unknown-field",
        "      name: {fake: name}\n  book",
        "      nmae: {fake: name}  #<\n  book",
        "nmae",
        ["RegisterAuthor has no field 'nmae'", "did you mean 'name'"],
    ),
    (
        "missing-required-field",
        "    fields:\n      name: {seq",
        "    fields:  #<\n      plan: {seq",
        "fields",
        ["requires field 'name'", "add one under fields"],
    ),
    (
        "unknown-provider",
        'name: {seq: "T{n}"}',
        'name: {seqq: "T{n}"}  #<',
        "name",
        ["unknown provider", "did you mean 'seq'"],
    ),
    (
        "unknown-faker-method",
        "title: {fake: sentence}",
        "title: {fake: sentense}  #<",
        "title",
        ["Faker has no method 'sentense'", "did you mean 'sentence'"],
    ),
    (
        "bad-faker-argument",
        "title: {fake: sentence}",
        "title: {fake: sentence, nb_wrds: 3}  #<",
        "title",
        ["fake sentence", "nb_wrds"],
    ),
    (
        "seq-unknown-name",
        'name: {seq: "T{n}"}',
        'name: {seq: "T{x}"}  #<',
        "name",
        ["uses {x}", "only {n}"],
    ),
    (
        "choice-weights-length",
        'name: {seq: "T{n}"}',
        "name: {choice: [a, b], weights: [1]}  #<",
        "name",
        ["2 values but 1 weights", "one weight per value"],
    ),
    (
        "null-weight-range",
        "title: {fake: sentence}",
        "title: {fake: sentence, null_weight: 1.5}  #<",
        "title",
        ["null_weight must be between 0 and 1"],
    ),
    (
        "range-reversed",
        "count: 10\n",
        "count: 10\n    vars:\n      x: {range: [10, 1]}  #<\n",
        "x",
        ["above high", "swap"],
    ),
    (
        "ref-unknown-entity",
        "tenant_id: {ref: tenant, mean: 5}\n      name",
        "tenant_id: {ref: tenat, mean: 5}  #<\n      name",
        "ref",  # at the value's own key (issue 16)
        ["'tenat' is not an entity", "did you mean 'tenant'"],
    ),
    (
        "mean-below-one",
        "tenant_id: {ref: tenant, mean: 5}\n      name",
        "tenant_id: {ref: tenant, mean: 0.5}  #<\n      name",
        "tenant_id",
        ["mean", ">= 1"],
    ),
    (
        "skew-not-positive",
        "tenant_id: {ref: tenant}",
        "tenant_id: {ref: tenant, skew: 0}  #<",
        "tenant_id",
        ["skew must be a number > 0"],
    ),
    (
        "skew-and-weights",
        "tenant_id: {ref: tenant}",
        "tenant_id: {ref: tenant, skew: 2, weights: [1, 2]}  #<",
        "tenant_id",
        ["skew or weights, not both"],
    ),
    (
        "where-unknown-target-field",
        "where: {tenant_id: $tenant_id}}",
        "where: {tenant: $tenant_id}}  #<",
        "tenant:",
        ["'author' has no field 'tenant'", "did you mean 'tenant_id'"],
    ),
    (
        "where-unknown-own-field",
        "where: {tenant_id: $tenant_id}}",
        "where: {tenant_id: $tenantid}}  #<",
        "tenant_id:",
        ["no field 'tenantid'", "did you mean 'tenant_id'"],
    ),
    (
        "where-literal-on-reference",
        "where: {tenant_id: $tenant_id}}",
        "where: {tenant_id: 3}}  #<",
        "tenant_id:",
        ["is a reference to tenant", "not a literal"],
    ),
    (
        "where-kind-mismatch",
        "where: {tenant_id: $tenant_id}}",
        "where: {tenant_id: $isbn}}  #<",
        "tenant_id:",
        ["$isbn is a literal value", "same kind"],
    ),
    (
        "reference-cycle",
        '    fields:\n      name: {seq: "T{n}"}',
        '    fields:\n      name: {seq: "T{n}"}\n    vars:\n      owner: {ref: author}',
        "",
        ["references form a cycle", "tenant -> author -> tenant"],
    ),
    (
        "per-unknown-parent",
        "    count: 5\n    fields:\n      tenant_id: {ref: tenant}",
        "    per: membr  #<\n    fields:\n      tenant_id: {ref: tenant}",
        "per",
        ["'membr' is not an entity", "did you mean 'member'"],
    ),
    ("negative-count", "count: 5", "count: -5  #<", "count", ["count must be a whole number >= 0"]),
    (
        "count-distribution-without-per",
        "count: 5",
        "count: {poisson: 3}  #<",
        "count",
        ["only allowed with per"],
    ),
    (
        "negative-per-count",
        "    count: 5\n    fields:\n      tenant_id: {ref: tenant}",
        "    per: tenant\n    count: {normal: [1, 3]}  #<\n    fields:\n      tenant_id: "
        "{ref: tenant}",
        "count",
        ["can be negative", "min: 0"],
    ),
    (
        "unique-too-small",
        "      email: {fake: email}",
        "      email: {choice: [a@x.io, b@x.io], unique: true}  #<",
        "email",
        ["at most 2 values", "5 member"],
    ),
    (
        "unique-combination-too-small",
        "    count: 5\n    fields:\n      tenant_id: {ref: tenant}",
        "    count: 50\n    unique: [tenant_id]  #<\n    fields:\n      tenant_id: {ref: tenant}",
        "tenant_id",
        ["unique ['tenant_id'] allows at most", "lower the count"],
    ),
    (
        "from-unknown-attribute",
        "title: {fake: sentence}",
        "title: {from: author_id.nme}  #<",
        "title",
        ["'author' has no field or captured value 'nme'", "did you mean 'name'"],
    ),
    (
        "from-through-a-literal",
        "title: {fake: sentence}",
        "title: {from: isbn.x}  #<",
        "title",
        ["'isbn' is a literal, not a reference"],
    ),
    (
        "template-unknown-field",
        "title: {fake: sentence}",
        'title: {template: "{isbm}"}  #<',
        "title",
        ["template uses 'isbm'", "did you mean 'isbn'"],
    ),
    (
        "python-module-missing",
        "title: {fake: sentence}",
        'title: {python: "no_such_module:f"}  #<',
        "title",
        ["cannot import 'no_such_module'"],
    ),
    (
        "seed-by-unknown",
        "title: {fake: sentence}",
        "title: {fake: sentence, seed_by: isbm}  #<",
        "title",
        ["seed_by uses 'isbm'", "did you mean 'isbn'"],
    ),
    (
        "bad-date",
        "title: {fake: sentence}",
        "title: {date: [2020-13-01, 2021-01-01]}  #<",
        "title",
        ["bad date '2020-13-01'", "ISO date"],
    ),
    (
        "bad-duration",
        "title: {fake: sentence}",
        "title: {series: {start: 2026-01-01, step: 15x}}  #<",
        "step",  # located at the argument itself (issue 16)
        ["bad duration '15x'", "15m"],
    ),
    (
        "counter-may-decrease",
        "title: {fake: sentence}",
        "title: {counter: {step: {normal: [0, 1]}}}  #<",
        "title",
        ["can be negative", "min: 0"],
    ),
    (
        "entity-unique-unknown-field",
        "    count: 10\n",
        "    count: 10\n    unique: [isbnn]  #<\n",
        "isbnn",
        ["'book' has no field 'isbnn'", "did you mean 'isbn'"],
    ),
    (
        "actor-unknown-entity",
        "    count: 10\n",
        "    count: 10\n    actor: {ref: membr}  #<\n",
        "ref",
        ["'membr' is not an entity", "did you mean 'member'"],
    ),
    ("seed-not-a-number", "seed: 1", "seed: abc  #<", "seed", ["seed must be a whole number"]),
    (
        "yaml-syntax",
        "title: {fake: sentence}",
        "title: {fake: [sentence}  #<",
        "}",
        ["fix the YAML syntax"],
    ),
    (
        "unsafe-tag",
        "title: {fake: sentence}",
        'title: !!python/object/apply:os.system ["echo hacked"]  #<',
        "!!",
        ["only plain YAML is accepted"],
    ),
    (
        "unknown-top-level-key",
        "seed: 1",
        "sed: 1  #<",
        "sed",
        ["unknown scenario key 'sed'", "did you mean 'seed'"],
    ),
    (
        "unknown-entity-key",
        "    count: 10\n",
        "    cuont: 10  #<\n",
        "cuont",
        ["unknown entity key 'cuont'", "did you mean 'count'"],
    ),
    (
        "commands-file-missing",
        "commands: COMMANDS",
        "commands: nowhere/library.py  #<",
        "commands",
        ["commands file 'nowhere/library.py' not found"],
    ),
    (
        "duplicate-key",
        "      isbn: {fake: isbn13}",
        "      isbn: {fake: isbn13}\n      isbn: {fake: isbn10}  #<",
        "isbn",
        ["appears twice"],
    ),
    (
        "var-clashes-with-field",
        "    count: 10\n",
        "    count: 10\n    vars:\n      isbn: {fake: word}  #<\n",
        "isbn",
        ["clashes with a field name"],
    ),
    (
        "value-refused-by-command",
        "isbn: {fake: isbn13}",
        'isbn: "123"  #<',
        "isbn",
        ["PublishBook refuses '123'", "at least 10 characters", "change the provider"],
    ),
    (
        "field-of-reference-is-reference",
        "title: {fake: sentence}",
        "title: {ref: author, field: tenant_id}  #<",
        "title",
        ["is itself a reference", "from"],
    ),
    ("reserved-entity-name", "  member:", "  parent:  #<", "parent", ["reserved word"]),
]


def _write(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert old in BASE, old
    text = BASE.replace(old, new, 1).replace("COMMANDS", str(ROOT / "commands" / "library.py"))
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path, text


@pytest.mark.parametrize(
    ("old", "new", "at", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_mistake_is_one_clear_located_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    at: str,
    needles: list[str],
) -> None:
    path, text = _write(tmp_path, old, new)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"{path}:"), line
    marked = [i for i, t in enumerate(text.splitlines(), 1) if "#<" in t]
    if marked:
        source_line = text.splitlines()[marked[0] - 1]
        column = source_line.index(at) + 1 if at else None
        where = f"{path}:{marked[0]}:" + (f"{column}:" if column else "")
        assert line.startswith(where), (line, where)
    for needle in needles:
        assert needle in line, (needle, line)


def test_the_base_scenario_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = _write(tmp_path, "seed: 1", "seed: 1")
    assert main(["validate", str(path)]) == 0
    assert "valid" in capsys.readouterr().out


def test_several_problems_are_all_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _write(
        tmp_path, "title: {fake: sentence}", "title: {fake: sentense}\n      subtitle: {fake: wrod}"
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert "sentense" in err[0] and "wrod" in err[1]


def test_there_are_at_least_25_distinct_mistakes() -> None:
    assert len({c[0] for c in CASES}) >= 25


def test_a_number_too_large_for_a_float_is_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every count, weight and bound becomes a float somewhere; a 400-digit one
    would overflow there, so the loader refuses it at its line."""
    from tests.conftest import usage_error

    text = (ROOT / "scenarios" / "energy.yaml").read_text(encoding="utf-8")
    text = text.replace("count: 200", "count: 1" + "0" * 400).replace(
        "../commands/energy.py", str(ROOT / "commands" / "energy.py")
    )
    scenario = tmp_path / "big.yaml"
    scenario.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "count: 1000" in t)
    err = usage_error(["validate", str(scenario)], capsys)
    assert err == (
        f"{scenario}:{line}:5: 1000000000...000000 (401 digits) is too large: numbers in a "
        "scenario fit in 64 bits (at most 9223372036854775807); write a smaller number\n"
    )
