"""One exception tree. Every error a user can cause is a ``SeederError`` whose
message says what is wrong, where, and how to fix it; the CLI prints it and exits 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PlanError", "Problem", "ScenarioError", "SeederError"]


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


class PlanError(SeederError):
    """Planning could not go on (a unique value space ran dry at run time, a user
    function failed); ``entity`` and ``field`` say where, when one field is at fault."""

    def __init__(
        self, message: str, *, entity: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.entity = entity
        self.field = field
