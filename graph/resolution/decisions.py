"""Decisions that two subjects are, or are not, one party: recorded, applied, undone.

A decision is a ``(:Resolution)`` node (the contract of issue 13): ``verdict`` ``same`` or
``not_same``, ``kind``, ``keys`` = [kept, merged], ``score``, ``rule`` (``manual`` for a
person's, the identifier rule for :func:`merge_deterministic`'s), ``by``, ``reason``, ``at``,
and once taken back ``undone_at``, ``undone_by``, ``undo_reason``. A ``same`` decision and its
merge commit in one transaction; flags are recomputed after it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from graph.errors import Conflict, InvalidInput, NotFound
from graph.ingest.writes import Written
from graph.propagation.recompute import RunSummary
from graph.propagation.rules import RuleSet
from graph.resolution.candidates import key_rank, mergeable
from graph.resolution.merge import merge, refresh_flags, unmerge
from graph.resolution.scoring import SubjectKind
from graph.store.queries import resolution as q
from graph.store.repository import Repository, Unit

Verdict = Literal["same", "not_same"]
RULE_BY = "rule"
MANUAL = "manual"
MAX_REASON = 500


@dataclass(frozen=True)
class Decision:
    id: str
    verdict: Verdict
    kind: SubjectKind
    keys: tuple[str, str]  # (kept, merged)
    score: float | None
    rule: str
    by: str
    reason: str
    at: datetime
    undone_at: datetime | None = None
    undone_by: str | None = None
    undo_reason: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Decision:
        return cls(**{"score": None, **row, "keys": tuple(row["keys"])})  # no score: not stored


@dataclass(frozen=True)
class Applied:
    decision: Decision
    propagation: RunSummary | None


def decide(
    repo: Repository,
    rules: RuleSet,
    *,
    kind: SubjectKind,
    kept: str,
    merged: str,
    verdict: Verdict,
    by: str,
    reason: str,
    province: str,
    as_of: date,
    score: float | None = None,
    rule: str = MANUAL,
) -> Applied:
    """Record a decision; a ``same`` one merges ``merged`` into ``kept`` and recomputes the
    flags it may change. Raises :class:`InvalidInput` (a pair no decision may merge, an empty
    reason, the weaker identifier kept), :class:`NotFound` (a subject not in the graph),
    :class:`Conflict` (the pair was already decided and not taken back)."""
    applied = _decide(repo, kind, kept, merged, verdict, by, reason, province, score, rule)
    run = refresh_flags(repo, rules, as_of, [applied[1]]) if verdict == "same" else None
    return Applied(applied[0], run)


def _decide(
    repo: Repository,
    kind: SubjectKind,
    kept: str,
    merged: str,
    verdict: Verdict,
    by: str,
    reason: str,
    province: str,
    score: float | None,
    rule: str,
) -> tuple[Decision, Written]:
    _check(kind, kept, merged, verdict, reason)
    at = datetime.now(UTC)
    decision = Decision(
        uuid.uuid4().hex, verdict, kind, (kept, merged), score, rule, by, reason.strip(), at
    )
    if any(d.undone_at is None for d in _of_pair(repo, kept, merged)):
        raise Conflict("the pair is already decided; undo that decision first", field="keys")

    def work(unit: Unit) -> Written:
        unit.run(q.CREATE_DECISION, decision=_properties(decision))
        if verdict == "same":
            return merge(unit, kind, kept, merged, at, province)
        if not unit.run(q.BOTH[kind], kept=kept, merged=merged):
            raise NotFound(f"both subjects must be in the graph as {kind}s", field="keys")
        return Written()

    return decision, repo.write_unit(work)


def _check(kind: SubjectKind, kept: str, merged: str, verdict: Verdict, reason: str) -> None:
    if verdict not in ("same", "not_same"):
        raise InvalidInput("verdict is 'same' or 'not_same'", field="verdict")
    if kind not in ("person", "organization"):
        raise InvalidInput("kind is 'person' or 'organization'", field="kind")
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInput(
            f"a decision states its reason (1 to {MAX_REASON} characters)", field="reason"
        )
    if not mergeable(kind, kept, merged):
        raise InvalidInput(
            "two distinct ID numbers (or USCCs) are two parties: no decision joins them",
            field="keys",
        )
    if verdict == "same" and key_rank(kind, merged) < key_rank(kind, kept):
        raise InvalidInput(
            "the subject with the stronger identifier is kept: give it as the kept key",
            field="keys",
        )


def _of_pair(repo: Repository, a: str, b: str) -> list[Decision]:
    rows = repo.read(q.DECISIONS, kind=None, key=a, skip=0, limit=10_000)
    return [d for d in map(Decision.of, (r["decision"] for r in rows)) if set(d.keys) == {a, b}]


def _properties(decision: Decision) -> dict[str, Any]:
    props = {k: v for k, v in decision.__dict__.items() if v is not None}
    props["keys"] = list(decision.keys)
    return props


def undo(
    repo: Repository,
    rules: RuleSet,
    decision_id: str,
    *,
    by: str,
    reason: str,
    province: str,
    as_of: date,
) -> Applied:
    """Take a decision back: a ``same`` one's merge is undone (the node restored, its
    relationships moved back), a ``not_same`` pair may be proposed again."""
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInput(
            f"an undo states its reason (1 to {MAX_REASON} characters)", field="reason"
        )
    found = get(repo, decision_id)
    if found.undone_at is not None:
        raise Conflict("the decision was already undone", field="id")

    def work(unit: Unit) -> tuple[Decision, Written]:
        rows = unit.run(
            q.MARK_UNDONE, id=decision_id, at=datetime.now(UTC), by=by, reason=reason.strip()
        )
        if not rows:
            raise Conflict("the decision was already undone", field="id")
        written = (
            unmerge(unit, found.kind, found.keys[0], found.keys[1], province)
            if found.verdict == "same"
            else Written()
        )
        return Decision.of(rows[0]["decision"]), written

    decision, written = repo.write_unit(work)
    run = refresh_flags(repo, rules, as_of, [written]) if found.verdict == "same" else None
    return Applied(decision, run)


def get(repo: Repository, decision_id: str) -> Decision:
    row = repo.read_one(q.DECISION, id=decision_id)
    if row is None:
        raise NotFound("no decision with this id", field="id")
    return Decision.of(row["decision"])


def decisions(
    repo: Repository,
    kind: SubjectKind | None = None,
    key: str | None = None,
    skip: int = 0,
    limit: int = 100,
) -> list[Decision]:
    """Decisions, newest first; of one kind, or naming one key."""
    rows = repo.read(q.DECISIONS, kind=kind, key=key, skip=skip, limit=limit)
    return [Decision.of(row["decision"]) for row in rows]


# Deterministic merges: identifiers that agree need no person (issue 13's contract).
RULES = {
    "org_code": (q.ORG_CODE_PAIRS, "the USCC embeds this organisation code (GB 32100)"),
    "listed_code": (q.LISTED_PAIRS, "the same stock code on the same exchange"),
}


def merge_deterministic(repo: Repository, province: str) -> tuple[list[Decision], list[Written]]:
    """Merge every pair whose identifiers agree, each a decision ``by`` = ``rule``; a pair
    decided before (even if undone: a person took it back) is left alone. Flags are the
    caller's to recompute (a load does it with its own)."""
    made: list[Decision] = []
    written: list[Written] = []
    for rule, (query, reason) in RULES.items():
        for row in repo.read(query):
            kept, merged = row["kept"], row["merged"]
            if _of_pair(repo, kept, merged):
                continue
            try:
                decision, effect = _decide(
                    repo, "organization", kept, merged, "same", RULE_BY, reason, province, 1.0, rule
                )
            except (NotFound, Conflict):
                continue  # merged or decided by another writer since the look-up
            made.append(decision)
            written.append(effect)
    return made, written


def resolve_deterministic(
    repo: Repository, rules: RuleSet, province: str, as_of: date
) -> tuple[list[Decision], RunSummary | None]:
    """:func:`merge_deterministic`, then the flags they change recomputed."""
    made, written = merge_deterministic(repo, province)
    return made, refresh_flags(repo, rules, as_of, written) if made else None
