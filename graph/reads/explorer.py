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

import re
from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from graph.model import NetworkEdge, NetworkNode, RelationCount, SubjectRef, label_of
from graph.reads import subjects
from graph.store.queries import explorer as q
from graph.store.repository import Repository
from graph.store.schema import FULLTEXT_INDEXES, Label
from graph.vocabulary import SUBJECT_RELATIONS, Direction, Level, ListName, SubjectLabel

# Facts are read for at most this many nodes at once: more than a screen shows.
MAX_KEYS = 600
# At most this many neighbours are added by one expansion.
MAX_PAGE = 200
# Relationships scanned per node to count its neighbours by type; beyond it the counts are
# lower bounds (``NodeFacts.counts_complete`` is False), and the page says "more than".
COUNT_CAP = 1_000
# Name search candidates read per label from its full-text index.
CANDIDATES = 200
# A search term: one CJK character (the standard analyzer's term for it), or a run of other
# letters and digits.
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_TERM = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
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
    """Subjects by key, else by name: names holding ``text`` first, then names holding its
    letters in order with anything between them ("苏州甲科技" finds "苏州市甲乙科技有限公司");
    the shorter name first, organisations before persons.

    The candidates are the :data:`CANDIDATES` best of each label's full-text index for the
    letters (the phrase boosted), so a search never reads every name of the province; a
    name that holds the letters only out of order is left out.
    """
    if (found := subjects.find(repo, text.strip())) is not None:
        return [found]
    terms = _terms(text)
    if len("".join(terms)) < 2:
        return []
    phrase = " ".join(terms)
    lucene = f'"{phrase}"^4 OR ({" AND ".join(terms)})'
    labels = [Label.ORGANIZATION, Label.PERSON] if persons else [Label.ORGANIZATION]
    rows = [
        row
        for label in labels
        for row in repo.read(
            q.NAME_CANDIDATES, index=FULLTEXT_INDEXES[label], terms=lucene, limit=CANDIDATES
        )
    ]
    fragment = text.strip().casefold()
    in_order = re.compile(".*".join(re.escape(t) for t in terms))
    ranked = []
    for row in rows:
        name = (row["name"] or "").casefold()
        rank = 0 if fragment in name else 1 if in_order.search(name) else None
        if rank is not None:
            order = (rank, row["label"] != "Organization", len(name), row["key"])
            ranked.append((order, SubjectRef(**row)))
    return [ref for _, ref in sorted(ranked, key=lambda pair: pair[0])[:limit]]


def _terms(text: str) -> list[str]:
    """The query's terms as the standard analyzer makes them: each CJK character on its own,
    other letters and digits in runs, lower case."""
    return _TERM.findall(text.casefold())


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
