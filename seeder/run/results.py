"""What the service answered: the real ids and captured values of every done item,
by logical key (``author:17``), and each item's state.

Columns are per (entity, attribute) and indexed by the instance number, kept as
``array('q')`` while the values are integers (8 bytes each) and turned into a list
only when the service answers with strings (enrolment ids, slugs).
"""

from __future__ import annotations

from array import array
from typing import Any

from seeder.plan.items import split_key, split_placeholder

__all__ = ["DONE", "FAILED", "PENDING", "Results"]

PENDING, DONE, FAILED = 0, 1, 2
_MISSING = -(2**63)  # a sentinel no service id will use


class _Column:
    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: array[int] | list[Any] = array("q")

    def set(self, n: int, value: Any) -> None:
        values = self.values
        if isinstance(values, array) and (
            type(value) is not int or value == _MISSING or not -(2**63) < value < 2**63
        ):
            values = self.values = [None if v == _MISSING else v for v in values]
        missing = n + 1 - len(values)
        if missing > 0:  # grown ahead (an eighth more): not once per instance
            missing += len(values) >> 3
            if isinstance(values, array):
                values.extend(array("q", (_MISSING,)) * missing)
            else:
                values.extend([None] * missing)
        values[n] = value

    def get(self, n: int) -> Any:
        values = self.values
        if n >= len(values):
            return None
        value = values[n]
        return None if isinstance(values, array) and value == _MISSING else value


class Results:
    """Real values by logical key, and the state of every key seen."""

    def __init__(self) -> None:
        self._columns: dict[tuple[str, str], _Column] = {}
        self._states: dict[str, bytearray] = {}

    def state(self, key: str) -> int:
        entity, n = split_key(key)
        states = self._states.get(entity)
        if states is None or n >= len(states):
            return PENDING
        return states[n]

    def _set_state(self, entity: str, n: int, state: int) -> None:
        states = self._states.setdefault(entity, bytearray())
        if len(states) <= n:  # grown ahead (an eighth more; PENDING until set)
            states.extend(bytes(n + 1 - len(states) + (len(states) >> 3)))
        states[n] = state

    def done(self, key: str, captured: dict[str, Any]) -> None:
        entity, _, number = key.rpartition(":")  # split_key, inline: once per command
        n = int(number)
        columns = self._columns
        for attr, value in captured.items():
            column = columns.get((entity, attr))
            if column is None:
                column = columns[(entity, attr)] = _Column()
            column.set(n, value)
        states = self._states.get(entity)
        if states is not None and n < len(states):
            states[n] = DONE
        else:
            self._set_state(entity, n, DONE)

    def forget(self, key: str) -> None:
        """Back to pending (its values stay until overwritten): an item sent again."""
        entity, n = split_key(key)
        self._set_state(entity, n, PENDING)

    def failed(self, key: str) -> None:
        entity, n = split_key(key)
        self._set_state(entity, n, FAILED)

    def value(self, entity: str, n: int, attr: str) -> Any:
        column = self._columns.get((entity, attr))
        return None if column is None else column.get(n)

    def resolve(self, placeholder: str) -> Any:
        entity, n, attr = split_placeholder(placeholder)
        return self.value(entity, n, attr)
