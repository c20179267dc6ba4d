"""A small service that is not built to seeder's contract: it records every request
(method, raw path, query, headers, body) and answers each route as the test says,
so a test sees exactly what went on the wire and what seeder made of the answer."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from seeder.demo.server import serve_in_thread

Answer = tuple[int, Any, dict[str, str]]  # status, JSON body (or bytes), headers


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Recorder:
    """``routes`` maps ``"METHOD /regex"`` to a function of (request, counter) giving
    the answer; unmatched requests get 404."""

    routes: dict[str, Callable[[Request, int], Answer]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    _n: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def of(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Request(
            scope["method"],
            scope["raw_path"].decode(),
            parse_qsl(scope["query_string"].decode(), keep_blank_values=True),
            {k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body,
        )
        self.requests.append(request)
        status, answer, headers = 404, {"detail": "Not Found"}, dict[str, str]()
        for route, respond in self.routes.items():
            method, _, pattern = route.partition(" ")
            if method == request.method and re.fullmatch(pattern, request.path):
                status, answer, headers = respond(request, next(self._n))
                break
        data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        raw_headers = [(b"content-type", b"application/json")]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": data})


@contextmanager
def serving(recorder: Recorder) -> Iterator[str]:
    with serve_in_thread(recorder) as url:  # type: ignore[arg-type]
        yield url
