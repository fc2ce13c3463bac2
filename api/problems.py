"""One error model: RFC 9457 problem details.

Every 4xx names what was wrong (and, for bad input, the field); a 5xx is only ever our own
fault. The handler table at the bottom is the one place exceptions become responses. Routes
raise the domain's refusals (:mod:`graph.errors`: not found, conflict, invalid input), each
answered with its status from :data:`DOMAIN_STATUS`; the classes here carry the statuses
only the HTTP layer knows (authentication, rate limits, an unavailable database).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from pydantic import BaseModel

from graph import errors as domain
from graph.identifiers import InvalidIdentifier, scrub

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


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


def _respond(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
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
    return _respond(exc.problem(), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(field=".".join(str(p) for p in err["loc"]), reason=err["msg"])
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return _respond(Problem(title="Invalid input", status=422, detail=detail, errors=errors))


# Each domain refusal's status and title; the most specific entry wins.
DOMAIN_STATUS: dict[type[domain.DomainError], tuple[int, str]] = {
    InvalidIdentifier: (422, "Invalid identifier"),
    domain.InvalidInput: (422, "Invalid input"),
    domain.NotFound: (404, "Not found"),
    domain.Conflict: (409, "Conflict"),
    domain.NotPermitted: (403, "Forbidden"),
    domain.DomainError: (400, "Bad request"),
}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.DomainError)
    status, title = next(DOMAIN_STATUS[c] for c in type(exc).__mro__ if c in DOMAIN_STATUS)
    detail = str(exc)
    errors = [FieldProblem(field=exc.field, reason=detail)] if exc.field else []
    return _respond(Problem(title=title, status=status, detail=detail, errors=errors))


async def _neo4j_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("Neo4j unavailable: %s", type(exc).__name__)
    return _respond(
        Problem(
            title="Service unavailable", status=503, detail="the graph database is unreachable"
        ),
        {"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, scrub(request.url.path))
    return _respond(
        Problem(title="Internal error", status=500, detail="an internal error occurred")
    )


HANDLERS: dict[type[Exception], Any] = {
    ApiError: _api_error,
    RequestValidationError: _validation_error,
    domain.DomainError: _domain_error,
    ServiceUnavailable: _neo4j_unavailable,
    SessionExpired: _neo4j_unavailable,
    TransientError: _neo4j_unavailable,
    Exception: _unexpected,
}


def install(app: FastAPI) -> None:
    for exc_type, handler in HANDLERS.items():
        app.add_exception_handler(exc_type, handler)


# Documented on every route that can produce them.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title}
    for status, title in [
        (401, "No or unknown API key"),
        (403, "The key's role may not do this"),
        (422, "Invalid input; `errors` names each field"),
        (429, "Rate limit exceeded; see Retry-After"),
        (503, "Neo4j unreachable; see Retry-After"),
    ]
}
