"""Commands and their bindings: the seam between a scenario and a service.

A *command* is a pydantic model of one application command (``PublishBook``): pure
data, no transport. A *binding* says how that command reaches a service: over HTTP
(method, path template, success statuses, where the new identity is, what credentials
to capture and how to present them) or in-process (a handler named by import path).
Bindings live next to the commands, in the project's ``commands/`` folder; this module
only defines their types, so the core never imports a service.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.machinery
import os
import re
import string
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from seeder.errors import BindingError
from seeder.shapes import REST, AnswerPath, answer_path, body_template, json_strings

__all__ = [
    "ASSUMED",
    "ENCODINGS",
    "HTTP_METHODS",
    "Adopt",
    "Binding",
    "Command",
    "Credential",
    "HttpBinding",
    "InProcessBinding",
    "Lookup",
    "Read",
    "Undo",
    "bind",
    "binding_of",
]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_SEEDER = str(Path(__file__).resolve().parent)


def _caller() -> tuple[str, int] | None:
    """Where the user's code made a binding: the first frame outside seeder."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith((_SEEDER, "<")):  # "<string>": dataclasses' __init__
            return filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _no_pydantic_plugins_installed() -> bool:
    """Whether, for sure, no installed distribution declares a ``pydantic`` entry
    point: the distributions ``importlib.metadata`` would find (each ``*.dist-info``
    and ``*.egg-info`` folder on ``sys.path``), looked at without importing it, so
    conservatively — any ``entry_points.txt`` that mentions pydantic, a zip or egg on
    ``sys.path``, a metadata finder other than the standard one, an unreadable file:
    not sure (False)."""
    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder:
            return False
    for root in sys.path:
        if not isinstance(root, str) or root.lower().endswith(".egg"):
            return False
        try:
            children = os.listdir(root or ".")
        except OSError:
            if os.path.exists(root or "."):
                return False  # a zip file: its metadata is read another way
            continue
        for child in children:
            if not child.lower().endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(root, child, "entry_points.txt"), "rb") as f:
                    text = f.read().decode("utf-8")
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
                continue  # importlib.metadata reads no entry points there either
            except (OSError, UnicodeDecodeError):
                return False
            if "pydantic" in text.lower():
                return False
    return True


def _skip_pydantic_plugin_scan() -> None:
    """Spares the process pydantic's search for its plugins when there are none.

    pydantic looks for plugins (the ``pydantic`` entry point group) when the first
    model class of a process is built: it imports ``importlib.metadata`` (and the
    ``email`` package with it) and reads every installed distribution's entry points,
    ~30 ms of a ~250 ms ``seeder validate``. :class:`Command` is that first model in
    a seeder process; just before it is built, if pydantic has not searched yet and
    no distribution declares a pydantic entry point (:func:`_no_pydantic_plugins_installed`,
    a cheap listing), pydantic is given the answer its search would find: no
    plugins. When one may be installed, pydantic searches as always, so a user's
    plugins see seeder's validations of their models as they would without this."""
    try:
        from pydantic.plugin import _loader
    except ImportError:  # pragma: no cover - another pydantic layout: it searches
        return
    if getattr(_loader, "_plugins", ()) is not None or getattr(_loader, "_loading_plugins", True):
        return  # searched already (a model was built before), or being searched
    if _no_pydantic_plugins_installed():
        _loader._plugins = {}


_skip_pydantic_plugin_scan()


class Command(BaseModel):
    """Base class of every command model.

    Unknown fields are refused, so a typo in a scenario or a binding fails early.
    """

    # populate_by_name: a scenario names fields by their Python names, and a field's
    # alias is its name on the wire (see HttpBinding.wire)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    __seeder_binding__: ClassVar[Binding | None] = None


