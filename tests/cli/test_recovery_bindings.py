"""Recovery options of a binding (Lookup, Adopt, a Credential's login) check
themselves when the commands module is imported: a mistake is one line at its line
in the commands module, exit 2, and nothing is sent (the harness of
test_hostile_input.py, against a server that counts requests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_hostile_input import Case, Counter, check_case, counter  # noqa: F401
from tests.conftest import ROOT

COMMANDS = ROOT / "commands" / "library_without_keys.py"
SCENARIO = (
    (ROOT / "scenarios" / "library_without_keys.yaml")
    .read_text()
    .replace("../commands/library_without_keys.py", "cs.py")
)


def commands(old: str, new: str) -> str:
    text = COMMANDS.read_text()
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def case(name: str, old: str, new: str, needle: str, *, at_binding: bool = False) -> Case:
    """The commands module with ``old`` replaced by ``new``: the mistake is said at
    the line of ``new``, or (``at_binding``) of the HttpBinding that holds it."""
    text = commands(old, new)
    line = line_of(text, new.splitlines()[0].strip())
    if at_binding:
        lines = text.splitlines()
        line = max(i for i in range(1, line + 1) if "HttpBinding(" in lines[i - 1])
    return Case(name, SCENARIO, files={"cs.py": text}, needles=(needle,), in_file=("cs.py", line))


CASES = [
    case(
        "lookup-not-a-field",
        'lookup=Lookup("/tenants/{tenant_id}/books", query={"isbn": "isbn"}),',
        'lookup=Lookup("/tenants/{tenant_id}/books", query={"isbn": "isbm"}),',
        "Lookup names 'isbm', which is not a field of PublishBook",
    ),
    case(
        "lookup-path-not-a-field",
        'lookup=Lookup("/tenants/{tenant_id}/books", query={"isbn": "isbn"}),',
        'lookup=Lookup("/tenants/{tenant}/books", query={"isbn": "isbn"}),',
        "Lookup names 'tenant'",
    ),
    case(
        "lookup-path-slashless",
        'lookup=Lookup("/tenants", query={"name": "name"}),',
        'lookup=Lookup("tenants", query={"name": "name"}),',
        "Lookup path 'tenants' must start with '/'",
    ),
    case(
        "lookup-not-a-lookup",
        'lookup=Lookup("/tenants", query={"name": "name"}),',
        'lookup="/tenants?name={name}",',
        "lookup must be a Lookup(...)",
        at_binding=True,
    ),
    case(
        "adopt-without-lookup",
        'lookup=Lookup("/tenants/{tenant_id}/books", query={"isbn": "isbn"}),',
        "lookup=None,",
        "adopt needs a lookup",
        at_binding=True,
    ),
    case(
        "adopt-a-success-status",
        'adopt=Adopt(statuses=(409,), message="already exists"),',
        'adopt=Adopt(statuses=(201,), message="already exists"),',
        "Adopt statuses must be a tuple of 4xx/5xx statuses",
    ),
    case(
        "login-not-a-command",
        'MEMBER_TOKEN = Credential(name="token", capture="token", login=LogInMember)',
        'MEMBER_TOKEN = Credential(name="token", capture="token", login="/login")',
        "Credential login must be a Command class with an HTTP binding",
    ),
    case(
        "login-needs-what-the-holder-lacks",
        "email: str = Field(min_length=3, max_length=320)\n    password: str",
        "email: str = Field(min_length=3, max_length=320)\n    secret: str",
        "Credential login LogInMember needs password, which RegisterMember does not have",
        at_binding=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_recovery_option_mistake_is_one_located_line_and_nothing_is_sent(
    case: Case,
    counter: tuple[Counter, str],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_case(case, counter, tmp_path, capsys, monkeypatch)
