"""Dashboard aggregates: counts of active records and flags, no personal field."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import ClockDep, RepositoryDep
from api.params import IsoDate
from api.problems import PROBLEM_RESPONSES
from graph.reads import statistics as stats
from graph.reads.statistics import Statistics

router = APIRouter(prefix="/api/v1", tags=["statistics"], responses=PROBLEM_RESPONSES)

STATISTICS_EXAMPLE: dict[str, Any] = {
    "as_of": "2026-05-01",
    "active_records": 3,
    "by_region": [
        {"key": "3202", "name": "无锡市", "count": 2},
        {"key": "3205", "name": "苏州市", "count": 1},
    ],
    "by_department": [
        {"key": "JS-FY", "name": "江苏省高级人民法院", "count": 2},
        {"key": "JS-SW", "name": "国家税务总局江苏省税务局", "count": 1},
    ],
    "by_list": [
        {"key": "black", "name": None, "count": 2},
        {"key": "red", "name": None, "count": 1},
    ],
    "by_level": [
        {"key": "severe", "name": None, "count": 2},
        {"key": None, "name": None, "count": 1},
    ],
    "by_category": [
        {"key": "judgment_debtor", "name": None, "count": 2},
        {"key": "tax_a_grade", "name": None, "count": 1},
    ],
    "by_decision_month": [{"month": "2026-04", "count": 1}, {"month": "2026-05", "count": 2}],
    "flags": [{"rule": "R1", "kind": "extended", "count": 4}],
}


@router.get(
    "/statistics",
    summary="Dashboard aggregates: active records by city, department, kind and month; flags",
    description="Counts of the records active on `as_of` (status active, within the publicity "
    "window) by prefecture city of the subject, issuing department, list, level, category and "
    f"month of decision (the last {stats.TREND_MONTHS} months, oldest first), and of the flags "
    "whose record is live, by rule and kind. Aggregates only: open to analysts.",
    response_model=Statistics,
    responses={200: {"content": {"application/json": {"example": STATISTICS_EXAMPLE}}}},
)
def statistics(
    repo: RepositoryDep,
    clock: ClockDep,
    _: Reader,
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="The date the counts speak for; today in China if absent.",
            examples=["2026-05-01"],
        ),
    ] = None,
) -> Statistics:
    return stats.statistics(repo, as_of or clock.today())