@dataclass(frozen=True, slots=True)
class Credential:
    """A value captured from a response and presented on later commands sent on
    behalf of the entity that owns it (the *actor*).

    ``capture`` is a dotted path into the JSON response (``token`` or ``auth.token``);
    ``header``/``template`` say how it is presented: ``Authorization: Bearer {token}``.
    """

    name: str
    capture: str
    header: str = "Authorization"
    template: str = "Bearer {value}"
    secret: bool = True
    # -- recovery: how to get the credential again (it is never journaled) ----------
    # a login command (a Command class with an HTTP binding) whose fields are the
    # holder's fields of the same names (the secret the plan drew); its answer holds
    # the credential at ``capture``, like the creating command's answer
    login: type[Command] | None = None

    def __post_init__(self) -> None:
        where = _caller()
        if self.login is not None and not (
            isinstance(self.login, type)
            and issubclass(self.login, Command)
            and (b := binding_of(self.login)) is not None
            and b.http is not None
        ):
            raise BindingError(
                f"Credential login must be a Command class with an HTTP binding "
                f"(@bind(http=HttpBinding('POST', '/login'))), got {self.login!r}",
                where,
            )
        for attr in ("name", "capture", "header", "template"):
            value = getattr(self, attr)
            if not isinstance(value, str) or not value:
                raise BindingError(
                    f"Credential {attr} must be a non-empty string, got {value!r}", where
                )
        if "{value}" not in self.template:
            raise BindingError(
                f"Credential template {self.template!r} has no {{value}}; write e.g. "
                "'Bearer {value}'",
                where,
            )
        if not isinstance(self.secret, bool):
            raise BindingError(
                f"Credential secret must be True or False, got {self.secret!r}", where
            )


ENCODINGS = ("json", "form", "multipart")


