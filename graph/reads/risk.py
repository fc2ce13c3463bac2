"""The risk network on a date, read for the network analytics of :mod:`graph.reads.analytics`.

Who is at risk on ``as_of``: subjects with a sanction in force (a black or focus record,
active and published) and subjects carrying a flag from one. Around them, the relationships
current on ``as_of`` of the organisations among them, which link the subjects at risk to each
other and to the persons who sit in several of them. Risk clusters and hub persons are then
the pure functions of analytics over this graph.

Bounded: at most ``limit`` subjects at risk are read (the first by key), and the answer says
when the cut was made, so a page can say its clusters are partial rather than wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from graph.reads.analytics import hub_persons, risk_clusters
from graph.store.queries import risk as q
from graph.store.repository import Repository

DEFAULT_LIMIT = 20_000
# Organisations whose relationships one query reads: one round trip per batch.
BATCH = 2_000


@dataclass(frozen=True)
class RiskNetwork:
    """The subjects at risk, the persons around them and their relationships."""

    as_of: date
    graph: nx.MultiDiGraph  # node attributes ``label`` and ``name``; edges ``rel``, ``ratio``
    sanctioned: frozenset[str]
    flagged: frozenset[str]  # flagged, whether or not also sanctioned
    truncated: bool  # more subjects were at risk than were read
    # Answers already computed, by method and arguments: the network never changes, and a
    # holder that keeps it (the dashboards, until the next run) asks the same again; at 1M
    # organisations an answer costs seconds. Callers must not change what they get.
    _answers: dict[tuple[Any, ...], list[dict[str, Any]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def clusters(self, min_size: int = 2) -> list[dict[str, Any]]:
        """Risk clusters (:func:`graph.reads.analytics.risk_clusters`)."""
        asked = ("clusters", min_size)
        if asked not in self._answers:
            self._answers[asked] = risk_clusters(
                self.graph, self.sanctioned, self.flagged, min_size=min_size
            )
        return self._answers[asked]

    def hubs(self, top: int = 20, min_orgs: int = 2) -> list[dict[str, Any]]:
        """Persons linking the most organisations at risk
        (:func:`graph.reads.analytics.hub_persons`)."""
        asked = ("hubs", top, min_orgs)
        if asked not in self._answers:
            at_risk_orgs = {
                key
                for key in self.sanctioned | self.flagged
                if self.graph.nodes[key].get("label") == "Organization"
            }
            self._answers[asked] = hub_persons(self.graph, at_risk_orgs, top=top, min_orgs=min_orgs)
        return self._answers[asked]

    def name(self, key: str) -> str | None:
        name: str | None = self.graph.nodes[key].get("name") if key in self.graph else None
        return name


def risk_network(repo: Repository, as_of: date, *, limit: int = DEFAULT_LIMIT) -> RiskNetwork:
    """The risk network on ``as_of`` (see the module's note)."""
    rows = repo.read(q.AT_RISK_SUBJECTS, as_of=as_of, limit=limit + 1)
    truncated = len(rows) > limit
    rows = rows[:limit]
    graph = nx.MultiDiGraph()
    for row in rows:
        graph.add_node(row["key"], label=row["label"], name=row["name"])
    organizations = [row["key"] for row in rows if row["label"] == "Organization"]
    for start in range(0, len(organizations), BATCH):
        batch = organizations[start : start + BATCH]
        for edge in repo.read(q.RELATIONS_OF_ORGANIZATIONS, keys=batch, as_of=as_of):
            if edge["other"] not in graph:
                graph.add_node(edge["other"], label=edge["other_label"], name=edge["other_name"])
            # Read from both ends when both are at risk: keep each relationship once.
            if not graph.has_edge(edge["source"], edge["target"], key=edge["rel"]):
                graph.add_edge(
                    edge["source"],
                    edge["target"],
                    key=edge["rel"],
                    rel=edge["rel"],
                    ratio=edge["ratio"],
                )
    return RiskNetwork(
        as_of=as_of,
        graph=graph,
        sanctioned=frozenset(row["key"] for row in rows if row["sanctioned"]),
        flagged=frozenset(row["key"] for row in rows if row["flagged"]),
        truncated=truncated,
    )
