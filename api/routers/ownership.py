"""Ownership: beneficial owners (受益所有人) and actual controller (实际控制人) of a firm."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.audit_trail import AuditDep
from api.auth import Reader
from api.deps import ClockDep, RepositoryDep, SettingsDep
from api.params import EXAMPLE_USCC, IsoDate, SubjectKey, checked_key
from api.problems import PROBLEM_RESPONSES, problem_doc
from graph import disclosure
from graph.disclosure import Audience
from graph.errors import InvalidInput, NotFound
from graph.model import label_of
from graph.reads import ownership_graph
from graph.reads.ownership import DEFAULT_MAX_CHAINS, DEFAULT_MAX_DEPTH, DEFAULT_THRESHOLD
from graph.reads.ownership_graph import Ownership

router = APIRouter(prefix="/api/v1", tags=["ownership"], responses=PROBLEM_RESPONSES)

_PERSON = {
    "key": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "label": "Person",
    "name": "王五",
    "id_masked": "3202**********123X",
}
_HOLDCO = {"key": "91320200MA1XYZ0001", "label": "Organization", "name": "无锡示例控股有限公司"}
_TARGET = {"key": EXAMPLE_USCC, "label": "Organization", "name": "无锡示例机械有限公司"}

OWNERSHIP_EXAMPLE: dict[str, Any] = {
    "target": {**_TARGET, "id_masked": None, "hub": False},
    "as_of": "2026-05-01",
    "threshold": 0.25,
    "beneficial_owners": [
        {
            "holder": _PERSON,
            "ratio": 0.46,
            "chains": [
                {"nodes": [_PERSON, _HOLDCO, _TARGET], "ratios": [0.6, 0.6], "ratio": 0.36},
                {"nodes": [_PERSON, _TARGET], "ratios": [0.1], "ratio": 0.1},
            ],
        }
    ],
    "other_owners": [],
    "actual_controller": {
        "holder": _PERSON,
        "voting_ratio": 0.7,
        "controlled": [_HOLDCO],
        "chains": [{"nodes": [_PERSON, _HOLDCO, _TARGET], "ratios": [0.6, 0.6], "ratio": 0.36}],
    },
    "parties": 2,
    "holdings": 3,
    "truncated": False,
    "truncated_by": [],
}


@router.get(
    "/subjects/{key}/ownership",
    summary="Beneficial owners and actual controller of an organisation, with their chains",
    description="The shareholdings above the organisation valid on `as_of`, walked up to "
    f"{DEFAULT_MAX_DEPTH} levels and {ownership_graph.MAX_NODES} parties; state-asset "
    "hubs end a chain. Cumulative ratio is the product along a chain, summed over chains; "
    "control passes link by link (> 50%). At most "
    f"{DEFAULT_MAX_CHAINS} chains are listed, the heaviest, and a dense cross-holding web is "
    "summed within a work budget. `truncated` when a bound cut the answer, naming it in "
    "`truncated_by`: `max_depth`, `max_nodes`, `per_node` (the walk: owners may be missing), "
    "`max_steps` (ratios may be understated), `max_chains` (chains left out, ratios exact). "
    "Analysts receive persons as stable aliases without personal fields.",
    response_model=Ownership,
    responses={
        200: {"content": {"application/json": {"example": OWNERSHIP_EXAMPLE}}},
        404: problem_doc("No organisation with this key"),
    },
)
def subject_ownership(
    key: SubjectKey,
    repo: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Reader,
    trail: AuditDep,
    threshold: Annotated[
        float,
        Query(
            gt=0,
            le=1,
            description="Cumulative ratio at or above which an owner is beneficial.",
            examples=[0.25],
        ),
    ] = DEFAULT_THRESHOLD,
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="Only shareholdings valid on this date; today in China if absent.",
            examples=["2026-05-01"],
        ),
    ] = None,
) -> Ownership:
    key = checked_key(key, settings)
    if label_of(key) == "Person":
        raise InvalidInput("ownership is computed for organisations, not persons", field="key")
    as_of = as_of or clock.today()
    report = ownership_graph.ownership_of(repo, key, as_of=as_of, threshold=threshold)
    if report is None:
        trail.log([key], 0)
        raise NotFound(f"no organisation with key {key}", field="key")
    trail.log([key, *_parties(report)], len(report.beneficial_owners) + len(report.other_owners))
    return disclosure.disclose_ownership(Audience.of(principal), report)


def _parties(report: Ownership) -> list[str]:
    """Every subject the answer names, for the audit trail: the controller, its chains and
    the organisations it controls all lie on the owners' chains."""
    owners = [*report.beneficial_owners, *report.other_owners]
    return [node.key for owner in owners for chain in owner.chains for node in chain.nodes]
