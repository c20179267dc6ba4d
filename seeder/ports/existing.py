"""Reading the records of ``existing:`` entities before planning: a list endpoint
of the target, page after page, or a SQL query on PostgreSQL.

The records become the model's ``records`` (ordered by identity, so that the same
records give the same plan), and their digest joins the model's fingerprint: a
run over other records is another plan, and a journal of the first refuses it.
Whatever goes wrong (the endpoint answers 404, the query fails, identities
repeat) is said at the scenario's ``existing:`` line, before anything is sent.
Header values and a DSN's password are never shown.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import os
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import orjson

from seeder.errors import redact_url
from seeder.model import Model, with_records
from seeder.scenario import Existing
from seeder.scenario.existing import MAX_EXISTING
from seeder.scenario.problems import Path_, Problems
from seeder.shapes import answer_path

if TYPE_CHECKING:  # imported when records are read: validate and plan do not pay for httpx
    import httpx

__all__ = ["read_records", "reads_records"]

_LISTS = ("items", "data", "results")
_PARAM_DEFAULTS = {"offset": "offset", "limit": "limit", "page": "page", "size": "size"}
TIMEOUT = 30.0


class _Unreadable(Exception):
    """What went wrong reading one entity's records, said at its existing: line."""

    def __init__(self, message: str, at: Path_ = ()) -> None:
        super().__init__(message)
        self.at = at


def reads_records(model: Model) -> bool:
    """Whether ``model`` has existing entities whose records are still to read."""
    return model.records is None and any(em.existing for em in model.entities.values())


