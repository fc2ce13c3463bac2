"""The audit dependency: routes that read subject-level data or write say what they touched."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.auth import PrincipalDep
from api.deps import AuditWriterDep
from graph import audit
from graph.access import Principal

PurposeHeader = Annotated[
    str,
    Header(
        alias="X-Purpose",
        min_length=3,
        max_length=200,
        description="Why the subject-level data is needed (case number, review, …); audited.",
        examples=["procurement review 2026-118"],
    ),
]


class AuditTrail:
    """Writes one durable audit event per call, before the response leaves."""

    def __init__(
        self, writer: audit.AuditWriter, principal: Principal, action: str, purpose: str
    ) -> None:
        self._writer = writer
        self._principal = principal
        self._action = action
        self._purpose = purpose

    def log(
        self, subjects: list[str], result_size: int, status: int = 200, detail: str | None = None
    ) -> None:
        self._writer.record(
            audit.AuditEvent(
                key_id=self._principal.key_id,
                role=self._principal.role,
                action=self._action,
                purpose=self._purpose,
                subjects=sorted(set(subjects)),
                result_size=result_size,
                status=status,
                detail=detail,
            ),
        )


async def audit_trail(
    request: Request, principal: PrincipalDep, purpose: PurposeHeader, writer: AuditWriterDep
) -> AuditTrail:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    return AuditTrail(writer, principal, f"{request.method} {path}", purpose)


AuditDep = Annotated[AuditTrail, Depends(audit_trail)]
