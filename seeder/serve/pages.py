"""Pagination: a request's paging parameters read and checked, and what the
response tells about the page (the envelope's names are the route's).

Styles: ``page`` (a page number, 0- or 1-based, and a size), ``offset``
(``offset``/``limit``) and ``cursor`` (an opaque cursor and a ``limit``; the
response names the next one). A bad value is a :class:`Invalid` (a 422).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seeder.scenario.serving import Paging

__all__ = ["Invalid", "Window", "envelope_names", "paging_params", "read_window"]


class Invalid(Exception):
    """A query parameter's value is refused: ``(where, name, message)``."""

    def __init__(self, where: str, name: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.name = name
        self.message = message

    def detail(self) -> dict[str, Any]:
        """FastAPI's shape of a validation error."""
        return {
            "detail": [{"loc": [self.where, self.name], "msg": self.message, "type": "value_error"}]
        }


@dataclass(frozen=True, slots=True)
class Window:
    """Rows ``offset`` .. ``offset + limit`` (or after instance ``after``)."""

    offset: int
    limit: int
    after: int | None = None
    page: int | None = None


def paging_params(paging: Paging) -> tuple[str, ...]:
    if paging.style == "page":
        return (paging.page, paging.size)
    if paging.style == "cursor":
        return (paging.cursor, paging.limit)
    return (paging.offset, paging.limit)


def _whole(query: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Invalid("query", name, f"{name} must be a whole number, got {text!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise Invalid("query", name, f"{name} must be {bound}, got {value}")
    return value


def cursor_of(n: int) -> str:
    return base64.urlsafe_b64encode(f"n{n}".encode()).decode().rstrip("=")


def _after(text: str | None, name: str) -> int | None:
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        if raw.startswith("n") and raw[1:].isdigit():
            return int(raw[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise Invalid(
        "query",
        name,
        f"{name} {text!r} is not a cursor this service gave; "
        "start without it and follow the next cursor of each page",
    )


def read_window(paging: Paging, query: Mapping[str, str]) -> Window:
    if paging.style == "page":
        size = _whole(query, paging.size, paging.default, 1, paging.max)
        page = _whole(query, paging.page, paging.first, paging.first, None)
        return Window((page - paging.first) * size, size, page=page)
    limit = _whole(query, paging.limit, paging.default, 1, paging.max)
    if paging.style == "cursor":
        return Window(0, limit, after=_after(query.get(paging.cursor), paging.cursor))
    return Window(_whole(query, paging.offset, 0, 0, None), limit)


def envelope_names(paging: Paging, names: Mapping[str, str] | None) -> dict[str, str]:
    base = {
        "items": "items",
        "total": "total",
        "pages": "pages",
        "next": "next_cursor",
        "page": paging.page,
        "size": paging.size,
        "offset": paging.offset,
        "limit": paging.limit,
    }
    return {**base, **(names or {})}


def envelope(
    paging: Paging, names: Mapping[str, str], window: Window, total: int, next_n: int | None
) -> list[tuple[str, Any]]:
    """The envelope's entries after the items, in a fixed order."""
    if paging.style == "page":
        return [
            (names["page"], window.page),
            (names["size"], window.limit),
            (names["total"], total),
            (names["pages"], math.ceil(total / window.limit)),
        ]
    if paging.style == "cursor":
        return [
            (names["limit"], window.limit),
            (names["total"], total),
            (names["next"], None if next_n is None else cursor_of(next_n)),
        ]
    return [
        (names["offset"], window.offset),
        (names["limit"], window.limit),
        (names["total"], total),
    ]
