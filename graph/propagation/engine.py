"""Who else a sanction reaches: the propagation engine, pure and generic over the graph.

The engine walks from each record's own subject along the relationships the rules allow
(:mod:`graph.propagation.rules`) and derives flags (:class:`DerivedFlag`) — "this subject is
reached by this record, by this rule, along this path, on this legal basis". It never talks to
Neo4j: the graph comes from a :class:`GraphProvider`, answered here by :class:`NetworkxGraph`
and in production by a Neo4j-backed provider that answers one hop for a whole frontier in one
query.

Semantics
---------
- A record passes something on only if it is live on ``as_of``: status ``active`` or
  ``under_objection`` and ``publish_from <= as_of <= publish_until`` (an open end never ends).
  Under objection, every flag it yields has kind ``pending`` (never blocking) unless the rules
  set ``pending_on_objection: false``, in which case the objection does not change the kinds.
- The search state is (subject, chain state). The record's subject is in state ``own``; a
  subject reached by a rule is in the state of that rule's kind. A rule applies from a subject
  whose label is the rule's ``source_label`` and whose state is in the rule's ``from``; from
  ``own`` the record must also match the rule's ``starts``. A flag's kind is the kind of the
  rule that reached the subject (or ``pending``).
- Score is the product of the rule factors along the path, rounded to 6 decimals so that a
  threshold equal to a product of factors is met exactly. Paths have at most ``max_hops``
  steps, flags scoring under ``min_score`` are not kept (factors are at most 1, so no longer
  path could recover), no path visits a subject twice, so the record's own subject is never
  flagged by its own record.
- A hub — ``hub: true`` or more propagation relationships than ``degree_cap`` — may receive a
  flag but passes nothing on, its own records included: a state-asset holder's record must not
  reach everything it holds.
- A person who is a minor on ``as_of`` (``as_of`` before their ``adult_on``) is never
  flagged and passes nothing on, their own records included: minors are never listed
  (法释〔2017〕7号), and a walk through a person stands for a restriction of that person
  (R2 starts from a person's own or ``extended`` flag), which a minor cannot carry. Nor is a
  minor shown as a link in anyone else's path. A person whose age is unknown counts as an
  adult.
- Per (subject, record) the best path is kept: highest score, then fewest hops, then the
  lexicographically smallest path, so results never depend on graph or input order.
- Each record's flags depend only on that record and the graph, so propagating any subset of
  the records gives exactly their flags in a full recompute. An incremental recompute is this
  function on the changed records: :func:`replace_record_flags` states what it leaves, and
  :mod:`graph.propagation.recompute` applies it by diffing the stored flags of those records.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import date
from typing import Any, Protocol

import networkx as nx

from graph.propagation.rules import Rule, RuleSet, Step
from graph.vocabulary import (
    LIVE_STATUSES,
    PENDING,
    UNDER_OBJECTION,
    Direction,
    FlagKind,
    record_counts,
)

OWN = "own"
PERSON_LABEL = "Person"
SCORE_DECIMALS = 6
# Records propagated together: one frontier per hop for the whole batch.
DEFAULT_BATCH_SIZE = 5_000


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A red/black/focus-list record as the engine needs it."""

    record_id: str
    subject: str  # uscc of an Organization or pid of a Person
    list: str  # black | red | focus
    level: str | None  # general | serious | severe; None on red lists
    category: str
    status: str  # active | expired | repaired | revoked | under_objection
    publish_from: date
    publish_until: date | None = None

    def is_live(self, as_of: date) -> bool:
        """Whether the record passes anything on at ``as_of``: the as-of rule with
        :data:`~graph.vocabulary.LIVE_STATUSES` (``publish_from`` already falls back to the
        decision date, so the decision is not needed here)."""
        return record_counts(
            as_of,
            status=self.status,
            publish_from=self.publish_from,
            decided_on=None,
            publish_until=self.publish_until,
            statuses=LIVE_STATUSES,
        )


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship seen from one subject: ``direction`` is relative to that subject."""

    rel: str
    direction: Direction
    other: str
    other_label: str
    role: str | None = None
    ratio: float | None = None


@dataclass(frozen=True, slots=True)
class NodeInfo:
    label: str  # Organization | Person
    hub: bool = False  # marked as a hub, e.g. a state-asset holder
    degree: int = 0  # relationships of the propagation types, either direction, any period
    adult_on: date | None = None  # persons: the day they turn 18, where known

    def is_minor(self, as_of: date) -> bool:
        return self.adult_on is not None and as_of < self.adult_on


class GraphProvider(Protocol):
    """Where the graph lives. Each call answers a whole frontier: the engine calls each
    method at most once per hop per batch (``nodes`` once more at the end, for persons
    reached on the last hop), never once per subject, so a database-backed provider can
    answer it with one query (``UNWIND $keys``).
    """

    def nodes(self, keys: Collection[str], rels: Collection[str]) -> Mapping[str, NodeInfo]:
        """Label, hub marker, degree (over ``rels``) and, for persons, the day they turn 18
        of each known key; unknown keys omitted."""
        ...

    def expand(
        self, keys: Collection[str], as_of: date, rels: Collection[str]
    ) -> Mapping[str, Sequence[Edge]]:
        """Each key's relationships of types ``rels`` valid on ``as_of``
        (``since <= as_of < until``, a missing bound is open), in both directions."""
        ...


@dataclass(frozen=True, slots=True)
class Hop:
    source: str
    rel: str
    direction: Direction
    target: str
    rule: str

    def __str__(self) -> str:
        """Readable with the stored direction, e.g. ``R1: (org)<-[:LEGAL_REP_OF]-(person)``."""
        if self.direction == "out":
            return f"{self.rule}: ({self.source})-[:{self.rel}]->({self.target})"
        return f"{self.rule}: ({self.source})<-[:{self.rel}]-({self.target})"


@dataclass(frozen=True, slots=True)
class DerivedFlag:
    """Subject ``subject`` is reached by record ``record_id``; ``rule`` and ``basis`` are
    those of the last step, every step of ``path`` names its own rule."""

    subject: str
    record_id: str
    rule: str
    kind: FlagKind
    score: float
    hops: int
    path: tuple[Hop, ...]
    basis: str
    rules_version: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.subject, self.record_id)


@dataclass(frozen=True, slots=True)
class FlagChange:
    before: DerivedFlag
    after: DerivedFlag


@dataclass(frozen=True, slots=True)
class ChangeFeed:
    """What a recompute changed, each part sorted by (subject, record_id)."""

    gained: tuple[DerivedFlag, ...]
    lost: tuple[DerivedFlag, ...]
    changed: tuple[FlagChange, ...]


@dataclass(frozen=True, slots=True)
class _Walk:
    """A partial path of one record: where it stands, in which state, at what score."""

    record: SourceRecord
    node: str
    state: str
    score: float
    steps: tuple[Hop, ...]
    label: str = ""  # the node's, as the step to it saw it; unknown for the record's subject

    def visits(self, key: str) -> bool:
        return key == self.record.subject or any(step.target == key for step in self.steps)

    def rank(self) -> tuple[float, int, tuple[tuple[Any, ...], ...]]:
        return (-self.score, len(self.steps), tuple(astuple(step) for step in self.steps))


def propagate(
    records: Iterable[SourceRecord],
    rules: RuleSet,
    as_of: date,
    graph: GraphProvider,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[DerivedFlag]:
    """Every flag the given records yield on ``as_of``, sorted by (subject, record_id).

    A full recompute passes every record; an incremental one passes the changed records only
    (see :func:`replace_record_flags`).

    Examples
    --------
    A firm on the black list, its legal representative, and a second firm she represents:

    >>> import networkx as nx
    >>> from graph.propagation.rules import load_rules
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["A", "B"], label="Organization")
    >>> g.add_node("alice", label="Person")
    >>> _ = g.add_edge("alice", "A", rel="LEGAL_REP_OF")
    >>> _ = g.add_edge("alice", "B", rel="LEGAL_REP_OF")
    >>> debtor = SourceRecord("r1", "A", "black", "severe", "tax", "active", date(2025, 1, 1))
    >>> for flag in propagate([debtor], load_rules(), date(2025, 6, 30), NetworkxGraph(g)):
    ...     print(flag.subject, flag.rule, flag.kind, flag.score, [str(s) for s in flag.path])
    B R2 associated 0.6 ['R1: (A)<-[:LEGAL_REP_OF]-(alice)', 'R2: (alice)-[:LEGAL_REP_OF]->(B)']
    alice R1 extended 1.0 ['R1: (A)<-[:LEGAL_REP_OF]-(alice)']
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    live = sorted((r for r in _unique(records) if r.is_live(as_of)), key=lambda r: r.record_id)
    flags: list[DerivedFlag] = []
    for start in range(0, len(live), batch_size):
        flags.extend(_propagate_batch(live[start : start + batch_size], rules, as_of, graph))
    return sorted(flags, key=lambda flag: flag.key)


