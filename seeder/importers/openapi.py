"""``seeder import openapi SPEC --out commands/x.py [--scenario scenarios/x.yaml]``.

Reads an OpenAPI 3.0 or 3.1 document (a file, JSON or YAML, or an http(s) URL) and
writes:

- a **commands module**: one pydantic model per write operation (its path
  parameters, required query parameters and request body's properties), generated
  by datamodel-code-generator from the document's own schemas (so nested objects,
  enums as ``Literal``, lengths and bounds come out as that generator writes them),
  each decorated with the ``HttpBinding`` guessed from the operation: method, path,
  success statuses, where the new identity is (the answer's ``id`` or the key that
  later paths use, a ``Location`` header, or the path's own key for a ``PUT``), and
  an ``Undo`` when the document has the matching ``DELETE``;
- a **starter scenario**: one entity per operation that creates something, whose
  field providers are guessed from formats and names (email, uuid, date-time, date,
  uri, enums → ``choice``, bounds → ``range``, string lengths, ``*_id`` → a
  reference to the entity whose create returns that id, a path's parent key →
  ``per:`` that parent).

Guesses are said in comments where they are guesses. Swagger 2.0 is refused with a
line saying how to convert it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import keyword
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from seeder.errors import SeederError

__all__ = ["ImportFailed", "Imported", "import_openapi", "read_spec"]

WRITE_METHODS = ("post", "put", "patch")
ENCODINGS = {
    "application/json": "json",
    "application/x-www-form-urlencoded": "form",
    "multipart/form-data": "multipart",
}
MAX_SPEC_BYTES = 50 * 1024 * 1024


class ImportFailed(SeederError):
    """The document cannot be imported (not found, not OpenAPI 3, nothing to write)."""


@dataclass
class Operation:
    """One write operation of the document, as a command."""

    method: str  # upper case
    path: str  # the document's template (wire names)
    operation_id: str
    name: str = ""  # the command class
    entity: str = ""  # the scenario entity
    params: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)
    query: list[str] = field(default_factory=list)  # wire names of query parameters
    body: dict[str, Any] | None = None  # an object schema: properties, required
    encoding: str = "json"
    envelope: str | None = None
    success: tuple[int, ...] = ()
    documented: tuple[int, ...] = ()  # the success statuses the document gives
    identity: str | None = "id"
    own_key: str | None = None  # a key the client chooses (in the body or the path)
    creates: bool = False
    guessed: bool = False  # the identity is a guess (the answer has no schema)
    undo: str | None = None
    skipped: str | None = None  # why it is left out of the module
    fields: dict[str, str] = field(default_factory=dict)  # wire name -> field name
    prefix: str = ""  # the path of the document's first server (/api)


@dataclass
class Imported:
    """What ``import_openapi`` wrote, for the CLI's summary."""

    module: str
    scenario: str | None
    commands: list[str]
    entities: list[str]
    skipped: list[str]


# -- reading the document -----------------------------------------------------------


