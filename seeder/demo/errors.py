"""The demo's one exception tree: a rejected command.

Every rule the service enforces raises a :class:`DomainError` carrying the HTTP
status and the JSON body the HTTP adapter answers, so the in-process and HTTP faces
of the service reject a command in exactly the same words. The body always names
the rule: ``{"error": "isbn_taken", "message": "ISBN ... already exists in tenant 3"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "IdempotencyKeyReused",
    "InvalidCommand",
    "NotFound",
    "RuleViolation",
    "Unauthenticated",
]


class DomainError(Exception):
    """A command was refused. ``status`` and ``body`` are what HTTP answers."""

    default_status: ClassVar[int] = 422

    def __init__(
        self,
        error: str,
        message: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.status: int = status if status is not None else self.default_status
        self.body: dict[str, Any] = {"error": error, "message": message}
        if details is not None:
            self.body["details"] = details
        self.headers: dict[str, str] = dict(headers or {})

    @property
    def error(self) -> str:
        """The rule's name, e.g. ``isbn_taken``."""
        return str(self.body["error"])

    @classmethod
    def replay(cls, status: int, body: Mapping[str, Any]) -> DomainError:
        """The rejection stored for an idempotency key, raised again on a retry."""
        exc = cls(str(body.get("error", "rejected")), str(body.get("message", "")), status=status)
        exc.body = dict(body)
        return exc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.body!r})"


class NotFound(DomainError):
    """Something the command refers to does not exist (404)."""

    default_status = 404


class Conflict(DomainError):
    """The command clashes with what exists: a taken key, a lent book (409)."""

    default_status = 409


class RuleViolation(DomainError):
    """The command breaks a domain rule (422)."""

    default_status = 422


class InvalidCommand(RuleViolation):
    """The command's fields are malformed (422, ``details`` lists each problem)."""


class IdempotencyKeyReused(RuleViolation):
    """An ``Idempotency-Key`` was sent again with a different command (422)."""


class Unauthenticated(DomainError):
    """No valid credential was presented (401)."""

    default_status = 401

    def __init__(self, error: str, message: str) -> None:
        super().__init__(error, message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    """The credential is valid but does not allow this command (403)."""

    default_status = 403
