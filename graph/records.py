"""A record's life after it is filed: objection (异议), decision, repair (信用修复), revocation.

Every transition recomputes the record's flags incrementally in the same call, so when it
returns, the graph already says what the new status means: an objection turns the record's
flags `pending` (they never block), a repair or revocation removes them everywhere.

``province`` is this instance's: a step on one of its own records is logged for the
linkage feed in the same transaction (:mod:`graph.linkage.changelog`).

These are the only ways a filed record's status goes back or its effect ends (filing again
cannot change what a record is: :data:`graph.ingest.writes.RECORD_IDENTITY`), so each step
is kept on the record, in ``status_history``: when, by whom, the status before and after,
and the note; the caller audits the same before and after.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
    before: str  # the status the step found


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
    deadline_working_days: int, today: date, *, province: str,
) -> tuple[Transition, date]:  # fmt: skip
    deadline = add_working_days(today, deadline_working_days)
    before = _transition(
        repo, q.FILE_OBJECTION, record_id, "objection", lambda _: "under_objection", reason,
        "only an active or expired record can be disputed", reason=reason, deadline=deadline,
        by=by, province=province,
    )  # fmt: skip
    return _after(repo, rules, record_id, before, today), deadline


def decide_objection(
    repo: Repository, rules: RuleSet, record_id: str, upheld: bool, note: str, by: str,
    today: date, *, province: str,
) -> Transition:  # fmt: skip
    # A record marked under objection by a department's file has no status to return to;
    # a rejected objection then leaves it counting, as it did before it was disputed.
    before = _transition(
        repo, q.DECIDE_OBJECTION, record_id, "objection_decision",
        lambda current: "revoked" if upheld
        else current.get("status_before_objection") or "active",
        note, "the record is not under objection", upheld=upheld, note=note, by=by,
        province=province,
    )  # fmt: skip
    return _after(repo, rules, record_id, before, today)


def repair(
    repo: Repository, rules: RuleSet, record_id: str, note: str, by: str, today: date, *,
    province: str,
) -> Transition:  # fmt: skip
    before = _transition(
        repo, q.REPAIR_RECORD, record_id, "repair", lambda _: "repaired", note,
        "a repaired or revoked record cannot be repaired", note=note, by=by, province=province,
    )  # fmt: skip
    return _after(repo, rules, record_id, before, today)


def revoke(
    repo: Repository, rules: RuleSet, record_id: str, note: str, by: str, today: date, *,
    province: str,
) -> Transition:  # fmt: skip
    before = _transition(
        repo, q.REVOKE_RECORD, record_id, "revocation", lambda _: "revoked", note,
        "the record is already revoked", note=note, by=by, province=province,
    )  # fmt: skip
    return _after(repo, rules, record_id, before, today)


def _transition(
    repo: Repository, query: str, record_id: str, step: str,
    status_after: Callable[[dict[str, Any]], str], why: str, refusal: str, **params: Any,
) -> str:  # fmt: skip
    """Move the record from the status read here to ``status_after`` of it, unless the step
    does not allow that status or another writer changed it since; ``why`` (the reason or
    note) goes into the history. Free text is scrubbed of ID numbers before it is stored.
    Returns the status before."""
    params = {k: scrub(v) if isinstance(v, str) else v for k, v in params.items()}
    why = scrub(why)
    current = read_record(repo, record_id)
    before, after = current["status"], status_after(current)
    at = datetime.now(UTC).isoformat()
    entry = {"at": at, "by": params["by"], "step": step, "before": before, "after": after,
             "note": why}  # fmt: skip
    done = repo.write_returning(
        query, record_id=record_id, at=at, before=before, after=after,
        entry=json.dumps(entry, ensure_ascii=False), **params,
    )  # fmt: skip
    if not done:
        raise TransitionRefused(f"record {record_id} is {before}: {refusal}", field="record_id")
    return str(before)


def _after(
    repo: Repository, rules: RuleSet, record_id: str, before: str, today: date
) -> Transition:
    run = incremental_recompute(repo, rules, today, [record_id])
    return Transition(record_id, read_record(repo, record_id)["status"], run, before)
