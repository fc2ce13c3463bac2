"""信用长三角 partner endpoints under ``/linkage/v1`` (graph/linkage/PROTOCOL.md).

Partner keys only; each partner sees the categories of its registry entry, and a category
outside them asked for explicitly answers 403. Every call is audited with the partner (its
key's role) and the purpose it states.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.audit_trail import AuditDep
from api.auth import Partner
from api.deps import ClockDep, RepositoryDep, SettingsDep
from api.params import EXAMPLE_USCC, IsoDate
from api.problems import NOT_FOUND, PROBLEM_RESPONSES, Forbidden, Unavailable, problem_doc
from graph.clock import Clock
from graph.linkage import check as checks
from graph.linkage import feed
from graph.settings import Settings
from graph.store.repository import Repository

router = APIRouter(prefix="/linkage/v1", tags=["linkage"], responses=PROBLEM_RESPONSES)

EXAMPLE_LINKAGE_KEY = "v1:" + "3f1c" * 16
_CURSOR_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_doc("The cursor fails its MAC or was issued to another partner"),
    410: problem_doc(
        "The cursor is older than the retained change log: resynchronise from /linkage/v1/snapshot"
    ),
}


@dataclass(frozen=True)
class PartnerContext:
    """The calling partner: its code, its scope in the registry, and us as its publisher."""

    code: str
    scope: frozenset[str]
    publisher: feed.Publisher


async def _partner(principal: Partner, settings: SettingsDep) -> PartnerContext:
    code = principal.partner_province
    assert code is not None  # the Partner dependency admits partner roles only
    entry = (settings.partners or {}).get(code)
    if entry is None:
        raise Forbidden(f"province {code} is not in this instance's partner registry")
    return PartnerContext(code=code, scope=entry.scope, publisher=_publisher(settings))


def _publisher(settings: Settings) -> feed.Publisher:
    try:
        return feed.Publisher.of(settings)
    except feed.LinkageNotConfigured as exc:
        raise Unavailable(str(exc), headers={"Retry-After": "3600"}) from None


PartnerDep = Annotated[PartnerContext, Depends(_partner)]

Cursor = Annotated[
    str | None,
    Query(max_length=512, pattern=r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$",
          description="The `next_cursor` of the previous page; none to start."),
]  # fmt: skip
Limit = Annotated[int, Query(ge=1, le=feed.MAX_PAGE, description="Entries per page.")]
Categories = Annotated[
    list[str] | None,
    Query(alias="category", max_length=20,
          description="Only these categories (each must be in the partner's scope: 403)."),
]  # fmt: skip


class SharedRecord(BaseModel):
    record_id: str
    list: str
    category: str
    level: str | None = None
    authority: str | None = None
    authority_name: str | None = None
    basis: str | None = None
    decided_on: date | None = None
    publish_from: date | None = None
    publish_until: date | None = None
    status: str


class SharedSubject(BaseModel):
    """An organisation (uscc, name) or a person (linkage keys and masked fields only)."""

    kind: Literal["organization", "person"]
    region_code: str | None = None
    uscc: str | None = None
    name: str | None = None
    linkage_keys: list[str] | None = None
    id_masked: str | None = None
    name_masked: str | None = None


class Entry(BaseModel):
    seq: int | None = Field(default=None, description="Feed entries only.")
    op: Literal["upsert", "repair", "revocation", "expiry"]
    at: str | None = Field(default=None, description="Feed entries only: when logged.")
    record: SharedRecord
    subject: SharedSubject


class Page(BaseModel):
    protocol: str
    province: str
    partner: str
    kind: Literal["feed", "snapshot"]
    entries: list[Entry]
    next_cursor: str
    has_more: bool
    resume_cursor: str | None = Field(default=None, description="Snapshot pages only.")
    key_id: str
    signature: str = Field(description="Base64 Ed25519 over the canonical JSON of the rest.")


PAGE_EXAMPLE: dict[str, Any] = {
    "protocol": feed.PROTOCOL, "province": "32", "partner": "33", "kind": "feed",
    "entries": [{
        "seq": 120, "op": "upsert", "at": "2026-12-05T08:00:00+00:00",
        "record": {"record_id": "JS-SW-2026-1", "list": "black", "category": "tax",
                   "level": "severe", "authority": "JS-SW", "authority_name": "江苏省税务局",
                   "basis": "苏税罚〔2026〕1号", "decided_on": "2026-01-05",
                   "publish_from": "2026-01-05", "publish_until": "2029-01-05",
                   "status": "active"},
        "subject": {"kind": "organization", "uscc": EXAMPLE_USCC, "name": "无锡示例机械有限公司",
                    "region_code": "320205"},
    }],
    "next_cursor": "eyJraW5kIjoiZmVlZCJ9.c2ln", "has_more": False, "key_id": "32-1",
    "signature": "base64-ed25519-signature",
}  # fmt: skip


def _page_response(example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": Page, "content": {"application/json": {"example": example}}},
        **_CURSOR_PROBLEMS,
    }


class SigningKey(BaseModel):
    key_id: str
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="Base64 of the raw 32-byte public key.")


class CatalogueFields(BaseModel):
    record: list[str]
    organization: list[str]
    person: list[str]


class Head(BaseModel):
    seq: int = Field(description="The newest seq of the change log: a subscriber's lag in "
                     "records is this less the last seq it has passed.")  # fmt: skip


class Catalogue(BaseModel):
    protocol: str
    province: str
    categories: list[str]
    fields: CatalogueFields
    signing_keys: list[SigningKey]
    linkage_key_versions: list[str] = Field(description="The current version first.")
    retention: int = Field(description="The oldest seq still served.")
    retention_days: int = Field(description="How long change-log entries are kept.")
    head: Head


@router.get(
    "/catalogue",
    summary="What this province shares with the caller: categories, fields, signing keys",
    response_model=Catalogue,
)
async def catalogue(
    partner: PartnerDep, repo: RepositoryDep, clock: ClockDep, trail: AuditDep
) -> Catalogue:
    body = await run_in_threadpool(
        feed.catalogue, partner.publisher, repo, partner.scope, clock.today(), clock.now()
    )
    trail.log([], len(body["categories"]))
    return Catalogue(**body)


@router.get(
    "/feed",
    summary="A signed page of changes to shared records, in commit order",
    description="Entries after the cursor (from the start of the retained window without "
    "one), in the partner's scope. A cursor that fails its MAC or was issued to another "
    "partner answers 400; one older than the retained window answers 410: resynchronise "
    "from `/linkage/v1/snapshot`.",
    responses=_page_response(PAGE_EXAMPLE),
)
async def feed_page(
    partner: PartnerDep,
    repo: RepositoryDep,
    clock: ClockDep,
    trail: AuditDep,
    cursor: Cursor = None,
    limit: Limit = 500,
    category: Categories = None,
) -> JSONResponse:
    return await _page(feed.feed_page, partner, repo, clock, trail, cursor, limit, category)


@router.get(
    "/snapshot",
    summary="Signed pages of the current state of every shared record, by record_id",
    description="The first page fixes `resume_cursor`: the feed cursor to follow once the "
    "last snapshot page (`has_more` false) is read.",
    responses=_page_response(
        {
            **PAGE_EXAMPLE,
            "kind": "snapshot",
            "resume_cursor": "eyJraW5kIjoiZmVlZCJ9.c2ln",
            "entries": [
                {k: v for k, v in PAGE_EXAMPLE["entries"][0].items() if k not in ("seq", "at")}
            ],
        }
    ),
)
async def snapshot_page(
    partner: PartnerDep,
    repo: RepositoryDep,
    clock: ClockDep,
    trail: AuditDep,
    cursor: Cursor = None,
    limit: Limit = 500,
    category: Categories = None,
) -> JSONResponse:
    return await _page(feed.snapshot_page, partner, repo, clock, trail, cursor, limit, category)


async def _page(
    build: Callable[..., dict[str, Any]],
    partner: PartnerContext,
    repo: Repository,
    clock: Clock,
    trail: Any,
    cursor: str | None,
    limit: int,
    category: list[str] | None,
) -> JSONResponse:
    """A feed or snapshot page in the partner's scope, built off the event loop, signed."""
    categories = feed.scoped_categories(partner.scope, category)
    page = await run_in_threadpool(
        build, partner.publisher, repo, partner.code, categories, cursor, limit,
        clock.today(), clock.now(),
    )  # fmt: skip
    return _signed(trail, page)


