"""A record's life after it is filed: objection (异议), decision, repair (信用修复), revocation.

Every transition recomputes the record's flags incrementally in the same call, so when it
returns, the graph already says what the new status means: an objection turns the record's
flags `pending` (they never block), a repair or revocation removes them everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graph.errors import Conflict, NotFound
from graph.identifiers import scrub
from graph.propagation.recompute import RunSummary, incremental_recompute
from graph.propagation.rules import RuleSet
from graph.store.queries import records as q
from graph.store.repository import Repository


class RecordNotFound(NotFound):
    pass


class TransitionRefused(Conflict):
    """The record's current status does not allow this step (e.g. repairing a revoked one)."""


@dataclass(frozen=True)
class Transition:
    record_id: str
    status: str
    propagation: RunSummary


def add_working_days(start: date, days: int) -> date:
    """``days`` working days after ``start``; weekends skip, public holidays are not known
    to the system, so a deadline may fall a little early — never late."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def read_record(repo: Repository, record_id: str) -> dict[str, Any]:
    row = repo.read_one(q.READ_RECORD, record_id=record_id)
    if row is None:
        raise RecordNotFound(f"no record with id {record_id}", field="record_id")
    return {**row["record"], "subject": row["subject"]}


def file_objection(
    repo: Repository, rules: RuleSet, record_id: str, reason: str, by: str,
    deadline_working_days: int, today: date,
) -> tuple[Transition, date]:  # fmt: skip
    deadline = add_working_days(today, deadline_working_days)
    _transition(
        repo, q.FILE_OBJECTION, record_id, "only an active or expired record can be disputed",
        reason=reason, deadline=deadline, by=by,
    )  # fmt: skip
    return _after(repo, rules, record_id, today), deadline


def decide_objection(
    repo: Repository, rules: RuleSet, record_id: str, upheld: bool, note: str, by: str,
    today: date,
) -> Transition:  # fmt: skip
    _transition(
        repo, q.DECIDE_OBJECTION, record_id, "the record is not under objection",
        upheld=upheld, note=note, by=by,
    )  # fmt: skip
    return _after(repo, rules, record_id, today)


def repair(
    repo: Repository, rules: RuleSet, record_id: str, note: str, by: str, today: date
) -> Transition:
    _transition(
        repo, q.REPAIR_RECORD, record_id, "a repaired or revoked record cannot be repaired",
        note=note, by=by,
    )  # fmt: skip
    return _after(repo, rules, record_id, today)


def revoke(
    repo: Repository, rules: RuleSet, record_id: str, note: str, by: str, today: date
) -> Transition:
    _transition(repo, q.REVOKE_RECORD, record_id, "the record is already revoked", note=note, by=by)
    return _after(repo, rules, record_id, today)


def _transition(repo: Repository, query: str, record_id: str, refusal: str, **params: Any) -> None:
    params = {k: scrub(v) if isinstance(v, str) else v for k, v in params.items()}  # free text
    current = read_record(repo, record_id)
    done = repo.write_returning(
        query, record_id=record_id, at=datetime.now(UTC).isoformat(), **params
    )
    if not done:
        raise TransitionRefused(
            f"record {record_id} is {current['status']}: {refusal}", field="record_id"
        )


def _after(repo: Repository, rules: RuleSet, record_id: str, today: date) -> Transition:
    run = incremental_recompute(repo, rules, today, [record_id])
    return Transition(record_id, read_record(repo, record_id)["status"], run)
