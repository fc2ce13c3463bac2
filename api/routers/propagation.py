"""Propagation runs and their change feeds: who gained, lost or changed a flag, and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.audit_trail import AuditDep
from api.auth import Regulator
from api.deps import RepositoryDep
from api.problems import PROBLEM_RESPONSES, problem_doc
from graph.errors import NotFound
from graph.propagation import runs as propagation_runs
from graph.propagation.runs import ChangeFeedEntry, PropagationRun

router = APIRouter(prefix="/api/v1/propagation", tags=["propagation"], responses=PROBLEM_RESPONSES)

RUN_ID = "5f0c7e1a9b2d4c3e8f6a1b2c3d4e5f60"


_FLAG = {
    "subject": "91320214745555318W",
    "record_id": "JS-FY-2026-00123",
    "rule": "R3",
    "kind": "associated",
    "score": 0.5,
    "hops": 1,
    "path": [
        {
            "source": "91320200MA1XYZ0001",
            "rel": "SHAREHOLDER_OF",
            "direction": "out",
            "target": "91320214745555318W",
            "rule": "R3",
        }
    ],
    "basis": "Control relationship (持股 ≥ 50%) between separate legal persons",
    "rules_version": "2025.1",
}

RUNS_EXAMPLE = [
    {
        "run_id": RUN_ID,
        "mode": "incremental",
        "status": "completed",
        "as_of": "2026-05-01",
        "rules_version": "2025.1",
        "started_at": "2026-05-01T08:00:00.123000Z",
        "finished_at": "2026-05-01T08:00:01.456000Z",
        "record_ids": ["JS-FY-2026-00123"],
        "records": 1,
        "flags": 3,
        "gained": 1,
        "lost": 0,
        "changed": 0,
        "seconds": 1.333,
        "reach": {
            "total": {"sanctioned": 1, "flagged": 3, "ratio": 3.0},
            "by_rule": {
                "R1": {"sanctioned": 1, "flagged": 2, "ratio": 2.0},
                "R3": {"sanctioned": 1, "flagged": 1, "ratio": 1.0},
            },
            "by_kind": {
                "associated": {"sanctioned": 1, "flagged": 1, "ratio": 1.0},
                "extended": {"sanctioned": 1, "flagged": 2, "ratio": 2.0},
            },
        },
        "reach_before": {
            "total": {"sanctioned": 1, "flagged": 2, "ratio": 2.0},
            "by_rule": {"R1": {"sanctioned": 1, "flagged": 2, "ratio": 2.0}},
            "by_kind": {"extended": {"sanctioned": 1, "flagged": 2, "ratio": 2.0}},
        },
    }
]
CHANGES_EXAMPLE = [
    {
        "seq": 0,
        "change": "gained",
        "subject": "91320214745555318W",
        "record_id": "JS-FY-2026-00123",
        "before": None,
        "after": _FLAG,
    }
]

RunId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_\-]+$", examples=[RUN_ID]),
]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get(
    "/runs",
    summary="Propagation runs, newest first",
    response_model=list[PropagationRun],
    responses={200: {"content": {"application/json": {"example": RUNS_EXAMPLE}}}},
)
def runs(
    repo: RepositoryDep,
    _: Regulator,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[PropagationRun]:
    return propagation_runs.list_runs(repo, skip=offset, limit=limit)


@router.get(
    "/runs/{run_id}/changes",
    summary="A run's change feed: who gained, lost or changed a flag, in order",
    response_model=list[ChangeFeedEntry],
    responses={
        200: {"content": {"application/json": {"example": CHANGES_EXAMPLE}}},
        404: problem_doc("No propagation run with this id"),
    },
)
def run_changes(
    run_id: RunId,
    repo: RepositoryDep,
    _: Regulator,
    trail: AuditDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=5_000)] = 500,
) -> list[ChangeFeedEntry]:
    if propagation_runs.find_run(repo, run_id) is None:
        raise NotFound(f"no propagation run with id {run_id}", field="run_id")
    changes = propagation_runs.changes_of_run(repo, run_id, skip=offset, limit=limit)
    # Who gained or lost a flag is subject-level data.
    trail.log([c.subject for c in changes], len(changes))
    return changes
