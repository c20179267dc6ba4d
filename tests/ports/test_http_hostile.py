"""The HTTP port against hostile values and hostile services (issue 5, item 4):
path templates cannot walk out of the target's base URL, and a huge answer is read
only up to a limit, whichever HTTP client sends."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import anyio
import pytest

from seeder.commands import HttpBinding
from seeder.demo.server import serve_in_thread
from seeder.plan.items import PlanItem
from seeder.ports import Outcome, Send
from seeder.ports.http import MAX_BODY_BYTES, AiohttpTransport, HttpPort, HttpxTransport

_keys = itertools.count(1)


class Service:
    """Records each request's raw path and query; answers as ``answer`` says."""

    def __init__(self) -> None:
        self.seen: list[tuple[bytes, bytes]] = []
        self.answer: tuple[int, list[bytes]] = (201, [b'{"id": 1}'])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.seen.append((scope["raw_path"], scope["query_string"]))
        status, chunks = self.answer
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[Service, str]]:
    app = Service()
    with serve_in_thread(app) as url:  # type: ignore[arg-type]
        yield app, url


def _transport(client: str) -> Any:
    return HttpxTransport(4) if client == "httpx" else AiohttpTransport(4)


def _send(base: str, client: str, binding: HttpBinding, fields: dict[str, Any]) -> Outcome:
    async def go() -> Outcome:
        port = HttpPort(base, _transport(client))
        n = next(_keys)
        item = PlanItem(n, f"x:{n}", "x", "X", fields, {}, [], None, f"hostile-{n}")
        try:
            return await port.send(Send(item, fields, binding, None))
        finally:
            await port.aclose()

    return anyio.run(go)


ESCAPES = [
    "../admin",
    "..",
    ".",
    "a/b",
    "?x=1",
    "#f",
    "%2e%2e",
    "%2E%2E",
    "..%2F..%2Fadmin",
    "",
    " ",
    "http://evil",
    "//evil.example/x",
    "\\..\\admin",
    "..;/admin",
    "a\r\nX-Injected: 1",
    "é/ü",
]
CLIENTS = ["aiohttp", "httpx"]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("prefix", ["", "/api"])
@pytest.mark.parametrize("value", ESCAPES, ids=[repr(v) for v in ESCAPES])
def test_a_path_value_stays_one_segment_under_the_base_url(
    service: tuple[Service, str], client: str, prefix: str, value: str
) -> None:
    app, url = service
    binding = HttpBinding("POST", "/items/{slug}/parts", success=(201,))
    before = len(app.seen)
    outcome = _send(url + prefix, client, binding, {"slug": value, "name": "x"})
    assert outcome.ok, outcome
    [(raw_path, query)] = app.seen[before:]
    assert query == b""
    path = raw_path.decode("ascii")
    head, tail = f"{prefix}/items/", "/parts"
    assert path.startswith(head) and path.endswith(tail), path
    segment = path[len(head) : -len(tail)]
    assert segment and "/" not in segment and segment not in (".", ".."), path
    if value:
        assert unquote(segment) == value  # the service reads back exactly the value


@pytest.mark.parametrize("client", CLIENTS)
def test_a_template_field_at_the_end_cannot_climb_either(
    service: tuple[Service, str], client: str
) -> None:
    app, url = service
    binding = HttpBinding("PUT", "/tenants/{tenant}/{slug}", success=(201,))
    before = len(app.seen)
    assert _send(url + "/api", client, binding, {"tenant": "..", "slug": ".."}).ok
    [(raw_path, _)] = app.seen[before:]
    assert raw_path == b"/api/tenants/%2E%2E/%2E%2E"


HUGE = 50 * 1024 * 1024
CHUNK = b"x" * (256 * 1024)


def _huge(status: int) -> tuple[int, list[bytes]]:
    body = [b'{"id": 1, "message": "', *([CHUNK] * (HUGE // len(CHUNK))), b'"}']
    return status, body


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("status", [201, 400])
def test_a_huge_answer_is_read_only_up_to_the_limit(
    service: tuple[Service, str], client: str, status: int
) -> None:
    app, url = service
    app.answer = _huge(status)
    binding = HttpBinding("POST", "/items", success=(201,))
    tracemalloc.start()
    try:
        outcome = _send(url, client, binding, {"name": "x"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        app.answer = (201, [b'{"id": 1}'])
    assert peak < 8 * MAX_BODY_BYTES, f"peak {peak / 2**20:.1f} MiB for a 50 MiB answer"
    assert outcome.ok is (status == 201)
    # what is kept of it is small: truncated JSON parses as nothing
    assert len(json.dumps(outcome.captured)) < 1000
    assert len(outcome.message) <= 300


@pytest.mark.parametrize("client", CLIENTS)
def test_an_answer_in_many_pieces_under_the_limit_is_read_whole(
    service: tuple[Service, str], client: str
) -> None:
    """Bounded reading must still read everything up to the limit, not just the
    first piece that arrived."""
    app, url = service
    pad = b"y" * 4096
    app.answer = (201, [b'{"pad": "', *([pad] * 150), b'", "id": 42}'])  # ~600 KiB
    binding = HttpBinding("POST", "/items", success=(201,))
    try:
        outcome = _send(url, client, binding, {"name": "x"})
    finally:
        app.answer = (201, [b'{"id": 1}'])
    assert outcome.ok and outcome.captured == {"id": 42}