def replace_record_flags(
    current: Iterable[DerivedFlag], record_ids: Collection[str], recomputed: Iterable[DerivedFlag]
) -> list[DerivedFlag]:
    """The flag set after an incremental recompute of ``record_ids``.

    ``recomputed`` is :func:`propagate` over those records as they now are; a record that was
    repaired, revoked or deleted simply contributes nothing, so its old flags disappear.
    """
    changed = frozenset(record_ids)
    fresh = list(recomputed)
    stray = sorted({flag.record_id for flag in fresh if flag.record_id not in changed})
    if stray:
        raise ValueError(f"recomputed flags of records not being replaced: {', '.join(stray)}")
    kept = [flag for flag in current if flag.record_id not in changed]
    return sorted([*kept, *fresh], key=lambda flag: flag.key)


def diff_flags(before: Iterable[DerivedFlag], after: Iterable[DerivedFlag]) -> ChangeFeed:
    """The change feed between two flag sets, keyed by (subject, record_id).

    A flag counts as changed when any of its fields differ, ``rules_version`` included: a
    writer that applies only the feed then leaves every stored flag naming the rules it was
    last confirmed under.
    """
    old, new = _by_key(before), _by_key(after)
    return ChangeFeed(
        gained=tuple(new[key] for key in sorted(new.keys() - old.keys())),
        lost=tuple(old[key] for key in sorted(old.keys() - new.keys())),
        changed=tuple(
            FlagChange(old[key], new[key])
            for key in sorted(old.keys() & new.keys())
            if old[key] != new[key]
        ),
    )


