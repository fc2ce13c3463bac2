"""One error model: RFC 9457 problem details.

Every 4xx names what was wrong (and, for bad input, the field); a 5xx is only ever our own
fault. The handler table at the bottom is the one place exceptions become responses. Routes
raise the domain's refusals (:mod:`graph.errors`: not found, conflict, invalid input), each
answered with its status from :data:`DOMAIN_STATUS`; the classes here carry the statuses
only the HTTP layer knows (authentication, rate limits, an unavailable database).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from graph import errors as domain
from graph.identifiers import InvalidIdentifier, scrub
from graph.store.repository import QueryTimedOut

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# The title of a request the document's schemas refuse, kept apart from the domain's refusals
# of well-formed input ("Invalid input", "Invalid identifier"): a client, and the fuzz test,
# can tell a request it must reshape from one whose values were judged.
INVALID_REQUEST = "Invalid request"


class FieldProblem(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """What every error response carries (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


class ApiError(Exception):
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    headers: dict[str, str]

    def __init__(
        self, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}

    def problem(self) -> Problem:
        errors = [FieldProblem(field=self.field, reason=self.detail)] if self.field else []
        return Problem(title=self.title, status=self.status, detail=self.detail, errors=errors)


class Unauthorized(ApiError):
    status = 401
    title = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    title = "Forbidden"


class TooManyRequests(ApiError):
    status = 429
    title = "Too many requests"


class Unavailable(ApiError):
    status = 503
    title = "Service unavailable"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    # Messages quote what the caller sent (a record id from the path, a key): an ID number
    # the caller put there is not echoed back, where proxies and clients would log it.
    body = problem.model_copy(
        update={
            "detail": scrub(problem.detail),
            "errors": [
                FieldProblem(field=scrub(e.field), reason=scrub(e.reason)) for e in problem.errors
            ],
        }
    )
    return JSONResponse(
        body.model_dump(), status_code=problem.status, headers=headers, media_type=PROBLEM_JSON
    )


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(exc.problem(), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(field=".".join(str(p) for p in err["loc"]), reason=err["msg"])
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return problem_response(
        Problem(title=INVALID_REQUEST, status=422, detail=detail, errors=errors)
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    # What the framework refuses before a route runs: an unmatched path (404), a method the
    # path does not take (405, with its Allow header), a body it cannot parse (400).
    assert isinstance(exc, HTTPException)
    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else title
    if exc.status_code == 404 and detail == title:
        # The path is not quoted back: it may hold an ID number.
        detail = "no route matches this path; see /docs"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette answers from the first route matching the path alone, so a path served
        # by two routes (GET and POST /resolution/decisions) would announce one method.
        headers["Allow"] = ", ".join(sorted(_allowed(request.app, request.url.path)))
    return problem_response(Problem(title=title, status=exc.status_code, detail=detail), headers)


def _allowed(app: FastAPI, path: str) -> set[str]:
    """Every method the routes of ``path``'s most literal matching template take, as the
    document lists them (``/subjects/by-id-number`` is not also ``/subjects/{key}``)."""
    matching = [
        (route.path, route.methods or set())
        for route in iter_route_contexts(app.routes)
        if route.path is not None and compile_path(route.path)[0].match(path)
    ]
    if not matching:
        return set()
    template = min((template for template, _ in matching), key=lambda t: t.count("{"))
    return {method for t, methods in matching if t == template for method in methods}


# Each domain refusal's status and title; the most specific entry wins.
DOMAIN_STATUS: dict[type[domain.DomainError], tuple[int, str]] = {
    InvalidIdentifier: (422, "Invalid identifier"),
    domain.InvalidInput: (422, "Invalid input"),
    domain.NotFound: (404, "Not found"),
    domain.Conflict: (409, "Conflict"),
    domain.NotPermitted: (403, "Forbidden"),
    domain.Gone: (410, "Gone"),
    domain.DomainError: (400, "Bad request"),
}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.DomainError)
    status, title = next(DOMAIN_STATUS[c] for c in type(exc).__mro__ if c in DOMAIN_STATUS)
    detail = str(exc)
    errors = [FieldProblem(field=exc.field, reason=detail)] if exc.field else []
    return problem_response(Problem(title=title, status=status, detail=detail, errors=errors))


async def _neo4j_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("Neo4j unavailable: %s", type(exc).__name__)
    return problem_response(
        Problem(
            title="Service unavailable", status=503, detail="the graph database is unreachable"
        ),
        {"Retry-After": "5"},
    )


async def _query_timed_out(request: Request, exc: Exception) -> JSONResponse:
    # Ours to bound, not the caller's fault; but a retry may find the server less busy.
    # The route's template, not the path, which may hold a subject key.
    route = getattr(request.scope.get("route"), "path", "unmatched")
    log.warning("query over its timeout on %s %s", request.method, route)
    return problem_response(
        Problem(
            title="Service unavailable",
            status=503,
            detail="the query ran over its time limit and was stopped",
        ),
        {"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, scrub(request.url.path))
    return problem_response(
        Problem(title="Internal error", status=500, detail="an internal error occurred")
    )


HANDLERS: dict[type[Exception], Any] = {
    ApiError: _api_error,
    HTTPException: _http_error,
    RequestValidationError: _validation_error,
    domain.DomainError: _domain_error,
    ServiceUnavailable: _neo4j_unavailable,
    SessionExpired: _neo4j_unavailable,
    TransientError: _neo4j_unavailable,
    QueryTimedOut: _query_timed_out,
    Exception: _unexpected,
}


def install(app: FastAPI) -> None:
    for exc_type, handler in HANDLERS.items():
        app.add_exception_handler(exc_type, handler)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_PROBLEM_REF = "#/components/schemas/Problem"
_PROBLEM_TITLES = {
    400: "The body cannot be parsed",
    401: "No or unknown API key",
    403: "The key's role may not do this",
    404: "No such subject, record or run",
    409: "Conflicts with what is stored",
    410: "No longer kept",
    413: "The body is larger than the limit",
    422: f"{INVALID_REQUEST!r}: not as this document describes it; 'Invalid input' or "
    "'Invalid identifier': well formed, refused by the domain. `errors` names each field",
    429: "Rate limit exceeded; see Retry-After",
    503: "Neo4j unreachable or the query ran over its time limit; see Retry-After",
}


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response of a problem document: served as ``application/problem+json``,
    whatever the route's own media type."""
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}},
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: problem_doc(_PROBLEM_TITLES[status]) for status in statuses}


# What every API route can answer.
PROBLEM_RESPONSES = problem_responses(401, 403, 422, 429, 503)
# A route that looks a subject, record or run up by key.
NOT_FOUND = problem_responses(404)
# Every route that takes a body: refused unparsed when too large, or when it is not JSON.
_BODY_PROBLEMS = problem_responses(400, 413)


def _with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """The generated document, with the Problem schema the responses refer to and the body
    refusals (made by middleware and the framework, outside any route) on every route that
    takes a body."""
    definitions = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(definitions.pop("$defs", {}))
    components["Problem"] = definitions
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                for status, response in _BODY_PROBLEMS.items():
                    operation["responses"].setdefault(str(status), response)
    return schema
