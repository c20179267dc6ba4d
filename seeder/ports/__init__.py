"""Ports: the one interface the executor sends through, like httpx's transports.

A port takes a :class:`Send` (a plan item with its placeholders resolved) and
returns an :class:`Outcome`. Adapters: HTTP (aiohttp for bulk sending, httpx for
ASGI apps in-process), in-process dispatch to an application object, and the feed
(the command log writer). One contract test suite runs against every adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from seeder.commands import Credential, HttpBinding, InProcessBinding
from seeder.plan.items import PlanItem
from seeder.ports.rejections import error_message
from seeder.shapes import answer_path

__all__ = ["Found", "LooksUp", "Outcome", "Port", "Send", "capture", "error_message"]


@dataclass(slots=True)
class Send:
    """One command ready to go: ``fields`` has every placeholder filled."""

    item: PlanItem
    fields: dict[str, Any]
    http: HttpBinding | None
    in_process: InProcessBinding | None
    credential: tuple[Credential, str] | None = None


@dataclass(slots=True)
class Outcome:
    """What happened. ``ok``: done, with ``captured`` values (the identity and the
    binding's captures). Not ok: ``retryable`` tells a transient failure (retries
    exhausted) from a domain rejection; ``status`` and ``message`` carry the
    service's own answer. ``uncertain``: the command may have been applied (a
    timeout, a lost answer) and its service does not honour idempotency keys, so it
    was not sent again."""

    ok: bool
    captured: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    message: str = ""
    retryable: bool = False
    attempts: int = 1
    retries_by_reason: dict[str, int] = field(default_factory=dict)
    uncertain: bool = False


class Port(Protocol):
    """Sends commands to a service.

    ``needs_values``: whether the port sends values (placeholders filled from the
    service's earlier answers, an actor's credential attached); False for a port
    that records items as planned (the feed), which the executor then gives the
    plan's own bodies and placeholders.
    """

    needs_values: bool

    async def send(self, request: Send) -> Outcome: ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class Found:
    """What a binding's lookup said about a command's entity: ``captured`` (its
    identity and captures) when found; None and ``settled`` when the service has
    no such entity; ``settled`` False when the lookup could not tell (no answer,
    several matches, an entity with other values), said in ``message``."""

    captured: dict[str, Any] | None
    settled: bool = True
    message: str = ""


@runtime_checkable
class LooksUp(Protocol):
    """A port that can run a binding's lookup (HTTP)."""

    async def look_up(self, request: Send) -> Found: ...


MAX_CAPTURE_BYTES = 1 << 20


def capture(
    http: HttpBinding | None,
    credential: Credential | None,
    body: Any,
    location: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The values to remember from a successful answer: the identity, the binding's
    captures and the credential, each read where the binding says
    (:func:`seeder.shapes.answer_path`: a body path, a header, the Location header's
    last segment). Without a binding, the answer's top-level scalars are kept
    (replay). ``headers`` are the answer's, by lower-cased name."""
    captured: dict[str, Any] = {}
    if http is None or (http.identity is None and not http.captures and credential is None):
        if isinstance(body, Mapping):
            captured.update(
                (k, v) for k, v in body.items() if isinstance(v, str | int | float | bool)
            )
        return captured
    if location is not None and (headers is None or "location" not in headers):
        headers = {**(headers or {}), "location": location}
    for name, path in http.answer_paths().items():
        if credential is None and http.credential is not None and name == http.credential.name:
            continue
        captured["id" if name == "Location" else name] = path.read(body, headers)
    if credential is not None and credential is not http.credential:
        captured[credential.name] = answer_path(credential.capture).read(body, headers)
    return captured
