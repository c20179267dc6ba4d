"""The sandbox's HTTP face: a FastAPI app over a built store.

``GET /`` lists the routes, ``GET /_counts`` the instances per entity; every
collection and instance route of the :class:`~seeder.serve.routes.Site` answers in
JSON, NDJSON or CSV. Unknown query parameters and bad paging values are a 422 in
FastAPI's shape, unknown owners and keys a 404.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from seeder.errors import suggest
from seeder.model import Model
from seeder.scenario.serving import Paging
from seeder.serve import formats
from seeder.serve.bykey import ByKey
from seeder.serve.pages import (
    Invalid,
    Window,
    envelope,
    envelope_names,
    paging_params,
    read_window,
)
from seeder.serve.reads import NotFound, Page, Reads
from seeder.serve.routes import PATH_PARAM, Collection, Instance, Keyed
from seeder.serve.runs import Problem, RunRequest, Runs, parse_request, problem_body
from seeder.serve.store import Store

__all__ = ["make_app"]

Endpoint = Callable[[Request], Awaitable[Response]]


class _Readers:
    """One read connection per thread (the event loop's, in practice)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.local = threading.local()

    def get(self) -> Reads:
        reads: Reads | None = getattr(self.local, "reads", None)
        if reads is None:
            reads = Reads(self.store, self.store.reader())
            self.local.reads = reads
        return reads


def _param(name: str, where: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema}


def _paging_doc(p: Paging) -> list[dict[str, Any]]:
    size = {"type": "integer", "minimum": 1, "maximum": p.max, "default": p.default}
    if p.style == "page":
        paging = [
            _param(p.page, "query", {"type": "integer", "minimum": p.first, "default": p.first}),
            _param(p.size, "query", size),
        ]
    elif p.style == "cursor":
        paging = [_param(p.cursor, "query", {"type": "string"}), _param(p.limit, "query", size)]
    else:
        paging = [
            _param(p.offset, "query", {"type": "integer", "minimum": 0, "default": 0}),
            _param(p.limit, "query", size),
        ]
    return paging


_FORMAT = _param("format", "query", {"type": "string", "enum": list(formats.FORMATS)})


def _collection_doc(path: str, paging: Paging, queries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "parameters": [
            *(_param(n, "path", {"type": "string"}, True) for n in PATH_PARAM.findall(path)),
            *_paging_doc(paging),
            _FORMAT,
            *queries,
        ],
        "responses": {
            "200": {
                "description": "one page",
                "content": {t.split(";")[0]: {} for t in formats.FORMATS.values()},
            },
            "404": {"description": "no such owner"},
            "422": {"description": "a query parameter is refused"},
        },
    }


def _collection(c: Collection, readers: _Readers) -> Endpoint:
    shown = [name for name, _ in c.shown]
    allowed = (*paging_params(c.paging), "format", *shown)
    names = envelope_names(c.paging, c.envelope)

    async def collection(request: Request) -> Response:
        query = request.query_params
        try:
            _known(query, allowed)
            kind = formats.choose(query.get("format"), request.headers.get("accept"))
            window = read_window(c.paging, query)
            filters = {k: query[k] for k in shown if k in query}
            page = readers.get().page(c, request.path_params, filters, window)
        except Invalid as exc:
            return JSONResponse(exc.detail(), status_code=422)
        except NotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return _respond(kind, c.paging, names, window, page, shown)

    return collection


def _respond(
    kind: str, paging: Paging, names: dict[str, str], window: Window, page: Page, shown: list[str]
) -> Response:
    rest = envelope(paging, names, window, page.total, page.next_n)
    headers = {"X-Total-Count": str(page.total)}
    if paging.style == "cursor" and page.next_n is not None:
        headers["X-Next-Cursor"] = str(dict(rest)[names["next"]])
    if kind == "json":
        body = formats.json_body(page.items, rest, names["items"])
    elif kind == "ndjson":
        body = formats.ndjson_body(page.items)
    else:
        body = formats.csv_body(shown, page.items)
    return Response(body, media_type=formats.FORMATS[kind], headers=headers)


def _keyed(k: Keyed, by_key: ByKey) -> Endpoint:
    shown = list(k.table.columns)
    window_params = ("from", "to") if k.window else ()
    allowed = (*paging_params(k.paging), "format", *window_params)
    names = envelope_names(k.paging, k.envelope)

    async def keyed(request: Request) -> Response:
        query = request.query_params
        try:
            _known(query, allowed)
            kind = formats.choose(query.get("format"), request.headers.get("accept"))
            window = read_window(k.paging, query)
            key = request.path_params[k.param]
            made = by_key.children(k, key, query.get("to"))
            made = by_key.window(k, made, query.get("from"))
        except Invalid as exc:
            return JSONResponse(exc.detail(), status_code=422)
        start = window.offset if window.after is None else window.after
        items = made[start : start + window.limit]
        more = start + window.limit < len(made)
        page = Page(items, len(made), start + window.limit if more else None)
        return _respond(kind, k.paging, names, window, page, shown)

    return keyed


def _known(query: Any, allowed: tuple[str, ...]) -> None:
    for name in query:
        if name not in allowed:
            hint = suggest(name, allowed) or f"allowed: {', '.join(allowed)}"
            raise Invalid("query", name, f"unknown query parameter {name!r}; {hint}")


def _instance(i: Instance, readers: _Readers) -> Endpoint:
    param = i.table.param

    async def instance(request: Request) -> Response:
        try:
            item = readers.get().instance(i.table, request.path_params[param])
        except NotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return Response(formats.json_object(item), media_type="application/json")

    return instance


def make_app(
    model: Model, store: Store, *, title: str = "seeder serve", runs: Runs | None = None
) -> FastAPI:
    """The read API over ``store`` (built already from ``model``), and with ``runs``
    the runs API (``/runs``)."""
    site = store.site
    readers = _Readers(store)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if runs is not None:
            await runs.close()

    about = "Synthetic data from a seeder scenario, read-only"
    app = FastAPI(
        title=title,
        description=f"{about}; and seeding runs started over HTTP." if runs else f"{about}.",
        lifespan=lifespan,
    )
    if runs is not None:
        _runs_api(app, runs)
    routes_index: list[dict[str, Any]] = [
        {"path": c.path, "entity": c.table.entity, "paginate": c.paging.style}
        for c in site.collections
    ] + [{"path": i.path, "entity": i.table.entity} for i in site.instances]
    routes_index += [
        {"path": k.path, "entity": k.table.entity, "paginate": k.paging.style, "by_key": True}
        for k in site.keyed
    ]

    @app.get("/", summary="The routes this sandbox serves")
    async def index() -> dict[str, Any]:
        return {"routes": routes_index}

    @app.get("/_status", summary="How far planning is: rows stored, complete or not")
    async def status() -> dict[str, Any]:
        return {"rows": store.rows, "complete": store.complete, "failed": store.failed}

    @app.get("/_counts", summary="How many of each entity there are")
    async def counts() -> dict[str, int]:
        return readers.get().counts()

    for c in site.collections:
        app.add_api_route(
            c.path,
            _collection(c, readers),
            methods=["GET"],
            name=c.name,
            summary=f"{c.table.entity}: a page ({c.paging.style} paging)",
            openapi_extra=_collection_doc(
                c.path,
                c.paging,
                [_param(shown, "query", {"type": "string"}) for shown, _ in c.shown],
            ),
            response_class=Response,
        )
    by_key = ByKey(model, site)
    for k in site.keyed:
        moments = {"type": "string", "format": "date-time"}
        app.add_api_route(
            k.path,
            _keyed(k, by_key),
            methods=["GET"],
            name=k.name,
            summary=f"{k.table.entity} of any {k.parent.entity}, made on demand from its key",
            openapi_extra=_collection_doc(
                k.path,
                k.paging,
                [_param("from", "query", moments), _param("to", "query", moments)]
                if k.window
                else [],
            ),
            response_class=Response,
        )
    for i in site.instances:
        app.add_api_route(
            i.path,
            _instance(i, readers),
            methods=["GET"],
            name=f"{i.table.entity}.one",
            summary=f"one {i.table.entity} by its {i.table.key}",
            openapi_extra={
                "parameters": [_param(i.table.param, "path", {"type": "string"}, True)],
                "responses": {"404": {"description": "no such key"}},
            },
            response_class=Response,
        )
    return app


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
_RUN = {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}
_RUN_SCHEMA = {
    "type": "object",
    "required": ["id", "status", "scenario", "target", "header_names"],
    "properties": {
        "id": {"type": "string"},
        "status": {
            "type": "string",
            "enum": [
                "starting",
                "running",
                "stopping",
                "done",
                "incomplete",
                "interrupted",
                "failed",
            ],
        },
        "scenario": {"type": "string"},
        "target": {"type": "string"},
        "header_names": {"type": "array", "items": {"type": "string"}},
        "exit_code": {"type": ["integer", "null"]},
        "progress": {"type": ["object", "null"]},
        "report": {"description": "once ended: the JSON report (seeder/report.schema.json)"},
    },
}


def _problem(p: Problem) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if p.status == 401 else None
    return JSONResponse(
        problem_body(p),
        status_code=p.status,
        media_type="application/problem+json",
        headers=headers,
    )


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": "refused: a problem (RFC 7807)", "content": _PROBLEM}
        for s in statuses
    }


