"""The application object: the service's in-process face.

One method per command, named as the commands' in-process bindings name them
(``publish_book``), each taking the command's whole field mapping and returning the
same JSON body HTTP answers. :meth:`Application.dispatch` does the work common to
every command: validation, the ``Idempotency-Key`` contract, one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from seeder.demo.application.energy import HANDLERS as ENERGY
from seeder.demo.application.library import HANDLERS as LIBRARY
from seeder.demo.application.queries import Queries
from seeder.demo.application.school import HANDLERS as SCHOOL
from seeder.demo.application.unit_of_work import Handler, UnitOfWork
from seeder.demo.errors import Conflict, DomainError, IdempotencyKeyReused, InvalidCommand
from seeder.demo.storage.sql import Database, UniqueViolation

__all__ = ["HANDLERS", "SUCCESS_STATUS", "Application"]

HANDLERS: dict[str, Handler] = {**LIBRARY, **SCHOOL, **ENERGY}
SUCCESS_STATUS = 201  # every command creates something
Payload = Mapping[str, Any]


class Application:
    def __init__(self, database: Database) -> None:
        self._db = database
        self.queries = Queries(database)

    def dispatch(
        self,
        name: str,
        payload: Payload,
        *,
        credential: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Validate and apply command ``name``; return its response body.

        With ``idempotency_key``, the outcome (a body, or a rejection) is stored with
        the key in the same transaction; the same key with the same command returns
        it again without applying anything, with another command it is refused.
        """
        handler = HANDLERS[name]
        command = _validate(name, handler, payload)
        fields = command.model_dump(mode="json")
        fingerprint = _fingerprint(name, fields)
        rejection: DomainError | None = None
        with self._db.transaction() as sql:
            uow = UnitOfWork(sql)
            if idempotency_key is not None:
                stored = uow.idempotency.claim(idempotency_key, fingerprint)
                if stored is not None:
                    if stored.fingerprint != fingerprint:
                        raise IdempotencyKeyReused(
                            "idempotency_key_reused",
                            f"Idempotency-Key {idempotency_key!r} was already used for "
                            "another command or other fields; use a new key per command",
                        )
                    if stored.status >= 400:
                        raise DomainError.replay(stored.status, stored.body)
                    return stored.body
            try:
                with sql.savepoint():
                    body = handler.run(uow, command, credential)
            except UniqueViolation as exc:  # lost a race to a concurrent command
                rule = exc.constraint or "conflict"
                rejection = Conflict(rule, f"{name}: a concurrent command got there first: {exc}")
            except DomainError as exc:
                rejection = exc
            if idempotency_key is not None:
                status, stored_body = (
                    (SUCCESS_STATUS, body)
                    if rejection is None
                    else (rejection.status, rejection.body)
                )
                uow.idempotency.store(idempotency_key, status, stored_body)
        if rejection is not None:
            raise rejection
        return body

    def counts(self) -> dict[str, int]:
        """How many of each entity exist (``GET /_counts``)."""
        return self.queries.counts()

    def close(self) -> None:
        self._db.close()

    # One method per command (the names the in-process bindings use).

    def create_tenant(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "create_tenant", payload, credential=credential, idempotency_key=idempotency_key
        )

    def register_author(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "register_author", payload, credential=credential, idempotency_key=idempotency_key
        )

    def publish_book(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "publish_book", payload, credential=credential, idempotency_key=idempotency_key
        )

    def register_member(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "register_member", payload, credential=credential, idempotency_key=idempotency_key
        )

    def remove(
        self, name: str, payload: Payload, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """A removal (``remove_book``...): the HTTP adapter's ``DELETE`` endpoints."""
        return self.dispatch(name, payload, idempotency_key=idempotency_key)

    def log_in_member(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "log_in_member", payload, credential=credential, idempotency_key=idempotency_key
        )

    def borrow_book(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "borrow_book", payload, credential=credential, idempotency_key=idempotency_key
        )

    def create_school(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "create_school", payload, credential=credential, idempotency_key=idempotency_key
        )

    def hire_staff(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "hire_staff", payload, credential=credential, idempotency_key=idempotency_key
        )

    def create_class(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "create_class", payload, credential=credential, idempotency_key=idempotency_key
        )

    def enrol_student(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "enrol_student", payload, credential=credential, idempotency_key=idempotency_key
        )

    def add_parent(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "add_parent", payload, credential=credential, idempotency_key=idempotency_key
        )

    def add_emergency_contact(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "add_emergency_contact", payload, credential=credential, idempotency_key=idempotency_key
        )

    def record_enrolment(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "record_enrolment", payload, credential=credential, idempotency_key=idempotency_key
        )

    def register_customer(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "register_customer", payload, credential=credential, idempotency_key=idempotency_key
        )

    def install_meter(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "install_meter", payload, credential=credential, idempotency_key=idempotency_key
        )

    def record_reading(
        self, payload: Payload, *, credential: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.dispatch(
            "record_reading", payload, credential=credential, idempotency_key=idempotency_key
        )


def _validate(name: str, handler: Handler, payload: Payload) -> Any:
    try:
        return handler.model.model_validate(dict(payload))
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(part) for part in err["loc"]), "problem": err["msg"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        summary = "; ".join(f"{d['field'] or '(body)'}: {d['problem']}" for d in details)
        raise InvalidCommand("invalid_command", f"{name}: {summary}", details=details) from exc


def _fingerprint(name: str, fields: Mapping[str, Any]) -> str:
    text = json.dumps({"command": name, "fields": fields}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
