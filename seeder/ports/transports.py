"""Transports: how the HTTP port moves bytes, like httpx's ``_transports``.

A :class:`Transport` makes one exchange and raises :class:`Transient` for what is
worth retrying (network errors, timeouts); the port above it decides what to
retry and what an answer means. ``AiohttpTransport`` is the bulk path (httpx's own
pool spends its CPU on bookkeeping under concurrency: encode/httpx issue 3215; see
benchmarks/run_bench.py); ``HttpxTransport`` serves ASGI apps in-process through
``httpx.ASGITransport`` (the whole HTTP stack, no socket). Either reads at most
``MAX_BODY_BYTES`` of an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

__all__ = [
    "MAX_BODY_BYTES",
    "AiohttpTransport",
    "HttpxTransport",
    "RawResponse",
    "Transient",
    "Transport",
]

MAX_BODY_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    body: bytes
    location: str | None = None
    retry_after: str | None = None
    headers: Mapping[str, str] | None = None  # by lower-cased name


class Transport(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> RawResponse:
        """One exchange; raises Transient on network errors and on ``timeout``."""
        ...

    async def aclose(self) -> None: ...


class Transient(Exception):
    """A failure worth retrying; ``reason`` is counted in the report.
    ``maybe_applied``: the request may have reached the service and been applied
    (a timeout, a connection lost after sending, a gateway's 502/504) — retrying is
    safe only if the service honours idempotency keys."""

    def __init__(
        self,
        reason: str,
        retry_after: float | None = None,
        response: RawResponse | None = None,
        *,
        maybe_applied: bool = True,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.response = response
        self.maybe_applied = maybe_applied


async def _read_rest(content: Any, first: bytes) -> bytes:
    """The rest of an aiohttp body, up to MAX_BODY_BYTES in all (``read(n)`` returns
    what has arrived so far, not n bytes)."""
    buffer = bytearray(first)
    while len(buffer) < MAX_BODY_BYTES:
        chunk = await content.read(MAX_BODY_BYTES - len(buffer))
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer)


async def _read_limited(response: Any) -> bytes:
    """At most MAX_BODY_BYTES of an httpx body, read as it streams: a service that
    answers with gigabytes costs one megabyte."""
    buffer = bytearray()
    chunks = response.aiter_bytes()
    try:
        async for chunk in chunks:
            buffer += chunk[: MAX_BODY_BYTES - len(buffer)]
            if len(buffer) >= MAX_BODY_BYTES:
                break
    finally:
        await chunks.aclose()
    return bytes(buffer)


class AiohttpTransport:
    """Bulk sending: one aiohttp session, keep-alive pool sized to the concurrency."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self._session: Any = None
        self._aiohttp: Any = None
        self._url: Any = None
        self._timeouts: dict[float, Any] = {}

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> RawResponse:
        session = self._session
        if session is None:
            session = self._open()
        aiohttp = self._aiohttp
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(total=timeout)
        try:
            async with session.request(
                method,
                self._url(url, encoded=True),  # as built: no dot-segment removal, no unquoting
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=client_timeout,
            ) as response:
                content = response.content
                data = await content.read(MAX_BODY_BYTES)  # often all of it
                if data and len(data) < MAX_BODY_BYTES and not content.at_eof():
                    data = await _read_rest(content, data)
                answer = response.headers  # case-insensitive: read by lower-cased name
                return RawResponse(
                    response.status,
                    data,
                    answer.get("Location"),
                    answer.get("Retry-After"),
                    answer,
                )
        except TimeoutError as exc:
            raise Transient("timeout") from exc
        except aiohttp.ClientConnectorError as exc:  # no connection: nothing was sent
            raise Transient(type(exc).__name__, maybe_applied=False) from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise Transient(type(exc).__name__) from exc

    def _open(self) -> Any:
        """The session, on the first request (aiohttp is imported only by runs that
        send over HTTP)."""
        import aiohttp
        from yarl import URL

        self._aiohttp, self._url = aiohttp, URL
        connector = aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=0)
        self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class HttpxTransport:
    """httpx as the client: for ASGI apps in-process (``httpx.ASGITransport``) or as
    a selectable backend over sockets."""

    def __init__(self, concurrency: int, transport: Any = None) -> None:
        import httpx

        self._client = httpx.AsyncClient(
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,
        )

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> RawResponse:
        import httpx

        try:
            with anyio.fail_after(timeout):  # the ASGI transport ignores httpx timeouts
                async with self._client.stream(
                    method, url, headers=headers, content=body, timeout=timeout
                ) as response:
                    data = await _read_limited(response)
        except httpx.ConnectTimeout as exc:  # no connection: nothing was sent
            raise Transient("timeout", maybe_applied=False) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise Transient("timeout") from exc
        except httpx.ConnectError as exc:
            raise Transient(type(exc).__name__, maybe_applied=False) from exc
        except (httpx.TransportError, ConnectionError) as exc:
            raise Transient(type(exc).__name__) from exc
        return RawResponse(
            response.status_code,
            data,
            response.headers.get("Location"),
            response.headers.get("Retry-After"),
            dict(response.headers),  # httpx's keys are lower-cased
        )

    async def aclose(self) -> None:
        await self._client.aclose()
