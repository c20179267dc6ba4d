"""Recovery without idempotency keys: settling what may have been applied, and
getting a credential back.

A command whose service does not honour ``Idempotency-Key`` and whose answer was
lost (a timeout, a dropped connection, a crash of seeder itself) may or may not
have been applied. When its binding declares a :class:`~seeder.Lookup`, it is
*settled* instead of left uncertain: looked up by its natural key — found, it is
done with its real id; not found, it is sent again, and a resend that meets the
binding's :class:`~seeder.Adopt` conflict answer adopts the entity the lookup then
finds. The report says how each one was settled.

Two waits guard against a lookup that cannot see yet what was applied. On resume,
a command the killed run sent may still be in the service's queue: an item the
lookup does not find is looked up once more before it is sent again, no sooner
than one request timeout after the journal was last written (a request the
killed run sent cannot take longer than that without having been given up). And
a conflict answer says the entity exists, so the lookup that adopts it is tried
a few times, with backoff, for a read side that lags behind its writes.

Credentials are never journaled; a :class:`~seeder.Credential` with a ``login``
command gets a holder's credential back by sending that command with the holder's
own fields (the secret its plan drew) — on resume, and after a holder was found
rather than created.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from typing import Any

import anyio

from seeder.commands import Credential, HttpBinding, binding_of
from seeder.plan.items import PlanItem
from seeder.ports import Found, LooksUp, Outcome, Port, Send

__all__ = ["ADOPTED", "FOUND", "RESENT", "UNSETTLED", "Recovery"]

# how an uncertain item was settled (the report's words)
FOUND = "found"  # the lookup found it: it had been applied
RESENT = "resent"  # the lookup found nothing: sent again, and applied
ADOPTED = "adopted"  # sent again, it met its conflict answer: the lookup found it
UNSETTLED = "unsettled"  # the lookup could not tell: left uncertain

ROUNDS = 3  # lookups then resends of one command whose answers keep getting lost
ADOPT_WAITS = (0.25, 0.5, 1.0, 2.0)  # seconds between lookups of an entity a conflict says exists


class Recovery:
    def __init__(self, port: Port) -> None:
        self._looks_up = port if isinstance(port, LooksUp) else None
        self._port = port
        self.settle: set[str] = set()  # uncertain in the run resumed: look up first
        self.quiet_until = 0.0  # monotonic: the killed run's requests are over by then
        self._logins: dict[int, HttpBinding] = {}

    def recoverable(self, http: HttpBinding | None) -> bool:
        return http is not None and http.lookup is not None and self._looks_up is not None

    async def look_up(self, request: Send) -> Found:
        assert self._looks_up is not None
        return await self._looks_up.look_up(request)

    async def look_up_after_quiet(self, request: Send, found: Found) -> Found:
        """Not found on resume: once the killed run's requests are surely over,
        looked up again (a request still queued in the service has landed by then)."""
        wait = self.quiet_until - time.monotonic()
        if wait <= 0:
            return found
        await anyio.sleep(wait)
        return await self.look_up(request)

    async def look_up_existing(self, request: Send) -> Found:
        """The entity a conflict answer says exists, for a read side that lags."""
        found = await self.look_up(request)
        for wait in ADOPT_WAITS:
            if found.captured is not None or not found.settled:
                break
            await anyio.sleep(wait)
            found = await self.look_up(request)
        return found

    @staticmethod
    def adopts(http: HttpBinding, outcome: Outcome) -> bool:
        """Whether a rejection is the binding's conflict answer (the entity exists)."""
        adopt = http.adopt
        if adopt is None or outcome.ok or outcome.status not in adopt.statuses:
            return False
        return adopt.message is None or adopt.message.lower() in outcome.message.lower()

    async def log_in(self, request: Send, cred: Credential) -> tuple[Any, str]:
        """The holder's credential from its login command (None and why when the
        login is refused)."""
        assert cred.login is not None
        http = self._login_binding(cred)
        names = cred.login.model_fields
        fields = {n: request.fields[n] for n in names if n in request.fields}
        item = request.item
        login = PlanItem(
            seq=item.seq,
            key=item.key,
            entity=item.entity,
            command=cred.login.__name__,
            body=fields,
            refs={},
            deps=[],
            actor=None,
            # a log-in is a new one each time (a stored answer would hold a revoked token)
            idempotency_key=f"{item.idempotency_key}-login-{secrets.token_hex(8)}",
        )
        outcome = await self._port.send(Send(login, fields, http, None))
        value = outcome.captured.get(cred.name) if outcome.ok else None
        if value is None:
            why = (
                f"its answer had nothing at {cred.capture!r}"
                if outcome.ok
                else f"{outcome.status}: {outcome.message[:200]}"
            )
            return None, f"the login {cred.login.__name__} gave no {cred.name} ({why})"
        return value, ""

    def _login_binding(self, cred: Credential) -> HttpBinding:
        """The login's binding, capturing the credential at its ``capture`` path."""
        http = self._logins.get(id(cred))
        if http is None:
            assert cred.login is not None
            bound = binding_of(cred.login)
            assert bound is not None and bound.http is not None  # checked by Credential
            http = dataclasses.replace(
                bound.http, identity=None, captures={cred.name: cred.capture}, credential=None
            )
            self._logins[id(cred)] = http
        return http
