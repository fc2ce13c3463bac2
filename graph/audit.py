"""The audit trail: every subject-level read and every write, durably, queryable by admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.queries import access as queries
from graph.repository import Repository, Row


@dataclass(frozen=True)
class AuditEvent:
    key_id: str
    role: str
    action: str  # e.g. "GET /api/v1/subjects/{key}"
    purpose: str
    subjects: list[str] = field(default_factory=list)  # uscc / pid keys, never raw IDs
    result_size: int = 0
    status: int = 200
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def record(repo: Repository, event: AuditEvent) -> None:
    repo.write(
        queries.RECORD_AUDIT_EVENT,
        event_id=event.event_id,
        at=event.at.isoformat(),
        key_id=event.key_id,
        role=event.role,
        action=event.action,
        purpose=event.purpose,
        subjects=event.subjects,
        result_size=event.result_size,
        status=event.status,
    )


def query(
    repo: Repository,
    *,
    key_id: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    skip: int = 0,
    limit: int = 100,
) -> list[Row]:
    return repo.read(
        queries.QUERY_AUDIT_EVENTS,
        key_id=key_id,
        action=action,
        subject=subject,
        since=_utc(since),
        until=_utc(until),
        skip=skip,
        limit=limit,
    )


def _utc(moment: datetime | None) -> str | None:
    # Python accepts offsets Neo4j refuses (beyond ±18:00); UTC is always accepted.
    return None if moment is None else moment.astimezone(UTC).isoformat()
