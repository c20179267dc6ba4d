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

    def add(self, path: Path_ | None, message: str) -> None:
        """One problem at ``path`` (None: the file as a whole, no line)."""
        line = col = None
        if self.locate is not None and path is not None:
            line, col = self.locate(path)
        self.items.append(Problem(message, self.source, line, col))

    def raise_if_any(self) -> None:
        """Raises a ScenarioError listing every problem so far, if there is one."""
        if self.items:
            raise ScenarioError(self.items)
