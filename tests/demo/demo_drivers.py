"""Two ways to send a command to the demo, behind one interface, so every rule is
tested through HTTP on loopback and through the in-process application object.

Both drivers route by the command's binding in ``commands/`` (the HTTP method,
path template and identity, or the in-process handler name), exactly as the seeder
does, so these tests also prove that the bindings and the service agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from seeder.commands import Command, binding_of
from seeder.demo.application.service import Application
from seeder.demo.errors import DomainError


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


class Driver(Protocol):
    name: str

    def send_raw(
        self,
        command: type[Command],
        payload: Mapping[str, Any],
        *,
        token: str | None = None,
        key: str | None = None,
    ) -> Reply: ...

    def counts(self) -> dict[str, int]: ...


def send(
    driver: Driver, command: Command, *, token: str | None = None, key: str | None = None
) -> Reply:
    """Send a valid command model as the seeder's ports do (``model_dump(mode="json")``)."""
    return driver.send_raw(type(command), command.model_dump(mode="json"), token=token, key=key)


def ok(driver: Driver, command: Command, *, token: str | None = None) -> dict[str, Any]:
    """Send ``command``; it must succeed with the binding's status and identity."""
    reply = send(driver, command, token=token)
    binding = binding_of(type(command))
    assert binding is not None and binding.http is not None
    assert reply.status in binding.http.success, (type(command).__name__, reply)
    assert binding.http.identity is not None and binding.http.identity in reply.body, reply
    for captured in binding.http.captures.values():
        assert captured in reply.body, (captured, reply.body)
    body: dict[str, Any] = reply.body
    return body


class InProcessDriver:
    name = "in-process"

    def __init__(self, application: Application) -> None:
        self.application = application

    def send_raw(
        self,
        command: type[Command],
        payload: Mapping[str, Any],
        *,
        token: str | None = None,
        key: str | None = None,
    ) -> Reply:
        binding = binding_of(command)
        assert binding is not None and binding.in_process is not None
        method = getattr(self.application, binding.in_process.handler)
        try:
            body = method(dict(payload), credential=token, idempotency_key=key)
        except DomainError as exc:
            return Reply(exc.status, exc.body, exc.headers)
        return Reply(201, body)

    def counts(self) -> dict[str, int]:
        return self.application.counts()


class HttpDriver:
    name = "http"

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def send_raw(
        self,
        command: type[Command],
        payload: Mapping[str, Any],
        *,
        token: str | None = None,
        key: str | None = None,
    ) -> Reply:
        binding = binding_of(command)
        assert binding is not None and binding.http is not None
        http = binding.http
        in_path = http.path_fields()
        path = http.path.format(**{name: payload[name] for name in in_path})
        body = {k: v for k, v in payload.items() if k not in in_path}
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        response = self.client.request(http.method, path, json=body, headers=headers)
        return Reply(response.status_code, response.json(), response.headers)

    def counts(self) -> dict[str, int]:
        response = self.client.get("/_counts")
        assert response.status_code == 200
        counts: dict[str, int] = response.json()
        return counts