def _unique(records: Iterable[SourceRecord]) -> Iterator[SourceRecord]:
    seen: set[str] = set()
    for record in records:
        if record.record_id in seen:
            raise ValueError(f"record {record.record_id} given twice")
        seen.add(record.record_id)
        yield record


def _by_key(flags: Iterable[DerivedFlag]) -> dict[tuple[str, str], DerivedFlag]:
    out: dict[tuple[str, str], DerivedFlag] = {}
    for flag in flags:
        if flag.key in out:
            raise ValueError(f"two flags for subject {flag.subject} and record {flag.record_id}")
        out[flag.key] = flag
    return out


def _propagate_batch(
    batch: Sequence[SourceRecord], rules: RuleSet, as_of: date, graph: GraphProvider
) -> list[DerivedFlag]:
    rels = rules.rels
    continuing = rules.continuing_states
    infos: dict[str, NodeInfo | None] = {}
    edges: dict[str, Sequence[Edge]] = {}
    best: dict[tuple[str, str], _Walk] = {}
    walks = [_Walk(record, record.subject, OWN, 1.0, ()) for record in batch]

    def look_up(keys: set[str]) -> None:
        missing = keys - infos.keys()
        if missing:
            found = graph.nodes(sorted(missing), rels)
            infos.update({key: found.get(key) for key in missing})

    for _hop in range(rules.max_hops):
        look_up({walk.node for walk in walks})
        moves = [(walk, rule) for walk in walks for rule in _rules_from(walk, infos, rules, as_of)]
        missing = {walk.node for walk, _ in moves} - edges.keys()
        if missing:
            found_edges = graph.expand(sorted(missing), as_of, rels)
            edges.update({key: found_edges.get(key, ()) for key in missing})
        walks = []
        for walk, rule in moves:
            for edge in edges[walk.node]:
                reached = _advance(walk, rule, edge, rules.min_score)
                if reached is None:
                    continue
                _keep_best(best, reached)
                if reached.state in continuing and len(reached.steps) < rules.max_hops:
                    walks.append(reached)
        if not walks:
            break
    # A minor walks on no further (_rules_from) and is not flagged: the persons reached but
    # never walked from are looked up once, at the end.
    look_up({walk.node for walk in best.values() if walk.label == PERSON_LABEL})
    by_id = {rule.id: rule for rule in rules.rules}
    return [
        _to_flag(walk, by_id[walk.steps[-1].rule], rules)
        for walk in best.values()
        if not _is_minor(infos.get(walk.node), as_of)
    ]


def _is_minor(info: NodeInfo | None, as_of: date) -> bool:
    return info is not None and info.is_minor(as_of)


