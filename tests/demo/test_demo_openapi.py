"""The OpenAPI document lists every command endpoint with its request schema, and
agrees with the bindings in ``commands/`` (paths, path fields, body fields)."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest

import commands.energy
import commands.library
import commands.school
from seeder.commands import Command, binding_of
from seeder.demo.app import create_app

COMMANDS = [
    obj
    for module in (commands.library, commands.school, commands.energy)
    for _, obj in inspect.getmembers(module, inspect.isclass)
    if issubclass(obj, Command) and obj is not Command and obj.__module__ == module.__name__
]


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    app = create_app(None)
    try:
        document: dict[str, Any] = app.openapi()
    finally:
        app.state.application.close()
    return document


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        resolved: dict[str, Any] = document["components"]["schemas"][name]
        return resolved
    return schema


def test_every_command_has_a_binding() -> None:
    assert len(COMMANDS) == 15
    for command in COMMANDS:
        binding = binding_of(command)
        assert binding is not None and binding.http is not None and binding.in_process is not None


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_the_endpoint_documents_the_commands_fields(
    openapi: dict[str, Any], command: type[Command]
) -> None:
    binding = binding_of(command)
    assert binding is not None and binding.http is not None
    http = binding.http
    operation = openapi["paths"][http.path][http.method.lower()]
    in_path = set(http.path_fields())
    documented_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    assert documented_path == in_path
    headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    schema = resolve(openapi, operation["requestBody"]["content"]["application/json"]["schema"])
    body_fields = {name for name in command.model_fields if name not in in_path}
    assert set(schema["properties"]) == body_fields
    required = {n for n, f in command.model_fields.items() if f.is_required() and n not in in_path}
    assert set(schema.get("required", [])) == required
    assert {str(status) for status in http.success} <= set(operation["responses"])


def test_the_document_is_served(http_client: httpx.Client) -> None:
    document = http_client.get("/openapi.json").json()
    posts = [path for path, ops in document["paths"].items() if "post" in ops]
    # the CQRS contexts' 15 commands and the members' log-in, and the blog context's 4
    assert len([p for p in posts if not p.startswith("/api/")]) == 16
    assert sorted(p for p in posts if p.startswith("/api/")) == [
        "/api/articles",
        "/api/articles/{slug}/comments",
        "/api/users",
        "/api/users/login",
    ]
