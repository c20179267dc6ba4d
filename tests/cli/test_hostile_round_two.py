"""Hostile input, round two (issue 16): the cases an independent corpus of broken
school and energy scenarios, commands modules and flags found. Each runs through
``seeder run`` against a server that counts requests (the harness of
test_hostile_input.py): exit 2, one line at the exact place (``#<`` marks the line,
``at`` the column; ``in_file`` a line of the commands module), no traceback, and
not one request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_hostile_input import Case, Counter, check_case, counter  # noqa: F401
from tests.conftest import ROOT

SCHOOL_COMMANDS = ROOT / "commands" / "school.py"
SCHOOL = (
    (ROOT / "scenarios" / "school.yaml")
    .read_text()
    .replace("../commands/school.py", str(SCHOOL_COMMANDS))
)
ENERGY = (
    (ROOT / "scenarios" / "energy.yaml")
    .read_text()
    .replace("../commands/energy.py", str(ROOT / "commands" / "energy.py"))
)
LIBRARY = (
    (ROOT / "scenarios" / "library.yaml")
    .read_text()
    .replace("../commands/library.py", str(ROOT / "commands" / "library.py"))
)


def school(old: str, new: str) -> str:
    assert old in SCHOOL, old
    return SCHOOL.replace(old, new, 1)


def energy(old: str, new: str) -> str:
    assert old in ENERGY, old
    return ENERGY.replace(old, new, 1)


def library(old: str, new: str) -> str:
    assert old in LIBRARY, old
    return LIBRARY.replace(old, new, 1)


def commands(old: str, new: str, count: int = 1) -> str:
    """The school's commands module with one edit."""
    text = SCHOOL_COMMANDS.read_text()
    assert old in text, old
    return text.replace(old, new, count)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def binding_line(text: str, needle: str) -> int:
    """The line of the ``HttpBinding(`` call holding ``needle`` (where the call
    starts, which is where Python says the binding was made)."""
    lines = text.splitlines()
    at = line_of(text, needle)
    return next(i for i in range(at, 0, -1) if "HttpBinding(" in lines[i - 1])


LOCAL = school(str(SCHOOL_COMMANDS), "cs.py")  # the school, its commands beside it

FETCH = commands('HttpBinding("POST", "/schools",', 'HttpBinding("FETCH", "/schools",')
BAD_SUCCESS = commands('"/schools", success=(201,)', '"/schools", success=(2001,)')
IMPORTS = commands("from pydantic", "import no_such_module_here\nfrom pydantic")
NAMES = commands("class HireStaff(Command):", "class HireStaff(Command):\n    undefined_name_here")
RECURSES = (
    SCHOOL_COMMANDS.read_text() + "\n\ndef deeper(n):\n    return deeper(n + 1)\n\n\ndeeper(0)\n"
)
SLASHLESS = commands('"/schools", success=(201,)', '"schools", success=(201,)')
BRACES = commands('"/schools/{centre_code}/staff"', '"/schools/{centre_code/staff"')
NOT_A_FIELD = commands('"/schools/{centre_code}/staff"', '"/schools/{centre}/staff"')

