"""The audit trail: every subject-level read and every write, durably, queryable by admins."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from queue import SimpleQueue

from graph.store.queries import access as queries
from graph.store.repository import Repository, Row


@dataclass(frozen=True)
class AuditEvent:
    key_id: str
    role: str
    action: str  # e.g. "GET /api/v1/subjects/{key}"
    purpose: str
    subjects: list[str] = field(default_factory=list)  # uscc / pid keys, never raw IDs
    query: str = ""  # the call's query string (a search's text), scrubbed of ID numbers
    result_size: int = 0
    status: int = 200
    # What a write changed, where the action alone does not say: a record's status before
    # and after a transition. Never free text from the request.
    detail: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def record(repo: Repository, events: list[AuditEvent]) -> None:
    """Write events in one transaction."""
    rows = [{**asdict(e), "at": e.at.isoformat()} for e in events]
    repo.write(queries.RECORD_AUDIT_EVENTS, events=rows)


class AuditWriter:
    """Group commit for the audit trail: :meth:`record` returns once its event is committed,
    and the events of concurrent callers share one transaction.

    One transaction per event would cost more than the reads it audits (a commit forces the
    transaction log to disk); one per batch of whatever arrived while the previous commit ran
    keeps every event durable before its response leaves, at a fraction of the cost.
    """

    def __init__(self, repo: Repository, max_batch: int = 500) -> None:
        self._repo = repo
        self._max_batch = max_batch
        self._queue: SimpleQueue[tuple[AuditEvent, Future[None]] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def record(self, event: AuditEvent) -> None:
        """Write ``event`` durably; raise what the write raised."""
        done: Future[None] = Future()
        self._queue.put((event, done))
        done.result()

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < self._max_batch and not self._queue.empty():
                item = self._queue.get()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            try:
                record(self._repo, [event for event, _ in batch])
            except Exception as exc:  # handed to every waiting caller
                for _, done in batch:
                    done.set_exception(exc)
            else:
                for _, done in batch:
                    done.set_result(None)
            if stopping:
                return


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
