"""Findings a regulator acts on: restricted persons still in post, contradicted honours.

- **违规任职** (Company Law art. 178): a person restricted by an active record who still holds
  a legal-representative or director/supervisor/senior-manager post at another organisation.
  Restricted means: an own active black/focus record that is severe or a dishonest judgment
  debtor's (失信被执行人), or an ``extended`` flag (R1: the unit's record reaches its legal
  representative, principal officers, actual controller) whose record is active. The posts
  are those the propagation rules call directors, supervisors and senior managers, so one
  list, in the rules file, says who counts for both.
- **Red-list conflicts**: a subject on an active red list (红名单) that also carries an active
  black/focus record or a non-pending flag from one: the honour should be reviewed.

Both are paged and deterministically ordered; both start from active records, never from all
subjects (see :mod:`graph.store.queries.findings`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from graph.model import PathStep, path_from_json
from graph.propagation.rules import RuleSet
from graph.store.queries import findings as q
from graph.store.repository import Repository, Row
from graph.store.schema import Label, Rel
from graph.vocabulary import RED, Level, ListName, SubjectLabel

COMPANY_LAW_178 = (
    "《中华人民共和国公司法》（2023 修订）第一百七十八条：有下列情形之一的，不得担任公司的董事、"
    "监事、高级管理人员：……（五）个人因所负数额较大债务到期未清偿被人民法院列为失信被执行人。"
    "违反前款规定选举、委派董事、监事或者聘任高级管理人员的，该选举、委派或者聘任无效。"
    "董事、监事、高级管理人员在任职期间出现本条第一款所列情形的，公司应当解除其职务。"
)
# A legal representative is a director or manager acting for the company, so the same bar
# applies to the post; market regulation also bars the legal representative of a seriously
# dishonest firm from representing another for 3 years.
LEGAL_REPRESENTATIVE_BASIS = (
    COMPANY_LAW_178
    + "第十条：公司的法定代表人按照公司章程的规定，由代表公司执行公司事务的董事或者经理担任。"
    + "市场监管实践：严重违法失信企业的法定代表人三年内不得担任其他企业的法定代表人。"
)


class PersonRef(BaseModel):
    pid: str
    name: str | None = None
    id_masked: str | None = None


class FindingRecord(BaseModel):
    record_id: str
    list: ListName
    category: str | None = None
    level: Level | None = None
    authority: str | None = None
    authority_name: str | None = None
    basis: str | None = None
    decided_on: date | None = None
    publish_until: date | None = None
    subject: str | None = None  # the record's own subject, where it is not the finding's


class FlagRef(BaseModel):
    """The derived flag through which a record reaches the subject."""

    rule: str
    kind: str
    score: float
    hops: int
    path: list[PathStep]
    basis: str


class Post(BaseModel):
    uscc: str
    name: str | None = None
    rel: Literal["LEGAL_REP_OF", "OFFICER_OF"]
    role: str | None = None  # the officer role; none for a legal representative
    since: date | None = None
    until: date | None = None


class AppointmentFinding(BaseModel):
    """违规任职: a restricted person still holding a post at another organisation."""

    person: PersonRef
    record: FindingRecord
    restricted_by: Literal["own_record", "extended_flag"]
    flag: FlagRef | None = None  # the flag and its path, when restricted_by an extended flag
    post: Post
    legal_basis: str


class AppointmentPage(BaseModel):
    as_of: date
    offset: int
    limit: int
    has_more: bool
    items: list[AppointmentFinding]


class FlagOnRecord(BaseModel):
    flag: FlagRef
    record: FindingRecord


class RedListConflict(BaseModel):
    """A red-listed subject with an active sanction of its own or reaching it."""

    key: str
    label: SubjectLabel
    name: str | None = None
    id_masked: str | None = None  # persons only
    region_code: str | None = None
    honours: list[FindingRecord]  # its active red records
    records: list[FindingRecord]  # its own active black/focus records
    flags: list[FlagOnRecord]  # non-pending flags from active black/focus records


class RedListConflictPage(BaseModel):
    as_of: date
    offset: int
    limit: int
    has_more: bool
    items: list[RedListConflict]


def restricted_roles(rules: RuleSet) -> list[str]:
    """The officer roles that count as director, supervisor or senior manager: those of the
    rules' officer steps from a person to the organisations it serves (R2 by default)."""
    roles = {
        role
        for rule in rules.rules
        if rule.source_label == Label.PERSON
        for step in rule.steps
        if step.rel == Rel.OFFICER_OF and step.direction == "out"
        for role in step.roles or ()
    }
    if not roles:
        raise ValueError(
            f"rules {rules.version} name no officer roles from a person: cannot tell which "
            "posts Company Law art. 178 bars"
        )
    return sorted(roles)


def appointments(
    repo: Repository, rules: RuleSet, as_of: date, *, skip: int = 0, limit: int = 100
) -> AppointmentPage:
    """Restricted persons still holding a barred post on ``as_of``: one finding per person,
    restricting record and post; ordered by person, record, organisation, post."""
    rows = repo.read(
        q.APPOINTMENTS, as_of=as_of, roles=restricted_roles(rules), skip=skip, limit=limit + 1
    )
    items = [
        AppointmentFinding(
            person=PersonRef(**row["person"]),
            record=FindingRecord(**row["record"]),
            restricted_by="own_record" if row["flag"] is None else "extended_flag",
            flag=None if row["flag"] is None else _flag(row["flag"]),
            post=Post(**row["post"]),
            legal_basis=LEGAL_REPRESENTATIVE_BASIS
            if row["post"]["rel"] == Rel.LEGAL_REP_OF
            else COMPANY_LAW_178,
        )
        for row in rows[:limit]
    ]
    return AppointmentPage(
        as_of=as_of, offset=skip, limit=limit, has_more=len(rows) > limit, items=items
    )


def red_list_conflicts(
    repo: Repository, as_of: date, *, skip: int = 0, limit: int = 100
) -> RedListConflictPage:
    """Subjects on an active red list that an active sanction contradicts, ordered by key."""
    rows = repo.read(q.RED_LIST_CONFLICTS, as_of=as_of, skip=skip, limit=limit + 1)
    items = [_conflict(row) for row in rows[:limit]]
    return RedListConflictPage(
        as_of=as_of, offset=skip, limit=limit, has_more=len(rows) > limit, items=items
    )


def _conflict(row: Row) -> RedListConflict:
    records = [FindingRecord(**r) for r in row["records"]]
    return RedListConflict(
        key=row["key"],
        label=row["label"],
        name=row["name"],
        id_masked=row["id_masked"],
        region_code=row["region_code"],
        honours=[r for r in records if r.list == RED],
        records=[r for r in records if r.list != RED],
        flags=[
            FlagOnRecord(flag=_flag(f["flag"]), record=FindingRecord(**f["record"]))
            for f in row["flags"]
        ],
    )


def _flag(props: dict[str, Any]) -> FlagRef:
    return FlagRef(**{**props, "path": path_from_json(props["path"])})