CASES = [
    # tracebacks before
    Case(
        "where-in-holds-a-mapping",
        school(
            "        where: {centre_code: $centre_code}\n",
            "        where: {centre_code: {$in: [$centre_code, {a: b}]}}  #<\n",
        ),
        needles=("is not a value to compare with",),
        at="{a: b}",
    ),
    Case(
        "round-not-a-number",
        energy("factor: $consumption}, round: 3}", "factor: $consumption}, round: three}  #<"),
        needles=("round must be a whole number >= 0", "'three'"),
        at="round",
    ),
    Case(
        "counter-factor-of-strings",
        energy(
            "consumption: {uniform: [0.0, 10.0], min: 0.001}",
            "consumption: {choice: [low, high]}",
        ).replace("factor: $consumption}, round: 3}", "factor: $consumption}, round: 3}  #<"),
        needles=("counter factor $consumption", "does not hold numbers"),
        at="factor",
    ),
    Case(
        "timeout-infinite", SCHOOL, flags=("--timeout", "inf"), needles=("finite",), from_file=False
    ),
    Case("rate-infinite", SCHOOL, flags=("--rate", "inf"), needles=("finite",), from_file=False),
    Case(
        "unreadable-scenario",
        None,
        path="/proc/self/mem",  # a regular file the system refuses to read (EIO)
        needles=("cannot read the scenario",),
    ),
    # accepted and sent before
    Case(
        "bounds-exclude-every-value",
        energy(
            "consumption: {uniform: [0.0, 10.0], min: 0.001}",
            "consumption: {uniform: [0.0, 10.0], min: 20}  #<",
        ),
        needles=("exclude every value",),
        at="min",
    ),
    Case(
        "identity-nothing-captures",
        library(
            "    command: RegisterAuthor\n",
            "    command: RegisterAuthor\n    identity: nickname  #<\n",
        ),
        needles=("identity 'nickname'", "captures"),
        at="identity",
    ),
    Case(
        "actor-parent-without-credential",
        school(
            "    command: AddParent\n    per: student\n",
            "    command: AddParent\n    per: student\n    actor: parent  #<\n",
        ),
        needles=("captures no credential",),
        at="actor",
    ),
    Case(
        "binding-method-fetch",
        LOCAL,
        files={"cs.py": FETCH},
        needles=("method 'FETCH'",),
        in_file=("cs.py", line_of(FETCH, '"FETCH"')),
    ),
    Case(
        "binding-success-2001",
        LOCAL,
        files={"cs.py": BAD_SUCCESS},
        needles=("success must be a tuple of HTTP statuses",),
        in_file=("cs.py", line_of(BAD_SUCCESS, "2001")),
    ),
    Case(
        "uncertain-resend-without-resume",
        SCHOOL,
        flags=("--uncertain", "resend"),
        needles=("add --resume",),
        from_file=False,
    ),
    Case(
        "target-with-query-and-fragment",
        SCHOOL,
        flags=("--target", "http://127.0.0.1:9/?x=1#frag"),
        needles=("has a query or fragment",),
        from_file=False,
    ),
    # the right exit code but the wrong message before
    Case(
        "per-cycle",
        school(
            "    command: EnrolStudent\n    per: school\n",
            "    command: EnrolStudent\n    per: guardian  #<\n",
        ),
        needles=("per: forms a cycle: student -> guardian -> student",),
        at="per",
    ),
    Case(
        "from-cycle",
        school(
            "      family_name: {from: parent.family_name}", "      family_name: {from: phone}  #<"
        ).replace(
            "      phone: {fake: phone_number}\n      email: {fake: email, null_weight: 0.1}",
            "      phone: {from: family_name}\n      email: {fake: email, null_weight: 0.1}",
            1,
        ),
        needles=("from: copies form a loop: guardian.family_name -> guardian.phone",),
        at="family_name",
    ),
    Case(
        "commands-import-error",
        LOCAL,
        files={"cs.py": IMPORTS},
        needles=("ModuleNotFoundError",),
        in_file=("cs.py", line_of(IMPORTS, "no_such_module_here")),
    ),
    Case(
        "commands-name-error",
        LOCAL,
        files={"cs.py": NAMES},
        needles=("NameError",),
        in_file=("cs.py", line_of(NAMES, "undefined_name_here")),
    ),
    Case(
        "commands-recursion-error",
        LOCAL,
        files={"cs.py": RECURSES},
        needles=("RecursionError",),
        in_file=("cs.py", line_of(RECURSES, "return deeper")),
    ),
    Case("scenario-is-a-fifo", None, path="fifo", needles=("not a regular file",)),
    Case(
        "series-without-step",
        energy(
            'taken_at: {series: {start: "2026-01-01T00:00:00Z", step: 15m}}',
            'taken_at: {series: {start: "2026-01-01T00:00:00Z"}}  #<',
        ),
        needles=("series needs step:",),
        at="series",
    ),
    Case(
        "ref-misspelt-at-its-value",
        school(
            "teacher_staff_id:\n        ref: staff\n", "teacher_staff_id:\n        ref: staf  #<\n"
        ),
        needles=("'staf' is not an entity", "did you mean 'staff'"),
        at="ref",
    ),
    Case(
        "weights-entry-not-a-number",
        library("weights: [0.7, 0.2, 0.07, 0.03]", "weights: [0.7, 0.2, abc, 0.03]  #<"),
        needles=("weights must be numbers >= 0", "'abc'"),
        at="abc",
    ),
    # binding path mistakes (the services issue lists them; cheap to refuse here too)
    Case(
        "binding-path-without-slash",
        LOCAL,
        files={"cs.py": SLASHLESS},
        needles=("must start with '/'",),
        in_file=("cs.py", line_of(SLASHLESS, '"schools"')),
    ),
    Case(
        "binding-path-unbalanced-brace",
        LOCAL,
        files={"cs.py": BRACES},
        needles=("balance its braces",),
        in_file=("cs.py", binding_line(BRACES, "{centre_code/staff")),
    ),
    Case(
        "binding-path-names-no-field",
        LOCAL,
        files={"cs.py": NOT_A_FIELD},
        needles=("{centre} is not one of its fields",),
        in_file=("cs.py", binding_line(NOT_A_FIELD, "{centre}/staff")),
    ),
]