class Assumed:
    """``idempotent`` left unsaid: taken as True (the service honours
    ``Idempotency-Key``), and ``seeder run`` against a URL says once that it assumed
    so, because a second run against a service that ignores the key duplicates."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "ASSUMED"


ASSUMED = Assumed()


@dataclass(frozen=True, slots=True)
class HttpBinding:
    """How a command is sent over HTTP.

    The request: ``path`` is a template whose ``{field}`` names are taken from the
    command; ``query`` and ``headers`` map wire names to fields sent there (a tuple
    of field names for the same names); every other field goes in the body, under
    its wire name (``wire``: field → name, by default the field's pydantic alias).
    The body is an object of those fields, or ``envelope`` (``"user"``,
    ``"data.attributes"``) wraps it, or ``body`` is a template
    (:mod:`seeder.shapes`: ``{"data": {"type": "articles", "attributes": "$..."}}``).
    ``encoding``: ``json``, ``form`` (urlencoded) or ``multipart``.

    The answer: ``identity`` says where the new identity is (:func:`seeder.shapes.
    answer_path`: ``id``, ``article.slug``, ``/run/info/run_id``, ``0.id``,
    ``header:X-Id``, or ``Location`` for the Location header's last segment);
    ``captures`` are further values recorded for references (``number`` for a
    composite key). ``idempotent`` says whether the service honours
    ``Idempotency-Key``; without it a crashed run cannot safely re-send (unsaid, it
    is assumed, and a run against a URL says so once: :class:`Assumed`).

    Recovery and pacing: ``lookup`` says how to find what a command made after a
    crash (and ``adopt`` what a conflict answer means): see :class:`Lookup`,
    :class:`Adopt`; ``timeout`` is this command's own (None: ``--timeout``); ``undo``
    the command that deletes what it made (``seeder undo``, ``--refresh``).
    """

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str
    success: tuple[int, ...] = (200, 201, 202, 204)
    identity: str | None = "id"
    captures: Mapping[str, str] = field(default_factory=dict)
    credential: Credential | None = None
    idempotent: bool | Assumed = ASSUMED
    body: Any = None
    envelope: str | None = None
    wire: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] | tuple[str, ...] = ()
    headers: Mapping[str, str] | tuple[str, ...] = ()
    encoding: Literal["json", "form", "multipart"] = "json"
    # -- recovery without idempotency keys (see Lookup and Adopt) -------------------
    lookup: Lookup | None = None
    adopt: Adopt | None = None
    # -- pacing: seconds to wait for this command's answer (None: --timeout) -------
    timeout: float | None = None
    # -- undo: the command that deletes what this one made (seeder undo, --refresh) --
    undo: Undo | None = None
    # -- reads: how what this command made is read (seeder plan --reads) -----------
    reads: tuple[Read, ...] = ()
    # where the commands module made it (file, line): its mistakes are said there
    defined_at: tuple[str, int] | None = field(default=None, compare=False, repr=False)
    _answer: dict[str, AnswerPath] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _template: Any = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = self.defined_at or _caller()
        object.__setattr__(self, "defined_at", where)
        for name in ("query", "headers"):
            value = getattr(self, name)
            if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
                object.__setattr__(self, name, {v: v for v in value})
        problem = _http_problem(self) or _shape_problem(self)
        if problem:
            raise BindingError(f"HttpBinding {problem}", where)
        template: Any = self.body
        if self.envelope is not None:  # the shortcut, as the template it stands for
            template = REST
            for key in reversed(self.envelope.split(".")):
                template = {key: template}
        object.__setattr__(self, "_template", template)
        paths = {}
        if self.identity is not None:
            paths[self.identity] = answer_path(self.identity)
        for name, text in self.captures.items():
            paths[name] = answer_path(text)
        if self.credential is not None:
            paths[self.credential.name] = answer_path(self.credential.capture)
        object.__setattr__(self, "_answer", paths)

    def path_fields(self) -> tuple[str, ...]:
        """Names interpolated into the path template, in order."""
        return _path_fields(self.path)

    def placed(self) -> dict[str, str]:
        """Fields sent outside the body's rest, by field: where each one goes
        (``path``, ``query``, ``header``, ``body``)."""
        where: dict[str, str] = {n: "path" for n in self.path_fields()}
        for kind, mapping in (("query", self.query), ("header", self.headers)):
            for name in mapping.values():  # type: ignore[union-attr]
                where.setdefault(name, kind)
        for name in self.template_fields():
            if name != REST:
                where.setdefault(name, "body")
        return where

    @property
    def template(self) -> Any:
        """The body template (``envelope`` as the template it stands for), or None:
        the body is the object of the fields."""
        return self._template

    def template_fields(self) -> list[str]:
        """The names the body template places (``$...`` for the rest), in order."""
        return body_template(self._template) if self._template is not None else []

    def answer_paths(self) -> dict[str, AnswerPath]:
        """Every place the binding reads in an answer, by what it reads it for."""
        return self._answer


def _http_problem(b: HttpBinding) -> str | None:
    """What is wrong with a binding's own fields, if anything."""
    if b.method not in HTTP_METHODS:
        return f"method {b.method!r} is not one of {', '.join(HTTP_METHODS)}"
    if not isinstance(b.path, str) or not b.path.startswith("/"):
        return f"path {b.path!r} must start with '/', e.g. '/tenants/{{tenant_id}}/books'"
    try:
        names = [n for _, n, _, _ in string.Formatter().parse(b.path) if n is not None]
    except ValueError as exc:
        return f"path {b.path!r}: {exc}; balance its braces"
    bad = next((n for n in names if not n.isidentifier()), None)
    if bad is not None:
        return f"path {b.path!r}: {{{bad}}} must name one field of the command"
    statuses = b.success if isinstance(b.success, tuple) else ()
    if not statuses or not all(_status(c) for c in statuses):
        return f"success must be a tuple of HTTP statuses (100-599), e.g. (201,), got {b.success!r}"
    if b.identity is not None and (not isinstance(b.identity, str) or not b.identity):
        return f"identity must be a response path or 'Location', got {b.identity!r}"
    if not isinstance(b.captures, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in b.captures.items()
    ):
        return f"captures must map names to response paths, got {b.captures!r}"
    if b.credential is not None and not isinstance(b.credential, Credential):
        return f"credential must be a Credential(...), got {b.credential!r}"
    if not isinstance(b.idempotent, bool | Assumed):
        return f"idempotent must be True or False, got {b.idempotent!r}"
    if b.timeout is not None and (
        isinstance(b.timeout, bool)
        or not isinstance(b.timeout, int | float)
        or not 0 < b.timeout < float("inf")
    ):
        return f"timeout must be seconds > 0 (or None for --timeout), got {b.timeout!r}"
    if b.undo is not None and not isinstance(b.undo, Undo):
        return f"undo must be an Undo(...), got {b.undo!r}"
    if not isinstance(b.reads, tuple) or not all(isinstance(r, Read) for r in b.reads):
        return f"reads must be a tuple of Read(...), got {b.reads!r}"
    return _recovery_problem(b)


def _shape_problem(b: HttpBinding) -> str | None:
    """What is wrong with the request and answer shapes a binding describes."""
    reads = [("identity", b.identity)] if b.identity is not None else []
    reads += [(f"captures {name!r}", text) for name, text in b.captures.items()]
    if b.credential is not None:
        reads.append(("credential capture", b.credential.capture))
    for what, text in reads:
        try:
            answer_path(text)
        except ValueError as exc:
            return f"{what} {text!r} {exc}"
    if b.encoding not in ENCODINGS:
        return f"encoding {b.encoding!r} is not one of {', '.join(ENCODINGS)}"
    for name in ("query", "headers", "wire"):
        mapping = getattr(b, name)
        if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in mapping.items()
        ):
            return (
                f"{name} must map names to field names (or be a tuple of field names), "
                f"got {mapping!r}"
            )
    bad = next((h for h in b.headers if not _HEADER.fullmatch(h)), None)
    if bad is not None:
        return f"headers: {bad!r} is not a header name"
    if b.envelope is not None:
        if b.body is not None:
            return "takes envelope= or body=, not both; write the envelope inside the body"
        if not isinstance(b.envelope, str) or not all(b.envelope.split(".")):
            return (
                "envelope must be a key or a dotted path such as 'data.attributes', "
                f"got {b.envelope!r}"
            )
    if b.body is not None:
        try:
            body_template(b.body)
        except ValueError as exc:
            return f"body template: {exc}"
        if b.encoding != "json" and not (
            isinstance(b.body, Mapping)
            and all(not isinstance(v, Mapping | list | tuple) for v in b.body.values())
        ):
            return f"body template must be a flat object for encoding={b.encoding!r}"
    if b.encoding != "json" and b.envelope is not None:
        return f"envelope needs encoding='json' (a {b.encoding} body is flat)"
    return None


_HEADER = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _status(code: object) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599


@functools.lru_cache(maxsize=1024)
def _path_fields(path: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(path) if name is not None)


# -- undo ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Undo:
    """The command that deletes what a command made, for ``seeder undo`` and
    ``seeder run --refresh``: ``method`` and ``path``, whose ``{names}`` are the
    command's fields as sent or the values captured from its answer (its identity
    ``id``, ``number``...). ``gone`` statuses say it was deleted already (an undo
    resumed after a crash). Entities whose binding has no Undo are kept, and said so.
    """

    path: str
    method: Literal["DELETE", "POST", "PUT", "PATCH"] = "DELETE"
    success: tuple[int, ...] = (200, 202, 204)
    gone: tuple[int, ...] = (404, 410)

    def __post_init__(self) -> None:
        where = _caller()
        if self.method not in ("DELETE", "POST", "PUT", "PATCH"):
            raise BindingError(
                f"Undo method {self.method!r} must be DELETE, POST, PUT or PATCH", where
            )
        names = _path_names("Undo", self.path, where)
        bad = next((n for n in names if not n.isidentifier()), None)
        if bad is not None:
            raise BindingError(
                f"Undo path {self.path!r}: {{{bad}}} must name a field or a captured value", where
            )
        for name, codes in (("success", self.success), ("gone", self.gone)):
            if not (isinstance(codes, tuple) and all(_status(c) for c in codes)):
                raise BindingError(
                    f"Undo {name} must be a tuple of HTTP statuses, got {codes!r}", where
                )

    def path_fields(self) -> tuple[str, ...]:
        return _path_fields(self.path)


def _path_names(what: str, path: object, where: tuple[str, int] | None) -> tuple[str, ...]:
    """The ``{names}`` of an Undo's or a Read's path, which must start with '/'."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise BindingError(f"{what} path {path!r} must start with '/', e.g. '/books/{{id}}'", where)
    try:
        return _path_fields(path)
    except ValueError as exc:
        raise BindingError(f"{what} path {path!r}: {exc}; balance its braces", where) from None


@dataclass(frozen=True, slots=True)
class Read:
    """A read of what a command made, for the read traffic of ``seeder plan
    --reads``: a ``GET`` of ``path`` whose ``{names}`` are the command's fields as
    sent or the values captured from its answer (``id``, ``number``), with ``query``
    parameters taken from the same names (``{"status": "status"}``: a filter from
    the scenario). ``weight``: its share of the reads among all the scenario's
    reads (normalised). Success is 200."""

    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    weight: float = 1.0

    def __post_init__(self) -> None:
        where = _caller()
        names = _path_names("Read", self.path, where)
        if not all(n.isidentifier() for n in names) or not (
            isinstance(self.query, Mapping)
            and all(isinstance(v, str) and v.isidentifier() for v in self.query.values())
        ):
            raise BindingError(
                f"Read {self.path!r}: path and query must name fields or captured values",
                where,
            )
        if (
            isinstance(self.weight, bool)
            or not isinstance(self.weight, int | float)
            or not (0 < self.weight < float("inf"))
        ):
            raise BindingError(f"Read weight must be > 0, got {self.weight!r}", where)

    def names(self) -> tuple[str, ...]:
        """The fields or captured values the read needs."""
        return (*_path_fields(self.path), *self.query.values())


# -- recovery without idempotency keys ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Lookup:
    """How to find what a command made, by a natural key, when its service does not
    honour ``Idempotency-Key``: a ``GET`` of ``path`` (the command's fields
    interpolated, like the binding's path) with ``query`` parameters taken from the
    command's fields (``{"isbn": "isbn"}``: parameter name -> field).

    A service whose search is a ``POST`` (MLflow's ``runs/search``) takes
    ``method="POST"`` and a JSON ``body`` whose strings are formatted with the
    command's fields like the path (``"attributes.run_name = '{run_name}'"``, as
    is: no quoting); a string that is only ``"{field}"`` is the field's value as it
    is (a number stays a number). A search changes nothing, so it is retried.

    ``items`` is the dotted path of the list of matches in the answer (``items``,
    ``data.results``; ``""``: the answer is the list): none is *not found*, one is
    the entity, more is ambiguous. ``omits_empty=True``: the service leaves the list
    out of its answer when nothing matches (protobuf's JSON: MLflow answers ``{}``),
    so no list there is *not found* rather than a lookup that could not tell.
    ``items=None``: the answer is the entity itself and 404 means not found. The
    identity and captures are read from the entity with the binding's own paths, or
    ``identity`` and ``captures`` (capture name -> path in the entity) when given:
    an entity in a list is rarely wrapped as the command's answer was.
    """

    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    items: str | None = "items"
    identity: str | None = None
    method: Literal["GET", "POST"] = "GET"
    body: Any = None
    captures: Mapping[str, str] = field(default_factory=dict)
    omits_empty: bool = False
    defined_at: tuple[str, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = self.defined_at or _caller()
        object.__setattr__(self, "defined_at", where)
        problem = _lookup_problem(self)
        if problem:
            raise BindingError(f"Lookup {problem}", where)

    def path_fields(self) -> tuple[str, ...]:
        return _path_fields(self.path)

    def body_fields(self) -> tuple[str, ...]:
        """The fields the body's strings name, in order."""
        if self.body is None:
            return ()
        return tuple(dict.fromkeys(_lookup_body_fields(self.body)))

    def fields(self) -> tuple[str, ...]:
        """Every field the lookup reads: in its path, query and body."""
        return (*self.path_fields(), *self.query.values(), *self.body_fields())

    def filled_body(self, fields: Mapping[str, Any]) -> Any:
        """The body with the command's ``fields`` in it (see the class docstring)."""
        return _fill_lookup_body(self.body, fields)


@dataclass(frozen=True, slots=True)
class Adopt:
    """What a conflict answer means: the entity exists already. A command sent
    again after an uncertain outcome (a lost answer, a crash) that meets one of
    ``statuses`` — with ``message`` in its words, when given (case-insensitive) —
    adopts the entity the binding's lookup finds, if its fields are the command's.
    A first send meeting a conflict stays a rejection: the entity is someone else's.
    """

    statuses: tuple[int, ...] = (409,)
    message: str | None = None

    def __post_init__(self) -> None:
        problem = _adopt_problem(self)
        if problem:
            raise BindingError(f"Adopt {problem}", _caller())


def _lookup_problem(lookup: Lookup) -> str | None:
    if not isinstance(lookup.path, str) or not lookup.path.startswith("/"):
        return f"path {lookup.path!r} must start with '/', e.g. '/users'"
    try:
        names = lookup.path_fields()
    except ValueError as exc:
        return f"path {lookup.path!r}: {exc}; balance its braces"
    bad = next((n for n in names if not n.isidentifier()), None)
    if bad is not None:
        return f"path {lookup.path!r}: {{{bad}}} must name one field of the command"
    if not isinstance(lookup.query, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v.isidentifier()
        for k, v in lookup.query.items()
    ):
        return f"query must map parameter names to fields, got {lookup.query!r}"
    if lookup.items is not None and not isinstance(lookup.items, str):
        return f"items must be a response path, '' or None, got {lookup.items!r}"
    if lookup.identity is not None and (
        not isinstance(lookup.identity, str) or not lookup.identity
    ):
        return f"identity must be a response path, got {lookup.identity!r}"
    return _lookup_search_problem(lookup) or _lookup_entity_problem(lookup)


def _lookup_search_problem(lookup: Lookup) -> str | None:
    """What is wrong with a lookup's method and body."""
    if lookup.method not in ("GET", "POST"):
        return f"method {lookup.method!r} must be 'GET' or 'POST' (a search that changes nothing)"
    if lookup.method == "POST" and not isinstance(lookup.body, Mapping | list):
        return (
            "method='POST' needs a JSON body (an object), e.g. "
            'body={"filter": "name = \'{name}\'"}'
        )
    if lookup.body is not None:
        if lookup.method != "POST":
            return "body is sent only with method='POST'; add method='POST'"
        try:
            names = _lookup_body_fields(lookup.body)
        except ValueError as exc:
            return f"body: {exc}"
        bad = next((n for n in names if not n.isidentifier()), None)
        if bad is not None:
            return f"body: {{{bad}}} must name one field of the command"
    return None


def _lookup_entity_problem(lookup: Lookup) -> str | None:
    """What is wrong with where a lookup reads its entity."""
    if not isinstance(lookup.captures, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in lookup.captures.items()
    ):
        return f"captures must map capture names to paths in the entity, got {lookup.captures!r}"
    for name, text in lookup.captures.items():
        try:
            answer_path(text)
        except ValueError as exc:
            return f"captures {name!r}: {text!r} {exc}"
    if not isinstance(lookup.omits_empty, bool):
        return f"omits_empty must be True or False, got {lookup.omits_empty!r}"
    if lookup.omits_empty and not lookup.items:
        return "omits_empty needs items, the path of the list the service leaves out"
    return None


def _lookup_body_fields(body: Any) -> list[str]:
    """The ``{names}`` in a lookup body's strings; ValueError for what is not JSON
    or a string whose braces do not balance."""
    names: list[str] = []
    for where, value in json_strings(body):
        try:
            names.extend(_path_fields(value))
        except ValueError as exc:
            raise ValueError(f"{where or 'body'}: {value!r}: {exc}; balance its braces") from None
    return names


_WHOLE_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _fill_lookup_body(body: Any, fields: Mapping[str, Any]) -> Any:
    """A lookup body with the command's values in its strings."""
    if isinstance(body, str):
        whole = _WHOLE_FIELD.fullmatch(body)
        if whole is not None:  # only "{field}": the value as it is
            return fields.get(whole.group(1))
        return body.format_map({n: fields.get(n) for n in _path_fields(body)})
    if isinstance(body, Mapping):
        return {k: _fill_lookup_body(v, fields) for k, v in body.items()}
    if isinstance(body, list | tuple):
        return [_fill_lookup_body(v, fields) for v in body]
    return body


def _adopt_problem(adopt: Adopt) -> str | None:
    if not (isinstance(adopt.statuses, tuple) and adopt.statuses) or not all(
        _status(c) and c >= 400 for c in adopt.statuses
    ):
        return f"statuses must be a tuple of 4xx/5xx statuses, got {adopt.statuses!r}"
    if adopt.message is not None and (not isinstance(adopt.message, str) or not adopt.message):
        return f"message must be a non-empty string or None, got {adopt.message!r}"
    return None


def _recovery_problem(b: HttpBinding) -> str | None:
    if b.lookup is not None and not isinstance(b.lookup, Lookup):
        return f"lookup must be a Lookup(...), got {b.lookup!r}"
    if b.adopt is not None and not isinstance(b.adopt, Adopt):
        return f"adopt must be an Adopt(...), got {b.adopt!r}"
    if b.adopt is not None and b.lookup is None:
        return "adopt needs a lookup to find the entity it adopts; add lookup=Lookup(...)"
    if b.lookup is not None and (b.lookup.identity or b.identity) == "Location":
        return (
            "lookup needs an identity path in its answer (the binding's is 'Location'); "
            "give Lookup(..., identity='id')"
        )
    unknown = [n for n in b.lookup.captures if n not in b.captures] if b.lookup else []
    if unknown:
        return (
            f"lookup captures {unknown[0]!r}, which the binding does not capture "
            f"(its captures: {', '.join(sorted(b.captures)) or 'none'})"
        )
    return None


def _check_recovery_fields(cls: type[Command], http: HttpBinding) -> None:
    """The recovery options name fields the command has (checked when bound)."""
    fields = cls.model_fields
    lookup = http.lookup
    if lookup is not None:
        for name in lookup.fields():
            if name not in fields:
                raise BindingError(
                    f"Lookup names {name!r}, which is not a field of {cls.__name__}",
                    lookup.defined_at,
                )
    undo = http.undo
    if undo is not None:
        known = {*fields, *http.captures}
        if http.identity and http.identity != "Location":
            known.add(http.identity)
        if http.identity == "Location":
            known.add("id")
        for name in undo.path_fields():
            if name not in known:
                raise BindingError(
                    f"Undo path names {name!r}, which is neither a field of {cls.__name__} "
                    f"nor captured from its answer ({', '.join(sorted(known))})",
                    http.defined_at,
                )
    login = http.credential.login if http.credential is not None else None
    if login is not None:
        missing = [n for n in login.model_fields if n not in fields]
        if missing:
            raise BindingError(
                f"Credential login {login.__name__} needs {', '.join(missing)}, which "
                f"{cls.__name__} does not have (its fields are sent from the holder's)",
                http.defined_at,
            )


@dataclass(frozen=True, slots=True)
class InProcessBinding:
    """How a command is dispatched in-process: ``handler`` names a method of the
    target *application object* (``application.publish_book(command, credential=...)``),
    so a commands module never imports the service it targets. The method returns a
    mapping holding the identity and captured fields, as the HTTP response would.
    """

    handler: str

    def __post_init__(self) -> None:
        if not isinstance(self.handler, str) or not self.handler.isidentifier():
            raise BindingError(
                f"handler must name a method of the application object, got {self.handler!r}",
                _caller(),
            )


@dataclass(frozen=True, slots=True)
class Binding:
    """All the ways one command can be sent."""

    http: HttpBinding | None = None
    in_process: InProcessBinding | None = None


C = TypeVar("C", bound=type[Command])


def bind(*, http: HttpBinding | None = None, handler: str | None = None) -> Callable[[C], C]:
    """Class decorator attaching a binding to a command model."""

    if http is not None and not isinstance(http, HttpBinding):
        raise BindingError(f"bind(http=...) takes an HttpBinding(...), got {http!r}", _caller())

    def decorate(cls: C) -> C:
        if not (isinstance(cls, type) and issubclass(cls, Command)):
            raise BindingError(f"@bind decorates a seeder.Command subclass, got {cls!r}", _caller())
        bound = http
        if http is not None:
            _check_recovery_fields(cls, http)
        if http is not None:  # a field's pydantic alias is its name on the wire
            aliases = {
                name: info.serialization_alias or info.alias
                for name, info in _model_fields(cls).items()
                if (info.serialization_alias or info.alias) not in (None, name)
            }
            if aliases:
                wire = {**aliases, **http.wire}
                bound = dataclasses.replace(http, wire=wire, defined_at=http.defined_at)
        cls.__seeder_binding__ = Binding(
            http=bound, in_process=InProcessBinding(handler) if handler else None
        )
        return cls

    return decorate


def _model_fields(cls: type[Command]) -> dict[str, Any]:
    fields: dict[str, Any] = cls.model_fields
    return fields


def binding_of(command: type[Command]) -> Binding | None:
    """The binding attached to ``command`` by :func:`bind`, if any."""
    return command.__seeder_binding__