def _rules_from(
    walk: _Walk, infos: Mapping[str, NodeInfo | None], rules: RuleSet, as_of: date
) -> list[Rule]:
    info = infos.get(walk.node)
    if info is None or info.hub or info.degree > rules.degree_cap or info.is_minor(as_of):
        return []
    record = walk.record
    return [
        rule
        for rule in rules.rules
        if rule.source_label == info.label
        and walk.state in rule.from_states
        and (walk.state != OWN or rule.started_by(record.list, record.level, record.category))
    ]


def _advance(walk: _Walk, rule: Rule, edge: Edge, min_score: float) -> _Walk | None:
    if not any(_step_matches(step, edge) for step in rule.steps) or walk.visits(edge.other):
        return None
    score = round(walk.score * rule.factor, SCORE_DECIMALS)
    if score < min_score:
        return None
    step = Hop(walk.node, edge.rel, edge.direction, edge.other, rule.id)
    return _Walk(walk.record, edge.other, rule.kind, score, (*walk.steps, step), edge.other_label)


def _step_matches(step: Step, edge: Edge) -> bool:
    return (
        step.rel == edge.rel
        and step.direction == edge.direction
        and (step.roles is None or edge.role in step.roles)
        and (step.min_ratio is None or (edge.ratio is not None and edge.ratio >= step.min_ratio))
        and (step.target_label is None or step.target_label == edge.other_label)
    )


def _keep_best(best: dict[tuple[str, str], _Walk], walk: _Walk) -> None:
    key = (walk.node, walk.record.record_id)
    held = best.get(key)
    if held is None or walk.rank() < held.rank():
        best[key] = walk


def _to_flag(walk: _Walk, rule: Rule, rules: RuleSet) -> DerivedFlag:
    pending = walk.record.status == UNDER_OBJECTION and rules.pending_on_objection
    return DerivedFlag(
        subject=walk.node,
        record_id=walk.record.record_id,
        rule=rule.id,
        kind=PENDING if pending else rule.kind,
        score=walk.score,
        hops=len(walk.steps),
        path=walk.steps,
        basis=rule.basis,
        rules_version=rules.version,
    )


class NetworkxGraph:
    """A :class:`GraphProvider` over a ``networkx.MultiDiGraph`` (tests, small extracts).

    Nodes are subject keys with attributes ``label`` (Organization | Person) and optionally
    ``hub`` and, for persons, ``adult_on`` (a date); edges go in the stored direction with
    attributes ``rel`` and optionally ``role``, ``ratio``, ``since`` and ``until`` (dates).
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self._graph = graph

    def nodes(self, keys: Collection[str], rels: Collection[str]) -> dict[str, NodeInfo]:
        out: dict[str, NodeInfo] = {}
        for key in keys:
            if key not in self._graph:
                continue
            attrs = self._graph.nodes[key]
            incident = [
                *self._graph.out_edges(key, data="rel"),
                *self._graph.in_edges(key, data="rel"),
            ]
            degree = sum(1 for *_, rel in incident if rel in rels)
            out[key] = NodeInfo(
                attrs["label"], bool(attrs.get("hub", False)), degree, attrs.get("adult_on")
            )
        return out

    def expand(
        self, keys: Collection[str], as_of: date, rels: Collection[str]
    ) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {}
        for key in keys:
            if key not in self._graph:
                continue
            found = [
                self._edge(data, "out", other)
                for _, other, data in self._graph.out_edges(key, data=True)
                if data["rel"] in rels and _valid(data, as_of)
            ]
            found += [
                self._edge(data, "in", other)
                for other, _, data in self._graph.in_edges(key, data=True)
                if data["rel"] in rels and _valid(data, as_of)
            ]
            out[key] = sorted(found, key=_edge_order)
        return out

    def _edge(self, data: Mapping[str, Any], direction: Direction, other: str) -> Edge:
        label = self._graph.nodes[other]["label"]
        return Edge(data["rel"], direction, other, label, data.get("role"), data.get("ratio"))


def _valid(data: Mapping[str, Any], as_of: date) -> bool:
    since, until = data.get("since"), data.get("until")
    return (since is None or since <= as_of) and (until is None or as_of < until)


def _edge_order(edge: Edge) -> tuple[str, str, str, str, float]:
    ratio = -1.0 if edge.ratio is None else edge.ratio
    return (edge.rel, edge.direction, edge.other, edge.role or "", ratio)
