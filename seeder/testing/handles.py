"""Handles: what ``given`` returns for each entity it made.

A handle holds the entity's real identity (``handle.id``), every field it was sent
with (placeholders filled with the service's real ids) and every value captured
from the answer (a book's ``number``, a member's ``token``), by attribute or item
access. A reference is also reachable as the referenced entity's handle:
``book.author``, ``book.tenant``, ``loan.member``. A handle can be passed wherever
``given`` expects a reference; it belongs to the test that made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from seeder.errors import suggest

__all__ = ["Handle", "Owner"]


class Owner(Protocol):
    """What a handle asks of the test that made it (the session)."""

    def linked(self, handle: Handle, name: str) -> Handle | None:
        """The handle of the entity ``handle``'s reference ``name`` points at."""
        ...

    def related_names(self, entity: str) -> Iterable[str]:
        """Names of ``entity``'s references, readable on its handles."""
        ...


class Handle(Mapping[str, Any]):
    """One entity made by ``given``: ``handle.id``, ``handle.title``,
    ``handle["title"]``, ``handle.author`` (a handle), ``dict(handle)``.

    Attribute access gives a field unless the handle has an attribute of that
    name itself (``id``, ``key``, ``entity``, ``index`` and the mapping methods
    ``keys``, ``items``, ``values``, ``get``); item access always gives the field.
    """

    __slots__ = ("_identity", "_links", "_secrets", "_session", "_values", "entity", "index", "key")

    def __init__(
        self,
        session: Owner,
        entity: str,
        index: int,
        values: dict[str, Any],
        links: Mapping[str, int | None],
        identity: str,
        secrets: frozenset[str],
    ) -> None:
        self._session = session
        self.entity = entity
        self.index = index  # in this test's registry (0-based)
        self.key = f"{entity}:{index + 1}"  # the logical key, as in the command log
        self._values = values
        self._links = dict(links)
        self._identity = identity
        self._secrets = secrets

    @property
    def id(self) -> Any:
        """The real identity the service gave (or the client chose): the value
        references to this entity take (a book's ``number``)."""
        return self._values.get(self._identity)

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise KeyError(self._unknown(name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        values = self._values
        if name in values:
            return values[name]
        linked = self._session.linked(self, name)
        if linked is not None:
            return linked
        raise AttributeError(self._unknown(name))

    def _made_by(self, session: Owner) -> bool:
        return self._session is session

    def _link(self, field: str) -> int | None:
        """The registry index of the entity that reference ``field`` points at."""
        return self._links.get(field)

    def _unknown(self, name: str) -> str:
        names = [*self._values, *self._session.related_names(self.entity)]
        hint = suggest(name, names) or f"it has: {', '.join(names)}"
        return f"{self.entity} handle {self.key} has no {name!r}; {hint}"

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        names = sorted(self._values, key=lambda k: k != self._identity)  # identity first
        shown = " ".join(
            f"{k}={'***' if k in self._secrets else repr(self._values[k])}" for k in names
        )
        return f"<{self.key} {shown}>"
