"""Network analytics for analysts: risk clusters, hub persons, shareholding cycles.

Pure functions over networkx graphs extracted from Neo4j (subject keys as nodes, node
attribute ``label``, edge attribute ``rel`` and, on shareholdings, ``ratio``, as read by
:class:`graph.propagation.engine.NetworkxGraph`). They return plain lists of dicts, sorted, so a
dashboard can show them as they are and the same graph always gives the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

import networkx as nx

from graph.store.schema import Label, Rel


def risk_clusters(
    graph: nx.Graph, sanctioned: Collection[str], flagged: Collection[str], *, min_size: int = 1
) -> list[dict[str, Any]]:
    """Connected groups of sanctioned and flagged subjects around sanctioned subjects.

    The groups are the connected components of the subgraph induced by the sanctioned and
    flagged subjects (directions ignored), keeping those with at least one sanctioned member:
    flags spread along paths whose every subject is itself flagged, so a sanctioned subject
    and the subjects it reaches form one component.

    Parameters
    ----------
    graph : networkx graph
        Subjects and their relationships; directed and multi-graphs are fine.
    sanctioned : collection of str
        Subjects with a live negative record of their own.
    flagged : collection of str
        Subjects carrying a derived flag.
    min_size : int
        Smallest group reported.

    Returns
    -------
    list of dict
        ``size``, ``members``, ``sanctioned`` and ``flagged`` (members only flagged), each
        list sorted; largest group first, then by first member.

    Examples
    --------
    >>> g = nx.Graph([("A", "alice"), ("alice", "B"), ("B", "C"), ("D", "E")])
    >>> clusters = risk_clusters(g, sanctioned={"A", "D"}, flagged={"alice", "B", "X"})
    >>> clusters[0]
    {'size': 3, 'members': ['A', 'B', 'alice'], 'sanctioned': ['A'], 'flagged': ['B', 'alice']}
    >>> [c["members"] for c in clusters]
    [['A', 'B', 'alice'], ['D']]
    """
    sanctioned_set = set(sanctioned)
    at_risk = (sanctioned_set | set(flagged)) & set(graph.nodes)
    induced = nx.Graph(graph.subgraph(at_risk).to_undirected(as_view=True))
    clusters: list[dict[str, Any]] = [
        {
            "size": len(members),
            "members": sorted(members),
            "sanctioned": sorted(members & sanctioned_set),
            "flagged": sorted(members - sanctioned_set),
        }
        for members in map(set, nx.connected_components(induced))
        if members & sanctioned_set and len(members) >= min_size
    ]
    return sorted(clusters, key=lambda c: (-c["size"], c["members"]))


def hub_persons(
    graph: nx.Graph, flagged_orgs: Collection[str], *, top: int = 10, min_orgs: int = 2
) -> list[dict[str, Any]]:
    """Persons linking the most flagged organisations.

    A person links an organisation through any relationship in the graph (legal
    representative, officer, shareholder). Someone tied to several flagged firms is where an
    investigation usually starts.

    Parameters
    ----------
    graph : networkx graph
        Subjects with node attribute ``label``.
    flagged_orgs : collection of str
        Organisations that are sanctioned or flagged.
    top : int
        Most persons returned.
    min_orgs : int
        Fewest flagged organisations a person must link to be reported.

    Returns
    -------
    list of dict
        ``person``, ``count`` and ``organizations`` (sorted); most organisations first,
        then by person key.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["p", "q"], label="Person")
    >>> g.add_nodes_from(["A", "B", "C"], label="Organization")
    >>> _ = g.add_edges_from([("p", "A"), ("p", "B"), ("p", "B"), ("q", "A"), ("q", "C")])
    >>> for hub in hub_persons(g, flagged_orgs={"A", "B"}, min_orgs=1):
    ...     print(hub)
    {'person': 'p', 'count': 2, 'organizations': ['A', 'B']}
    {'person': 'q', 'count': 1, 'organizations': ['A']}
    """
    flagged_set = set(flagged_orgs)
    linked: dict[str, set[str]] = defaultdict(set)
    for u, v in graph.edges():
        for person, org in ((u, v), (v, u)):
            if org in flagged_set and graph.nodes[person].get("label") == Label.PERSON:
                linked[person].add(org)
    hubs: list[dict[str, Any]] = [
        {"person": person, "count": len(orgs), "organizations": sorted(orgs)}
        for person, orgs in linked.items()
        if len(orgs) >= min_orgs
    ]
    return sorted(hubs, key=lambda h: (-h["count"], h["person"]))[:top]


def shareholding_cycles(graph: nx.Graph, *, max_length: int = 6) -> list[dict[str, Any]]:
    """Cross-holdings: cycles of shareholdings of at most ``max_length`` organisations.

    Cycles are a classic device to inflate capital or hide control. Only edges with
    ``rel == "SHAREHOLDER_OF"`` count; a company holding its own shares is not a cycle here.
    The search is bounded because the number of cycles grows exponentially with length.

    Parameters
    ----------
    graph : networkx directed graph
        Holder → held edges with attributes ``rel`` and ``ratio``.
    max_length : int
        Longest cycle reported, in organisations (at least 2).

    Returns
    -------
    list of dict
        ``length``, ``members`` (starting at the smallest key, in holding order: each holds
        the next, the last holds the first) and ``ratios`` (of those links; parallel
        holdings add up); shortest first, then by members.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("B", "A", rel="SHAREHOLDER_OF", ratio=0.3)
    >>> _ = g.add_edge("A", "B", rel="SHAREHOLDER_OF", ratio=0.4)
    >>> _ = g.add_edge("p", "A", rel="LEGAL_REP_OF")
    >>> shareholding_cycles(g)
    [{'length': 2, 'members': ['A', 'B'], 'ratios': [0.4, 0.3]}]
    """
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    holds = _shareholdings(graph)
    cycles: list[dict[str, Any]] = []
    for cycle in nx.simple_cycles(holds, length_bound=max_length):
        if len(cycle) < 2:
            continue
        start = cycle.index(min(cycle))
        members = cycle[start:] + cycle[:start]
        links = zip(members, members[1:] + members[:1], strict=True)
        ratios = [holds.edges[u, v]["ratio"] for u, v in links]
        cycles.append({"length": len(members), "members": members, "ratios": ratios})
    return sorted(cycles, key=lambda c: (c["length"], c["members"]))


def _shareholdings(graph: nx.Graph) -> nx.DiGraph:
    holds = nx.DiGraph()
    for u, v, data in graph.edges(data=True):
        if data.get("rel") != Rel.SHAREHOLDER_OF:
            continue
        ratio = data.get("ratio") or 0.0
        if holds.has_edge(u, v):
            ratio += holds.edges[u, v]["ratio"]
        holds.add_edge(u, v, ratio=round(ratio, 6))
    return holds
