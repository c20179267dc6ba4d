"""Self-describing command logs: the manifest, a replay without the commands module
(actors included), the CSV flavour's round trip, ``--nonce`` and the read traffic's
skew. Against the real demo over HTTP."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seeder.cli import main
from seeder.demo.app import build_application, create_app
from seeder.demo.server import serve_in_thread
from seeder.plan.commandlog import read_log
from seeder.plan.csvlog import decode_cell, encode_cell, read_csv_log
from seeder.plan.nonce import vary_text
from tests.conftest import SCENARIOS, usage_error

# the demo's table for each command of the scenarios used here
TABLES = {
    "CreateTenant": "tenants",
    "RegisterAuthor": "authors",
    "PublishBook": "books",
    "RegisterMember": "members",
    "BorrowBook": "loans",
    "RegisterCustomer": "customers",
    "InstallMeter": "meters",
    "RecordReading": "readings",
    "CreateSchool": "schools",
    "HireStaff": "staff",
    "CreateClass": "classes",
    "EnrolStudent": "students",
    "AddParent": "parents",
    "AddEmergencyContact": "emergency_contacts",
    "RecordEnrolment": "enrolments",
}


def plan(tmp_path: Path, scenario: str, *extra: str, name: str = "plan.jsonl") -> Path:
    out = tmp_path / name
    assert main(["plan", str(SCENARIOS / scenario), *extra, "--out", str(out)]) == 0
    return out


def log_counts(path: Path) -> Counter[str]:
    lines = path.read_text().splitlines()[1:]
    return Counter(TABLES[r["command"]] for r in map(json.loads, lines) if r["command"] in TABLES)


def demo_counts(db: str) -> dict[str, int]:
    application = build_application(db)
    try:
        return {k: v for k, v in application.counts().items() if v}
    finally:
        application.close()


def test_the_manifest_describes_every_binding(tmp_path: Path) -> None:
    log = plan(tmp_path, "library.yaml", "--scale", "0.01")
    manifest = json.loads(log.read_text().splitlines()[0])
    assert manifest["seeder_log"] == 2
    assert set(manifest["commands"]) >= {"CreateTenant", "PublishBook", "BorrowBook"}
    loan = manifest["commands"]["BorrowBook"]
    assert loan["method"] == "POST" and loan["path_fields"] == ["tenant_id", "book_number"]
    assert loan["success"] == [201] and loan["idempotency_header"] == "Idempotency-Key"
    book = manifest["commands"]["PublishBook"]
    assert book["identity"] == "number" and book["captures"] == {"number": "number"}
    member = manifest["commands"]["RegisterMember"]["credential"]
    assert member == {
        "name": "token",
        "capture": "token",
        "header": "Authorization",
        "scheme": "Bearer {value}",
    }
    assert manifest["entities"]["loan"] == {"command": "BorrowBook", "vary": []}


def test_a_log_with_actors_replays_without_its_commands_module(tmp_path: Path) -> None:
    """In a fresh interpreter, from a folder holding only the log: the loans, sent on
    behalf of members with the token of their answers, all land."""
    log = plan(tmp_path, "library.yaml", "--scale", "0.02")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "library.jsonl").write_bytes(log.read_bytes())
    db = str(tmp_path / "demo.db")
    check = (
        "import sys; from seeder.cli import main; "
        "code = main(['replay', 'library.jsonl', '--target', sys.argv[1], '--no-progress']); "
        "loaded = [m for m in sys.modules if m.startswith(('commands', '_seeder_')) "
        "or m in ('faker', 'library')]; "
        "print('LOADED', loaded); sys.exit(code)"
    )
    with serve_in_thread(create_app(db)) as url:
        done = subprocess.run(
            [sys.executable, "-c", check, url], cwd=alone, capture_output=True, text=True
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stdout
    counts = log_counts(log)
    assert counts["loans"] > 0
    assert demo_counts(db) == dict(counts)


def test_a_log_without_manifest_still_replays(tmp_path: Path) -> None:
    log = plan(tmp_path, "school.yaml", "--scale", "0.01")
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join(log.read_text().splitlines()[1:]) + "\n")  # format 1
    db = str(tmp_path / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        assert main(["replay", str(old), "--target", url, "--no-progress"]) == 0
    assert demo_counts(db) == dict(log_counts(log))


def test_a_newer_log_format_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "new.jsonl"
    log.write_text('{"seeder_log": 99, "commands": {}, "entities": {}}\n')
    err = usage_error(["replay", str(log), "--target", "demo:inprocess"], capsys)
    assert f"{log}:1: command log format 99 is newer" in err


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("", "string"),
        ('"quoted"', "string"),
        ("plain, with a comma\nand a line", "string"),
        (None, "string"),
        (0, "integer"),
        (None, "integer"),
        (2.5, "number"),
        (False, "boolean"),
        (["a", 1], "json"),
        ({"k": None}, "json"),
    ],
)
def test_a_csv_cell_keeps_its_type(value: Any, kind: str) -> None:
    assert decode_cell(encode_cell(value, kind), kind) == value


def test_the_csv_flavour_round_trips_and_replays(tmp_path: Path) -> None:
    args = ["--scale", "0.02", "--seed", "7"]
    jsonl = plan(tmp_path, "library.yaml", *args)
    folder = tmp_path / "csv"
    assert (
        main(
            [
                "plan",
                str(SCENARIOS / "library.yaml"),
                *args,
                "--format",
                "csv",
                "--out",
                str(folder),
            ]
        )
        == 0
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["csv"]["files"]["RegisterAuthor"]["columns"]["birth_year"] == "integer"
    assert manifest["csv"]["files"]["PublishBook"]["ref_columns"] == [
        "ref:tenant_id",
        "ref:author_id",
    ]

    def fields(item: Any) -> tuple[Any, ...]:
        return (item.seq, item.key, item.command, item.body, item.refs, item.deps, item.actor,
                item.idempotency_key)  # fmt: skip

    from_jsonl = [fields(i) for i in read_log(jsonl, lambda *_: None)]
    from_csv = [fields(i) for i in read_csv_log(folder)]
    assert from_csv == from_jsonl
    assert any(i[3].get("birth_year") is None for i in from_csv if i[2] == "RegisterAuthor")
    db = str(tmp_path / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        assert main(["replay", str(folder), "--target", url, "--no-progress"]) == 0
    assert demo_counts(db) == dict(log_counts(jsonl))


@pytest.mark.parametrize("scenario", ["library.yaml", "school.yaml"])
def test_a_nonce_sends_the_same_log_again_as_new_data(tmp_path: Path, scenario: str) -> None:
    """The library has actors; the school client-chosen ids with patterns (4-digit
    centre codes, S000001 staff ids) copied into every child: both land twice more,
    without a conflict."""
    log = plan(tmp_path, scenario, "--scale", "0.01")
    db = str(tmp_path / "demo.db")
    with serve_in_thread(create_app(db)) as url:
        replay = ["replay", str(log), "--target", url, "--no-progress"]
        assert main(replay) == 0
        assert main(replay) == 0  # the same keys: the stored answers, nothing new
        once = demo_counts(db)
        assert once == dict(log_counts(log))
        assert main([*replay, "--nonce", "a1"]) == 0
        assert main([*replay, "--nonce", "a2"]) == 0
    assert demo_counts(db) == {table: 3 * n for table, n in once.items()}


@pytest.mark.slow
def test_read_traffic_follows_the_scenarios_popularity(tmp_path: Path) -> None:
    """Authors are read in proportion to 1 + their books (the scenario's weights
    [0.7, 0.2, 0.07, 0.03] over authors' books): the top quarter's share of the
    author reads is its share of the popularity, within 3 standard errors."""
    n = 20_000
    log = plan(tmp_path, "library.yaml", "--scale", "0.2", "--reads", str(n))
    records = [json.loads(line) for line in log.read_text().splitlines()[1:]]
    writes = [r for r in records if not r["key"].startswith("read:")]
    reads = [r for r in records if r["key"].startswith("read:")]
    assert len(reads) == n and all(r["method"] == "GET" for r in reads)
    uses = Counter(dep for r in writes for dep in r["deps"])
    authors = sorted(
        (r["key"] for r in writes if r["command"] == "RegisterAuthor"),
        key=lambda key: -uses[key],
    )
    popularity = {key: 1 + uses[key] for key in authors}
    read = Counter(r["reads"] for r in reads if r["command"] == "RegisterAuthor.read0")
    m = sum(read.values())
    # each author read is a Bernoulli draw of "a top-quarter author" with probability
    # p: the share over m draws has standard error sqrt(p (1 - p) / m)
    top = authors[: len(authors) // 4]
    p = sum(popularity[a] for a in top) / sum(popularity.values())
    share = sum(read[a] for a in top) / m
    assert abs(share - p) < 3 * math.sqrt(p * (1 - p) / m), (share, p, m)
    assert p > 0.5  # the skew is there to follow: the top quarter holds most books
    # the reads spread over the bindings' reads by weight: the author read has
    # weight 1 of 4 (tenant 1 + 0.5, author 1, book 1, member 0.5)
    share_authors = m / n
    q = 1 / 4
    assert abs(share_authors - q) < 3 * math.sqrt(q * (1 - q) / n)
    db = str(tmp_path / "demo.db")
    small = plan(tmp_path, "library.yaml", "--scale", "0.01", "--reads", "200", name="r.jsonl")
    with serve_in_thread(create_app(db)) as url:  # every read answers 200
        assert main(["replay", str(small), "--target", url, "--no-progress"]) == 0


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["plan", "scenarios/school.yaml", "--reads", "5"], "no binding of scenarios/school.yaml"),
        (["plan", "scenarios/library.yaml", "--reads", "0"], "--reads must be between 1"),
        (
            ["plan", "scenarios/library.yaml", "--reads", "5", "--format", "csv", "--out", "x"],
            "--reads writes a JSONL log",
        ),
        (["replay", "x.jsonl", "--target", "demo", "--nonce", "a b"], "--nonce takes 1-40"),
    ],
)
def test_load_flag_mistakes(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert needle in usage_error(argv, capsys)


@given(
    st.lists(st.from_regex(r"[A-Z]{0,3}-?[0-9]{1,8}", fullmatch=True), min_size=1, unique=True),
    st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
)
def test_a_nonce_keeps_the_shape_and_the_distinctness_of_values(
    values: list[str], nonce: str
) -> None:
    varied = [vary_text(v, nonce) for v in values]
    assert len(set(varied)) == len(values)  # distinct values stay distinct
    for before, after in zip(values, varied, strict=True):
        assert len(after) == len(before) and after != before
        assert [c.isdigit() for c in after] == [c.isdigit() for c in before]


def test_a_nonce_varies_addresses_and_text_keeping_them_valid() -> None:
    assert vary_text("ann@example.com", "n1") == "ann+n1@example.com"
    assert vary_text("Hall", "n1") == "Hall-n1"
    assert vary_text("S000017", "a") != vary_text("S000017", "b")
