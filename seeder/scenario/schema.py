"""The JSON Schema of scenario files, made from the loader's own tables.

The loader (:mod:`seeder.scenario.build`, :mod:`seeder.scenario.serving`) refuses
every key that is not in its tables (``TOP_KEYS``, ``ENTITY_KEYS``, ``KINDS`` with
``KIND_KEYS`` and ``OPTION_KEYS``, the ``serve:`` keys); this module describes the
value of each of those keys and builds the schema from the same tables, so a key
added to the loader without a description here fails the build of the schema (and
``tests/scenario/test_schema.py``, which also checks that the shipped
``seeder/scenario.schema.json`` is this function's output). Editors read it
through the ``# yaml-language-server: $schema=...`` line of a scenario.

The schema checks keys and the shape of values; the loader checks more (that a
referenced entity exists, that weights are positive...): a file the schema accepts
may still be refused by ``seeder validate``, never the other way round for the
cases the tests list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seeder.scenario.api import PAGING
from seeder.scenario.build import ENTITY_KEYS, KIND_KEYS, KINDS, OPTION_KEYS, TOP_KEYS
from seeder.scenario.existing import EXISTING_KEYS
from seeder.scenario.serving import BY_KEY_KEYS, PAGE_KEYS, ROUTE_KEYS, SERVE_KEYS

__all__ = ["SCHEMA_FILE", "SCHEMA_URL", "scenario_schema"]

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "scenario.schema.json"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/seeder-project/seeder/main/seeder/scenario.schema.json"
)

_PROVIDER = {"$ref": "#/$defs/provider"}
_NAMES = {"type": "array", "items": {"type": "string"}}
_NUMBER = {"type": "number"}

# the value of each key the loader takes (its tables say which keys there are)
TOP_VALUES: dict[str, Any] = {
    "seed": {"type": "integer", "description": "the plan's seed (same seed, same commands)"},
    "commands": {"type": "string", "description": "the commands module, e.g. ../commands/x.py"},
    "locale": {"type": "string", "description": "Faker's locale, e.g. en_US"},
    "faker_weighting": {"type": "boolean"},
    "target": {"type": "string", "description": "a URL, or demo"},
    "allowed_targets": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "entities": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {"$ref": "#/$defs/entity"},
    },
    "serve": {"$ref": "#/$defs/serve"},
}
ENTITY_VALUES: dict[str, Any] = {
    "command": {"type": "string", "description": "the command class it sends"},
    "count": {"anyOf": [{"type": "integer", "minimum": 0}, _PROVIDER]},
    "per": {"type": "string", "description": "the parent entity (one-to-many)"},
    "fields": {"type": ["object", "null"], "additionalProperties": _PROVIDER},
    "vars": {"type": ["object", "null"], "additionalProperties": _PROVIDER},
    "actor": {"anyOf": [{"const": "parent"}, _PROVIDER]},
    "unique": {"anyOf": [_NAMES, {"type": "array", "items": _NAMES}]},
    "identity": {"type": "string"},
    "ordered": {"type": "boolean"},
    "existing": {"$ref": "#/$defs/existing"},
}
_TEXT = {"type": "string", "minLength": 1}
EXISTING_VALUES: dict[str, Any] = {
    "get": {**_TEXT, "pattern": "^/", "description": "a list endpoint of the target"},
    "sql": {**_TEXT, "description": "a query on PostgreSQL; its columns are the fields"},
    "dsn": {**_TEXT, "description": "the database, or $ENV_VAR holding it"},
    "items": {**_TEXT, "description": "where a page's records are (an answer path)"},
    "fields": {
        "anyOf": [_NAMES, {"type": "object", "additionalProperties": {"type": "string"}}],
        "description": "what is kept of each record: names, or name: answer path",
    },
    "paging": {"enum": list(PAGING)},
    "params": {"type": "object", "additionalProperties": {"type": "string"}},
    "page_size": {"type": "integer", "minimum": 1},
    "first_page": {"type": "integer", "minimum": 0},
    "next": {**_TEXT, "description": "paging: next: the answer path of the next URL"},
    "limit": {"type": ["integer", "null"], "minimum": 1},
    "refs": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "kept field: the existing entity whose identity it holds",
    },
}
OPTION_VALUES: dict[str, Any] = {
    "null_weight": _NUMBER,
    "unique": {"type": "boolean"},
    "seed_by": {"type": "string"},
}
_PAIR = {"anyOf": [{"type": "array", "minItems": 2, "maxItems": 2}, {"type": "object"}]}
KIND_VALUES: dict[str, Any] = {
    "fake": {"type": "string", "description": "a Faker method; its arguments beside it"},
    "seq": {"type": "string", "description": "a template of {n} (1, 2, ...) and {i}"},
    "choice": {"type": ["array", "object"], "description": "values, or value: weight"},
    "range": _PAIR,
    "uniform": _PAIR,
    "normal": _PAIR,
    "lognormal": _PAIR,
    "poisson": _NUMBER,
    "date": _PAIR,
    "datetime": _PAIR,
    "series": {"type": "object"},
    "counter": {"type": "object"},
    "template": {"type": "string"},
    "from": {"type": "string", "description": "parent, parent.field, or a field"},
    "ref": {"type": "string", "description": "the referenced entity"},
    "python": {"type": "string", "description": "module:function"},
    "const": {},
}
EXTRA_VALUES: dict[str, Any] = {
    "start": {},
    "weights": {"type": "array"},
    "min": _NUMBER,
    "max": _NUMBER,
    "round": {"type": "integer"},
    "mean": _NUMBER,
    "skew": _NUMBER,
    "where": {"type": "object"},
    "field": {"type": "string"},
    "growth": {"enum": ["final", "as-used"]},
}


def _described(keys: tuple[str, ...], values: dict[str, Any], what: str) -> dict[str, Any]:
    """``values`` for exactly ``keys`` (the loader's table): a key on one side only
    is a drift, refused here."""
    missing = [k for k in keys if k not in values]
    extra = [k for k in values if k not in keys]
    if missing or extra:
        raise AssertionError(f"{what}: the schema lacks {missing} and has {extra} unknown")
    return {k: values[k] for k in keys}


def _closed(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "properties": {k: {} for k in keys}, "additionalProperties": False}


def _kind(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    extra = KIND_KEYS[kind]
    properties = {kind: KIND_VALUES[kind], **options}
    schema: dict[str, Any] = {"type": "object", "required": [kind], "properties": properties}
    if extra is None:  # a method's or a function's own arguments, but no second kind
        schema["not"] = {"anyOf": [{"required": [k]} for k in KINDS if k != kind]}
    else:
        schema["properties"].update({k: EXTRA_VALUES[k] for k in extra})
        schema["additionalProperties"] = False
    return schema


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a YAML scenario file."""
    options = _described(OPTION_KEYS, OPTION_VALUES, "provider options")
    kinds = _described(KINDS, KIND_VALUES, "provider kinds")
    extras = {k for keys in KIND_KEYS.values() if keys for k in keys}
    _described(tuple(sorted(extras)), {k: EXTRA_VALUES[k] for k in sorted(EXTRA_VALUES)}, "keys")
    if set(KIND_KEYS) != set(kinds):
        raise AssertionError(f"KIND_KEYS {sorted(KIND_KEYS)} and KINDS {sorted(kinds)} differ")
    serve = _closed(SERVE_KEYS)
    serve["properties"].update(
        {
            "defaults": {"type": "boolean"},
            "paginate": _closed(PAGE_KEYS),
            "routes": {"type": "object", "additionalProperties": _closed(ROUTE_KEYS)},
            "by_key": {"type": "object", "additionalProperties": _closed(BY_KEY_KEYS)},
        }
    )
    serve["properties"]["routes"]["additionalProperties"]["properties"]["paginate"] = _closed(
        PAGE_KEYS
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_URL,
        "title": "seeder scenario",
        "description": "A seeder scenario file: what data to make (seeder validate checks more).",
        "type": "object",
        "required": ["entities"],
        "properties": _described(TOP_KEYS, TOP_VALUES, "scenario keys"),
        "additionalProperties": False,
        "$defs": {
            "entity": {
                "type": "object",
                "anyOf": [{"required": ["command"]}, {"required": ["existing"]}],
                "properties": _described(ENTITY_KEYS, ENTITY_VALUES, "entity keys"),
                "additionalProperties": False,
            },
            "existing": {
                "type": "object",
                "description": "records the service already holds, read before planning",
                "oneOf": [{"required": ["get"]}, {"required": ["sql", "dsn"]}],
                "properties": _described(EXISTING_KEYS, EXISTING_VALUES, "existing keys"),
                "additionalProperties": False,
            },
            "provider": {
                "description": "a plain value (a constant) or {kind: argument, options...}",
                "anyOf": [
                    {"type": ["string", "number", "integer", "boolean", "array", "null"]},
                    *(_kind(kind, options) for kind in KINDS),
                ],
            },
            "serve": serve,
        },
    }
