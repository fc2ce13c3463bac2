"""The audit trail of the API: every call to an audited route, with the status the client got.

Routes say what a call touched (:class:`AuditTrail`, injected as :data:`AuditDep`); the
:class:`AuditMiddleware` writes the event once the response's status is known and before
the response leaves. A route is audited when it declares :data:`AuditDep`, and its calls
are audited whatever stopped them: a 403 from a role check or from the disclosure rule, a
404, a 409, a 422 (then the trail was never handed to the route and names no subject), or
an error of ours. Only a caller who never authenticated leaves no event: there is no one to
name (the access log has the call).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from neo4j.exceptions import DriverError, Neo4jError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import PrincipalDep
from api.problems import PROBLEM_JSON, Problem
from graph import audit
from graph.access import Principal
from graph.identifiers import scrub

PURPOSE_HEADER = "X-Purpose"

PurposeHeader = Annotated[
    str,
    Header(
        alias=PURPOSE_HEADER,
        min_length=3,
        max_length=200,
        description="Why the subject-level data is needed (case number, review, …); audited.",
        examples=["procurement review 2026-118"],
    ),
]

_STATE_KEY = "audit_trail"


class AuditTrail:
    """What one call touched, noted by its route as it learns it."""

    def __init__(self) -> None:
        self.subjects: set[str] = set()
        self.result_size = 0
        self.detail: str | None = None

    def log(self, subjects: Iterable[str], result_size: int = 0, detail: str | None = None) -> None:
        """Add the subjects (uscc / pid keys) the call touched and set how many results it
        returns (and, for a change of state, what changed); a route may call this more than
        once, before a step that can refuse."""
        self.subjects.update(subjects)
        self.result_size = result_size
        self.detail = detail


async def audit_trail(
    request: Request, principal: PrincipalDep, purpose: PurposeHeader
) -> AuditTrail:
    # The principal and the purpose are asked for here so that an audited route requires
    # both (and documents the header); the middleware reads them from the request itself.
    trail: AuditTrail = getattr(request.state, _STATE_KEY)
    return trail


AuditDep = Annotated[AuditTrail, Depends(audit_trail)]


class AuditMiddleware:
    """Writes the audit event of every call to an audited route, with its real status, before
    the response starts. A plain ASGI middleware, as :mod:`api.metrics`' is."""

    def __init__(self, app: ASGIApp, writer: audit.AuditWriter) -> None:
        self.app = app
        self.writer = writer
        self._audited: dict[int, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trail = AuditTrail()
        # The request's state is this dict whatever copies of the scope the router makes.
        state = scope.setdefault("state", {})
        state[_STATE_KEY] = trail
        written = withheld = False

        async def send_audited(message: Message) -> None:
            nonlocal written, withheld
            if withheld:
                return  # the body of a response that could not be audited
            if message["type"] == "http.response.start" and not written:
                written = True
                try:
                    await self._write(scope, trail, message["status"])
                except (DriverError, Neo4jError):
                    # An unaudited answer does not leave: the caller gets a 503 instead.
                    withheld = True
                    await _unaudited(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_audited)
        except Exception:
            if not written:
                written = True
                await self._write(scope, trail, 500)
            raise

    async def _write(self, scope: Scope, trail: AuditTrail, status: int) -> None:
        route = scope.get("route")
        principal = scope["state"].get("principal")
        if not isinstance(route, APIRoute) or not isinstance(principal, Principal):
            return
        if not self._is_audited(route):
            return
        event = audit.AuditEvent(
            key_id=principal.key_id,
            role=principal.role,
            action=f"{scope['method']} {route.path}",
            purpose=scrub(_header(scope, PURPOSE_HEADER)),
            # Decoded, so the search text reads as typed; scrubbed, as it may hold an ID number.
            query=scrub(unquote_plus(scope.get("query_string", b"").decode("latin-1"))),
            # Keys as the caller sent them: one that is no key may be an ID number.
            subjects=sorted({scrub(s) for s in trail.subjects}),
            result_size=trail.result_size,
            status=status,
            detail=trail.detail,
        )
        await run_in_threadpool(self.writer.record, event)

    def _is_audited(self, route: APIRoute) -> bool:
        known = self._audited.get(id(route))
        if known is None:
            known = _depends_on_trail(route.dependant)
            self._audited[id(route)] = known
        return known


async def _unaudited(scope: Scope, receive: Receive, send: Send) -> None:
    problem = Problem(
        title="Service unavailable", status=503, detail="the audit trail could not be written"
    )
    response = JSONResponse(
        problem.model_dump(), status_code=503, headers={"Retry-After": "5"}, media_type=PROBLEM_JSON
    )
    await response(scope, receive, send)


def _depends_on_trail(dependant: Dependant) -> bool:
    return any(d.call is audit_trail or _depends_on_trail(d) for d in dependant.dependencies)


def _header(scope: Scope, name: str) -> str:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key == wanted:
            return str(value.decode("latin-1"))
    return ""
