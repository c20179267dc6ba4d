"""Bindings as the executor uses them: how each command is sent (HTTP, in-process),
and which credential each entity's answer holds. Built from a model's command
classes, or learnt from a replayed command log's methods and paths."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from seeder.commands import HTTP_METHODS, Credential, HttpBinding, InProcessBinding, binding_of
from seeder.errors import SeederError
from seeder.plan.items import PlanItem, split_key

if TYPE_CHECKING:
    from seeder.model import Model
    from seeder.run.results import Results

__all__ = ["HTTP_METHODS", "Binding", "Bindings"]


@dataclass(frozen=True, slots=True)
class Binding:
    http: HttpBinding | None
    in_process: InProcessBinding | None


class Bindings:
    """How each command is sent, and which credential each entity's answer holds."""

    def __init__(self) -> None:
        self.by_command: dict[str, Binding] = {}
        self.credential_of_entity: dict[str, Credential] = {}

    @classmethod
    def of_model(cls, model: Model) -> Bindings:
        bindings = cls()
        for name, em in model.entities.items():
            binding = binding_of(em.command)
            http = binding.http if binding else None
            bindings.by_command[em.command.__name__] = Binding(
                http, binding.in_process if binding else None
            )
            if http is not None and http.credential is not None:
                bindings.credential_of_entity[name] = http.credential
        return bindings

    @classmethod
    def of_manifest(cls, manifest: Mapping[str, Any], where: str) -> Bindings:
        """The bindings a command log's manifest describes (no commands module)."""
        from seeder.plan.manifest import binding_from_record

        bindings = cls()
        commands = manifest.get("commands")
        entities = manifest.get("entities")
        if not isinstance(commands, Mapping) or not isinstance(entities, Mapping):
            raise SeederError(f"{where}: the manifest has no commands or entities; write it again")
        for command, record in commands.items():
            http = binding_from_record(record, f"{where} (command {command})")
            bindings.by_command[str(command)] = Binding(http, None)
        for entity, info in entities.items():
            binding = bindings.by_command.get(str(info.get("command")))
            if binding is not None and binding.http is not None and binding.http.credential:
                bindings.credential_of_entity[str(entity)] = binding.http.credential
        return bindings

    def actor_credential(
        self, item: PlanItem, results: Results
    ) -> tuple[Credential, object | None] | None:
        """The credential ``item`` is sent with (its actor's), and the value the
        actor's answer gave it (None: not there); None when it is sent as nobody."""
        if item.actor is None:
            return None
        entity, n = split_key(item.actor)
        cred = self.credential_of_entity.get(entity)
        if cred is None:
            return None
        return cred, results.value(entity, n, cred.name)

    def for_item(
        self, item: PlanItem, method: str | None = None, path: str | None = None
    ) -> Binding:
        binding = self.by_command.get(item.command)
        if binding is None and method and path:  # a replayed log without its commands
            verb = method.upper()
            if verb not in HTTP_METHODS:
                raise SeederError(
                    f"{item.key}: method {method!r} is not one of "
                    f"{', '.join(HTTP_METHODS)}; fix the command log"
                )
            http = HttpBinding(cast(Any, verb), path, identity=None)
            binding = self.by_command[item.command] = Binding(http, None)
        return binding or Binding(None, None)

    def learn(self, item: PlanItem, method: str | None, path: str | None) -> None:
        """Registers a replayed item's method and path (a log without its commands)."""
        self.for_item(item, method, path)
