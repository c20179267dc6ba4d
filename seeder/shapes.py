"""The shapes of requests and answers on the wire, as bindings describe them.

- :func:`answer_path` reads a place in an answer: a dotted path (``article.slug``,
  ``0.id`` into an array answer), a JSON pointer (``/run/info/run_id``, RFC 6901),
  ``$`` for the whole body, a header's value (``header:X-Request-Id``), or
  ``Location`` for the last segment of the Location header.
- :func:`body_template` checks a request body template: JSON whose strings
  ``"$field"`` stand for a command's field (its value as it is, not a string) and
  ``"$..."`` for an object of all the fields sent nowhere else (as a key,
  ``{"type": "user", "$...": true}``, they are merged into that object); ``"$$x"``
  is the literal string ``$x``.

Both are checked when the commands module makes the binding (a ``ValueError``
saying what is wrong), never while sending.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["REST", "AnswerPath", "answer_path", "body_template", "fill_template"]

REST = "$..."
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name (RFC 9110)
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class AnswerPath:
    """A place in an answer (see the module's docstring)."""

    text: str
    steps: tuple[str, ...] = ()
    header: str | None = None  # lower-cased
    last_segment: bool = False

    def read(self, body: Any, headers: Mapping[str, str] | None = None) -> Any:
        """The value there, or None when the answer has none."""
        if self.header is not None:
            value = (headers or {}).get(self.header)
            if value and self.last_segment:
                return value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or None
            return value
        data = body
        for step in self.steps:
            if isinstance(data, Mapping):
                data = data.get(step, _MISSING)
            elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
                data = data[int(step)]
            else:
                return None
            if data is _MISSING:
                return None
        return data


def answer_path(text: object) -> AnswerPath:
    """Parses a place in an answer; ``ValueError`` saying what is wrong."""
    if not isinstance(text, str) or not text:
        raise ValueError("must be a non-empty string such as 'id', 'data.id' or '/data/id'")
    if text == "Location":
        return AnswerPath(text, header="location", last_segment=True)
    if text == "$":
        return AnswerPath(text)
    if text.startswith("header:"):
        name = text[len("header:") :]
        if not _TOKEN.fullmatch(name):
            raise ValueError("must name a header after 'header:', e.g. 'header:X-Request-Id'")
        return AnswerPath(text, header=name.lower())
    if text.startswith("/"):
        steps = []
        for raw in text[1:].split("/"):
            if re.search(r"~(?![01])", raw):
                raise ValueError("is a JSON pointer with a bad escape: '~' must be '~0' or '~1'")
            steps.append(raw.replace("~1", "/").replace("~0", "~"))
        return AnswerPath(text, tuple(steps))
    steps = text.split(".")
    if not all(steps):
        raise ValueError(
            "has an empty step; write a dotted path such as 'article.slug' "
            "(or a JSON pointer such as '/article/slug')"
        )
    return AnswerPath(text, tuple(steps))


def json_strings(
    value: object, where: str = "", *, key_string: str | None = None
) -> Iterator[tuple[str, str]]:
    """Every string of a JSON value, with where it is (``order.items[0]``); raises
    ``ValueError`` for what is not JSON. A mapping key equal to ``key_string`` is
    yielded itself, at its mapping, in place of its value."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where or 'body'}: key {key!r} must be a string")
            if key_string is not None and key == key_string:
                yield where, key
                continue
            yield from json_strings(item, f"{where}.{key}" if where else key, key_string=key_string)
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from json_strings(item, f"{where}[{n}]", key_string=key_string)
    elif not (value is None or isinstance(value, bool | int | float)):
        raise ValueError(f"{where or 'body'}: {value!r} is not a JSON value")


def body_template(template: object, fields: Mapping[str, object] | None = None) -> list[str]:
    """The fields a body template places (``REST`` for the rest), in order; raises
    ``ValueError`` for a template that is not JSON or names no field of ``fields``
    (when given)."""
    placed: list[str] = []
    for where, value in json_strings(template, key_string=REST):
        name = _placeholder(value)
        if name is None:
            continue
        if name != REST and not name.isidentifier():
            raise ValueError(f"{where}: {value!r} must be '$field' or '$...'")
        if fields is not None and name != REST and name not in fields:
            raise ValueError(f"{where}: {value!r} is not a field ({', '.join(fields)})")
        if name in placed:
            raise ValueError(f"{where}: {value!r} is placed twice")
        placed.append(name)
    return placed


def _placeholder(value: str) -> str | None:
    if value == REST:
        return REST
    if value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


def fill_template(template: Any, values: Mapping[str, Any], rest: Mapping[str, Any]) -> Any:
    """The body: ``template`` with each ``"$field"`` replaced by its value and
    ``"$..."`` by ``rest`` (a field left out of ``values`` is left out of the body)."""
    if isinstance(template, str):
        name = _placeholder(template)
        if name is None:
            return template[1:] if template.startswith("$$") else template
        if name == REST:
            return dict(rest)
        return values.get(name, _MISSING)
    if isinstance(template, Mapping):
        out: dict[str, Any] = {}
        for key, item in template.items():
            if key == REST:  # a key "$...": the rest merged into this object
                out.update(rest)
                continue
            filled = fill_template(item, values, rest)
            if filled is not _MISSING:
                out[key] = filled
        return out
    if isinstance(template, list | tuple):
        return [v for v in (fill_template(t, values, rest) for t in template) if v is not _MISSING]
    return template
