"""Admin: the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.audit_trail import AuditDep
from api.auth import Admin
from api.deps import RepositoryDep
from api.params import IsoDateTime
from api.problems import PROBLEM_RESPONSES
from graph import audit

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=PROBLEM_RESPONSES)


class AuditEventOut(BaseModel):
    event_id: str
    at: str
    key_id: str
    role: str
    action: str
    purpose: str
    query: str
    subjects: list[str]
    result_size: int
    status: int
    detail: str | None = None


@router.get(
    "/audit",
    summary="Query the audit trail; the query is itself audited",
    response_model=list[AuditEventOut],
)
def query_audit(
    repo: RepositoryDep,
    _: Admin,
    trail: AuditDep,
    key_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        str | None, Query(max_length=200, examples=["GET /api/v1/subjects/{key}"])
    ] = None,
    subject: Annotated[str | None, Query(max_length=80, description="uscc or pid")] = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, object]]:
    events = audit.query(
        repo,
        key_id=key_id,
        action=action,
        subject=subject,
        since=since,
        until=until,
        skip=offset,
        limit=limit,
    )
    trail.log([subject] if subject else [], len(events))
    return events
