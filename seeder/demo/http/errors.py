"""How rejections look on the wire: the status and JSON body of the
:class:`~seeder.demo.errors.DomainError`, and FastAPI's own validation errors
reshaped to the same ``{"error", "message", "details"}`` body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from seeder.demo.errors import DomainError


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DomainError):  # registered for DomainError only
        raise exc
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for it only
        raise exc
    details = [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())),
            "problem": str(err.get("msg", "")),
        }
        for err in exc.errors()
    ]
    summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details)
    error = "invalid_command" if request.method == "POST" else "invalid_query"
    body = {"error": error, "message": summary, "details": details}
    return JSONResponse(body, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
