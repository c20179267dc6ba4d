"""Commands and their bindings: the seam between a scenario and a service.

A *command* is a pydantic model of one application command (``PublishBook``): pure
data, no transport. A *binding* says how that command reaches a service: over HTTP
(method, path template, success statuses, where the new identity is, what credentials
to capture and how to present them) or in-process (a handler named by import path).
Bindings live next to the commands, in the project's ``commands/`` folder; this module
only defines their types, so the core never imports a service.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Binding",
    "Command",
    "Credential",
    "HttpBinding",
    "InProcessBinding",
    "bind",
    "binding_of",
]


class Command(BaseModel):
    """Base class of every command model.

    Unknown fields are refused, so a typo in a scenario or a binding fails early.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    __seeder_binding__: ClassVar[Binding | None] = None


@dataclass(frozen=True, slots=True)
class Credential:
    """A value captured from a response and presented on later commands sent on
    behalf of the entity that owns it (the *actor*).

    ``capture`` is a dotted path into the JSON response (``token`` or ``auth.token``);
    ``header``/``template`` say how it is presented: ``Authorization: Bearer {token}``.
    """

    name: str
    capture: str
    header: str = "Authorization"
    template: str = "Bearer {value}"
    secret: bool = True


@dataclass(frozen=True, slots=True)
class HttpBinding:
    """How a command is sent over HTTP.

    ``path`` is a template whose ``{field}`` names are taken from the command and
    removed from the body. ``identity`` is a dotted path into the JSON response
    (``id``, ``data.id``) or the literal ``"Location"`` for the Location header's last
    segment; ``captures`` are further response fields recorded for references
    (``number`` for a composite key). ``idempotent`` says whether the service honours
    ``Idempotency-Key``; without it a crashed run cannot safely re-send.
    """

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str
    success: tuple[int, ...] = (200, 201, 202, 204)
    identity: str | None = "id"
    captures: Mapping[str, str] = field(default_factory=dict)
    credential: Credential | None = None
    idempotent: bool = True

    def path_fields(self) -> tuple[str, ...]:
        """Names interpolated into the path template, in order."""
        return _path_fields(self.path)


@functools.lru_cache(maxsize=1024)
def _path_fields(path: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(path) if name is not None)


@dataclass(frozen=True, slots=True)
class InProcessBinding:
    """How a command is dispatched in-process: ``handler`` names a method of the
    target *application object* (``application.publish_book(command, credential=...)``),
    so a commands module never imports the service it targets. The method returns a
    mapping holding the identity and captured fields, as the HTTP response would.
    """

    handler: str


@dataclass(frozen=True, slots=True)
class Binding:
    """All the ways one command can be sent."""

    http: HttpBinding | None = None
    in_process: InProcessBinding | None = None


C = TypeVar("C", bound=type[Command])


def bind(*, http: HttpBinding | None = None, handler: str | None = None) -> Callable[[C], C]:
    """Class decorator attaching a binding to a command model."""

    def decorate(cls: C) -> C:
        cls.__seeder_binding__ = Binding(
            http=http, in_process=InProcessBinding(handler) if handler else None
        )
        return cls

    return decorate


def binding_of(command: type[Command]) -> Binding | None:
    """The binding attached to ``command`` by :func:`bind`, if any."""
    return command.__seeder_binding__
