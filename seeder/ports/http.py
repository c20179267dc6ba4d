"""The HTTP port: path templates, idempotency keys, credentials, retries.

Sending is split like httpx's transports: :class:`HttpPort` builds requests and
interprets answers; a *transport* (:mod:`seeder.ports.transports`) moves bytes.

Retried, with exponential backoff and jitter (or the server's Retry-After): network
errors, timeouts, 408/429/502/503/504; capped in attempts and in total time per
command. Other 4xx are the service's rejections: never retried, kept with its words.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import orjson
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from seeder.commands import HttpBinding
from seeder.errors import SeederError
from seeder.ports import Found, Outcome, Send, capture, error_message
from seeder.ports.health import Health
from seeder.ports.transports import (
    MAX_BODY_BYTES,
    AiohttpTransport,
    HttpxTransport,
    RawResponse,
    Transient,
    Transport,
)
from seeder.ports.wire import RequestShape, segment
from seeder.shapes import answer_path

__all__ = [
    "MAX_BODY_BYTES",
    "AiohttpTransport",
    "HttpPort",
    "HttpxTransport",
    "RawResponse",
    "RetryPolicy",
    "Transient",
    "Transport",
]

RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})


# statuses that say the request was not processed (RFC 9110 §15.5.9, §15.6.4; RFC 6585)
NOT_APPLIED_STATUSES = frozenset({408, 429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one command keeps trying. The defaults ride out a service restart
    of a minute (``total_seconds`` of retrying, waits up to ``maximum`` apart, so
    the service is found again within seconds of coming back); ``attempts`` caps
    the tries whatever the time."""

    attempts: int = 100
    total_seconds: float = 90.0
    initial: float = 0.05
    maximum: float = 5.0
    timeout: float = 10.0


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class HttpPort:
    """Sends commands over HTTP through a transport."""

    needs_values = True

    def __init__(
        self,
        base_url: str,
        transport: Transport,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        # the path is sent as given (transports must not re-normalise it: yarl would
        # turn /items/%2E%2E into /), so the base URL's own path is quoted once here
        base = urlsplit(base_url.rstrip("/"))
        self.base_url = urlunsplit(base._replace(path=quote(base.path, safe="/%:@!$&'()*+,;=~")))
        self.transport = transport
        self.headers = dict(headers or {})
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random(0)
        self.health = Health(self.policy.total_seconds)
        self._shapes: dict[int, RequestShape] = {}  # by binding

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.maximum)
        ceiling = min(self.policy.maximum, self.policy.initial * 2 ** (state.attempt_number - 1))
        return self._rng.uniform(0, ceiling)  # full jitter

    async def send(self, request: Send) -> Outcome:
        http = request.http
        if http is None:
            raise SeederError(
                f"command {request.item.command} has no HTTP binding; add "
                "http=HttpBinding(...) to its @bind in the commands module"
            )
        shape = self._shapes.get(id(http))
        if shape is None or shape.http is not http:
            shape = self._shapes[id(http)] = RequestShape(http)
        encoded = shape.encode(request.fields, request.item.idempotency_key)
        if isinstance(encoded, str):
            return Outcome(False, status=None, message=encoded)
        data = encoded.data
        headers = {
            **self.headers,
            **encoded.headers,
            "Idempotency-Key": request.item.idempotency_key,
        }
        if request.credential is not None:
            cred, value = request.credential
            headers[cred.header] = cred.template.format(value=value)
        url = self.base_url + encoded.target
        timeout = http.timeout  # the binding's, or the policy's (--timeout)
        try:  # the fast path: most commands succeed at the first attempt
            raw = await self._attempt(http.method, url, headers, data, timeout)
            attempts, retries = 1, dict[str, int]()
        except Transient as first:
            if not http.idempotent and first.maybe_applied:
                return _uncertain(first, 1, {})
            outcome_or_raw = await self._retry(
                http.method, url, headers, data, first, bool(http.idempotent), timeout
            )
            if isinstance(outcome_or_raw, Outcome):
                return outcome_or_raw
            raw, attempts, retries = outcome_or_raw
        assert raw is not None
        parsed = _json(raw.body)
        if raw.status in http.success:
            return Outcome(
                True,
                capture(http, http.credential, parsed, raw.location, raw.headers),
                status=raw.status,
                attempts=attempts,
                retries_by_reason=retries,
            )
        return Outcome(
            False,
            status=raw.status,
            message=error_message(parsed, raw.body[:300].decode(errors="replace")),
            attempts=attempts,
            retries_by_reason=retries,
        )

    async def look_up(self, request: Send) -> Found:
        """Runs the binding's lookup for ``request`` (see :class:`seeder.Lookup`)."""
        http = request.http
        lookup = http.lookup if http is not None else None
        if http is None or lookup is None:
            return Found(None, settled=False, message="its binding declares no lookup")
        fields = request.fields
        unknown = next((name for name in lookup.fields() if fields.get(name) is None), None)
        if unknown is not None:
            return Found(None, settled=False, message=f"no value to look up by ({unknown})")
        params = {param: fields[name] for param, name in lookup.query.items()}
        path = lookup.path.format_map({n: segment(fields.get(n)) for n in lookup.path_fields()})
        query = urlencode({k: _query_value(v) for k, v in params.items()})
        url = self.base_url + path + (f"?{query}" if query else "")
        headers = dict(self.headers)
        if request.credential is not None:
            cred, value = request.credential
            headers[cred.header] = cred.template.format(value=value)
        data = b""
        if lookup.method == "POST":  # a search: it changes nothing, so it is retried
            data = json.dumps(lookup.filled_body(fields), default=str).encode()
            headers["Content-Type"] = "application/json"
        try:
            raw = await self._attempt(lookup.method, url, headers, data, http.timeout)
        except Transient as first:
            answer = await self._retry(lookup.method, url, headers, data, first, True, http.timeout)
            if isinstance(answer, Outcome):
                return Found(None, settled=False, message=f"the lookup failed: {answer.message}")
            raw = answer[0]
        return _found(http, fields, raw)

    async def _retry(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        data: bytes,
        first: Transient,
        idempotent: bool = True,
        timeout: float | None = None,
    ) -> Outcome | tuple[RawResponse, int, dict[str, int]]:
        """Attempts 2..n with backoff; the outcome when giving up."""
        retries = {first.reason: 1}
        attempts = 1
        policy, health = self.policy, self.health
        if policy.attempts <= 1:  # tenacity makes one attempt before it consults its stop
            health.gave_up(first.reason)
            return _gave_up(first, attempts, retries, policy)
        health.retrying += 1
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(policy.attempts - 1)
                | stop_after_delay(policy.total_seconds),
                wait=self._wait,
                retry=retry_if_exception_type(Transient),
                reraise=True,
                before=self._first_wait(first),
            ):
                with attempt:
                    attempts += 1
                    try:
                        raw = await self._attempt(method, url, headers, data, timeout)
                    except Transient as exc:
                        if not idempotent and exc.maybe_applied:
                            return _uncertain(exc, attempts, retries)
                        retries[exc.reason] = retries.get(exc.reason, 0) + 1
                        raise
                    return raw, attempts, retries
        except Transient as exc:
            health.gave_up(exc.reason)
            return _gave_up(exc, attempts, retries, policy)
        finally:
            health.retrying -= 1
        raise AssertionError("unreachable")  # pragma: no cover

    def _first_wait(self, first: Transient) -> Any:
        """Sleeps before the second attempt as the first failure asks."""
        done = [False]

        async def before(state: RetryCallState) -> None:
            if not done[0]:
                done[0] = True
                delay = first.retry_after
                if delay is None:
                    delay = self._rng.uniform(0, self.policy.initial)
                await asyncio.sleep(min(delay, self.policy.maximum))

        return before

    async def _attempt(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        data: bytes,
        timeout: float | None = None,
    ) -> RawResponse:
        try:
            raw = await self.transport.request(
                method, url, headers, data, timeout or self.policy.timeout
            )
        except Transient as exc:
            self.health.failed(exc.reason)
            raise
        if raw.status in RETRY_STATUSES:
            self.health.failed(f"HTTP {raw.status}")
            raise Transient(
                f"HTTP {raw.status}",
                _retry_after(raw.retry_after),
                raw,
                maybe_applied=raw.status not in NOT_APPLIED_STATUSES,
            )
        self.health.answers += 1
        return raw

    async def aclose(self) -> None:
        await self.transport.aclose()