HUGE = "1" + "0" * 400  # 10**400: an int no float holds
LONG_NAME = "x" * 300 + ".py"  # past the file system's 255 bytes per name
CONSUMPTION = "consumption: {uniform: [0.0, 10.0], min: 0.001}"
STEP = 'taken_at: {series: {start: "2026-01-01T00:00:00Z", step: 15m}}'

# found by the structural fuzz test (tests/scenario/test_structure_fuzz.py), each an
# internal error or a planned value JSON cannot carry before
FUZZ_CASES = [
    Case(
        "null-weight-beyond-a-float",
        energy(
            "postcode: {fake: postcode, null_weight: 0.05}",
            f"postcode: {{fake: postcode, null_weight: {HUGE}}}  #<",
        ),
        needles=("(401 digits) is too large", "fit in 64 bits"),
        at="null_weight",
    ),
    Case(
        "uniform-bound-beyond-a-float",
        energy(CONSUMPTION, f"consumption: {{uniform: [0.0, {HUGE}]}}  #<"),
        needles=("is too large",),
        at=HUGE[:5],
    ),
    Case(
        "count-beyond-a-float",
        energy("count: 200", f"count: {HUGE}  #<"),
        needles=("is too large",),
        at="count",
    ),
    Case(
        "count-beyond-planning",
        energy("count: 200", "count: 9000000000000000000  #<"),
        needles=("beyond what seeder can plan",),
        at="count",
    ),
    Case(
        "per-count-mean-beyond-planning",
        energy("count: {range: [1, 3]}", "count: {lognormal: [700, 1]}  #<"),
        needles=("a per-parent count averaging", "beyond what seeder can plan"),
        at="count",
    ),
    Case(
        "lognormal-mu-beyond-exp",
        energy("count: {range: [1, 3]}", "count: {lognormal: [1000, 1]}  #<"),
        needles=("mu must be a number <= 700", "1000"),
        at="1000",
    ),
    Case(
        "series-step-beyond-64-bits",
        energy(
            STEP,
            'taken_at: {series: {start: "2026-01-01T00:00:00Z", step: 9223372036854775808}}  #<',
        ),
        needles=("is too large",),
        at="step",
    ),
    Case(
        "series-step-beyond-a-date",
        energy(STEP, 'taken_at: {series: {start: "2026-01-01T00:00:00Z", step: 1.0e+308}}  #<'),
        needles=("duration 1e+308 is beyond what a date can be moved by",),
        at="step",
    ),
    Case(
        "numeric-series-leaves-a-float",
        energy(
            "value: {counter: {start: 0, step: {uniform: [0.0, 0.25]}, factor: $consumption}, "
            "round: 3}",
            "value: {series: {start: 1.0e+308, step: 1.0e+308}}  #<",
        ),
        needles=("series drew inf", "at item reading:2"),
        at="value",
    ),
    Case(
        "uniform-wider-than-a-float",
        energy(CONSUMPTION, "consumption: {uniform: [-1.0e+308, 1.0e+308]}  #<"),
        needles=("wider than a float holds",),
        at="uniform",
    ),
    Case(
        "choice-weights-overflow-their-sum",
        energy(
            "tariff: {choice: {flat: 0.6, time_of_use: 0.3, demand: 0.1}}",
            "tariff: {choice: {flat: 1.0e+308, time_of_use: 1.0e+308, demand: 0.1}}  #<",
        ),
        needles=("weights add up to more than a float holds",),
        at="tariff",
    ),
    Case(
        "faker-size-beyond-memory",
        energy("name: {fake: name}", "name: {fake: sentence, nb_words: 9223372036854775807}  #<"),
        needles=("nb_words=9223372036854775807 is too large (at most 10000)",),
        at="nb_words",
    ),
    Case(
        "commands-name-too-long",
        ENERGY.replace(str(ROOT / "commands" / "energy.py"), LONG_NAME + "  #<"),
        needles=("cannot be looked up (File name too long)", "(303 characters)"),
        at="commands",
    ),
    Case(
        "commands-name-with-a-nul",
        ENERGY.replace(str(ROOT / "commands" / "energy.py"), '"a\\0b.py"  #<'),
        needles=("cannot be looked up (embedded null byte)",),
        at="commands",
    ),
    Case(
        "report-name-too-long",
        SCHOOL,
        flags=("--report", "/tmp/" + LONG_NAME),
        needles=("cannot write the report", "File name too long"),
        from_file=False,
    ),
]


