"""Typed views of the graph's vocabulary, as the API and dashboards receive them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from graph.vocabulary import Direction, FlagKind, Level, ListName, SubjectLabel

PID_PATTERN = re.compile(r"(s:)?[0-9a-f]{64}")


def label_of(key: str) -> SubjectLabel:
    """A subject key names its label: a pid is a 64-hex HMAC (``s:``-prefixed for
    surrogates); anything else is an organisation key (a USCC or a namespaced surrogate)."""
    return "Person" if PID_PATTERN.fullmatch(key) else "Organization"


class SubjectRef(BaseModel):
    key: str
    label: SubjectLabel
    name: str
    region_code: str | None = None


class Organization(BaseModel):
    uscc: str
    name: str
    kind: str | None = None
    region_code: str | None = None
    province: str | None = None
    status: str | None = None
    established_on: date | None = None
    registered_capital: float | None = None
    hub: bool = False


class Person(BaseModel):
    pid: str
    name: str
    id_masked: str | None = None
    region_code: str | None = None
    province: str | None = None


class CreditRecord(BaseModel):
    record_id: str
    list: ListName
    category: str | None = None
    level: Level | None = None
    authority: str | None = None
    authority_name: str | None = None
    basis: str | None = None
    decided_on: date | None = None
    publish_from: date | None = None
    publish_until: date | None = None
    status: str
    source_province: str | None = None
    # A partner's record: the SHA-256 of the signed page it came from (graph/linkage).
    source_page: str | None = None


class PathStep(BaseModel):
    """One hop of a propagation path, readable on its own."""

    source: str
    rel: str
    direction: Direction
    target: str
    rule: str


def path_to_json(steps: Iterable[Mapping[str, Any]]) -> str:
    """A propagation path as a FLAGGED relationship stores it: JSON text, since Neo4j
    properties cannot hold lists of maps. :func:`path_from_json` reads it back."""
    return json.dumps(list(steps), ensure_ascii=False)


def path_from_json(text: str) -> list[dict[str, Any]]:
    """The steps of a stored path, each a mapping of the fields of :class:`PathStep`."""
    steps: list[dict[str, Any]] = json.loads(text)
    return steps


class Flag(BaseModel):
    """This subject is reached by this record, by this rule, along this path."""

    record_id: str
    record_subject: str
    rule: str
    kind: FlagKind
    score: float
    hops: int
    path: list[PathStep]
    basis: str
    rules_version: str
    computed_at: str


class RelationCount(BaseModel):
    rel: str
    direction: Direction
    count: int


class SubjectProfile(BaseModel):
    label: SubjectLabel
    organization: Organization | None = None
    person: Person | None = None
    records: list[CreditRecord]
    flags: list[Flag]
    relations: list[RelationCount]


class NetworkNode(BaseModel):
    key: str
    label: SubjectLabel
    name: str
    region_code: str | None = None
    hops: int
    hub: bool = False
    sanctioned: bool = False  # carries an active black/focus record
    flagged: bool = False  # carries a derived flag


class NetworkEdge(BaseModel):
    source: str
    target: str
    rel: str
    role: str | None = None
    ratio: float | None = None
    since: date | None = None  # when the post or holding began, if known
    until: date | None = None  # when it ended; none while it lasts


class Network(BaseModel):
    """A page of a subject's related parties within k hops."""

    root: str
    hops: int
    as_of: date
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    total_nodes: int
    offset: int
    limit: int
    truncated: bool  # the traversal cap was reached: more parties exist than were explored


class GraphPath(BaseModel):
    nodes: list[SubjectRef]
    edges: list[NetworkEdge]
