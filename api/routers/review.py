"""Credit review (信用审查) of a batch of subjects, and credit reports on one subject."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from api.audit_trail import AuditDep, AuditTrail
from api.auth import Regulator
from api.deps import ClockDep, PolicyDep, RepositoryDep, SettingsDep
from api.params import (
    EXAMPLE_USCC,
    SUBJECT_KEY_DESCRIPTION,
    SUBJECT_KEY_MAX_LENGTH,
    IsoDate,
    SubjectKey,
    checked_key,
)
from api.problems import PROBLEM_RESPONSES, problem_doc
from api.responses import ModelResponse
from graph.clock import Clock
from graph.errors import InvalidInput, NotFound
from graph.identifiers import InvalidIdentifier
from graph.linkage.federated import federated_review
from graph.review.credit_report import CreditReport, credit_report, render_html
from graph.review.credit_review import MAX_SUBJECTS, ReviewContext, ReviewResult, credit_review
from graph.settings import Settings
from graph.store.repository import Repository

router = APIRouter(prefix="/api/v1", tags=["review"], responses=PROBLEM_RESPONSES)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_doc("No subject with this key")}

BatchKey = Annotated[
    str,
    StringConstraints(min_length=3, max_length=SUBJECT_KEY_MAX_LENGTH),
    Field(description=SUBJECT_KEY_DESCRIPTION),
]


class ReviewRequest(BaseModel):
    # Unknown fields are refused: a misspelt `as_of` must not silently review as of today.
    model_config = ConfigDict(extra="forbid")

    subjects: list[BatchKey] = Field(
        min_length=1,
        max_length=MAX_SUBJECTS,
        description=f"1 to {MAX_SUBJECTS} subject keys (USCC, organisation surrogate or pid); "
        "a key given twice is reviewed once.",
    )
    context: ReviewContext = Field(description="What the subjects apply for.")
    # Not `date | None`: the schema says a date, and an explicit null stays refused. The
    # factory dates a request built outside a route; a route dates an absent as_of by the
    # app's clock (see `as_of_or`).
    as_of: IsoDate = Field(
        default_factory=Clock().today,
        description="The date the review speaks for; today in China (UTC+8) if absent.",
    )

    federated: StrictBool = Field(
        default=False,
        description="Also ask the partner provinces live (信用长三角): their records join the "
        "decisions, naming the province; `partners` names those that did not answer in time.",
    )

    def as_of_or(self, today: date) -> date:
        """The date given, or ``today`` if the request named none."""
        return self.as_of if "as_of" in self.model_fields_set else today


REVIEW_EXAMPLES: dict[str, Any] = {
    "procurement": {
        "summary": "Suppliers in a government procurement",
        "value": {
            "subjects": [EXAMPLE_USCC, "91110000600037341L"],
            "context": "procurement",
            "as_of": "2026-05-01",
        },
    },
    "federated": {
        "summary": "Suppliers, asking the Delta partners live as well",
        "value": {"subjects": [EXAMPLE_USCC], "context": "procurement", "federated": True},
    },
    "honours": {
        "summary": "Nominees for an honour, reviewed as of today",
        "value": {"subjects": ["91310115MA1K3BTP2B"], "context": "honours"},
    },
}

REVIEW_RESPONSE_EXAMPLE: dict[str, Any] = {
    "context": "procurement",
    "as_of": "2026-05-01",
    "policy_version": "2026.1",
    "decisions": {"block": 1, "review": 0, "pass": 1},
    "incentives": 0,
    "subjects": [
        {
            "key": EXAMPLE_USCC,
            "found": True,
            "label": "Organization",
            "name": "无锡示例机械有限公司",
            "decision": "block",
            "incentive": False,
            "reasons": [
                {
                    "finding": "own_record",
                    "summary": "own black-list record (severe)",
                    "decision": "block",
                    "measure": "联合惩戒：限制参与政府采购 / joint punishment: barred from "
                    "government procurement (2016 意见 第 2 类; 规划纲要 §6.5 严重失信)",
                    "basis": ["（2026）苏02执123号"],
                    "path": [],
                    "record_id": "JS-FY-2026-1",
                    "record_status": "active",
                    "list": "black",
                    "level": "severe",
                    "category": "judgment_debtor",
                    "authority": "JS-FY",
                    "authority_name": "江苏省高级人民法院",
                    "source_province": "32",
                    "kind": "own",
                }
            ],
        },
        {
            "key": "91110000600037341L",
            "found": True,
            "label": "Organization",
            "name": "北京示例有限公司",
            "decision": "pass",
            "incentive": False,
            "reasons": [
                {
                    "finding": "clear",
                    "summary": "no active negative record or flag on 2026-05-01",
                    "decision": "pass",
                    "measure": "未发现有效失信记录或关联标记，按正常程序办理 / no active negative "
                    "finding; proceed by the ordinary procedure",
                }
            ],
        },
    ],
}

REPORT_RESPONSE_EXAMPLE: dict[str, Any] = {
    "key": EXAMPLE_USCC,
    "label": "Organization",
    "name": "无锡示例机械有限公司",
    "organization": {"uscc": EXAMPLE_USCC, "name": "无锡示例机械有限公司", "region_code": "3202"},
    "as_of": "2026-05-01",
    "generated_at": "2026-05-01T08:00:00Z",
    "records": [
        {
            "record_id": "JS-FY-2026-1",
            "list": "black",
            "level": "severe",
            "category": "judgment_debtor",
            "authority": "JS-FY",
            "authority_name": "江苏省高级人民法院",
            "basis": "（2026）苏02执123号",
            "decided_on": "2026-01-10",
            "publish_from": "2026-01-10",
            "publish_until": "2028-01-10",
            "status": "active",
            "source_province": "32",
            "active": True,
        }
    ],
    "flags": [],
    "honours": [],
    "sources": {
        "departments": [{"code": "JS-FY", "name": "江苏省高级人民法院", "records": 1}],
        "provinces": [{"code": "32", "records": 1}],
    },
    "names": {EXAMPLE_USCC: "无锡示例机械有限公司"},
}

AsOfQuery = Annotated[
    IsoDate | None,
    Query(
        description="The date the report speaks for; today in China (UTC+8) if absent.",
        examples=["2026-05-01"],
    ),
]


@router.post(
    "/reviews",
    summary="Credit review (信用审查): block, review or pass for up to 1,000 subjects",
    response_model=ReviewResult,
    responses={200: {"content": {"application/json": {"example": REVIEW_RESPONSE_EXAMPLE}}}},
)
def review(
    body: Annotated[ReviewRequest, Body(openapi_examples=REVIEW_EXAMPLES)],
    repo: RepositoryDep,
    settings: SettingsDep,
    policy: PolicyDep,
    clock: ClockDep,
    _: Regulator,
    trail: AuditDep,
) -> ModelResponse:
    keys = [_checked_batch_key(i, key, settings) for i, key in enumerate(body.subjects)]
    as_of = body.as_of_or(clock.today())
    if body.federated:
        purpose = f"federated credit review ({body.context})"
        result = federated_review(repo, settings, keys, body.context, as_of, policy, purpose)
    else:
        result = credit_review(repo, keys, body.context, as_of, policy)
    trail.log(keys, len(result.subjects))
    return ModelResponse(result)


def _checked_batch_key(index: int, key: str, settings: Settings) -> str:
    # A malformed USCC in a batch is named by its position, as pydantic names the others.
    try:
        return checked_key(key, settings)
    except InvalidIdentifier as exc:
        raise InvalidInput(f"subjects[{index}]: {exc}", field=f"body.subjects.{index}") from exc


def _report(
    repo: Repository,
    settings: Settings,
    clock: Clock,
    key: str,
    as_of: date | None,
    trail: AuditTrail,
) -> CreditReport:
    key = checked_key(key, settings)
    report = credit_report(repo, key, as_of or clock.today(), generated_at=clock.now())
    trail.log([key], 0 if report is None else 1)
    if report is None:
        raise NotFound(f"no subject with key {key}", field="key")
    return report


@router.get(
    "/subjects/{key}/report",
    summary="Credit report (信用报告) on one subject: records, flags, honours, sources",
    response_model=CreditReport,
    responses={
        200: {"content": {"application/json": {"example": REPORT_RESPONSE_EXAMPLE}}},
        **_NOT_FOUND,
    },
)
def report_json(
    key: SubjectKey,
    repo: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    _: Regulator,
    trail: AuditDep,
    as_of: AsOfQuery = None,
) -> CreditReport:
    return _report(repo, settings, clock, key, as_of, trail)


@router.get(
    "/subjects/{key}/report.html",
    summary="Credit report (信用报告) as a printable A4 page",
    response_class=HTMLResponse,
    responses={
        200: {
            "content": {
                "text/html": {
                    "example": '<!doctype html><html lang="zh-CN"><head><title>信用报告 / '
                    "Credit report — 无锡示例机械有限公司</title></head><body><h1>信用报告 / "
                    "Credit report</h1><h2>主体信息 / Subject</h2>…</body></html>"
                }
            }
        },
        **_NOT_FOUND,
    },
)
def report_html(
    key: SubjectKey,
    repo: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    _: Regulator,
    trail: AuditDep,
    as_of: AsOfQuery = None,
) -> HTMLResponse:
    report = _report(repo, settings, clock, key, as_of, trail)
    # Subject-level data: the browser must not keep a copy of the page in its cache.
    return HTMLResponse(render_html(report), headers={"Cache-Control": "no-store"})
