"""Records: an authority files one; objections, decisions, repairs and revocations.

Every write recomputes the record's flags in the same request, so the response already
reflects what the change means for every related party.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.audit_trail import AuditDep
from api.auth import Regulator
from api.deps import ClockDep, RepositoryDep, RulesDep, SettingsDep
from api.params import (
    ID_NUMBER_PATTERN,
    PERSON_KEY_MAX_LENGTH,
    SUBJECT_KEY_MAX_LENGTH,
    IsoDate,
    RecordId,
)
from api.problems import PROBLEM_RESPONSES, problem_responses
from graph import ingest, records
from graph.ingest.validate import Context
from graph.propagation.recompute import RunSummary
from graph.settings import Settings
from graph.vocabulary import NEGATIVE_LISTS, RECORD_LEVELS, Level, ListName

# Every record operation names a record or a subject that may not exist (404), and a
# transition the record's status does not allow is refused (409).
router = APIRouter(
    prefix="/api/v1/records",
    tags=["records"],
    responses={**PROBLEM_RESPONSES, **problem_responses(404, 409)},
)


# What validation requires of the level, in the document too: a black or focus record names
# its level, a red one has none (domain.md, "Levels").
_LEVEL_BY_LIST: dict[str, Any] = {
    "if": {"properties": {"list": {"enum": list(NEGATIVE_LISTS)}}},
    "then": {"required": ["level"], "properties": {"level": {"enum": sorted(RECORD_LEVELS)}}},
    "else": {"properties": {"level": {"type": "null"}}},
}


class RecordIn(BaseModel):
    """A record as an authority files it; the same fields as the canonical `records` layout."""

    model_config = ConfigDict(json_schema_extra=_LEVEL_BY_LIST)

    record_id: str = Field(min_length=1, max_length=128, examples=["JS-SCJGJ-2026-00017"])
    subject_uscc: str | None = Field(
        default=None,
        max_length=SUBJECT_KEY_MAX_LENGTH,
        description="An organisation key: a USCC, or `orgcode:`, `reg:`, `listed:`, "
        '`foreign:`, `ftm:` or `name:` + its identifier (loaders/LAYOUTS.md, "Keys").',
        examples=["91320214745555318W", "listed:000008.SZ"],
    )
    subject_id_number: str | None = Field(
        default=None,
        pattern=ID_NUMBER_PATTERN,
        description="Hashed on arrival; never stored or echoed.",
    )
    subject_person_key: str | None = Field(
        default=None,
        max_length=PERSON_KEY_MAX_LENGTH,
        description="A person known without an ID number, by the facts the graph keys them by: "
        "`name=…;born=…;gender=…;nationality=…;org=…` (name and one more; LAYOUTS.md, "
        '"Keys"). The same facts name the same person whichever source loaded them.',
        examples=["name=张三;born=1970;gender=m"],
    )
    list: ListName
    level: Level | None = None
    category: str | None = Field(default=None, max_length=40, examples=["judgment_debtor"])
    authority: str = Field(min_length=1, max_length=64, examples=["JS-GY"])
    basis: str = Field(min_length=1, max_length=500, examples=["(2026)苏02执123号"])
    decided_on: IsoDate
    publish_from: IsoDate | None = None
    publish_until: IsoDate | None = None


class PropagationOut(BaseModel):
    run_id: str
    flags: int
    gained: int
    lost: int
    changed: int


class RecordChange(BaseModel):
    record_id: str
    status: str
    propagation: PropagationOut | None = Field(
        description="The recompute of the record's flags; null when a filing repeated the "
        "record as stored, so that nothing was written or recomputed."
    )
    objection_deadline: date | None = Field(
        default=None, description="The decision is due by this date (working days)."
    )


class ObjectionIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000, examples=["罚款已于2026-03-01缴清"])


class DecisionIn(BaseModel):
    upheld: StrictBool = Field(description="True: the objection stands and the record is revoked.")
    note: str = Field(min_length=3, max_length=2000, examples=["经复核，异议不成立"])


class NoteIn(BaseModel):
    note: str = Field(min_length=3, max_length=2000, examples=["已履行义务并作出信用承诺"])


def _out(run: RunSummary) -> PropagationOut:
    return PropagationOut(
        run_id=run.run_id, flags=run.flags, gained=run.gained, lost=run.lost, changed=run.changed
    )


def _context(settings: Settings, today: date) -> Context:
    return Context(
        pid_key=settings.pid_key.get_secret_value().encode(),
        province=settings.province_code,
        today=today,
        uscc_allow_list=frozenset(settings.uscc_allow_list),
    )


@router.post(
    "",
    summary="File a record (an issuing authority); its identity cannot change once filed",
    description="Filing a `record_id` again with the same content changes nothing; a new "
    "publicity period (or a later status) amends the record; another subject, authority, "
    "list, level, category, basis or decision date is refused with 409 naming every "
    "differing field: revoke the record and file a new one, or decide an objection.",
    response_model=RecordChange,
)
def add_record(
    body: RecordIn,
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> RecordChange:
    raw: dict[str, Any] = {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in body.model_dump().items()
        if v is not None
    }
    provenance = {
        "source": f"api:{principal.key_id}",
        "batch_id": f"api-{body.record_id}",
        "loaded_at": clock.now(),
        "province": settings.province_code,
    }
    filed = ingest.file_record(
        repo, rules, raw, _context(settings, clock.today()), provenance, clock.today()
    )
    trail.log(
        [filed.subject],
        1,
        detail=f"{filed.record_id}: {'written' if filed.propagation else 'unchanged'}",
    )
    status = records.read_record(repo, filed.record_id)["status"]
    return RecordChange(
        record_id=filed.record_id,
        status=status,
        propagation=_out(filed.propagation) if filed.propagation else None,
    )


@router.get("/{record_id}", summary="A record with its status history fields")
def get_record(
    record_id: RecordId, repo: RepositoryDep, _: Regulator, trail: AuditDep
) -> dict[str, Any]:
    record = records.read_record(repo, record_id)
    trail.log([record["subject"]], 1)
    return record


def _transition(trail: AuditDep, repo: RepositoryDep, record_id: str, step: Any) -> RecordChange:
    trail.log([records.read_record(repo, record_id)["subject"]])  # audited if refused
    result = step()
    transition, deadline = result if isinstance(result, tuple) else (result, None)
    trail.log([], 1, detail=f"{record_id}: {transition.before} -> {transition.status}")
    return RecordChange(
        record_id=transition.record_id,
        status=transition.status,
        propagation=_out(transition.propagation),
        objection_deadline=deadline,
    )


@router.post(
    "/{record_id}/objection",
    summary="File an objection (异议): the record is marked at once and its flags turn pending",
    response_model=RecordChange,
)
def file_objection(
    record_id: RecordId,
    body: ObjectionIn,
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> RecordChange:
    return _transition(
        trail, repo, record_id,
        lambda: records.file_objection(
            repo, rules, record_id, body.reason, principal.key_id,
            settings.objection_deadline_working_days, clock.today(),
            province=settings.province_code,
        ),
    )  # fmt: skip


@router.post(
    "/{record_id}/objection/decision",
    summary="Decide an objection: upheld revokes the record, rejected restores it",
    response_model=RecordChange,
)
def decide_objection(
    record_id: RecordId,
    body: DecisionIn,
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> RecordChange:
    return _transition(
        trail, repo, record_id,
        lambda: records.decide_objection(
            repo, rules, record_id, body.upheld, body.note, principal.key_id, clock.today(),
            province=settings.province_code,
        ),
    )  # fmt: skip


@router.post(
    "/{record_id}/repair",
    summary="Repair (信用修复): publication, sharing and every derived flag stop at once",
    response_model=RecordChange,
)
def repair_record(
    record_id: RecordId,
    body: Annotated[NoteIn, Body()],
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> RecordChange:
    return _transition(
        trail, repo, record_id,
        lambda: records.repair(
            repo, rules, record_id, body.note, principal.key_id, clock.today(),
            province=settings.province_code,
        ),
    )  # fmt: skip


@router.post(
    "/{record_id}/revocation",
    summary="Revoke a record (撤销): it and its flags stop counting",
    response_model=RecordChange,
)
def revoke_record(
    record_id: RecordId,
    body: Annotated[NoteIn, Body()],
    repo: RepositoryDep,
    rules: RulesDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Regulator,
    trail: AuditDep,
) -> RecordChange:
    return _transition(
        trail, repo, record_id,
        lambda: records.revoke(
            repo, rules, record_id, body.note, principal.key_id, clock.today(),
            province=settings.province_code,
        ),
    )  # fmt: skip
