"""RFC 9457 problem details: every error of the API is ``application/problem+json``.

Routers raise :class:`Problem` (or one of the library's errors, mapped below);
:func:`install` registers the exception handlers on an app, so that unknown routes (404),
wrong methods (405), validation errors (422), malformed or refused queries (400), timeouts
and an unavailable store (503), budgets (429 with ``Retry-After``) and unexpected errors
(500, with no traceback) all answer in the same shape::

    {"type": "https://w3id.org/fengong/problems/unknown-department",
     "title": "Unknown department", "status": 404,
     "detail": "No department is called “省建设局”; did you mean 省建设厅?",
     "instance": "/api/v1/departments/省建设局", "suggestions": ["省建设厅"]}
"""

from __future__ import annotations

import json
import logging
import math
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fengong.store import QueryError, QueryTimeout, StoreUnavailable

__all__ = ["Problem", "PROBLEM_TYPES", "problem_response", "install", "MEDIA_TYPE", "problem_schema"]

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://w3id.org/fengong/problems/"

log = logging.getLogger("fengong.api")

#: slug -> title, for the ``type`` URIs the API uses.
PROBLEM_TYPES = {
    "not-found": "Not found",
    "unknown-department": "Unknown department",
    "unknown-region": "Unknown region",
    "unknown-task": "Unknown task",
    "unknown-document": "Unknown document",
    "validation-error": "Invalid request",
    "unparsed-question": "Question not understood",
    "bad-query": "Bad query",
    "refused-query": "Query not allowed",
    "bad-request": "Bad request",
    "not-acceptable": "Not acceptable",
    "unsupported-media-type": "Unsupported media type",
    "method-not-allowed": "Method not allowed",
    "query-timeout": "Query timed out",
    "store-unavailable": "Store unavailable",
    "busy": "Server busy",
    "query-budget-exceeded": "Query-time budget exceeded",
    "internal-error": "Internal error",
}


class Problem(Exception):
    """An error answered as problem JSON. Extra keyword arguments become extension members;
    ``headers`` are added to the response (``Retry-After``, ``Allow``)."""

    def __init__(self, status: int, kind: str, detail: str, *, title: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or PROBLEM_TYPES.get(kind) or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(status: int, kind: str, detail: str, *, instance: str | None = None,
                     title: str | None = None, headers: dict[str, str] | None = None,
                     **extensions: Any) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind != "about:blank" else kind,
        "title": title or PROBLEM_TYPES.get(kind) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    for key, value in extensions.items():
        if key not in body:
            body[key] = value
    data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    return Response(data, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _instance(request: Request) -> str:
    return request.url.path


async def _problem(request: Request, exc: Problem) -> Response:
    return problem_response(exc.status, exc.kind, exc.detail, instance=_instance(request), title=exc.title,
                            headers=exc.headers, **exc.extensions)


_HTTP_KINDS = {404: "not-found", 405: "method-not-allowed", 406: "not-acceptable", 415: "unsupported-media-type",
               400: "bad-request", 429: "query-budget-exceeded", 503: "store-unavailable"}


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    if status == 304:
        return Response(status_code=304, headers=getattr(exc, "headers", None))
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, ensure_ascii=False)
    if status == 404 and detail == "Not Found":
        detail = f"Nothing at {request.url.path}; see /docs for the API."
    return problem_response(status, _HTTP_KINDS.get(status, "about:blank"), detail, instance=_instance(request),
                            headers=getattr(exc, "headers", None))


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = []
    for error in exc.errors():
        errors.append({
            "location": [str(p) for p in error.get("loc", ())],
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
            "input": _jsonable(error.get("input")) if "input" in error else None,
        })
    where = ", ".join(".".join(e["location"]) + ": " + e["message"] for e in errors[:5])
    return problem_response(422, "validation-error", f"The request is not valid: {where}",
                            instance=_instance(request), errors=errors)


async def _query_error(request: Request, exc: QueryError) -> Response:
    kind = "refused-query" if type(exc).__name__ == "QueryRefused" else "bad-query"
    return problem_response(400, kind, str(exc), instance=_instance(request))


async def _timeout(request: Request, exc: QueryTimeout) -> Response:
    # 503, not 408: 408 means the *client* was slow to send, and user agents retry it.
    return problem_response(503, "query-timeout", str(exc) or "the query ran past its time limit",
                            instance=_instance(request), headers={"Retry-After": "1"})


async def _unavailable(request: Request, exc: StoreUnavailable) -> Response:
    return problem_response(503, "store-unavailable", str(exc) or "the store does not answer",
                            instance=_instance(request), headers={"Retry-After": "5"})


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(500, "internal-error", "An unexpected error occurred; it has been logged.",
                            instance=_instance(request))


def install(app: FastAPI) -> None:
    """Register the problem-JSON exception handlers on ``app``."""
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(QueryTimeout, _timeout)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


def problem_schema() -> dict[str, Any]:
    """JSON Schema of a problem document, for the OpenAPI ``responses``."""
    return {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
        },
        "additionalProperties": True,
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {"schema": problem_schema()}},
        }
    return out
