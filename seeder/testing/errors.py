"""The errors a test sees: a mistake in a ``given(...)`` call or its configuration
(:class:`GivenError`, saying what, where and how to fix it), and the service
refusing a command (:class:`Rejected`, carrying the command, the status and the
service's own message)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seeder.errors import SeederError

__all__ = ["GivenError", "Rejected"]


class GivenError(SeederError):
    """A ``given(...)`` call, a handle or the test configuration is wrong; or a
    command could not be sent at all."""


class Rejected(GivenError):
    """The service refused a command that ``given`` sent.

    ``command`` is the command's name (``PublishBook``), ``status`` the service's
    status (HTTP, or the in-process exception's), ``message`` its own words,
    ``entity``/``key`` what was being made (``book``, ``book:2``) and ``fields`` the
    fields that were sent.
    """

    def __init__(
        self,
        command: str,
        status: int | None,
        message: str,
        *,
        entity: str,
        key: str,
        fields: Mapping[str, Any],
        call: str,
    ) -> None:
        self.command = command
        self.status = status
        self.message = message
        self.entity = entity
        self.key = key
        self.fields = dict(fields)
        shown = repr(self.fields)
        if len(shown) > 300:
            shown = shown[:297] + "..."
        super().__init__(
            f"{command} ({key}) was rejected with status {status}: {message}; "
            f"sent by {call} with fields {shown}"
        )
