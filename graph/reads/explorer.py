"""What the related-party explorer reads beyond a trace: facts that style the nodes on screen
and say how many more neighbours each has, one node's next neighbours along one relationship
type, and where a subject and its records came from.

The network itself is :func:`graph.reads.tracing.related_parties`, the paths
:func:`graph.reads.tracing.paths_between`, the profile :func:`graph.reads.subjects.profile`
and the controller :func:`graph.reads.ownership_graph.ownership_of`; this module adds only
what they lack. Every read starts from keys already on screen and is bounded by a screenful
(``MAX_KEYS``) and a page (``MAX_PAGE``), and a hub's relationships are scanned at most
``COUNT_CAP`` at a time: a hub never makes the page wait on the province.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from graph.model import NetworkEdge, NetworkNode, RelationCount, SubjectRef, label_of
from graph.reads import subjects
from graph.store.queries import explorer as q
from graph.store.repository import Repository
from graph.vocabulary import SUBJECT_RELATIONS, Direction, Level, ListName, SubjectLabel

# Facts are read for at most this many nodes at once: more than a screen shows.
MAX_KEYS = 600
# At most this many neighbours are added by one expansion.
MAX_PAGE = 200
# Relationships scanned per node to count its neighbours by type; beyond it the counts are
# lower bounds (``NodeFacts.counts_complete`` is False), and the page says "more than".
COUNT_CAP = 1_000
_LEVEL_ORDER: tuple[Level, ...] = ("general", "serious", "severe")


class NodeFacts(BaseModel):
    """What styles a node and offers its expansions, on one date."""

    key: str
    label: SubjectLabel
    name: str
    region_code: str | None = None
    province: str | None = None
    kind: str | None = None  # organisations: enterprise, state_asset_holder, …
    hub: bool = False
    lists: list[ListName]  # lists of its records in force, e.g. ["black", "red"]
    level: Level | None = None  # the gravest level among them
    flag_kinds: list[str]  # kinds of its derived flags
    relations: list[RelationCount]  # relationships in force, by type and direction
    counts_complete: bool  # False for a hub: ``relations`` counts only the first COUNT_CAP


class Neighbours(BaseModel):
    """A page of one node's neighbours along one relationship type and direction."""

    key: str
    rel: str
    direction: Direction
    total: int  # all of them in force on the date, those already on screen included
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class RecordProvenance(BaseModel):
    record_id: str
    department: str | None = None
    department_code: str | None = None
    source: str | None = None
    batch_id: str | None = None
    loaded_at: datetime | None = None


class Provenance(BaseModel):
    """Where a subject and each of its records came from: source, batch, load time."""

    source: str | None = None
    batch_id: str | None = None
    loaded_at: datetime | None = None
    records: list[RecordProvenance]


def fuzzy_search(
    repo: Repository, text: str, *, limit: int = 20, persons: bool = True
) -> list[SubjectRef]:
    """Subjects by key, by name fragment, then by name with the fragment's characters in
    order and anything between them: exact matches first, no subject twice."""
    found = subjects.search(repo, text, limit=limit, persons=persons)
    letters = [ch for ch in text if ch.isalnum()]
    if len(found) >= limit or len(letters) < 2:
        return found
    pattern = "(?i).*" + ".*".join(letters) + ".*"
    rows = repo.read(q.FUZZY_ORGANIZATIONS, pattern=pattern, limit=limit)
    if persons:
        rows += repo.read(q.FUZZY_PERSONS, pattern=pattern, limit=limit)
    seen = {s.key for s in found}
    more = [SubjectRef(**row) for row in rows if row["key"] not in seen]
    return (found + more)[:limit]


def node_facts(repo: Repository, keys: Iterable[str], *, as_of: date) -> dict[str, NodeFacts]:
    """Facts of the subjects with these keys on ``as_of``; unknown keys are left out.

    Raises ValueError for more than ``MAX_KEYS`` keys: a caller asking for more is showing
    more than a screen can hold.
    """
    wanted = sorted(set(keys))
    if len(wanted) > MAX_KEYS:
        raise ValueError(f"facts of at most {MAX_KEYS} subjects at once, not {len(wanted)}")
    persons = [k for k in wanted if label_of(k) == "Person"]
    organizations = [k for k in wanted if label_of(k) != "Person"]
    rows = repo.read(
        q.NODE_FACTS,
        org_keys=organizations,
        person_keys=persons,
        as_of=as_of,
        count_cap=COUNT_CAP,
    )
    return {row["key"]: _facts(row) for row in rows}


def neighbours(
    repo: Repository,
    key: str,
    rel: str,
    direction: Direction,
    *,
    as_of: date,
    exclude: Collection[str] = (),
    limit: int = 50,
) -> Neighbours | None:
    """The next ``limit`` neighbours of ``key`` along ``rel`` in ``direction`` on ``as_of``,
    leaving out ``exclude`` (what is on screen): largest share first, then by key. None if
    the subject is unknown. A hub is expanded too: this is the one way to open it, a page at
    a time."""
    if rel not in SUBJECT_RELATIONS:
        raise ValueError(f"unknown relationship type {rel!r}")
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be within 1..{MAX_PAGE}")
    if len(exclude) > MAX_KEYS:
        raise ValueError(f"at most {MAX_KEYS} keys to leave out")
    query = q.NEIGHBOURS_OF_PERSON if label_of(key) == "Person" else q.NEIGHBOURS_OF_ORGANIZATION
    row = repo.read_one(
        query,
        key=key,
        rel=rel,
        outgoing=direction == "out",
        as_of=as_of,
        exclude=list(exclude),
        limit=limit,
    )
    if row is None:
        return None
    return Neighbours(
        key=key,
        rel=rel,
        direction=direction,
        total=row["total"],
        nodes=[NetworkNode(hops=1, **found["node"]) for found in row["found"]],
        edges=[NetworkEdge(**found["edge"]) for found in row["found"]],
    )


def provenance(repo: Repository, key: str, *, limit: int = 200) -> Provenance | None:
    """Where the subject and its latest ``limit`` records came from; None if unknown."""
    query = q.PROVENANCE_OF_PERSON if label_of(key) == "Person" else q.PROVENANCE_OF_ORGANIZATION
    row = repo.read_one(query, key=key, limit=limit)
    if row is None:
        return None
    return Provenance(
        source=row["source"],
        batch_id=row["batch_id"],
        loaded_at=row["loaded_at"],
        records=[RecordProvenance(**r) for r in row["records"]],
    )


def _facts(row: dict[str, Any]) -> NodeFacts:
    levels = [lv for lv in _LEVEL_ORDER if lv in row["levels"]]
    return NodeFacts(
        key=row["key"],
        label=row["label"],
        name=row["name"],
        region_code=row["region_code"],
        province=row["province"],
        kind=row["kind"],
        hub=row["hub"],
        lists=sorted(row["lists"]),
        level=levels[-1] if levels else None,
        flag_kinds=sorted(row["flag_kinds"]),
        relations=[RelationCount(**r) for r in row["relations"]],
        counts_complete=row["degree"] <= COUNT_CAP,
    )
