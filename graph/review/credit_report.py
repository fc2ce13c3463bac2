"""Credit reports (信用报告): everything the graph holds on one subject, as data and as a page.

:func:`credit_report` gathers the subject's attributes, all its records (each marked whether
it counts on ``as_of``, as :mod:`graph.review.credit_review` counts it), its flags with paths
and basis, its red-list honours, and the departments and provinces whose records contribute.
:func:`render_html` turns a report into a self-contained printable A4 page: no external
assets, autoescaped, persons' ID numbers shown masked only (the graph holds no other form).
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from pydantic import BaseModel

from graph.clock import Clock
from graph.model import CreditRecord, Flag, Organization, Person
from graph.reads.subjects import names_of
from graph.review.credit_review import (
    counts_on,
    flags_with_records,
    subjects_with_records,
)
from graph.review.path_diagram import path_svg
from graph.store.repository import Repository
from graph.vocabulary import PROVINCE_NAMES, RED, SubjectLabel

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class ReportRecord(CreditRecord):
    active: bool  # counts on as_of: active or under objection, within its publicity window


class ReportFlag(Flag):
    record: ReportRecord  # the originating record as it stands now
    counts: bool  # whether the flag counts on as_of: its record does


class DepartmentSource(BaseModel):
    code: str
    name: str | None = None
    records: int


class ProvinceSource(BaseModel):
    code: str
    records: int


class ReportSources(BaseModel):
    """Who contributed: issuing departments and source provinces of every record shown."""

    departments: list[DepartmentSource]
    provinces: list[ProvinceSource]


class CreditReport(BaseModel):
    key: str
    label: SubjectLabel
    name: str
    organization: Organization | None = None
    person: Person | None = None
    as_of: date
    generated_at: datetime
    records: list[ReportRecord]  # all own records, every status
    flags: list[ReportFlag]
    honours: list[ReportRecord]  # the red-list records among `records`
    sources: ReportSources
    # Display names of the subjects that flags and their paths mention.
    names: dict[str, str]


def credit_report(
    repo: Repository, key: str, as_of: date, generated_at: datetime | None = None
) -> CreditReport | None:
    """The report on ``key`` as of ``as_of``; None when no subject has that key."""
    subject = subjects_with_records(repo, [key]).get(key)
    if subject is None:
        return None
    records = sorted(
        (_report_record(r, as_of) for r in subject.records),
        key=lambda r: (r.decided_on or date.min, r.record_id),
        reverse=True,
    )
    flags = sorted(
        (
            ReportFlag(
                **pair.flag.model_dump(),
                record=_report_record(pair.record, as_of),
                counts=counts_on(pair.record, as_of),
            )
            for pair in flags_with_records(repo, [key]).get(key, [])
        ),
        key=lambda f: (-f.score, f.record_id),
    )
    attributes = subject.attributes
    return CreditReport(
        key=key,
        label=subject.label,
        name=attributes["name"],
        organization=Organization(**{**attributes, "hub": bool(attributes.get("hub"))})
        if subject.label == "Organization"
        else None,
        person=Person(**attributes) if subject.label == "Person" else None,
        as_of=as_of,
        generated_at=generated_at or Clock().now(),
        records=records,
        flags=flags,
        honours=[r for r in records if r.list == RED],
        sources=_sources([*records, *(f.record for f in flags)]),
        names=_names(repo, key, attributes["name"], flags),
    )


def _report_record(record: CreditRecord, as_of: date) -> ReportRecord:
    return ReportRecord(**record.model_dump(), active=counts_on(record, as_of))


def _sources(records: list[ReportRecord]) -> ReportSources:
    by_department = Counter(r.authority for r in records if r.authority)
    department_names = {r.authority: r.authority_name for r in records if r.authority}
    by_province = Counter(r.source_province for r in records if r.source_province)
    return ReportSources(
        departments=[
            DepartmentSource(code=code, name=department_names[code], records=n)
            for code, n in sorted(by_department.items())
        ],
        provinces=[ProvinceSource(code=code, records=n) for code, n in sorted(by_province.items())],
    )


def _names(repo: Repository, key: str, name: str, flags: list[ReportFlag]) -> dict[str, str]:
    mentioned = {f.record_subject for f in flags} | {
        k for f in flags for step in f.path for k in (step.source, step.target)
    }
    return {key: name, **names_of(repo, mentioned)}


LIST_LABELS = {
    "black": "黑名单 / black list",
    "focus": "重点关注 / focus list",
    "red": "红名单 / red list",
}
LEVEL_LABELS = {"severe": "严重 / severe", "serious": "较重 / serious", "general": "一般 / general"}
STATUS_LABELS = {
    "active": "有效 / active",
    "under_objection": "异议中 / under objection",
    "repaired": "已修复 / repaired",
    "revoked": "已撤销 / revoked",
    "expired": "已到期 / expired",
}
KIND_LABELS = {
    "extended": "延伸 / extended",
    "associated": "关联 / associated",
    "pending": "待定 / pending",
}
REL_LABELS = {
    "LEGAL_REP_OF": "法定代表人 / legal representative of",
    "OFFICER_OF": "任职 / officer of",
    "SHAREHOLDER_OF": "股东 / shareholder of",
    "BRANCH_OF": "分支机构 / branch of",
    "PRACTISES_AT": "执业 / practises at",
}
LABEL_LABELS = {
    "Organization": "法人和其他组织 / organisation",
    "Person": "自然人 / natural person",
}
DIRECTION_ARROWS = {"out": "→", "in": "←"}


@functools.cache
def _template() -> Template:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("credit_report.html")


def render_html(report: CreditReport) -> str:
    """A printable, self-contained HTML page of ``report``."""
    return _template().render(
        report=report,
        lists=LIST_LABELS,
        levels=LEVEL_LABELS,
        statuses=STATUS_LABELS,
        kinds=KIND_LABELS,
        labels=LABEL_LABELS,
        arrows=DIRECTION_ARROWS,
        rels=REL_LABELS,
        provinces=PROVINCE_NAMES,
        # The flag's path drawn: escaped by path_svg itself, so the template need not trust data.
        diagram=path_svg,
    )
