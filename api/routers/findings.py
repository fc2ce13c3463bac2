"""Findings for regulators: restricted persons still in post (违规任职), red-list conflicts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.audit_trail import AuditDep
from api.auth import Regulator
from api.deps import ClockDep, RepositoryDep, RulesDep
from api.params import EXAMPLE_USCC, IsoDate
from api.problems import PROBLEM_RESPONSES
from graph.reads import findings
from graph.reads.findings import COMPANY_LAW_178, AppointmentPage, RedListConflictPage

router = APIRouter(prefix="/api/v1/findings", tags=["findings"], responses=PROBLEM_RESPONSES)

AsOf = Annotated[
    IsoDate | None,
    Query(
        description="The date the findings speak for; today in China if absent.",
        examples=["2026-05-01"],
    ),
]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Findings to skip.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Findings per page.")]

_PID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
_RECORD: dict[str, Any] = {
    "record_id": "JS-FY-2026-00123",
    "list": "black",
    "category": "judgment_debtor",
    "level": "severe",
    "authority": "JS-FY",
    "authority_name": "江苏省高级人民法院",
    "basis": "(2026)苏02执123号",
    "decided_on": "2026-01-10",
    "publish_until": "2028-01-10",
    "subject": _PID,
}

APPOINTMENTS_EXAMPLE: dict[str, Any] = {
    "as_of": "2026-05-01",
    "offset": 0,
    "limit": 100,
    "has_more": False,
    "items": [
        {
            "person": {"pid": _PID, "name": "王五", "id_masked": "3202**********123X"},
            "record": _RECORD,
            "restricted_by": "own_record",
            "flag": None,
            "post": {
                "uscc": EXAMPLE_USCC,
                "name": "无锡示例机械有限公司",
                "rel": "OFFICER_OF",
                "role": "director",
                "since": "2021-03-01",
                "until": None,
            },
            "legal_basis": COMPANY_LAW_178,
        }
    ],
}

RED_LIST_EXAMPLE: dict[str, Any] = {
    "as_of": "2026-05-01",
    "offset": 0,
    "limit": 100,
    "has_more": False,
    "items": [
        {
            "key": EXAMPLE_USCC,
            "label": "Organization",
            "name": "无锡示例机械有限公司",
            "id_masked": None,
            "region_code": "320214",
            "honours": [
                {
                    "record_id": "JS-SW-2025-RED-7",
                    "list": "red",
                    "category": "tax_a_grade",
                    "level": None,
                    "authority": "JS-SW",
                    "authority_name": "国家税务总局江苏省税务局",
                    "basis": "苏税发〔2025〕12号",
                    "decided_on": "2025-04-01",
                    "publish_until": "2027-04-01",
                    "subject": None,
                }
            ],
            "records": [{**_RECORD, "subject": None, "category": "environment"}],
            "flags": [],
        }
    ],
}


@router.get(
    "/appointments",
    summary="违规任职: restricted persons still holding a barred post elsewhere (公司法 第178条)",
    description="Persons with an own active black/focus record that is severe or a dishonest "
    "judgment debtor's, or an `extended` flag from an active record, who on `as_of` still are "
    "legal representative, director, supervisor or senior manager (the roles of the "
    "propagation rules) of another organisation. One finding per person, record and post, "
    "ordered by person, record, organisation and post.",
    response_model=AppointmentPage,
    responses={200: {"content": {"application/json": {"example": APPOINTMENTS_EXAMPLE}}}},
)
def appointment_findings(
    repo: RepositoryDep,
    rules: RulesDep,
    clock: ClockDep,
    _: Regulator,
    trail: AuditDep,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> AppointmentPage:
    page = findings.appointments(repo, rules, as_of or clock.today(), skip=offset, limit=limit)
    trail.log([item.person.pid for item in page.items], len(page.items))
    return page


@router.get(
    "/red-list-conflicts",
    summary="Red-listed subjects (红名单) that an active sanction contradicts",
    description="Subjects with an active red record that also carry an active black/focus "
    "record of their own, or a non-pending flag from one. Ordered by subject key.",
    response_model=RedListConflictPage,
    responses={200: {"content": {"application/json": {"example": RED_LIST_EXAMPLE}}}},
)
def red_list_conflicts(
    repo: RepositoryDep,
    clock: ClockDep,
    _: Regulator,
    trail: AuditDep,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> RedListConflictPage:
    page = findings.red_list_conflicts(repo, as_of or clock.today(), skip=offset, limit=limit)
    trail.log([item.key for item in page.items], len(page.items))
    return page
