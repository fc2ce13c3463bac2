"""Resolution: candidate pairs of one party across sources, and the decisions on them.

Regulators only: candidates name persons. Every call is audited with the subjects it
names, and persons pass through the one disclosure rule (:mod:`graph.disclosure`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.audit_trail import AuditDep
from api.auth import Regulator
from api.deps import ClockDep, RepositoryDep, RulesDep, SettingsDep
from api.problems import PROBLEM_RESPONSES, problem_responses
from graph.access import Principal
from graph.disclosure import Audience, disclose_key, disclose_name
from graph.resolution import decisions as resolution
from graph.resolution.candidates import Candidate, candidates

router = APIRouter(
    prefix="/api/v1/resolution",
    tags=["resolution"],
    responses={**PROBLEM_RESPONSES, **problem_responses(404, 409)},
)

Kind = Literal["person", "organization"]
# A key as the graph holds it: a USCC or typed organisation key, or a pid.
_KEY = Field(min_length=3, max_length=300, pattern=r"^[^\s;]+$")
DecisionId = Annotated[str, Path(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]


class SubjectOut(BaseModel):
    key: str
    name: str | None


class CandidateOut(BaseModel):
    kind: Kind
    kept: SubjectOut = Field(description="The subject a merge keeps (the stronger identifier).")
    merged: SubjectOut
    score: float
    reasons: list[str] = Field(description="What moved the score: name, facts that agree or not.")


class CandidatesOut(BaseModel):
    candidates: list[CandidateOut]
    blocks: int = Field(description="Blocks of subjects sharing a matching key, looked at.")
    oversized: int = Field(description="Blocks too large to compare pairwise (common names).")


class DecisionIn(BaseModel):
    kind: Kind
    kept: str = _KEY
    merged: str = _KEY
    verdict: Literal["same", "not_same"]
    reason: str = Field(min_length=1, max_length=500, examples=["same board member, same age"])
    score: float | None = Field(default=None, ge=0, le=1)


class UndoIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, examples=["namesake, not the same person"])


class DecisionOut(BaseModel):
    id: str
    verdict: Literal["same", "not_same"]
    kind: Kind
    keys: list[str] = Field(description="[kept, merged]")
    score: float | None
    rule: str
    by: str
    reason: str
    at: datetime
    undone_at: datetime | None = None
    undone_by: str | None = None
    undo_reason: str | None = None
    flags_recomputed: bool | None = None


def _key(audience: Audience, key: str) -> str:
    return key if audience.sees_persons else disclose_key(audience, key)


def _candidate(audience: Audience, found: Candidate) -> CandidateOut:
    def subject(key: str, name: str) -> SubjectOut:
        return SubjectOut(key=_key(audience, key), name=disclose_name(audience, key, name))

    return CandidateOut(
        kind=found.kind,
        kept=subject(found.kept, found.kept_name),
        merged=subject(found.merged, found.merged_name),
        score=found.score,
        reasons=list(found.reasons),
    )


def _decision(audience: Audience, decision: resolution.Decision) -> DecisionOut:
    return DecisionOut(
        **{
            **decision.__dict__,
            "keys": [_key(audience, key) for key in decision.keys],
        }
    )


@router.get(
    "/candidates",
    summary="Scored pairs of subjects that may be one party, for a person to decide",
    response_model=CandidatesOut,
)
def list_candidates(
    repo: RepositoryDep,
    settings: SettingsDep,
    principal: Regulator,
    trail: AuditDep,
    kind: Kind = "person",
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CandidatesOut:
    threshold = settings.resolution_min_score if min_score is None else min_score
    scan = candidates(repo, kind, threshold, limit)
    trail.log({k for c in scan.candidates for k in (c.kept, c.merged)}, len(scan.candidates))
    audience = Audience.of(principal)
    return CandidatesOut(
        candidates=[_candidate(audience, c) for c in scan.candidates],
        blocks=scan.blocks,
        oversized=scan.oversized,
    )


@router.get("/decisions", summary="Decisions, newest first", response_model=list[DecisionOut])
def list_decisions(
    repo: RepositoryDep,
    principal: Regulator,
    trail: AuditDep,
    kind: Kind | None = None,
    key: Annotated[str | None, Query(min_length=3, max_length=300)] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DecisionOut]:
    found = resolution.decisions(repo, kind, key, offset, limit)
    trail.log({k for d in found for k in d.keys}, len(found))
    audience = Audience.of(principal)
    return [_decision(audience, d) for d in found]


@router.post(
    "/decisions",
    summary="Decide that two subjects are (merge) or are not the same party",
    description="`same` merges `merged` into `kept` at once: its relationships move, tagged "
    "`merged_from`, later loads naming it land on `kept`, and the flags they change are "
    "recomputed before the response. `not_same` keeps the pair from being proposed again.",
    response_model=DecisionOut,
    status_code=201,
)
def post_decision(
    body: DecisionIn,
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> DecisionOut:
    trail.log([body.kept, body.merged])  # audited if refused
    applied = resolution.decide(
        repo,
        rules,
        kind=body.kind,
        kept=body.kept,
        merged=body.merged,
        verdict=body.verdict,
        by=_who(principal),
        reason=body.reason,
        province=settings.province_code,
        as_of=clock.today(),
        score=body.score,
    )
    trail.log([], 1, detail=f"{applied.decision.id}: {body.verdict}")
    out = _decision(Audience.of(principal), applied.decision)
    out.flags_recomputed = applied.propagation is not None
    return out


@router.post(
    "/decisions/{decision_id}/undo",
    summary="Take a decision back: a merge is undone, a refused pair may be proposed again",
    response_model=DecisionOut,
)
def undo_decision(
    decision_id: DecisionId,
    body: UndoIn,
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> DecisionOut:
    trail.log(resolution.get(repo, decision_id).keys)  # audited if refused
    applied = resolution.undo(
        repo,
        rules,
        decision_id,
        by=_who(principal),
        reason=body.reason,
        province=settings.province_code,
        as_of=clock.today(),
    )
    trail.log([], 1, detail=f"{decision_id}: undone")
    out = _decision(Audience.of(principal), applied.decision)
    out.flags_recomputed = applied.propagation is not None
    return out


def _who(principal: Principal) -> str:
    return f"api:{principal.key_id}"
