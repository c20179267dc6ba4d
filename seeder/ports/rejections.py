"""A rejection in the service's own words: the answer's error shapes, flattened to
one readable line (``user.email: has already been taken; username: is too short``).

Shapes read: a plain ``message``/``detail``/``error``/``title`` (with a rule name
or error code beside it), RFC 7807 problem details (``title``, ``detail``,
``invalid-params``), JSON:API ``errors`` (``detail`` at ``source.pointer``), Rails
``errors: {field: [..]}`` (nested too), Django REST framework's field lists and
``non_field_errors``, FastAPI/pydantic ``detail: [{loc, msg}]``, lists of strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["error_message"]

LIMIT = 300
_TEXT_KEYS = ("message", "detail", "error", "title", "msg", "reason", "description")
_CODE_KEYS = ("error_code", "code", "error", "type")
_WHOLE = frozenset({"non_field_errors", "__all__", "base", "_schema", "_error"})
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie", "form"})
_POINTER_ROOTS = ("/data/attributes/", "/data/relationships/", "/data/")


def error_message(body: Any, text: str = "") -> str:
    """The service's own words for a rejection, short; ``text`` (the raw answer)
    when the body is not JSON."""
    if body is None or (isinstance(body, str) and not body):
        return _short(text)
    parts = _top(body)
    shown = "; ".join(dict.fromkeys(f"{p}: {m}" if p else m for p, m in parts if m))
    return _short(shown or text or str(body))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def _top(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, Mapping):
        return _flatten(body, "")
    problem = _problem(body)
    if problem is not None:
        return problem
    if body.get("errors"):  # Rails, JSON:API, Laravel, lists
        found = _flatten(body["errors"], "")
        if found:
            return found
    detail = body.get("detail")
    if isinstance(detail, list | Mapping):  # FastAPI/pydantic, or a nested detail
        found = _flatten(detail, "")
        if found:
            return found
    text = _text(body)
    if text is not None:
        return [("", text)]
    return _flatten(body, "")  # Django REST framework: {field: [..], non_field_errors: [..]}


def _problem(body: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """RFC 7807 problem details: ``title: detail``, then ``invalid-params``."""
    if not (isinstance(body.get("title"), str) and ("type" in body or "status" in body)):
        return None
    title, detail = body["title"], body.get("detail")
    head = f"{title}: {detail}" if isinstance(detail, str) and detail else title
    parts = [("", head)]
    for item in body.get("invalid-params") or body.get("invalid_params") or ():
        if isinstance(item, Mapping) and isinstance(item.get("reason"), str):
            parts.append((str(item.get("name", "")), item["reason"]))
    if isinstance(body.get("errors"), list | Mapping):
        parts.extend(_flatten(body["errors"], ""))
    return parts


def _text(body: Mapping[str, Any]) -> str | None:
    """A mapping's own words (``message`` and the like), with its rule or code."""
    for key in _TEXT_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value:
            code = next(
                (
                    str(body[k])
                    for k in _CODE_KEYS
                    if k != key and isinstance(body.get(k), str) and body[k] and body[k] != value
                ),
                None,
            )
            return f"{code}: {value}" if code else value
        if isinstance(value, Mapping):  # {"error": {"message": ..., "code": ...}}
            inner = _text(value)
            if inner is not None:
                return inner
    return None


def _join(prefix: str, name: str) -> str:
    if name in _WHOLE:
        return prefix
    return f"{prefix}.{name}" if prefix else name


def _flatten(value: Any, prefix: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(prefix, value)] if value else []
    if isinstance(value, list | tuple):
        return [part for item in value for part in _flatten(item, prefix)]
    if not isinstance(value, Mapping):
        return []
    loc = value.get("loc")
    if isinstance(value.get("msg"), str) and isinstance(loc, list | tuple):  # pydantic
        names = [str(x) for x in loc]
        if names and names[0] in _LOCATIONS:
            names = names[1:]
        path = prefix
        for name in names:
            path = _join(path, name)
        return [(path, value["msg"])]
    source = value.get("source")
    if isinstance(source, Mapping) and ("detail" in value or "title" in value):  # JSON:API
        where = source.get("pointer") or source.get("parameter") or ""
        where = str(where)
        for root in _POINTER_ROOTS:
            if where.startswith(root):
                where = where[len(root) :]
                break
        path = _join(prefix, where.strip("/").replace("/", "."))
        text = value.get("detail") or value.get("title")
        return [(path, str(text))] if text else []
    text = _text(value)
    if text is not None:
        field = value.get("field") or value.get("param") or value.get("name")
        return [(_join(prefix, field) if isinstance(field, str) else prefix, text)]
    parts = []
    for key, item in value.items():
        if isinstance(item, str | list | tuple | Mapping):
            parts.extend(_flatten(item, _join(prefix, str(key))))
    return parts
