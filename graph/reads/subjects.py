"""Finding subjects and reading their profile: attributes, records, flags, relation summary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.model import (
    CreditRecord,
    Flag,
    Organization,
    Person,
    RelationCount,
    SubjectProfile,
    SubjectRef,
    label_of,
    path_from_json,
)
from graph.store.queries import review as review_queries
from graph.store.queries import subjects as q
from graph.store.repository import Repository
from graph.store.schema import Rel
from graph.vocabulary import SUBJECT_RELATIONS, SubjectLabel

_FLAGS: dict[SubjectLabel, str] = {
    "Organization": q.FLAGS_OF_ORGANIZATION,
    "Person": q.FLAGS_OF_PERSON,
}
# Relationship types the profile counts, per label: a person has no branches but licences.
_RELATIONS: dict[SubjectLabel, list[str]] = {
    "Organization": list(SUBJECT_RELATIONS),
    "Person": [rel for rel in SUBJECT_RELATIONS if rel != Rel.BRANCH_OF] + [Rel.LICENSED_AS.value],
}


def search(repo: Repository, text: str, limit: int = 20, persons: bool = True) -> list[SubjectRef]:
    """Subjects whose name contains ``text`` (organisations first), or the one with that key."""
    if (found := find(repo, text)) is not None:
        return [found]
    rows = repo.read(q.SEARCH_ORGANIZATIONS_BY_NAME, text=text, limit=limit)
    if persons and len(rows) < limit:
        rows += repo.read(q.SEARCH_PERSONS_BY_NAME, text=text, limit=limit - len(rows))
    return [SubjectRef(**row) for row in rows]


def find(repo: Repository, key: str) -> SubjectRef | None:
    """The subject with this exact key (USCC, organisation surrogate or pid), if any."""
    if label_of(key) == "Person":
        row = repo.read_one(q.PERSON_BY_PID, key=key)
        if row is None:
            return None
        p = row["person"]
        return SubjectRef(
            key=p["pid"], label="Person", name=p["name"], region_code=p["region_code"]
        )
    row = repo.read_one(q.ORGANIZATION_BY_USCC, key=key)
    if row is None:
        return None
    o = row["organization"]
    return SubjectRef(
        key=o["uscc"], label="Organization", name=o["name"], region_code=o["region_code"]
    )


def profile(repo: Repository, key: str) -> SubjectProfile | None:
    label = label_of(key)
    query = q.PROFILE_OF_PERSON if label == "Person" else q.PROFILE_OF_ORGANIZATION
    row = repo.read_one(query, key=key, relation_types=_RELATIONS[label])
    if row is None:
        return None
    attributes: dict[str, Any] = (
        {"person": Person(**row["person"])}
        if label == "Person"
        else {"organization": _organization(row["organization"])}
    )
    return SubjectProfile(
        label=label,
        records=[_record(r) for r in row["records"]],
        flags=[flag_from_row(f) for f in row["flags"]],
        relations=[RelationCount(**r) for r in row["relations"]],
        **attributes,
    )


def flags_of(repo: Repository, key: str) -> list[Flag]:
    """The subject's derived flags, each with its rule, path and legal basis."""
    rows = repo.read(_FLAGS[label_of(key)], key=key)
    return [flag_from_row(row["flag"]) for row in rows]


def names_of(repo: Repository, keys: Iterable[str]) -> dict[str, str]:
    """Display names by key of the subjects among ``keys`` (unknown keys omitted), in one
    query: what a page needs to show paths, feeds and lists by name."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = repo.read(
        review_queries.NAMES_OF_SUBJECTS,
        organization_keys=[k for k in wanted if label_of(k) == "Organization"],
        person_keys=[k for k in wanted if label_of(k) == "Person"],
    )
    return {row["key"]: row["name"] for row in rows}


def flag_from_row(props: dict[str, Any]) -> Flag:
    return Flag(
        **{**props, "path": path_from_json(props["path"]), "computed_at": str(props["computed_at"])}
    )


def _organization(props: dict[str, Any]) -> Organization:
    return Organization(**{**props, "hub": bool(props.get("hub"))})


def _record(props: dict[str, Any]) -> CreditRecord:
    keep = CreditRecord.model_fields.keys()
    return CreditRecord(**{k: v for k, v in props.items() if k in keep})