def _signed(trail: Any, page: dict[str, Any]) -> JSONResponse:
    # Sent as signed: a response model would re-serialise it (and add absent members).
    trail.log([], len(page["entries"]))
    return JSONResponse(page)


class CheckKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: str | None = Field(default=None, min_length=18, max_length=18, examples=[EXAMPLE_USCC])
    linkage_key: str | None = Field(
        default=None, min_length=4, max_length=100, examples=[EXAMPLE_LINKAGE_KEY]
    )


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: list[CheckKey] = Field(min_length=1, max_length=checks.MAX_KEYS)
    as_of: IsoDate | None = Field(default=None, description="Today in China if absent.")
    category: list[str] | None = Field(
        default=None, max_length=20, description="Only these categories (403 outside scope)."
    )


class SharedFlag(BaseModel):
    record_id: str
    record_subject: str
    rule: str
    kind: str
    score: float
    hops: int
    path: list[dict[str, Any]]
    basis: str
    category: str


class CheckAnswer(BaseModel):
    key: str
    found: bool
    subject: SharedSubject | None
    records: list[SharedRecord]
    flags: list[SharedFlag]


CHECK_EXAMPLES = {
    "mixed": {
        "summary": "An organisation by USCC and a person by linkage key",
        "value": {"subjects": [{"uscc": EXAMPLE_USCC}, {"linkage_key": EXAMPLE_LINKAGE_KEY}]},
    }
}