def _gave_up(
    exc: Transient, attempts: int, retries: dict[str, int], policy: RetryPolicy
) -> Outcome:
    """Retries exhausted: the last failure (not retried), with the service's words.
    The message names the limit reached, not this command's own count and time (the
    outcome keeps its attempts), so that an outage's failures read as one line."""
    retries[exc.reason] -= 1  # the last failure was not retried
    if policy.attempts <= 1:
        message = "not retried (--retry-for 0):"
    elif attempts >= policy.attempts:
        message = f"gave up after {attempts} attempts:"
    else:
        message = f"gave up after retrying for {policy.total_seconds:g}s:"
    if exc.response is not None:
        body = exc.response.body
        message += " " + error_message(_json(body), body[:200].decode(errors="replace"))
    return Outcome(
        False,
        status=exc.response.status if exc.response else None,
        message=f"{message} ({exc.reason})",
        retryable=True,
        attempts=attempts,
        retries_by_reason=retries,
    )


def _uncertain(exc: Transient, attempts: int, retries: dict[str, int]) -> Outcome:
    return Outcome(
        False,
        status=exc.response.status if exc.response else None,
        message=f"outcome unknown ({exc.reason}): the command may have been applied, and "
        "its service does not honour Idempotency-Key, so it was not sent again",
        retryable=True,
        attempts=attempts,
        retries_by_reason=retries,
        uncertain=True,
    )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _found(http: HttpBinding, fields: Mapping[str, Any], raw: RawResponse) -> Found:
    """The lookup's answer read: one entity with the command's values is found."""
    lookup = http.lookup
    assert lookup is not None
    body = _json(raw.body)
    if lookup.items is None and raw.status == 404:
        return Found(None)
    if not 200 <= raw.status < 300:
        words = error_message(body, raw.body[:200].decode(errors="replace"))
        return Found(None, settled=False, message=f"the lookup answered {raw.status}: {words}")
    if lookup.items is None:
        matches: Any = [body]
    else:
        matches = answer_path(lookup.items).read(body) if lookup.items else body
        if matches is None and lookup.omits_empty and isinstance(body, Mapping):
            matches = []  # the service leaves an empty list out of its answer
    if not isinstance(matches, list) or not all(isinstance(m, Mapping) for m in matches):
        return Found(
            None, settled=False, message=f"the lookup's answer has no list at {lookup.items!r}"
        )
    if not matches:
        return Found(None)
    if len(matches) > 1:
        return Found(None, settled=False, message=f"the lookup found {len(matches)} matches")
    entity = matches[0]
    differs = [
        name
        for name, value in fields.items()
        if name in entity and json.loads(json.dumps(value, default=str)) != entity[name]
    ]
    if differs:
        return Found(
            None,
            settled=False,
            message=f"the lookup found an entity with other values ({', '.join(differs[:3])})",
        )
    return Found(_captured_in_entity(http, entity))


def _captured_in_entity(http: HttpBinding, entity: Mapping[str, Any]) -> dict[str, Any]:
    """The identity and captures of an entity found, read where the lookup says
    they are in it (the binding's own paths otherwise), under the names the
    binding's answer gives them (the plan's placeholders use those names)."""
    lookup = http.lookup
    assert lookup is not None
    identity = lookup.identity or http.identity
    if identity == http.identity and not lookup.captures:
        return capture(http, None, entity)
    reading = dataclasses.replace(
        http, identity=identity, captures={**http.captures, **lookup.captures}
    )
    captured = capture(reading, None, entity)
    if identity != http.identity and identity is not None and http.identity is not None:
        named = "id" if http.identity == "Location" else http.identity
        captured[named] = captured.pop(identity)
    return captured


def _json(body: bytes) -> Any:
    if not body:
        return None
    if len(body) <= 65536:  # the usual answer (orjson's buffers for a broken megabyte: ~16 MB)
        try:
            return orjson.loads(body)  # a few times the standard decoder
        except ValueError:
            pass
    try:
        return json.loads(body)  # what orjson refuses: numbers past 64 bits, UTF-16
    except ValueError:
        return None
