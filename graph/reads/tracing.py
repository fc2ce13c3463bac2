"""Related-party tracing: bounded k-hop networks and shortest paths between subjects.

Traversal is a frontier expansion, hop by hop, all in one statement, so the cost
grows with what is found, never with the size of the province; hubs are shown but not
expanded, each node yields a bounded number of neighbours, and the whole walk stops at a
node cap with ``truncated`` set. The statement also orders and pages the nodes, so only the
requested page is summarised and sent back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from graph.model import GraphPath, Network, NetworkEdge, NetworkNode, SubjectRef, label_of
from graph.store.queries import tracing as q
from graph.store.repository import Repository
from graph.vocabulary import SUBJECT_RELATIONS

RELATION_TYPES = SUBJECT_RELATIONS
MAX_HOPS = 3
MAX_PATH_HOPS = q.MAX_PATH_HOPS
# One statement per depth, built once: a trace is one round trip to the database.
_TRACES = {
    (person, hops): q.trace(person, hops)
    for person in (False, True)
    for hops in range(1, MAX_HOPS + 1)
}


def node_id(repo: Repository, key: str) -> str | None:
    """A subject's element id, where path searches start; None if the key is unknown."""
    query = q.NODE_OF_PERSON if label_of(key) == "Person" else q.NODE_OF_ORGANIZATION
    row = repo.read_one(query, key=key)
    return None if row is None else str(row["id"])


def related_parties(
    repo: Repository,
    key: str,
    *,
    as_of: date,
    hops: int = 2,
    types: Collection[str] = RELATION_TYPES,
    offset: int = 0,
    limit: int = 200,
    max_nodes: int = 2000,
    per_node: int = 200,
    degree_cap: int = 200,
) -> Network | None:
    """The subject's related parties within ``hops``, paged; None if the subject is unknown."""
    if not 1 <= hops <= MAX_HOPS:
        raise ValueError(f"hops must be within 1..{MAX_HOPS}")
    row = repo.read_one(
        _TRACES[(label_of(key) == "Person", hops)],
        key=key,
        types=list(types),
        as_of=as_of,
        per_node=per_node,
        degree_cap=degree_cap,
        max_nodes=max_nodes,
        offset=offset,
        limit=limit,
    )
    if row is None:
        return None
    # One edge per (source, target, rel, role): of parallel relationships the last found stands.
    edges = {(e["source"], e["target"], e["rel"], e["role"]): e for e in row["edges"]}
    return Network(
        root=key,
        hops=hops,
        as_of=as_of,
        nodes=[NetworkNode(**n) for n in row["nodes"]],
        edges=sorted(
            (NetworkEdge(**e) for e in edges.values()),
            key=lambda e: (e.source, e.target, e.rel, e.role or ""),
        ),
        total_nodes=row["total_nodes"],
        offset=offset,
        limit=limit,
        truncated=row["truncated"],
    )


def paths_between(
    repo: Repository,
    source: str,
    target: str,
    *,
    max_hops: int = 4,
    limit: int = 10,
    degree_cap: int = 200,
) -> list[GraphPath] | None:
    """Shortest paths (all of the shortest length, up to ``limit``), never through a hub
    (marked, or with more than ``degree_cap`` relationships; the endpoints may be hubs).

    None if either subject is unknown; an empty list if none is within ``max_hops``.
    """
    if not 1 <= max_hops <= MAX_PATH_HOPS:
        raise ValueError(f"max_hops must be within 1..{MAX_PATH_HOPS}")
    source_id, target_id = node_id(repo, source), node_id(repo, target)
    if source_id is None or target_id is None:
        return None
    if source_id == target_id:
        return []
    rows = repo.read(
        q.SHORTEST_PATHS[max_hops],
        source_id=source_id,
        target_id=target_id,
        limit=limit,
        degree_cap=degree_cap,
    )
    return [
        GraphPath(
            nodes=[SubjectRef(**n) for n in row["nodes"]],
            edges=[NetworkEdge(**e) for e in row["rels"]],
        )
        for row in rows
    ]
