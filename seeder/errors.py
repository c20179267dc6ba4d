"""The whole exception tree, and the helpers every message is built with.

Every error a user can cause is a :class:`SeederError` whose message says what is
wrong, where, and how to fix it; the CLI prints it in one line and exits 2
(``exit_code``). The tree::

    SeederError                  any mistake or refusal seeder reports on purpose
    ├── ScenarioError            a scenario is invalid: ``problems``, each located
    ├── BindingError             a binding in a commands module is wrong (file:line)
    ├── InvalidProvider          a provider's arguments are wrong (located by the loader)
    ├── PlanError                planning could not go on (a unique space ran dry)
    ├── JournalMismatch          a journal belongs to another run
    └── GivenError               a ``given(...)`` call or its configuration is wrong
        └── Rejected             the service refused a command ``given`` sent

The demo service has its own errors (:mod:`seeder.demo.errors`): it is a
service like any other and does not depend on seeder's core.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BindingError",
    "GivenError",
    "InvalidProvider",
    "JournalMismatch",
    "PlanError",
    "Problem",
    "Rejected",
    "ScenarioError",
    "SeederError",
    "closest",
    "elide",
    "redact_url",
    "suggest",
    "with_hint",
]


class SeederError(Exception):
    """Root of every error seeder raises on purpose."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class ScenarioError(SeederError):
    """A scenario is invalid; ``problems`` lists every problem found (all of them,
    before anything is sent)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BindingError(SeederError):
    """A binding made in a commands module is wrong; ``where`` is the (file, line)
    that made it, so the message can point there."""

    def __init__(self, message: str, where: tuple[str, int] | None = None) -> None:
        super().__init__(message)
        self.where = where


class InvalidProvider(SeederError):
    """A provider's arguments are wrong. ``at`` says which, as a path inside the
    provider's YAML mapping (``("weights", 2)``; ``"$kind"`` for the provider's own
    key); the scenario loader adds the location of the provider itself."""

    def __init__(self, message: str, *, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.at = at


class PlanError(SeederError):
    """Planning could not go on (a unique value space ran dry at run time, a user
    function failed); ``entity`` and ``field`` say where, when one field is at fault."""

    def __init__(
        self, message: str, *, entity: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.entity = entity
        self.field = field


class JournalMismatch(SeederError):
    """The journal belongs to another run (another scenario, seed, scale or target)."""


class GivenError(SeederError):
    """A ``given(...)`` call, a handle or the test configuration is wrong; or a
    command could not be sent at all."""


class Rejected(GivenError):
    """The service refused a command that ``given`` sent.

    ``command`` is the command's name (``PublishBook``), ``status`` the service's
    status (HTTP, or the in-process exception's), ``message`` its own words,
    ``entity``/``key`` what was being made (``book``, ``book:2``) and ``fields`` the
    fields that were sent.
    """

    def __init__(
        self,
        command: str,
        status: int | None,
        message: str,
        *,
        entity: str,
        key: str,
        fields: Mapping[str, Any],
        call: str,
    ) -> None:
        self.command = command
        self.status = status
        self.message = message
        self.entity = entity
        self.key = key
        self.fields = dict(fields)
        shown = repr(self.fields)
        if len(shown) > 300:
            shown = shown[:297] + "..."
        super().__init__(
            f"{command} ({key}) was rejected with status {status}: {message}; "
            f"sent by {call} with fields {shown}"
        )


def closest(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name ``name`` was most likely meant to be, if any is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def suggest(name: str, choices: Iterable[str]) -> str:
    """``"did you mean 'name'?"`` for the closest known name, else ``""``."""
    close = closest(name, choices)
    return f"did you mean {close!r}?" if close else ""


def with_hint(message: str, hint: str) -> str:
    return f"{message}; {hint}" if hint else message


def elide(text: str, limit: int = 80) -> str:
    """``text`` shortened for a one-line message (a path of 6,000 characters)."""
    return text if len(text) <= limit else f"{text[:40]}...{text[-20:]}"


def redact_url(url: str) -> str:
    """The URL as it may be shown or stored: a password in it becomes ``***``."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if not sep or "@" not in authority:
        return url
    userinfo, _, host = authority.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"
