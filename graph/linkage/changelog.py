"""The change log this province publishes from (PROTOCOL.md, "Change log").

Appending is not done here: the statements that change a record append in the same
statement (:data:`graph.store.queries.changelog.LOG_CHANGES`, in the ingest upserts and the
record lifecycle), so no change can commit without its entry, nor an entry without its
change. This module reads the log, logs expiries, and prunes.

Expiry is the one change no write makes: a record's publication ends when its
``publish_until`` passes. :func:`maintain` logs those (:func:`sweep_expiries`) and prunes
what is older than the retention window (:func:`prune`); the feed calls it before it serves
a page, and it does its work at most once a day, so a feed read costs one small read
otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from graph.store.queries import changelog as q
from graph.store.repository import Repository

PRUNE_BATCH = 10_000


@dataclass(frozen=True)
class LogState:
    head: int  # the last seq committed; every seq up to it is committed
    pruned_through: int  # entries up to this seq are gone: a cursor before it is stale
    swept_through: date | None  # expiries are logged for publish_until before this day


def state(repo: Repository) -> LogState:
    row = repo.read_one(q.READ_LOG) or {}
    return LogState(
        int(row.get("head") or 0), int(row.get("pruned_through") or 0), row.get("swept_through")
    )


def sweep_expiries(repo: Repository, province: str, today: date) -> int:
    """Log an ``expiry`` for each record of ``province`` whose publication ended since the
    last sweep; returns how many. Idempotent within a day."""
    rows = repo.write_returning(q.SWEEP_EXPIRIES, province=province, today=today)
    return int(rows[0]["logged"]) if rows else 0


def prune(repo: Repository, cutoff: datetime) -> int:
    """Delete the entries logged before ``cutoff``, oldest first, in batches; returns how many."""
    first = repo.read_one(q.FIRST_RETAINED, cutoff=cutoff)
    through = int(first["seq"]) - 1 if first and first["seq"] is not None else state(repo).head
    if through <= state(repo).pruned_through:
        return 0
    deleted = 0
    while True:
        rows = repo.write_returning(q.PRUNE, through=through, batch=PRUNE_BATCH)
        done = int(rows[0]["deleted"]) if rows else 0
        deleted += done
        if done < PRUNE_BATCH:
            return deleted


def maintain(
    repo: Repository, province: str, today: date, now: datetime, retention_days: int
) -> LogState:
    """Sweep expiries and prune, once a day (the first call of a day does it); returns the
    log's state after."""
    current = state(repo)
    if current.swept_through is None or current.swept_through < today:
        sweep_expiries(repo, province, today)
        prune(repo, now - timedelta(days=retention_days))
        current = state(repo)
    return current


def read_entries(
    repo: Repository, after: int, head: int, categories: list[str], limit: int
) -> list[dict[str, Any]]:
    """Entries after seq ``after`` up to ``head`` in ``categories``, oldest first, at most
    ``limit``, each with its record's identity and subject (as stored: the feed discloses)."""
    return repo.read(q.READ_ENTRIES, after=after, head=head, categories=categories, limit=limit)
