"""A ``given(...)`` call read: its overrides checked against the entity's names
(field names and their aliases, ``parent``, ``actor``) and resolved into pins — a
literal value, a link to an instance of this test's registry (a handle, or a real
id made in this test), or a specification (a dict, matched or created later)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from seeder.errors import GivenError, suggest
from seeder.providers.values import jsonable
from seeder.testing.blueprint import ACTOR, PARENT, Blueprint, EntityInfo
from seeder.testing.handles import Handle, Owner

__all__ = ["Link", "Lit", "Pin", "Request", "Session", "Spec", "describe", "read_request"]


class Session(Owner, Protocol):
    """What reading a call needs of the test's session: its blueprint and the
    handles it made (and, as their owner, what a handle asks)."""

    @property
    def bp(self) -> Blueprint: ...

    @property
    def handles(self) -> Sequence[Handle]: ...


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Link:
    entity: str
    index: int


@dataclass(frozen=True, slots=True)
class Spec:
    entity: str
    request: Request


Pin = Lit | Link | Spec


@dataclass(slots=True)
class Request:
    """One ``given(...)`` call's overrides, checked and resolved to pins."""

    fields: dict[str, Pin] = field(default_factory=dict)
    parent: Link | Spec | None = None
    actor: Link | None = None


def describe(entity: str, overrides: Mapping[str, Any], count: int | None = None) -> str:
    """``given('book', status='published')``, for messages."""
    args = [repr(entity)] + ([repr(count)] if count is not None else [])
    args += [f"{k}={v.key if isinstance(v, Handle) else repr(v)}" for k, v in overrides.items()]
    text = f"given{'.many' if count is not None else ''}({', '.join(args)})"
    return text if len(text) <= 160 else text[:157] + "...)"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def read_request(
    session: Session, info: EntityInfo, overrides: Mapping[str, Any], call: str
) -> Request:
    """A call's overrides, checked against the entity's names and resolved to pins."""
    request = Request()
    seen: dict[str, str] = {}
    em = info.model
    for name, value in overrides.items():
        target = info.names.get(name)
        if target is None:
            hint = suggest(name, info.names) or f"its fields are: {info.fields_hint()}"
            raise GivenError(f"{call}: {info.name} has no field {name!r}; {hint}")
        if target in seen:
            raise GivenError(
                f"{call}: {seen[target]}= and {name}= both set {info.name}.{target}; give one"
            )
        seen[target] = name
        if target == PARENT:
            assert em.parent is not None
            parent = _pin(session, em.parent, value, call, name, specs=True)
            if isinstance(parent, Lit):
                raise GivenError(f"{call}: {name}=None: a {info.name} always has a parent")
            request.parent = parent
        elif target == ACTOR:
            request.actor = _actor(session, value, call)
        elif (kind := em.kinds.get(target)) is not None and kind.target is not None:
            pin = _pin(session, kind.target, value, call, name, specs=target in info.refs)
            request.fields[target] = pin
        else:
            if isinstance(value, Handle):
                raise GivenError(
                    f"{call}: {info.name}.{target} takes a plain value, not a handle; "
                    f"pass one of its values (e.g. {name}={value.entity}.id)"
                )
            request.fields[target] = Lit(jsonable(value))
    actor = request.actor
    on_behalf_of_parent = em.spec.actor == PARENT and request.parent is None
    if actor is not None and on_behalf_of_parent and actor.entity == em.parent:
        request.parent = actor  # the command is sent by its parent: pin the parent
    return request


def _pin(session: Session, target: str, value: Any, call: str, name: str, *, specs: bool) -> Pin:
    if isinstance(value, Handle):
        return _own(session, value, target, call, name)
    if value is None:
        return Lit(None)
    if isinstance(value, Mapping) and specs:
        inner = read_request(session, session.bp.entities[target], value, call)
        if inner.actor is not None:
            raise GivenError(f"{call}: {name}=: actor cannot be part of a specification")
        return Spec(target, inner)
    identity = session.bp.entities[target].model.identity
    for handle in session.handles:
        if handle.entity == target and handle.id == value:
            return Link(target, handle.index)
    what = "a dict of its fields, " if specs else ""
    raise GivenError(
        f"{call}: {name}={value!r}: no {target} with {identity} {value!r} was made in "
        f"this test; pass {_a(target)} handle, {what}or make one first with "
        f"given({target!r})"
    )


def _own(session: Session, handle: Handle, target: str | None, call: str, name: str) -> Link:
    if not handle._made_by(session):
        raise GivenError(
            f"{call}: {name}={handle.key} was made by another test's given (each test "
            "has its own registry); make it in this test"
        )
    if target is not None and handle.entity != target:
        raise GivenError(
            f"{call}: {name}= expects {_a(target)} (a handle or a dict of {target} "
            f"fields), got the {handle.entity} handle {handle.key}"
        )
    return Link(handle.entity, handle.index)


def _actor(session: Session, value: Any, call: str) -> Link:
    if not isinstance(value, Handle):
        raise GivenError(
            f"{call}: actor= takes the handle of the entity the command is sent on "
            f"behalf of (e.g. actor=member), got {type(value).__name__}"
        )
    link = _own(session, value, None, call, ACTOR)
    if session.bp.entities[value.entity].credential is None:
        raise GivenError(
            f"{call}: actor={value.key}: the binding of {value.entity} captures no "
            "credential to act with; give its HttpBinding a credential=Credential(...)"
        )
    return link