def read_spec(source: str) -> dict[str, Any]:
    """The document at ``source`` (a file path or an http(s) URL), checked to be
    OpenAPI 3.0 or 3.1."""
    if re.match(r"^https?://", source):
        text = _fetch(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise ImportFailed(f"OpenAPI document not found: {source}; give a file or a URL")
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise ImportFailed(f"{source} is over {MAX_SPEC_BYTES} bytes; is it a spec?")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFailed(f"cannot read {source}: {exc}; check the file") from exc
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ImportFailed(
                f"{source} is neither JSON nor YAML ({str(exc).splitlines()[0]}); "
                "give an OpenAPI 3 document"
            ) from exc
    if not isinstance(data, dict):
        raise ImportFailed(f"{source} is not an OpenAPI document (no 'openapi:' key)")
    if "swagger" in data:
        raise ImportFailed(
            f"{source} is Swagger {data['swagger']} (OpenAPI 2); seeder imports OpenAPI 3.0 "
            "and 3.1: convert it first (e.g. `npx swagger2openapi SPEC -o spec3.json`) "
            "and import the result"
        )
    version = data.get("openapi")
    if version is None:
        raise ImportFailed(f"{source} is not an OpenAPI document (no 'openapi:' key)")
    if not re.match(r"^3\.[01]\.", str(version)):
        raise ImportFailed(
            f"{source} is OpenAPI {version}; seeder imports OpenAPI 3.0 and 3.1 documents"
        )
    if not isinstance(data.get("paths"), dict):
        raise ImportFailed(f"{source} has no 'paths:'; nothing to import")
    return data


def _fetch(url: str) -> str:
    import httpx

    try:
        response = httpx.get(url, timeout=30, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise ImportFailed(f"cannot fetch {url}: {exc}; is the service running?") from exc
    if response.status_code != 200:
        raise ImportFailed(f"{url} answered {response.status_code}; give the document's URL")
    return response.text


# -- the operations -----------------------------------------------------------------


def _deref(spec: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """``node`` with its local ``$ref`` followed (chains too)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 50:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ImportFailed(f"external $ref {ref!r} is not supported; bundle the document")
        target: Any = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise ImportFailed(f"$ref {ref!r} points at nothing in the document")
            target = target[part]
        node = target
        depth += 1
    return node


def _object(spec: Mapping[str, Any], schema: Any) -> dict[str, Any] | None:
    """An object schema's properties and required names (``allOf`` merged), or None."""
    schema = _deref(spec, schema)
    if not isinstance(schema, dict):
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in schema.get("allOf", []):
        merged = _object(spec, part)
        if merged is None:
            return None
        properties.update(merged["properties"])
        required += merged["required"]
    if "properties" in schema:
        properties.update(schema["properties"])
    elif schema.get("type") != "object" and not (properties or "allOf" in schema):
        return None
    required += [r for r in schema.get("required", []) if r not in required]
    return {"properties": properties, "required": required}


def _camel(words: str) -> str:
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", words) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts)
    if not name or name[0].isdigit():
        name = "Op" + name
    return name


def _command_name(operation_id: str, method: str, path: str) -> str:
    if operation_id:
        # FastAPI's default ids: the function name, then the path and the method
        suffix = re.sub(r"\W", "_", path) + "_" + method.lower()
        if operation_id.endswith(suffix) and len(operation_id) > len(suffix):
            operation_id = operation_id[: -len(suffix)]
        return _camel(operation_id)
    static = [s for s in path.split("/") if s and not s.startswith("{")]
    return _camel(method.lower() + "_" + "_".join(static))


def _singular(word: str) -> str:
    word = word.lower().replace("-", "_")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def _singular_of(path: str) -> str:
    static = [s for s in path.split("/") if s and not s.startswith("{")]
    return _singular(static[-1]) if static else "item"


def _entity_name(path: str, method: str) -> str:
    segments = [s for s in path.split("/") if s]
    if method == "PUT" and segments and segments[-1].startswith("{"):
        segments = segments[:-1]
    static = [s for s in segments if not s.startswith("{")]
    name = _singular(static[-1]) if static else "item"
    name = re.sub(r"\W", "_", name)
    ok = name.isidentifier() and not keyword.iskeyword(name) and name not in ("parent",)
    return name if ok else f"e_{name}"


def _param_name(segment: str) -> str | None:
    match = re.fullmatch(r"\{([^{}]+)\}", segment)
    return match.group(1) if match else None


def _success(operation: Mapping[str, Any]) -> tuple[int, ...]:
    codes = []
    for code in operation.get("responses", {}):
        text = str(code)
        if text.isdigit() and 200 <= int(text) < 300:
            codes.append(int(text))
        elif text.upper() == "2XX":
            codes += [200, 201, 202, 204]
    if codes and set(codes) <= {200, 201}:  # services answer 201 where 200 is documented
        codes += [200, 201]  # (an upsert that created), and the other way round
    return tuple(sorted(set(codes))) or (200, 201, 202, 204)


def _answer_schema(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> tuple[Any, bool]:
    """The first success answer's JSON schema, and whether it has a Location header."""
    responses = operation.get("responses", {})
    for code in sorted(str(c) for c in responses):
        if not code.startswith("2"):
            continue
        response = _deref(spec, responses[code])
        if not isinstance(response, dict):
            continue
        location = any(h.lower() == "location" for h in response.get("headers", {}))
        for media, content in response.get("content", {}).items():
            if "json" in media and isinstance(content, dict):
                return _deref(spec, content.get("schema")), location
        return None, location
    return None, False


def _identity_in(spec: Mapping[str, Any], schema: Any, key: str | None) -> str | None:
    """Where the new thing's identity is in an answer of ``schema``: ``key`` (the
    name later paths use), ``id``, or one level down (``data.id``)."""
    found = _object(spec, schema) if isinstance(schema, dict) else None
    if found is None or not found["properties"]:
        return None
    properties = found["properties"]
    for name in (key, "id", "uuid", "_id", "key", "number", "code", "slug"):
        if name and name in properties:
            return name
    if len(properties) == 1:
        (wrapper,) = properties
        inner = _identity_in(spec, properties[wrapper], key)
        if inner is not None:
            return f"{wrapper}.{inner}"
    return None


def _matches(op: Operation, patterns: Sequence[str]) -> bool:
    names = (op.path, f"{op.method} {op.path}", op.operation_id, op.name)
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names if n)


def operations(
    spec: Mapping[str, Any], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Operation]:
    """The document's write operations, as commands (in the document's order)."""
    paths: dict[str, Any] = spec["paths"]
    found: list[Operation] = []
    for path, item in paths.items():
        item = _deref(spec, item)
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters", [])
        for method in WRITE_METHODS:
            if method not in item:
                continue
            raw = _deref(spec, item[method])
            if not isinstance(raw, dict):
                continue
            op = Operation(method.upper(), path, str(raw.get("operationId") or ""))
            op.name = _command_name(op.operation_id, op.method, path)
            if (include and not _matches(op, include)) or _matches(op, exclude):
                continue
            _read_operation(spec, op, raw, [*shared, *raw.get("parameters", [])])
            found.append(op)
    prefix = _server_path(spec)
    for op in found:
        op.prefix = prefix
    _name_uniquely(found)
    _guess_identities(spec, found)
    return found


def _server_path(spec: Mapping[str, Any]) -> str:
    """The path part of the first server's URL (``/api``): the bindings' prefix."""
    from urllib.parse import urlparse

    servers = spec.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url", ""))
    return "" if "{" in url else urlparse(url).path.rstrip("/")


def _read_operation(
    spec: Mapping[str, Any], op: Operation, raw: Mapping[str, Any], parameters: list[Any]
) -> None:
    by_place: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter in parameters:
        parameter = _deref(spec, parameter)
        if isinstance(parameter, dict) and "name" in parameter:
            by_place[(parameter.get("in", ""), parameter["name"])] = parameter
    for (where, name), parameter in by_place.items():
        schema = _deref(spec, parameter.get("schema")) or {"type": "string"}
        if where == "path":
            op.params.append((name, schema, True))
        elif where == "query" and parameter.get("required"):
            op.params.append((name, schema, True))
            op.query.append(name)
    for segment in op.path.split("/"):
        key = _param_name(segment)
        if key is not None and ("path", key) not in by_place:
            op.params.append((key, {"type": "string"}, True))
    op.success = _success(raw)
    op.documented = tuple(
        int(c) for c in raw.get("responses", {}) if str(c).isdigit() and str(c).startswith("2")
    )
    body = _deref(spec, raw.get("requestBody"))
    if isinstance(body, dict):
        content = body.get("content", {})
        media = next((m for m in content if m.split(";")[0] in ENCODINGS), None)
        if media is None:
            op.skipped = f"its body is {', '.join(content) or 'empty'} (not JSON or a form)"
            return
        op.encoding = ENCODINGS[media.split(";")[0]]
        schema = content[media].get("schema") if isinstance(content[media], dict) else None
        obj = _object(spec, schema) if schema is not None else None
        if obj is None:
            op.skipped = "its body is not an object (an array or a scalar)"
            return
        props = obj["properties"]
        if len(props) == 1 and obj["required"] == list(props):  # {"user": {...}}: an envelope
            (wrapper,) = props
            inner = _object(spec, props[wrapper])
            if inner is not None and inner["properties"]:
                op.envelope, obj = wrapper, inner
        clash = {n for n, _, _ in op.params} & set(obj["properties"])
        if clash:
            op.skipped = f"{sorted(clash)[0]!r} is both a parameter and a body field"
            return
        op.body = obj


def _name_uniquely(ops: list[Operation]) -> None:
    seen: dict[str, int] = {}
    for op in ops:
        count = seen.get(op.name, 0)
        seen[op.name] = count + 1
        if count:
            op.name = f"{op.name}{count + 1}"


def _guess_identities(spec: Mapping[str, Any], ops: list[Operation]) -> None:
    paths = list(spec["paths"])
    entities: dict[str, int] = {}
    for op in ops:
        if op.skipped:
            continue
        body = op.body["properties"] if op.body else {}
        segments = op.path.rstrip("/").split("/")
        last = _param_name(segments[-1]) if segments else None
        schema, location = _answer_schema(
            spec, _deref(spec, spec["paths"][op.path])[op.method.lower()]
        )
        if op.method == "PUT" and last is not None:
            # an upsert at a key the client chooses: the key is the identity
            op.creates, op.identity, op.own_key = True, None, last
        elif op.method == "POST":
            key = _child_key(op.path, paths)
            own = key if key in body else _own_key_in_body(op.path, body)
            answer = _identity_in(spec, schema, key)
            if own is not None and answer in (None, own):
                op.identity, op.own_key = None, own
            elif answer is not None:
                op.identity = answer
            elif location:
                op.identity = "Location"
            else:  # no schema: the key later paths use, less the entity's name
                raw = _singular_of(op.path)
                rest = key[len(raw) + 1 :] if key and key.startswith(raw + "_") else ""
                guess = rest or key or "id"
                op.identity, op.guessed = guess if guess.isidentifier() else "id", True
            op.creates = (
                op.own_key is not None or answer is not None or location or 201 in op.documented
            )
        else:
            op.identity = None
        if op.creates:
            name = _entity_name(op.path, op.method)
            entities[name] = entities.get(name, 0) + 1
            op.entity = name if entities[name] == 1 else f"{name}{entities[name]}"
            op.undo = _undo(op, spec)


def _child_key(path: str, paths: Iterable[str]) -> str | None:
    """The key later paths put after ``path``: ``/tenants`` → ``tenant_id`` from
    ``/tenants/{tenant_id}``."""
    prefix = path.rstrip("/") + "/"
    for other in paths:
        if other.startswith(prefix):
            name = _param_name(other[len(prefix) :].split("/")[0])
            if name is not None:
                return name
    return None


def _own_key_in_body(path: str, body: Mapping[str, Any]) -> str | None:
    """A body field named for the entity itself (``meter_id`` when creating a
    meter): a key the client chooses."""
    entity = _singular_of(path)
    for name in (f"{entity}_id", f"{entity}_code", f"{entity}_key"):
        if name in body:
            return name
    return None


def _undo(op: Operation, spec: Mapping[str, Any]) -> str | None:
    if op.method == "PUT":
        item = _deref(spec, spec["paths"][op.path])
        return op.path if "delete" in item else None
    base = op.path.rstrip("/")
    for other, item in spec["paths"].items():
        if not other.startswith(base + "/") or "delete" not in _deref(spec, item):
            continue
        rest = other[len(base) + 1 :].rstrip("/")
        key = _param_name(rest)
        if key is None:
            continue
        if op.own_key:
            target = op.own_key
        elif op.identity == "Location":
            target = "id"  # the Location header's last segment is kept as id
        elif op.identity and "." not in op.identity and ":" not in op.identity:
            target = op.identity
        else:
            return None  # an identity deep in the answer: no field names it
        suffix = other[len(base) + 1 + len(rest) :]
        return f"{base}/{{{target}}}{suffix}"
    return None


# -- the commands module ------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(spec: Mapping[str, Any], roots: Iterable[Any]) -> dict[str, Any]:
    """The component schemas that ``roots`` reach through ``$ref``."""
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    reached: dict[str, Any] = {}
    todo = [ref for root in roots for ref in _refs(root)]
    while todo:
        ref = todo.pop()
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise ImportFailed(f"$ref {ref!r} is outside components/schemas; bundle the document")
        name = ref[len(prefix) :]
        if name in reached:
            continue
        if name not in schemas:
            raise ImportFailed(f"$ref {ref!r} points at nothing in the document")
        reached[name] = schemas[name]
        todo += list(_refs(schemas[name]))
    return reached


def _command_schema(op: Operation) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, schema, _ in op.params:
        properties[name] = schema
        required.append(name)
    if op.body:
        properties.update(op.body["properties"])
        required += [r for r in op.body["required"] if r in op.body["properties"]]
    made: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        made["required"] = required
    return made


def command_module(spec: Mapping[str, Any], ops: list[Operation], source: str) -> str:
    """The commands module's source: generated models, then bindings."""
    from datamodel_code_generator import (
        DatetimeClassType,
        InputFileType,
        LiteralType,
        PythonVersion,
        generate,
    )
    from datamodel_code_generator.enums import DataModelType
    from datamodel_code_generator.format import Formatter

    kept = [op for op in ops if not op.skipped]
    own = {op.name: _command_schema(op) for op in kept}
    components = _closure(spec, own.values())
    for op in kept:  # a command named like a component it uses: the command gives way
        while op.name in components:
            op.name += "Command"
    own = {op.name: _command_schema(op) for op in kept}
    components, own = _undocumented(components), _undocumented(own)
    document = {
        "openapi": "3.1.0" if str(spec.get("openapi", "")).startswith("3.1") else "3.0.3",
        "info": {"title": "commands", "version": "1"},
        "paths": {},
        "components": {"schemas": {**components, **own}},
    }
    with warnings.catch_warnings(), _generator_errors():
        warnings.simplefilter("ignore")  # the generator's own deprecation notes
        code = generate(
            json.dumps(document),
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            base_class_map={name: "seeder.commands.Command" for name in own},
            target_python_version=PythonVersion.PY_311,
            use_annotated=True,
            field_constraints=True,
            use_union_operator=True,
            use_standard_collections=True,
            enum_field_as_literal=LiteralType.All,
            snake_case_field=True,
            disable_timestamp=True,
            use_double_quotes=True,
            type_mappings=["email=string", "idn-email=string", "uri=string", "url=string"],
            output_datetime_class=DatetimeClassType.Datetime,
            formatters=[Formatter.BLACK, Formatter.ISORT],
            custom_file_header=_header(spec, source),
        )
    assert isinstance(code, str)
    _read_fields(code, kept)
    module = _formatted(_decorate(code, kept))
    _read_fields(module, [])  # the bindings are checked as the module is imported
    return module


@contextlib.contextmanager
def _generator_errors() -> Iterator[None]:
    """The generator's refusal of a schema, said in one line."""
    from datamodel_code_generator import Error

    try:
        yield
    except Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ImportFailed(
            f"datamodel-code-generator cannot model the request bodies: {first[:200]}; "
            "leave that operation out with --exclude"
        ) from exc


def _formatted(code: str) -> str:
    """Mutable defaults as factories (``= []`` → ``Field(default_factory=list)``),
    then black at 100 columns (the generator's own formatter, a dependency of it)."""
    import black

    mode = black.Mode(line_length=100)
    code = black.format_str(code, mode=mode)
    # seeder is a third-party package of the project the module is written into
    code = re.sub(r"(?m)^(from pydantic import .*)\n\n(from seeder\.commands)", r"\1\n\2", code)
    for empty, factory in ((r"\[\]", "list"), (r"\{\}", "dict")):
        code = re.sub(
            rf"(?m)^(\s*(?:\w+: .*|\] ))= (?:{empty}|\(\n\s*{empty}\n\s*\))$",
            rf"\1= Field(default_factory={factory})",
            code,
        )
    pydantic = re.search(r"(?m)^from pydantic import (.*)$", code)
    if "Field(" in code and (pydantic is None or "Field" not in pydantic.group(1).split(", ")):
        if pydantic is None:
            code = code.replace(
                "from seeder.commands import",
                "from pydantic import Field\nfrom seeder.commands import",
            )
        else:
            names = sorted({*pydantic.group(1).split(", "), "Field"})
            code = code.replace(pydantic.group(0), f"from pydantic import {', '.join(names)}")
    return black.format_str(code, mode=mode)


_PROSE = ("description", "title", "example", "examples", "summary", "externalDocs")


def _undocumented(node: Any) -> Any:
    """``node`` without its prose (descriptions, titles, examples): the models say
    what is sent, and a long description would make a line no formatter can split."""
    if isinstance(node, dict):
        return {
            k: _undocumented(v)
            for k, v in node.items()
            if not (k in _PROSE and not isinstance(v, dict | bool)) and k != "$comment"
        }
    if isinstance(node, list):
        return [_undocumented(v) for v in node]
    return node


def _header(spec: Mapping[str, Any], source: str) -> str:
    title = str(spec.get("info", {}).get("title", "")).strip() or "the service"
    version = str(spec.get("info", {}).get("version", "")).strip()
    return (
        f'"""Commands for {title}{" " + version if version else ""}, imported from its OpenAPI\n'
        f"document by `seeder import openapi` ({_short(source)}).\n\n"
        "The models are generated by datamodel-code-generator; the bindings are guessed\n"
        "from the operations: check the identities marked as guesses.\n"
        '"""'
    )


def _short(source: str) -> str:
    return source if len(source) <= 60 else "..." + source[-57:]


def _read_fields(code: str, ops: list[Operation]) -> None:
    """Each command's wire name → field name, as the generator named them (the
    generated module is imported under a private name, then forgotten)."""
    import sys
    import types

    name = "_seeder_imported_commands"
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(code, "<imported commands>", "exec"), module.__dict__)
        for op in ops:
            model = getattr(module, op.name)
            for field_name, info in model.model_fields.items():
                op.fields[info.alias or field_name] = field_name
    finally:
        del sys.modules[name]


def _binding(op: Operation) -> list[str]:
    path = op.prefix + re.sub(
        r"\{([^{}]+)\}", lambda m: "{" + op.fields.get(m.group(1), m.group(1)) + "}", op.path
    )
    args = [json.dumps(op.method), json.dumps(path), f"success={op.success!r}"]
    if op.identity != "id":
        args.append(f"identity={'None' if op.identity is None else json.dumps(op.identity)}")
    if op.query:
        names = ", ".join(json.dumps(op.fields.get(q, q)) for q in op.query)
        args.append(f"query=({names},)")
    if op.envelope:
        args.append(f"envelope={json.dumps(op.envelope)}")
    if op.encoding != "json":
        args.append(f"encoding={json.dumps(op.encoding)}")
    if op.undo:
        undo = op.prefix + re.sub(
            r"\{([^{}]+)\}", lambda m: "{" + op.fields.get(m.group(1), m.group(1)) + "}", op.undo
        )
        args.append(f"undo=Undo({json.dumps(undo)})")
    lines = ["@bind(", "    http=HttpBinding("]
    if op.guessed:
        lines.append("        # identity: a guess (the answer has no schema); check it")
    lines += [f"        {a}," for a in args]
    lines += ["    )", ")"]
    return lines


def _decorate(code: str, ops: list[Operation]) -> str:
    lines = code.splitlines()
    by_name = {op.name: op for op in ops}
    out: list[str] = []
    for line in lines:
        if line == "from seeder.commands import Command":
            names = ["Command", "HttpBinding", "bind"]
            if any(op.undo for op in ops):
                names.insert(2, "Undo")
            line = f"from seeder.commands import {', '.join(names)}"
        match = re.match(r"^class (\w+)\(Command\):$", line)
        if match and match.group(1) in by_name:
            out += _binding(by_name[match.group(1)])
        out.append(line)
    return "\n".join(out).rstrip() + "\n"


# -- the starter scenario -----------------------------------------------------------

_NAMES: tuple[tuple[str, dict[str, Any]], ...] = (
    (r"e_?mail", {"fake": "email"}),
    (r"(first|given)_?name", {"fake": "first_name"}),
    (r"(last|family|sur)_?name", {"fake": "last_name"}),
    (r"user_?name|login|handle", {"fake": "user_name"}),
    (r"(full_?)?name", {"fake": "name"}),
    (r"title|summary|subject", {"fake": "sentence", "nb_words": 4}),
    (r"description|body|text|content|comment|bio|notes?", {"fake": "paragraph"}),
    (r"phone(_?number)?|mobile", {"fake": "phone_number"}),
    (r"city|suburb|town", {"fake": "city"}),
    (r"street|address(_?line)?\d?", {"fake": "street_address"}),
    (r"post_?code|zip(_?code)?", {"fake": "postcode"}),
    (r"country", {"fake": "country"}),
    (r"company|organi[sz]ation", {"fake": "company"}),
    (r"url|uri|website|link|.*_url", {"fake": "url"}),
    (r"password|secret", {"fake": "password", "length": 12}),
    (r"slug", {"fake": "slug"}),
    (r"color|colour", {"fake": "color_name"}),
    (r"isbn(13)?", {"fake": "isbn13"}),
)
_FORMATS: dict[str, dict[str, Any]] = {
    "email": {"fake": "email"},
    "idn-email": {"fake": "email"},
    "uuid": {"fake": "uuid4"},
    "date-time": {"datetime": ["2025-01-01T00:00:00", "2026-06-30T23:59:59"]},
    "date": {"date": ["2020-01-01", "2026-06-30"]},
    "uri": {"fake": "url"},
    "url": {"fake": "url"},
    "hostname": {"fake": "hostname"},
    "ipv4": {"fake": "ipv4"},
    "ipv6": {"fake": "ipv6"},
}


def _flat(spec: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """A property's schema with its ``$ref`` followed and a nullable union opened."""
    schema = _deref(spec, schema)
    if not isinstance(schema, dict):
        return {}
    for union in ("anyOf", "oneOf"):
        options = [_deref(spec, s) for s in schema.get(union, [])]
        options = [s for s in options if isinstance(s, dict) and s.get("type") != "null"]
        if len(options) == 1:
            return {**{k: v for k, v in schema.items() if k != union}, **_flat(spec, options[0])}
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        schema = {**schema, "type": kinds[0] if len(kinds) == 1 else kinds}
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return {
            **{k: v for k, v in schema.items() if k != "allOf"},
            **_flat(spec, schema["allOf"][0]),
        }
    flat: dict[str, Any] = schema
    return flat


def _pattern_seq(pattern: str) -> str | None:
    """``^MTR-\\d{8}$`` → ``MTR-{n:08d}``: literal text around one run of digits
    (``\\d{4,8}``: padded to the least width, wider as the count grows)."""
    match = re.fullmatch(
        r"\^?([A-Za-z_ \-:./]*)(?:\\d|\[0-9\])\{(\d+)(?:,\d*)?\}([A-Za-z_ \-:./]*)\$?",
        pattern,
    )
    if match is None:
        return None
    before, digits, after = match.groups()
    return f"{before}{{n:0{digits}d}}{after}"


def _provider(
    spec: Mapping[str, Any], name: str, schema: Any, *, strict: bool
) -> tuple[dict[str, Any] | Any, str | None] | None:
    """A provider for one field and a comment, or None (no good guess: ``strict``)."""
    s = _flat(spec, schema)
    if "const" in s:
        return {"const": s["const"]}, None
    if "enum" in s:
        values = [v for v in s["enum"] if v is not None]
        if values:
            return {"choice": values}, None
    kind = s.get("type")
    fmt = s.get("format")
    low = s.get("minimum", s.get("exclusiveMinimum"))
    high = s.get("maximum", s.get("exclusiveMaximum"))
    if kind == "integer":
        if low is not None or high is not None:
            a = int(low if low is not None else 0)
            b = int(high if high is not None else max(a, 0) + 1000)
            a, b = (a, min(b, a + 1_000_000)) if high is None else (max(a, b - 1_000_000), b)
            return {"range": [a, b]}, None
        return None if strict else ({"range": [1, 1000]}, None)
    if kind == "number":
        if low is not None or high is not None:
            x = float(low if low is not None else 0)
            y = float(high if high is not None else x + 1000)
            return {"uniform": [x, y], "round": 2}, None
        return None if strict else ({"uniform": [0.0, 1000.0], "round": 2}, None)
    if kind == "boolean":
        return {"choice": [True, False]}, None
    if kind == "string" or (kind is None and ("format" in s or "pattern" in s)):
        if isinstance(fmt, str) and fmt in _FORMATS:
            return dict(_FORMATS[fmt]), None
        longest = s.get("maxLength")
        for rule, provider in _NAMES:
            if re.fullmatch(rule, name, re.IGNORECASE):
                prose = provider["fake"] in ("paragraph", "sentence")
                if prose and isinstance(longest, int) and longest < 300:
                    return {"fake": "text", "max_nb_chars": max(5, longest)}, None
                return dict(provider), None
        if isinstance(s.get("pattern"), str):
            seq = _pattern_seq(s["pattern"])
            if seq is not None:
                return {"seq": seq}, None
            return {
                "seq": f"{name}-{{n}}"
            }, f"pattern {s['pattern']}: write a provider that meets it"
        if strict:
            return None
        shortest = int(s.get("minLength", 1))
        top = min(int(longest), max(shortest, 20)) if longest is not None else max(shortest, 12)
        return {"fake": "pystr", "min_chars": max(shortest, 1), "max_chars": max(top, 1)}, None
    if kind == "array":
        return None if strict else ({"const": _sample(spec, s, 0)}, "an array: fill it in")
    if strict:
        return None
    return {"const": _sample(spec, s, 0)}, "an object: fill it in"


def _sample(spec: Mapping[str, Any], schema: Any, depth: int) -> Any:
    """A literal value of ``schema`` (its required parts), for an object to fill in."""
    s = _flat(spec, schema)
    if "const" in s:
        return s["const"]
    for union in ("anyOf", "oneOf"):
        options = [o for o in s.get(union, []) if _flat(spec, o).get("type") != "null"]
        if options:
            return _sample(spec, options[0], depth + 1)
    if s.get("enum"):
        return s["enum"][0]
    if "default" in s:
        return s["default"]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        obj = _object(spec, s) or {"properties": {}, "required": []}
        if depth > 5:
            return {}
        return {k: _sample(spec, obj["properties"][k], depth + 1) for k in obj["required"]}
    if kind == "array":
        return [_sample(spec, s.get("items", {}), depth + 1)] if s.get("minItems") else []
    if kind == "integer":
        return int(s.get("minimum", 1))
    if kind == "number":
        return float(s.get("minimum", 1.0))
    if kind == "boolean":
        return True
    return "x" * max(1, int(s.get("minLength", 7)))


@dataclass
class _Entity:
    op: Operation
    parent: str | None = None  # the entity that `per:` names
    parent_field: str | None = None
    fields: dict[str, tuple[Any, str | None]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # field -> entity
    in_path: set[str] = field(default_factory=set)  # fields that are path parameters


def starter_scenario(
    spec: Mapping[str, Any], ops: list[Operation], commands: str, schema_url: str
) -> str:
    creating = [op for op in ops if op.creates and not op.skipped]
    # a field name that holds an entity's identity (attribute None) or another of its
    # fields (work_pool_name for /work_pools/{name}) -> the entity and that attribute
    keys: dict[str, tuple[str, str | None]] = {}
    for op in creating:
        keys.setdefault(f"{op.entity}_id", (op.entity, None))
        if op.own_key and "_" in op.own_key:
            keys.setdefault(op.own_key, (op.entity, None))
        elif op.own_key and op.own_key != "id":
            keys.setdefault(f"{_singular_of(op.path)}_{op.own_key}", (op.entity, None))
        child = _child_key(op.path, spec["paths"])
        if child and child != "id":
            body = op.body["properties"] if op.body else {}
            attribute = child if child in body and child != op.own_key else None
            field_name = op.fields.get(child, child) if attribute else None
            if "_" in child:
                keys.setdefault(child, (op.entity, field_name))
            keys.setdefault(f"{_singular_of(op.path)}_{child}", (op.entity, field_name))
    by_entity = {op.entity: op for op in creating}
    entities: dict[str, _Entity] = {}
    for op in creating:
        entity = _Entity(op)
        path_params = [n for n, _, _ in op.params if n not in op.query]
        body = op.body["properties"] if op.body else {}
        required = set(op.body["required"]) if op.body else set()
        for wire in [*path_params, *[q for q in op.query], *body]:
            name = op.fields.get(wire, wire)
            schema = body.get(wire) or next((s for n, s, _ in op.params if n == wire), {})
            target, attribute = keys.get(wire) or next(
                (
                    keys[k]
                    for k in sorted(keys, key=len, reverse=True)
                    if "_" in k and wire.endswith("_" + k)
                ),
                (None, None),
            )
            if wire == op.own_key:
                guess = _provider(spec, wire, schema, strict=False)
                assert guess is not None
                provider, note = guess
                if isinstance(provider, dict) and "seq" not in provider and "fake" not in provider:
                    provider = {"seq": f"{_singular_of(op.path)}-{{n}}"}
                entity.fields[name] = ({**provider, "unique": True}, note)
                continue
            optional = wire in body and wire not in required
            if target is not None and target != op.entity and not optional:
                if wire in path_params and entity.parent is None:
                    entity.parent, entity.parent_field = target, name
                    parent = by_entity[target]
                    key = parent.fields.get(parent.own_key or "", parent.own_key)
                    copy = f"parent.{key}" if parent.identity is None and key else "parent"
                    if attribute:
                        copy = f"parent.{attribute}"
                    entity.fields[name] = ({"from": copy}, None)
                elif attribute:
                    entity.fields[name] = ({"ref": target, "field": attribute}, None)
                else:
                    entity.fields[name] = ({"ref": target}, None)
                entity.refs[name] = target
                if wire in path_params:
                    entity.in_path.add(name)
                continue
            if optional and (name.endswith("_id") or name == "id"):
                continue  # an optional reference to something not imported
            if optional:
                guess = _provider(spec, wire, schema, strict=True)
                if guess is None:
                    continue
            else:
                guess = _provider(spec, wire, schema, strict=False)
            assert guess is not None
            entity.fields[name] = guess
        entities[op.entity] = entity
    for entity in entities.values():  # another reference in the same parent as this one
        for name, target in entity.refs.items():
            if name == entity.parent_field:
                continue
            other = entities[target]
            shared = {
                f: f
                for f, t in entity.refs.items()
                if f != name
                and f in entity.in_path
                and t in other.refs.values()
                and f in other.fields
            }
            if shared:
                provider, note = entity.fields[name]
                where = {f: f"${f}" for f in shared}
                entity.fields[name] = ({**provider, "where": where}, note)
    return _scenario_text(spec, entities, commands, schema_url, ops)


def _order(entities: Mapping[str, _Entity]) -> list[str]:
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        for target in entities[name].refs.values():
            if target in entities:
                visit(target)
        visiting.discard(name)
        done.append(name)

    for name in entities:
        visit(name)
    return done


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _scenario_text(
    spec: Mapping[str, Any],
    entities: Mapping[str, _Entity],
    commands: str,
    schema_url: str,
    ops: list[Operation],
) -> str:
    title = str(spec.get("info", {}).get("title", "")).strip() or "the service"
    lines = [
        f"# yaml-language-server: $schema={schema_url}",
        f"# A starter scenario for {title}, written by `seeder import openapi`: one entity",
        "# per operation that creates something. Counts and providers are guesses from the",
        "# document (formats, names, bounds, enums); references from *_id names and path",
        "# keys. Edit it, then `seeder validate` and `seeder run`.",
        "seed: 1",
        f"commands: {_flow(commands)}",
        "",
        "entities:",
    ]
    for name in _order(entities):
        entity = entities[name]
        lines.append(f"  {name}:")
        lines.append(f"    command: {entity.op.name}")
        if entity.parent is not None:
            lines.append(f"    per: {entity.parent}")
            lines.append("    count: {range: [1, 3]}")
        else:
            lines.append(f"    count: {5 if not entity.refs else 10}")
        if entity.op.identity is None and entity.op.own_key:
            lines.append(
                f"    identity: {entity.op.fields.get(entity.op.own_key, entity.op.own_key)}"
            )
        if entity.fields:
            lines.append("    fields:")
            for field_name, (provider, note) in entity.fields.items():
                comment = f"  # {note}" if note else ""
                lines.append(f"      {field_name}: {_flow(provider)}{comment}")
        lines.append("")
    others = [op for op in ops if not op.creates or op.skipped]
    if others:
        lines.append("# Not in this scenario (they create nothing to refer to, or were left out):")
        for op in others:
            why = f" (left out: {op.skipped})" if op.skipped else ""
            lines.append(f"#   {op.name}: {op.method} {op.path}{why}")
    return "\n".join(lines).rstrip() + "\n"


# -- the whole import ---------------------------------------------------------------


def import_openapi(
    source: str,
    out: str | Path,
    scenario: str | Path | None = None,
    include: Sequence[str] = (),
    schema_url: str = "",
    exclude: Sequence[str] = (),
) -> Imported:
    """Reads ``source`` and writes the commands module at ``out`` (and the starter
    scenario at ``scenario``)."""
    try:
        import datamodel_code_generator  # noqa: F401
    except ImportError as exc:
        raise ImportFailed(
            "seeder import openapi needs datamodel-code-generator: "
            "pip install 'command-seeder[import]'"
        ) from exc
    spec = read_spec(source)
    ops = operations(spec, include, exclude)
    if not [op for op in ops if not op.skipped]:
        hint = " matching --include/--exclude" if include or exclude else ""
        raise ImportFailed(
            f"{_short(source)} has no write operation (POST, PUT, PATCH){hint}; nothing to import"
        )
    module = command_module(spec, ops, source)
    out = Path(out)
    with _writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(module, encoding="utf-8")
    written_scenario = None
    if scenario is not None:
        scenario = Path(scenario)
        relative = _relative(out, scenario.parent)
        text = starter_scenario(spec, ops, relative, schema_url)
        with _writing(scenario):
            scenario.parent.mkdir(parents=True, exist_ok=True)
            scenario.write_text(text, encoding="utf-8")
        written_scenario = str(scenario)
    return Imported(
        module=str(out),
        scenario=written_scenario,
        commands=[op.name for op in ops if not op.skipped],
        entities=[op.entity for op in ops if op.creates and not op.skipped],
        skipped=[f"{op.method} {op.path}: {op.skipped}" for op in ops if op.skipped],
    )


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise ImportFailed(f"cannot write {path}: {exc.strerror or exc}; check the folder") from exc


def _relative(target: Path, folder: Path) -> str:
    import os

    return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()
