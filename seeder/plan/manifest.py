"""The command log's manifest: what a load engine needs to send a log without the
commands module. Written as the first line of a JSONL log (``{"seeder_log": 2,
...}``) and as ``manifest.json`` beside a CSV log's files.

Per command type, its binding as data: method, path template and the fields that
fill it, query and header fields, body shape (wire names, envelope or template,
encoding), success statuses, where the identity and captures are in the answer,
how a credential is presented (header and scheme: never a value), the idempotency
header. Per entity: its command, and the fields a ``--nonce`` varies (client-chosen
identities and unique values, and what is copied from them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from seeder.commands import Credential, HttpBinding
from seeder.errors import BindingError, SeederError

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = [
    "FORMAT",
    "IDEMPOTENCY_HEADER",
    "binding_from_record",
    "binding_record",
    "is_manifest",
    "manifest_of",
    "vary_fields",
]

FORMAT = 2  # version 1: logs without a manifest (method and path per line only)
IDEMPOTENCY_HEADER = "Idempotency-Key"


def binding_record(http: HttpBinding) -> dict[str, Any]:
    """One binding as JSON data, in a fixed key order (no secret: a credential is its
    capture path, header and scheme)."""
    cred = http.credential
    return {
        "method": http.method,
        "path": http.path,
        "path_fields": list(http.path_fields()),
        "query": dict(cast(Mapping[str, str], http.query)),
        "headers": dict(cast(Mapping[str, str], http.headers)),
        "wire": dict(http.wire),
        "envelope": http.envelope,
        "body": http.body,
        "encoding": http.encoding,
        "success": list(http.success),
        "identity": http.identity,
        "captures": dict(http.captures),
        "credential": None
        if cred is None
        else {
            "name": cred.name,
            "capture": cred.capture,
            "header": cred.header,
            "scheme": cred.template,
        },
        "idempotent": bool(http.idempotent),
        "idempotency_header": IDEMPOTENCY_HEADER,
        "timeout": http.timeout,
    }


def binding_from_record(record: Mapping[str, Any], where: str) -> HttpBinding:
    """The binding a manifest describes; a mistake in it is said at ``where``."""
    try:
        cred = record.get("credential")
        credential = (
            None
            if cred is None
            else Credential(
                name=str(cred["name"]),
                capture=str(cred["capture"]),
                header=str(cred.get("header", "Authorization")),
                template=str(cred.get("scheme", "Bearer {value}")),
            )
        )
        return HttpBinding(
            method=str(record["method"]).upper(),  # type: ignore[arg-type]
            path=str(record["path"]),
            success=tuple(int(s) for s in record.get("success") or (200, 201, 202, 204)),
            identity=record.get("identity"),
            captures=dict(record.get("captures") or {}),
            credential=credential,
            idempotent=bool(record.get("idempotent", True)),
            body=record.get("body"),
            envelope=record.get("envelope"),
            wire=dict(record.get("wire") or {}),
            query=dict(record.get("query") or {}),
            headers=dict(record.get("headers") or {}),
            encoding=record.get("encoding") or "json",
            timeout=record.get("timeout"),
            defined_at=None,
        )
    except BindingError as exc:
        raise SeederError(f"{where}: {exc}; fix the log's manifest") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SeederError(
            f"{where}: a binding of the manifest is malformed ({exc!r}); write the log "
            "again with 'seeder plan'"
        ) from None


def is_manifest(record: object) -> bool:
    return isinstance(record, dict) and "seeder_log" in record


def manifest_of(model: Model, reads: Mapping[str, HttpBinding] | None = None) -> dict[str, Any]:
    """The manifest of ``model``'s log (``reads``: the read requests' bindings, by
    their command name)."""
    commands: dict[str, Any] = {}
    entities: dict[str, Any] = {}
    vary = vary_fields(model)
    for name in model.order:
        em = model.entities[name]
        command = em.command.__name__
        if em.http is not None and command not in commands:
            commands[command] = binding_record(em.http)
        entities[name] = {"command": command, "vary": vary.get(name, [])}
    for command, http in (reads or {}).items():
        commands[command] = {**binding_record(http), "read": True}
    return {
        "seeder_log": FORMAT,
        "scenario_fingerprint": model.fingerprint,
        "seed": model.scenario.seed,
        "placeholder": "ENTITY:N.ATTR (a value of an earlier answer)",
        "commands": commands,
        "entities": entities,
    }


def vary_fields(model: Model) -> dict[str, list[str]]:
    """Per entity, the literal fields whose values a ``--nonce`` must change so the
    same log can be sent again without conflicts: a unique provider's values, a
    unique group without references, the identity when the client chooses it, and
    fields copied from any of those (``from: parent.centre_code``)."""
    roots: dict[str, set[str]] = {}
    for name, em in model.entities.items():
        literal = {f for f in em.body_fields if not em.kinds.get(f) or not em.kinds[f].is_ref}
        chosen: set[str] = set()
        for f in literal:
            provider = em.providers.get(f)
            if provider is not None and getattr(provider, "unique", False):
                chosen.add(f)
        for group in em.unique:
            if all(f in literal for f in group):
                chosen.update(group)
        if not em.identity_captured and em.identity in literal:
            chosen.add(em.identity)
        roots[name] = chosen
    changed = True
    while changed:  # copies of varied values vary the same way
        changed = False
        for name, em in model.entities.items():
            for f in em.body_fields:
                origin = _origin(model, name, f)
                varied = origin is not None and origin[1] in roots.get(origin[0], set())
                if varied and f not in roots[name]:
                    roots[name].add(f)
                    changed = True
    return {name: sorted(fields) for name, fields in roots.items() if fields}


def _origin(model: Model, entity: str, f: str) -> tuple[str, str] | None:
    """Where a literal field's value is copied from (entity, field), if it is: a
    reference's ``field:`` or ``from: parent.centre_code``."""
    from seeder.providers.references import From

    em = model.entities[entity]
    kind = em.kinds.get(f)
    if kind is not None and kind.target is not None:
        return None if kind.captured or kind.attr is None else (kind.target, kind.attr)
    provider = em.providers.get(f)
    if not isinstance(provider, From):
        return None
    hops = provider.hops()
    target, kinds = entity, em.kinds
    while hops:
        step = kinds.get(hops[0])
        if step is None or step.target is None:
            return None
        if len(hops) == 1:
            return None if step.captured or step.attr is None else (step.target, step.attr)
        target, hops = step.target, hops[1:]
        if len(hops) == 1:
            return target, hops[0]
        kinds = model.entities[target].kinds
    return None
