"""Which records' flags a write may have changed, and bringing them up to date.

A record's flags come from walks of at most ``max_hops`` steps from its subject, through
subjects that pass something on (not hubs). A relationship created, changed or removed
between ``a`` and ``b`` can only change the walks that reach ``a`` or ``b`` with a step to
spare, so the records to recompute are those of subjects within ``max_hops - 1`` steps of
an endpoint, plus the records written themselves. The search is a superset: it ignores
directions, roles, ratios and dates (an ended relationship is still stored, and its ending
is a change), and it stops only where the engine stops, at hubs. An endpoint over the
degree cap is crossed all the same (the write may have just pushed it over); one marked as
a hub is not, unless the write changed the marker.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Protocol

from graph.ingest.writes import Written
from graph.model import label_of
from graph.propagation.engine import NetworkxGraph, NodeInfo
from graph.propagation.neo4j_provider import Neo4jGraph
from graph.propagation.recompute import RunSummary, full_recompute, incremental_recompute
from graph.propagation.rules import RuleSet
from graph.store.queries import ingest as q
from graph.store.repository import Repository

# Touched subjects are searched from in chunks: large enough that neighbours shared by
# many endpoints are expanded once, small enough that a province-wide load never holds
# more than a chunk's neighbourhood.
SEARCH_CHUNK = 20_000
# A load that touches more than this share of the graph's subjects recomputes everything:
# their neighbourhoods then cover most records, and a full run skips the search for them
# (e.g. relationships loaded into a graph whose nodes were loaded just before).
FULL_SHARE = 0.2


class Neighbourhood(Protocol):
    """What the search needs of a graph: node facts, as propagation reads them, and every
    neighbour along the given relationship types, in any period."""

    def nodes(self, keys: Collection[str], rels: Collection[str]) -> Mapping[str, NodeInfo]: ...

    def neighbours(self, keys: Collection[str], rels: Collection[str]) -> set[str]: ...


def within_reach(
    touched: Collection[str],
    rules: RuleSet,
    graph: Neighbourhood,
    hub_changed: Collection[str] = (),
) -> set[str]:
    """The subjects whose records' walks may cross a relationship at a ``touched`` subject,
    or pass through an organisation whose hub marker changed (``hub_changed``): those within
    ``max_hops - 1`` steps of one, through subjects that pass flags on.

    A touched subject marked as a hub, before and after, is not searched from: no walk
    passes through it, and a walk across its new relationship starts from the other end.
    This keeps a state-asset holder's new holding from reaching its whole portfolio.

    >>> import networkx as nx
    >>> from graph.propagation.rules import load_rules
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["A", "B", "C", "D"], label="Organization")
    >>> for branch, head in [("B", "A"), ("C", "B"), ("D", "C")]:
    ...     _ = g.add_edge(branch, head, rel="BRANCH_OF")
    >>> sorted(within_reach({"A"}, load_rules(), NetworkxNeighbourhood(g)))  # 3 hops at most
    ['A', 'B', 'C']
    """
    rels = sorted(rules.rels)
    seen = {*touched, *hub_changed}
    marked = {key for key, info in graph.nodes(sorted(touched), rels).items() if info.hub}
    frontier = seen - (marked - set(hub_changed))
    for _ in range(rules.max_hops - 1):
        reached = graph.neighbours(sorted(frontier), rels) - seen
        seen |= reached
        infos = graph.nodes(sorted(reached), rels)
        frontier = {
            key for key, info in infos.items() if not info.hub and info.degree <= rules.degree_cap
        }
        if not frontier:
            break
    return seen


def affected_records(
    repo: Repository, rules: RuleSet, touched: Collection[str], hub_changed: Collection[str] = ()
) -> set[str]:
    """Ids of the records whose flags may change after relationships at ``touched``
    subjects (their keys) changed, or the hub marker of ``hub_changed`` organisations."""
    reach = within_reach(touched, rules, Neo4jNeighbourhood(repo), hub_changed)
    return _records_of(repo, reach)


class Neo4jNeighbourhood(Neo4jGraph):
    def neighbours(self, keys: Collection[str], rels: Collection[str]) -> set[str]:
        orgs, persons = _split(keys)
        found: set[str] = set()
        for query, batch in (
            (q.NEIGHBOURS_OF_ORGANIZATIONS, orgs),
            (q.NEIGHBOURS_OF_PERSONS, persons),
        ):
            if batch:
                found.update(row["key"] for row in self._repo.read(query, keys=batch, rels=rels))
        return found


class NetworkxNeighbourhood(NetworkxGraph):
    """The same over a ``networkx.MultiDiGraph``
    (see :class:`graph.propagation.engine.NetworkxGraph`)."""

    def neighbours(self, keys: Collection[str], rels: Collection[str]) -> set[str]:
        graph = self._graph
        return {
            other
            for key in keys
            if key in graph
            for edges in (graph.out_edges(key, data="rel"), graph.in_edges(key, data="rel"))
            for a, b, rel in edges
            if rel in rels
            for other in (a, b)
            if other != key
        }


def _records_of(repo: Repository, keys: Iterable[str]) -> set[str]:
    orgs, persons = _split(keys)
    found: set[str] = set()
    for query, batch in ((q.RECORDS_OF_ORGANIZATIONS, orgs), (q.RECORDS_OF_PERSONS, persons)):
        if batch:
            found.update(row["record_id"] for row in repo.read(query, keys=batch))
    return found


def _split(keys: Iterable[str]) -> tuple[list[str], list[str]]:
    orgs: list[str] = []
    persons: list[str] = []
    for key in keys:
        (persons if label_of(key) == "Person" else orgs).append(key)
    return sorted(orgs), sorted(persons)


class FlagRefresh:
    """Collects what the writes of one load or filing did, and recomputes the flags they may
    have changed once, at the end, as one run in the change feed.

    Touched subjects are turned into record ids a chunk at a time, so memory holds record
    ids (as a full recompute does), not the load's subjects. ``full``: recompute everything
    instead — for a first load into an empty graph, where every record is new anyway and
    the search would only add work; a refresh also turns full once it has touched more
    than :data:`FULL_SHARE` of the subjects.
    """

    def __init__(self, repo: Repository, rules: RuleSet, as_of: date, full: bool = False) -> None:
        self.repo = repo
        self.rules = rules
        self.as_of = as_of
        self.full = full
        self.records: set[str] = set()
        self._touched: set[str] = set()
        self._hub_changed: set[str] = set()
        self._touched_count = 0
        self._full_at = 0 if full else _full_at(repo)

    def add(self, written: Written) -> None:
        if self.full:
            return
        self.records |= written.records
        self._touched |= written.touched
        self._hub_changed |= written.hub_changed
        self._touched_count += len(written.touched) + len(written.hub_changed)
        if self._touched_count > self._full_at:
            self.full = True
            self.records, self._touched, self._hub_changed = set(), set(), set()
        elif len(self._touched) + len(self._hub_changed) >= SEARCH_CHUNK:
            self._search()

    def finish(self) -> RunSummary | None:
        """Recompute; None when nothing written can have changed a flag."""
        if self.full:
            return full_recompute(self.repo, self.rules, self.as_of)
        self._search()
        if not self.records:
            return None
        return incremental_recompute(self.repo, self.rules, self.as_of, self.records)

    def _search(self) -> None:
        if self._touched or self._hub_changed:
            self.records |= affected_records(
                self.repo, self.rules, self._touched, self._hub_changed
            )
            self._touched, self._hub_changed = set(), set()


def _full_at(repo: Repository) -> int:
    row = repo.read_one(q.SUBJECT_COUNT)
    return max(SEARCH_CHUNK, int(FULL_SHARE * (row["subjects"] if row else 0)))
