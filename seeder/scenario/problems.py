"""Problems and their locations: every mistake in a scenario is collected, with the
file:line:column of the key or value at fault, before anything is planned or sent.

A location is a *path* into the scenario (``("entities", "book", "fields", "isbn")``);
``Locate`` turns it into a line and column (the YAML composer records them; a Python
scenario has none).
"""

from __future__ import annotations

from collections.abc import Callable

from seeder.errors import Problem, ScenarioError

__all__ = ["Locate", "Path_", "Problems", "no_location"]

Path_ = tuple[str | int, ...]
Locate = Callable[[Path_], tuple[int | None, int | None]]


def no_location(path: Path_) -> tuple[int | None, int | None]:
    return None, None


class Problems:
    """Collects the problems of one scenario file, each located by its path."""

    def __init__(self, source: str | None, locate: Locate | None = None) -> None:
        self.source = source
        self.locate = locate
        self.items: list[Problem] = []
        self._said: set[object] = set()

    def add(self, path: Path_ | None, message: str) -> None:
        """One problem at ``path`` (None: the file as a whole, no line); the same
        problem reached twice is listed once."""
        line = col = None
        if self.locate is not None and path is not None:
            line, col = self.locate(path)
        problem = Problem(message, self.source, line, col)
        if problem not in self.items:
            self.items.append(problem)

    def first(self, key: object) -> bool:
        """True the first time ``key`` is given: for causes found along many
        paths (a loop), said once by whichever finds it first."""
        if key in self._said:
            return False
        self._said.add(key)
        return True

    def said(self, key: object) -> bool:
        """Whether ``key`` was given to :meth:`first` already."""
        return key in self._said

    def add_in(self, file: str, line: int | None, column: int | None, message: str) -> None:
        """One problem in another file than the scenario (its commands module)."""
        self.items.append(Problem(message, file, line, column))

    def raise_if_any(self) -> None:
        """Raises a ScenarioError listing every problem so far, if there is one."""
        if self.items:
            raise ScenarioError(self.items)