@router.post(
    "/check",
    summary="Batch check of up to 1,000 subjects: live shared records and derived flags",
    response_model=list[CheckAnswer],
)
async def check(
    partner: PartnerDep,
    repo: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    trail: AuditDep,
    body: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
) -> JSONResponse:
    keys = [
        checks.SubjectKey(k.uscc, k.linkage_key).checked(
            settings.linkage_key_current, settings.uscc_allow_list
        )
        for k in body.subjects
    ]
    trail.log([k.shown for k in keys], 0)
    categories = feed.scoped_categories(partner.scope, body.category)
    answers = await run_in_threadpool(
        lambda: checks.check(
            repo, keys, partner=partner.code, province=partner.publisher.province,
            categories=categories, as_of=body.as_of or clock.today(),
        )
    )  # fmt: skip
    trail.log([k.shown for k in keys], sum(a["found"] for a in answers))
    return JSONResponse(answers)


class TraceNode(BaseModel):
    key: str
    label: Literal["Organization", "Person"]
    name: str
    region_code: str | None = None
    hops: int
    hub: bool


class TraceEdge(BaseModel):
    source: str
    target: str
    rel: str
    role: str | None = None
    ratio: float | None = None


class Trace(BaseModel):
    root: str
    hops: int
    as_of: date
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    total_nodes: int
    truncated: bool


@router.get(
    "/trace/{key}",
    summary="Related parties within 2 hops, persons masked",
    response_model=Trace,
    responses=NOT_FOUND,
)
async def trace(
    partner: PartnerDep,
    repo: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    trail: AuditDep,
    key: Annotated[
        str,
        Path(
            min_length=18,
            max_length=100,
            pattern=r"^[0-9A-Za-z:]+$",
            description="A USCC or a linkage key.",
            examples=[EXAMPLE_USCC],
        ),
    ],
    hops: Annotated[int, Query(ge=1, le=checks.MAX_TRACE_HOPS)] = 1,
) -> JSONResponse:
    trail.log([key], 0)
    subject = checks.SubjectKey.parse(key, settings.linkage_key_current, settings.uscc_allow_list)
    answer = await run_in_threadpool(
        lambda: checks.trace(repo, subject, partner=partner.code, hops=hops, as_of=clock.today())
    )
    trail.log([key], len(answer["nodes"]))
    return JSONResponse(answer)
