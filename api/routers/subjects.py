"""Subjects: search, profile, related-party network, paths between two subjects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.audit_trail import AuditDep
from api.auth import Reader, Regulator
from api.deps import ClockDep, RepositoryDep, SettingsDep
from api.params import (
    EXAMPLE_USCC,
    ID_NUMBER_PATTERN,
    SUBJECT_KEY_DESCRIPTION,
    SUBJECT_KEY_MAX_LENGTH,
    IsoDate,
    SubjectKey,
    checked_key,
)
from api.problems import NOT_FOUND, PROBLEM_RESPONSES
from api.responses import ModelResponse
from graph import disclosure
from graph.disclosure import Audience
from graph.errors import InvalidInput, NotFound
from graph.identifiers import pid_for, validate_id_number
from graph.model import GraphPath, Network, SubjectProfile, SubjectRef
from graph.reads import subjects, tracing

router = APIRouter(prefix="/api/v1", tags=["subjects"], responses=PROBLEM_RESPONSES)


@router.get(
    "/subjects",
    summary="Search subjects by name fragment or exact key",
    response_model=list[SubjectRef],
)
def search_subjects(
    repo: RepositoryDep,
    principal: Reader,
    trail: AuditDep,
    q: Annotated[str, Query(min_length=1, max_length=100, examples=["无锡"])],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SubjectRef]:
    audience = Audience.of(principal)
    text = q.strip()
    found = (
        subjects.search(repo, text, limit=limit, persons=disclosure.may_search_persons(audience))
        if disclosure.may_resolve(audience, text)
        else []
    )
    trail.log([s.key for s in found], len(found))
    return found


class IdNumberQuery(BaseModel):
    id_number: str = Field(
        pattern=ID_NUMBER_PATTERN,
        description="A resident ID number (18 characters, or the 15 digits of a first-generation "
        "card); hashed on arrival, never stored or logged.",
        examples=["11010519491231002X"],
    )


@router.post(
    "/subjects/by-id-number",
    summary="Find a person by resident ID number (regulators)",
    response_model=list[SubjectRef],
)
def find_by_id_number(
    body: IdNumberQuery,
    repo: RepositoryDep,
    settings: SettingsDep,
    _: Regulator,
    trail: AuditDep,
) -> list[SubjectRef]:
    pid = pid_for(validate_id_number(body.id_number), settings.pid_key.get_secret_value().encode())
    found = subjects.find(repo, pid)
    result = [found] if found else []
    trail.log([pid], len(result))
    return result


@router.get(
    "/subjects/{key}",
    summary="A subject's profile: attributes, records, flags with explanations, relations",
    response_model=SubjectProfile,
    responses=NOT_FOUND,
)
def subject_profile(
    key: SubjectKey,
    repo: RepositoryDep,
    settings: SettingsDep,
    principal: Reader,
    trail: AuditDep,
) -> ModelResponse:
    key = checked_key(key, settings)
    trail.log([key])  # a refused profile is audited with the key it asked for
    audience = Audience.of(principal)
    disclosure.check_profile(audience, key)
    prof = subjects.profile(repo, key)
    if prof is None:
        raise disclosure.subject_not_found(key)
    trail.log([key], 1)
    return ModelResponse(disclosure.disclose_profile(audience, prof))


@router.get(
    "/subjects/{key}/network",
    summary="Related parties within k hops, for the explorer (capped and paged)",
    response_model=Network,
    responses=NOT_FOUND,
)
def subject_network(
    key: SubjectKey,
    repo: RepositoryDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Reader,
    trail: AuditDep,
    hops: Annotated[int, Query(ge=1, le=tracing.MAX_HOPS)] = 2,
    types: Annotated[
        list[str] | None,
        Query(
            min_length=1,
            description="Relationship types to follow; all of them if absent.",
            json_schema_extra={"items": {"type": "string", "enum": list(tracing.RELATION_TYPES)}},
        ),
    ] = None,
    as_of: Annotated[IsoDate | None, Query(description="Only relations valid on this date")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> ModelResponse:
    key = checked_key(key, settings)
    trail.log([key])
    audience = Audience.of(principal)
    disclosure.check_root(audience, key)
    if types is not None:
        unknown = sorted(set(types) - set(tracing.RELATION_TYPES))
        if unknown:
            raise InvalidInput(f"unknown relationship types {unknown}", field="types")
    net = tracing.related_parties(
        repo,
        key,
        hops=hops,
        types=types or tracing.RELATION_TYPES,
        as_of=as_of or clock.today(),
        offset=offset,
        limit=limit,
    )
    if net is None:
        raise disclosure.subject_not_found(key)
    trail.log([n.key for n in net.nodes], len(net.nodes))
    return ModelResponse(disclosure.disclose_network(audience, net))


@router.get(
    "/paths",
    summary="Shortest paths between two subjects (regulators)",
    response_model=list[GraphPath],
    responses=NOT_FOUND,
)
def paths(
    repo: RepositoryDep,
    settings: SettingsDep,
    _: Regulator,
    trail: AuditDep,
    source: Annotated[
        str,
        Query(
            min_length=3,
            max_length=SUBJECT_KEY_MAX_LENGTH,
            description=SUBJECT_KEY_DESCRIPTION,
            examples=[EXAMPLE_USCC],
        ),
    ],
    target: Annotated[
        str,
        Query(
            min_length=3,
            max_length=SUBJECT_KEY_MAX_LENGTH,
            description=SUBJECT_KEY_DESCRIPTION,
            examples=["91110000600037341L"],
        ),
    ],
    max_hops: Annotated[int, Query(ge=1, le=tracing.MAX_PATH_HOPS)] = 4,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[GraphPath]:
    source, target = checked_key(source, settings), checked_key(target, settings)
    found = tracing.paths_between(repo, source, target, max_hops=max_hops, limit=limit)
    trail.log([source, target], 0 if found is None else len(found))
    if found is None:
        raise NotFound("source or target is not a known subject", field="source")
    return found