def read_records(
    model: Model,
    target: str | None,
    headers: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Model:
    """``model`` with the records of its existing entities read (a model without
    existing entities is returned as it is)."""
    if not reads_records(model):
        return model
    environ = os.environ if environ is None else environ
    problems = Problems(model.scenario.source, model.locate)
    records: dict[str, list[dict[str, Any]]] = {}
    for name, em in model.entities.items():
        existing = em.existing
        if existing is None:
            continue
        at: Path_ = ("entities", name, "existing")
        try:
            if existing.get is not None:
                rows = _read_http(name, existing, target, headers or {})
            else:
                rows = _read_sql(existing, environ)
            records[name] = _ordered(name, rows, em.identity, existing)
        except _Unreadable as exc:
            problems.add((*at, *exc.at), f"existing {name}: {exc}")
    problems.raise_if_any()
    for name, em in model.entities.items():
        if em.existing is not None and name in records:
            for fname, other in em.existing.refs.items():
                identity = model.entities[other].identity
                held = records.get(other, [])
                problem = _dangling(name, fname, records[name], other, identity, held)
                if problem:
                    problems.add(("entities", name, "existing", "refs", fname), problem)
    problems.raise_if_any()
    digest = hashlib.blake2b(model.fingerprint.encode(), digest_size=6)
    for name in sorted(records):
        digest.update(name.encode())
        for record in records[name]:
            digest.update(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    return with_records(model, records, digest.hexdigest())


def _dangling(
    name: str,
    fname: str,
    rows: list[dict[str, Any]],
    target: str,
    identity: str,
    held: list[dict[str, Any]],
) -> str | None:
    """What is wrong when records of ``name`` refer by ``fname`` to ``target``
    records that were not read: a reference lands only on a record seeder holds."""
    known = {record[identity] for record in held}
    missing = [row[fname] for row in rows if row.get(fname) is not None and row[fname] not in known]
    if not missing:
        return None
    return (
        f"existing {name}: {len(missing):,} of its {len(rows):,} records have a {fname} "
        f"that is none of the {len(held):,} {target} records read (e.g. {missing[0]!r}); "
        f"read those {target} records too, or narrow what is read of {name}"
    )


def _ordered(
    name: str, rows: list[dict[str, Any]], identity: str, existing: Existing
) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    for row in rows:
        value = row.get(identity)
        if value is None:
            raise _Unreadable(
                f"a record has no {identity!r} (keys: {', '.join(sorted(row)) or 'none'}); "
                "name the identity with identity: or map it under existing: fields:"
            )
        if value in seen:
            raise _Unreadable(
                f"identity {identity!r} repeats ({value!r}); records must be told apart: "
                "give identity: a field that is unique"
            )
        seen.add(value)
    if not rows:
        raise _Unreadable(
            "no records were read, so nothing can refer to them; fill the service first "
            "or read from elsewhere",
            ("sql" if existing.sql is not None else "get",),
        )
    return sorted(rows, key=lambda r: (type(r[identity]).__name__, r[identity]))


# -- over HTTP ------------------------------------------------------------------


def _read_http(
    name: str, existing: Existing, target: str | None, headers: Mapping[str, str]
) -> list[dict[str, Any]]:
    if target is None or not target.startswith(("http://", "https://")):
        if target is None:
            how = (
                "there is none here: give seeder plan --target http://... (seeder serve "
                "has no target: it reads only sql: records)"
            )
        else:
            how = (
                f"{target!r} is not one: give --target http://... (the embedded demo "
                "starts empty: nothing exists in it)"
            )
        raise _Unreadable(f"get: reads a list endpoint of the target, and {how}", ("get",))
    kept = existing.kept()
    paths = {n: answer_path(p) for n, p in (kept or {}).items()}
    rows: list[dict[str, Any]] = []
    import httpx

    try:
        with httpx.Client(headers=dict(headers), timeout=TIMEOUT) as client:
            for page in _pages(client, target, existing):
                for record in page:
                    if _full(
                        rows,
                        existing,
                        "records; say how many to read with limit:, or "
                        "narrow the endpoint (a filter)",
                        "get",
                    ):
                        return rows
                    rows.append(_kept(record, paths))
    except httpx.HTTPError as exc:
        raise _Unreadable(
            f"cannot read {redact_url(target)}{existing.get}: {type(exc).__name__}: {exc}; "
            "is the service up at --target?",
            ("get",),
        ) from None
    return rows


def _pages(client: httpx.Client, target: str, existing: Existing) -> Iterator[list[Any]]:
    names = {**_PARAM_DEFAULTS, **existing.params}
    url = target.rstrip("/") + str(existing.get)
    size = existing.page_size
    number = existing.first_page
    offset = 0
    seen_urls: set[str] = set()
    while True:
        params: dict[str, Any] = {}
        if existing.paging == "offset":
            params = {names["offset"]: offset, names["limit"]: size}
        elif existing.paging == "page":
            params = {names["page"]: number, names["size"]: size}
        answer = client.get(url, params=params)
        if answer.status_code != 200:
            raise _Unreadable(
                f"GET {answer.request.url.path} answered {answer.status_code} "
                f"{answer.reason_phrase}; check the path (and --header for its credential)",
                ("get",),
            )
        try:
            body = answer.json()
        except ValueError:
            raise _Unreadable(f"GET {url} did not answer JSON", ("get",)) from None
        items = _items(body, existing)
        yield items
        if existing.paging == "none" or not items:
            return
        if existing.paging == "next":
            following = answer_path(existing.next).read(body, answer.headers)
            if not following:
                return
            url = urljoin(str(answer.request.url), str(following))
            if url in seen_urls:
                raise _Unreadable(f"next: leads back to {url}; it must end", ("next",))
            seen_urls.add(url)
            continue
        if len(items) < size:
            return
        offset += len(items)
        number += 1


def _full(rows: list[dict[str, Any]], existing: Existing, fix: str, at: str) -> bool:
    """Whether ``rows`` hold all that may be read: ``limit:``, else a refusal past
    MAX_EXISTING (never a pool cut short without being asked)."""
    if len(rows) < (existing.limit or MAX_EXISTING):
        return False
    if existing.limit is None:
        raise _Unreadable(f"more than {MAX_EXISTING:,} {fix}", (at,))
    return True


def _items(body: Any, existing: Existing) -> list[Any]:
    if existing.items is not None:
        found = answer_path(existing.items).read(body)
        if not isinstance(found, list):
            raise _Unreadable(
                f"items: {existing.items!r} is not a list in the answer "
                f"(found {type(found).__name__})",
                ("items",),
            )
        return found
    if isinstance(body, list):
        return body
    if isinstance(body, Mapping):
        for key in _LISTS:
            if isinstance(body.get(key), list):
                return list(body[key])
    shown = ", ".join(sorted(body)) if isinstance(body, Mapping) else type(body).__name__
    raise _Unreadable(
        f"the answer holds no list of records ({shown}); say where they are with items:",
        ("items",),
    )


def _kept(record: Any, paths: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(record, Mapping):
        raise _Unreadable(f"a record is not an object: {str(record)[:80]}", ("items",))
    if not paths:
        return {str(k): v for k, v in record.items() if not isinstance(v, Mapping | list)}
    return {name: path.read(record) for name, path in paths.items()}


# -- from SQL ---------------------------------------------------------------------


def _read_sql(existing: Existing, environ: Mapping[str, str]) -> list[dict[str, Any]]:
    dsn = str(existing.dsn)
    if dsn.startswith("$"):
        variable = dsn[1:].strip("{}")
        if variable not in environ:
            raise _Unreadable(f"dsn: the environment variable {variable} is not set", ("dsn",))
        dsn = environ[variable]
    try:
        import psycopg
        from psycopg.rows import dict_row
    except ImportError:
        raise _Unreadable(
            "sql: needs psycopg; pip install 'command-seeder[postgres]'", ("sql",)
        ) from None
    kept = existing.kept()
    rows: list[dict[str, Any]] = []
    try:
        with psycopg.connect(dsn, connect_timeout=10, autocommit=False) as conn:
            conn.read_only = True
            with conn.cursor(name="seeder_existing", row_factory=dict_row) as cur:
                cur.itersize = 10_000
                cur.execute(str(existing.sql))
                for row in cur:
                    if _full(
                        rows, existing, "rows; add limit: or a WHERE/LIMIT to the query", "sql"
                    ):
                        break
                    values = {k: _plain(v) for k, v in row.items()}
                    rows.append(
                        {n: values.get(p) for n, p in kept.items()} if kept is not None else values
                    )
    except psycopg.Error as exc:
        shown = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _Unreadable(
            f"the query failed on {_shown_dsn(dsn)}: {shown.replace(dsn, _shown_dsn(dsn))}",
            ("sql",),
        ) from None
    return rows


def _plain(value: Any) -> Any:
    """A database value as the plan writes it (JSON): numbers, text, ISO dates."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        raise _Unreadable("a column is binary; select text or numbers", ("sql",))
    return value


def _shown_dsn(dsn: str) -> str:
    """A DSN as it may be shown: a URL's password, or ``password=...``, hidden."""
    if "://" in dsn:
        return redact_url(dsn)
    return " ".join(
        "password=***" if part.lower().startswith("password=") else part for part in dsn.split()
    )