def test_bare_dates_are_sent_as_written(
    counter: tuple[Counter, str],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bare YAML date (a constant, a choice's values) is a date the service gets as
    written: it used to reach the JSON encoder as a date object, after ten requests."""
    from tests.cli.test_hostile_input import _run

    app, url = counter
    path = tmp_path / "scenario.yaml"
    path.write_text(
        energy("installed_on: {date: [2018-01-01, 2025-12-31]}", "installed_on: 2020-01-01")
        .replace(
            "postcode: {fake: postcode, null_weight: 0.05}",
            "postcode: {choice: [2021-03-04, 2022-05-06]}",
        )
        .replace("count: 200", "count: 3")
    )
    log = tmp_path / "plan.jsonl"
    assert _run(["plan", str(path), "--out", str(log)]) == 0, capsys.readouterr().err
    bodies = [json.loads(line)["body"] for line in log.read_text().splitlines()[1:]]
    assert {b["installed_on"] for b in bodies if "installed_on" in b} == {"2020-01-01"}
    assert {b["postcode"] for b in bodies if "postcode" in b} <= {"2021-03-04", "2022-05-06"}
    before = len(app.requests)
    code = _run(["run", str(path), "--target", url, "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert len(app.requests) - before == len(bodies)


def test_where_compares_list_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``where:`` on a field holding lists (the school's flags) picks a student with
    the same flags: the specification index used to hash the lists and fail."""
    from tests.cli.test_hostile_input import _run

    path = tmp_path / "scenario.yaml"
    path.write_text(
        school(
            "      name: {fake: name}\n",
            "      name: {ref: student, field: given_name, where: {flags: $tags}}\n",
        ).replace(
            "      relationship: {choice: [grandparent, aunt, uncle, neighbour, family friend]}\n",
            "      relationship: {choice: [grandparent, aunt, uncle, neighbour, family friend]}\n"
            "    vars:\n      tags: {from: parent.flags}\n",
            1,
        )
    )
    log = tmp_path / "plan.jsonl"
    assert _run(["plan", str(path), "--out", str(log), "--scale", "0.5"]) == 0, (
        capsys.readouterr().err
    )
    rows = [json.loads(line) for line in log.read_text().splitlines()[1:]]
    students = {r["key"]: r["body"] for r in rows if r["command"] == "EnrolStudent"}
    contacts = [r for r in rows if r["command"] == "AddEmergencyContact"]
    assert contacts
    for contact in contacts:
        own = contact["refs"]["enrolment_id"].split(".")[0]
        picked = next((d for d in contact["deps"] if d != own), own)
        assert students[picked]["flags"] == students[own]["flags"]
        assert students[picked]["given_name"] == contact["body"]["name"]


def test_a_command_log_that_cannot_be_read_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli.test_hostile_input import _run

    code = _run(["replay", "/tmp/" + LONG_NAME, "--target", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "cannot read the command log" in err and "File name too long" in err


@pytest.mark.parametrize("case", CASES + FUZZ_CASES, ids=[c.id for c in CASES + FUZZ_CASES])
def test_round_two_is_one_located_line_and_nothing_is_sent(
    case: Case,
    counter: tuple[Counter, str],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_case(case, counter, tmp_path, capsys, monkeypatch)


def test_a_user_and_password_in_the_url_beside_an_actor_credential_is_refused(
    counter: tuple[Counter, str],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loans are sent with the member's token in Authorization, which a user and
    password in the URL (sent as Basic) would clash with."""
    _, url = counter
    with_user = re.sub(r"^http://", "http://seeder:hunter2@", url)
    case = Case(
        "url-credentials-and-actor",
        LIBRARY,
        flags=("--target", with_user),
        needles=("carries a user and password", "Authorization"),
        from_file=False,
    )
    check_case(case, counter, tmp_path, capsys, monkeypatch)
    assert "hunter2" not in capsys.readouterr().err


def test_a_user_and_password_in_the_url_go_as_basic_auth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without an actor credential in the way, the URL's user and password are sent
    as Authorization: Basic on every request, and the run goes through."""
    import base64

    from seeder.demo.server import serve_in_thread
    from tests.cli.test_hostile_input import BASE, _run

    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        seen.append(dict(scope["headers"]).get(b"authorization", b"").decode())
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b'{"id": %d}' % len(seen)})

    path = tmp_path / "scenario.yaml"
    path.write_text(BASE)
    with serve_in_thread(app) as url:  # type: ignore[arg-type]
        target = url.replace("http://", "http://u%40x:p%3Aw@")
        code = _run(["run", str(path), "--target", target, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 0, err
    basic = "Basic " + base64.b64encode(b"u@x:p:w").decode()
    assert seen and set(seen) == {basic}
    assert "p%3Aw" not in err and "p:w" not in err  # the password is never shown


def test_an_internal_error_is_one_line_and_a_saved_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of seeder's own that escapes every check: one line naming the saved
    traceback, never a traceback on the terminal."""
    from seeder import cli
    from tests.cli.test_hostile_input import _run

    def broken(args: object) -> int:
        raise ZeroDivisionError("division by zero in seeder itself")

    monkeypatch.setenv("SEEDER_CRASH_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "_validate", broken)
    code = _run(["validate", str(ROOT / "scenarios" / "school.yaml")])
    err = capsys.readouterr().err
    assert code == cli.INTERNAL_ERROR_EXIT and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "internal error" in err and "please report" in err
    saved = list(tmp_path.glob("seeder-internal-error-*.txt"))
    assert len(saved) == 1 and str(saved[0]) in err
    assert "ZeroDivisionError" in saved[0].read_text() and "Traceback" in saved[0].read_text()
