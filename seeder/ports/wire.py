"""A command as an HTTP request, in the shape its binding describes: fields into the
path, the query, headers and a body (JSON, a template or envelope, form-encoded or
multipart), each under its wire name. The binding was checked against its command
when the model compiled; what is left to fail here is a value (a line break in a
header value), said as the item's failure, never raised."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from seeder.commands import HttpBinding
from seeder.plan.commandlog import dumps
from seeder.shapes import fill_template

__all__ = ["Encoded", "RequestShape", "segment"]


def segment(value: Any) -> str:
    """A value as one path segment: quoted whole, never walking out of the path."""
    text = "" if value is None else _text(value)
    if text in ("", ".", ".."):
        return quote(text, safe="").replace(".", "%2E") or "%20"
    return quote(text, safe="")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


@dataclass(frozen=True, slots=True)
class Encoded:
    target: str  # path and query
    headers: dict[str, str]
    data: bytes


class RequestShape:
    """One binding's request shape, worked out once and applied to every command."""

    def __init__(self, http: HttpBinding) -> None:
        self.http = http
        self.path_names = http.path_fields()
        # the path as sent when no field goes into it ("{{" and "}}" unescaped)
        self.bare_path = "" if self.path_names else http.path.format_map({})
        self.query = [(wire, name) for wire, name in http.query.items()]  # type: ignore[union-attr]
        self.headers = [(wire, name) for wire, name in http.headers.items()]  # type: ignore[union-attr]
        self.placed = frozenset(http.placed())
        self.wire = dict(http.wire)
        self.template = http.template
        self.plain = (
            self.template is None and not self.query and not self.headers and not self.wire
        ) and http.encoding == "json"

    def encode(self, fields: Mapping[str, Any], key: str) -> Encoded | str:
        """The request for these field values, or what is wrong with a value."""
        http = self.http
        names = self.path_names
        if names:
            path = http.path.format_map({n: segment(fields.get(n)) for n in names})
        else:
            path = self.bare_path
        if self.plain:  # the common case, kept fast: every other field in a JSON object
            flat = {k: v for k, v in fields.items() if k not in names} if names else fields
            if not flat and http.method == "GET":  # a read: no body
                return Encoded(path, {}, b"")
            data = dumps(flat)
            return Encoded(path, {"Content-Type": "application/json"}, data)
        pairs = []
        for wire, name in self.query:
            value = fields.get(name)
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    pairs.append((wire, _text(item)))
        if pairs:
            path += "?" + urlencode(pairs, quote_via=quote)
        headers: dict[str, str] = {}
        for wire, name in self.headers:
            value = fields.get(name)
            if value is None:
                continue
            text = _text(value)
            if "\r" in text or "\n" in text:
                return f"header {wire}: the value of {name} has a line break; it cannot be sent"
            headers[wire] = text
        rest = {self.wire.get(k, k): v for k, v in fields.items() if k not in self.placed}
        if not rest and self.template is None and http.method == "GET":  # a read: no body
            return Encoded(path, headers, b"")
        body: Any = rest if self.template is None else fill_template(self.template, fields, rest)
        if http.encoding == "json":
            headers["Content-Type"] = "application/json"
            data = dumps(body)
        elif http.encoding == "form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urlencode(_form_pairs(body), quote_via=quote).encode()
        else:
            boundary = "seeder-" + hashlib.sha256(key.encode()).hexdigest()[:32]
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            data = _multipart(body, boundary)
        return Encoded(path, headers, data)


def _form_pairs(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                pairs.append((name, _text(item)))
    return pairs


def _multipart(body: Mapping[str, Any], boundary: str) -> bytes:
    """multipart/form-data (RFC 7578): one part per field; a value that is a mapping
    with ``content`` (and ``filename``, ``content_type``) is a file."""
    out = bytearray()
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            disposition = f'form-data; name="{_quoted(name)}"'
            content_type = None
            if isinstance(item, Mapping) and "content" in item:
                disposition += f'; filename="{_quoted(str(item.get("filename", name)))}"'
                content_type = str(item.get("content_type", "application/octet-stream"))
                content = item["content"]
                payload = content if isinstance(content, bytes) else _text(content).encode()
            else:
                payload = _text(item).encode()
            out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
            if content_type:
                out += f"Content-Type: {content_type}\r\n".encode()
            out += b"\r\n" + payload + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