def _runs_api(app: FastAPI, runs: Runs) -> None:
    """``/runs``: start, watch, stop and resume seeding runs (see :mod:`.runs`)."""
    guarded = (401,) if runs.token else ()

    def doc(ok: str, what: str, *statuses: int, body: bool = False) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "responses": {
                ok: {"description": what, "content": _RUN},
                **_errors(*guarded, *statuses),
            }
        }
        if body:
            schema = RunRequest.model_json_schema()
            extra["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema}},
            }
        return extra

    @app.post(
        "/runs",
        summary="Start a seeding run",
        response_class=Response,
        openapi_extra=doc("201", "started", 400, 409, 422, 429, body=True),
    )
    async def start_run(request: Request) -> Response:
        try:
            runs.authorize(request.headers.get("authorization"))
            run = await runs.start(parse_request(await request.body()))
        except Problem as p:
            return _problem(p)
        return JSONResponse(
            run.shown(full=True), status_code=201, headers={"Location": f"/runs/{run.id}"}
        )

    @app.get(
        "/runs",
        summary="The runs started here, newest first",
        response_class=Response,
        openapi_extra={
            "responses": {
                "200": {
                    "description": "the runs",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "runs": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Run"},
                                    },
                                    "scenarios": {"type": "array"},
                                },
                            }
                        }
                    },
                },
                **_errors(*guarded),
            }
        },
    )
    async def list_runs(request: Request) -> Response:
        try:
            runs.authorize(request.headers.get("authorization"))
        except Problem as p:
            return _problem(p)
        return JSONResponse({"runs": runs.listing(), "scenarios": runs.offered_names()})

    run_id = [_param("run_id", "path", {"type": "string"}, True)]

    @app.get(
        "/runs/{run_id}",
        summary="A run: status, progress, and once ended its report",
        response_class=Response,
        openapi_extra={"parameters": run_id, **doc("200", "the run", 404)},
    )
    async def get_run(request: Request) -> Response:
        try:
            runs.authorize(request.headers.get("authorization"))
            run = runs.get(request.path_params["run_id"])
        except Problem as p:
            return _problem(p)
        return JSONResponse(run.shown(full=True))

    @app.delete(
        "/runs/{run_id}",
        summary="Interrupt a run gracefully (its journal is kept: it resumes)",
        response_class=Response,
        openapi_extra={"parameters": run_id, **doc("202", "stopping", 404, 409)},
    )
    async def stop_run(request: Request) -> Response:
        try:
            runs.authorize(request.headers.get("authorization"))
            run = runs.stop(request.path_params["run_id"])
        except Problem as p:
            return _problem(p)
        return JSONResponse(run.shown(full=True), status_code=202)

    @app.post(
        "/runs/{run_id}/resume",
        summary="Continue an interrupted or incomplete run from its journal",
        response_class=Response,
        openapi_extra={"parameters": run_id, **doc("201", "resumed", 404, 409, 422, 429)},
    )
    async def resume_run(request: Request) -> Response:
        try:
            runs.authorize(request.headers.get("authorization"))
            run = await runs.resume(request.path_params["run_id"])
        except Problem as p:
            return _problem(p)
        return JSONResponse(
            run.shown(full=True), status_code=201, headers={"Location": f"/runs/{run.id}"}
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = _PROBLEM_SCHEMA
            schemas["Run"] = _RUN_SCHEMA
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
