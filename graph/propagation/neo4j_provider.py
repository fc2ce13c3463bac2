"""The propagation engine's :class:`~graph.propagation.engine.GraphProvider` over Neo4j.

Each call answers a whole frontier with one query per label (``UNWIND $keys``), so a
propagation costs a handful of round trips per hop, however many records it carries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date

from graph.model import label_of
from graph.propagation.engine import Edge, NodeInfo
from graph.store.queries import propagation as q
from graph.store.repository import Repository


class Neo4jGraph:
    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    def nodes(self, keys: Collection[str], rels: Collection[str]) -> dict[str, NodeInfo]:
        orgs, persons = _split(keys)
        out: dict[str, NodeInfo] = {}
        for query, batch in ((q.NODE_INFO_ORGANIZATIONS, orgs), (q.NODE_INFO_PERSONS, persons)):
            if not batch:
                continue
            for row in self._repo.read(query, keys=batch):
                degree = sum(count for rel, count in row["degrees"].items() if rel in rels)
                out[row["key"]] = NodeInfo(row["label"], bool(row["hub"]), degree, row["adult_on"])
        return out

    def expand(
        self, keys: Collection[str], as_of: date, rels: Collection[str]
    ) -> dict[str, list[Edge]]:
        orgs, persons = _split(keys)
        out: dict[str, list[Edge]] = defaultdict(list)
        for query, batch in ((q.EXPAND_ORGANIZATIONS, orgs), (q.EXPAND_PERSONS, persons)):
            if not batch:
                continue
            for row in self._repo.read(query, keys=batch, as_of=as_of, rels=list(rels)):
                out[row["key"]].append(
                    Edge(
                        row["rel"],
                        row["direction"],
                        row["other"],
                        row["other_label"],
                        row["role"],
                        row["ratio"],
                    )
                )
        return dict(out)


def _split(keys: Collection[str]) -> tuple[list[str], list[str]]:
    orgs: list[str] = []
    persons: list[str] = []
    for key in keys:
        (persons if label_of(key) == "Person" else orgs).append(key)
    return orgs, persons
