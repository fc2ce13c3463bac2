"""Analytics on small graphs whose answers are known by hand."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest

import graph.reads.analytics
from graph.reads.analytics import hub_persons, risk_clusters, shareholding_cycles


def subjects(persons: list[str], orgs: list[str]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_nodes_from(persons, label="Person")
    g.add_nodes_from(orgs, label="Organization")
    return g


# --- risk clusters ---------------------------------------------------------------------------


def clustered() -> nx.MultiDiGraph:
    g = subjects(["alice", "bob"], ["A", "B", "D", "E", "F", "X", "Y", "Z"])
    g.add_edge("alice", "A", rel="LEGAL_REP_OF")
    g.add_edge("alice", "B", rel="LEGAL_REP_OF")
    g.add_edge("alice", "F", rel="OFFICER_OF", role="director")
    g.add_edge("E", "Z", rel="SHAREHOLDER_OF", ratio=0.6)  # Z is not at risk: E stays alone
    g.add_edge("Z", "Y", rel="SHAREHOLDER_OF", ratio=0.6)
    g.add_edge("bob", "D", rel="LEGAL_REP_OF")
    return g


def test_risk_clusters_group_sanctioned_with_what_they_reach() -> None:
    clusters = risk_clusters(
        clustered(), sanctioned={"A", "F", "D", "E"}, flagged={"alice", "B", "X", "Y", "ghost"}
    )
    assert clusters == [
        {
            "size": 4,
            "members": ["A", "B", "F", "alice"],
            "sanctioned": ["A", "F"],
            "flagged": ["B", "alice"],
        },
        {"size": 1, "members": ["D"], "sanctioned": ["D"], "flagged": []},
        {"size": 1, "members": ["E"], "sanctioned": ["E"], "flagged": []},
    ]


def test_risk_clusters_min_size() -> None:
    clusters = risk_clusters(clustered(), {"A", "D"}, {"alice", "B"}, min_size=2)
    assert [c["members"] for c in clusters] == [["A", "B", "alice"]]


def test_flagged_subjects_without_a_sanctioned_neighbour_form_no_cluster() -> None:
    assert risk_clusters(clustered(), sanctioned=set(), flagged={"alice", "B", "Y"}) == []


# --- hub persons -----------------------------------------------------------------------------


def test_hub_persons_rank_by_distinct_flagged_organisations() -> None:
    g = subjects(["p", "q", "r", "s"], ["A", "B", "C", "D", "Holding"])
    for person, org in [("p", "A"), ("p", "B"), ("p", "C"), ("q", "A"), ("q", "B")]:
        g.add_edge(person, org, rel="OFFICER_OF", role="director")
    g.add_edge("p", "A", rel="LEGAL_REP_OF")  # a second post at A counts A once
    g.add_edge("r", "A", rel="SHAREHOLDER_OF", ratio=0.3)
    g.add_edge("r", "D", rel="SHAREHOLDER_OF", ratio=0.3)  # D is not flagged
    g.add_edge("Holding", "A", rel="SHAREHOLDER_OF", ratio=0.5)  # not a person
    g.add_edge("Holding", "B", rel="SHAREHOLDER_OF", ratio=0.5)
    flagged = {"A", "B", "C"}
    assert hub_persons(g, flagged) == [
        {"person": "p", "count": 3, "organizations": ["A", "B", "C"]},
        {"person": "q", "count": 2, "organizations": ["A", "B"]},
    ]
    assert [h["person"] for h in hub_persons(g, flagged, top=1)] == ["p"]
    assert [h["person"] for h in hub_persons(g, flagged, min_orgs=1)] == ["p", "q", "r"]


# --- shareholding cycles -----------------------------------------------------------------------


def holds(g: nx.MultiDiGraph, holder: str, held: str, ratio: float) -> None:
    g.add_edge(holder, held, rel="SHAREHOLDER_OF", ratio=ratio)


def test_shareholding_cycles_bounded_rotated_and_sorted() -> None:
    g = subjects(["p"], ["A", "B", "C", "D", "E", "F", "G"])
    holds(g, "C", "A", 0.1)
    holds(g, "A", "B", 0.2)
    holds(g, "B", "C", 0.3)  # A → B → C → A
    holds(g, "E", "D", 0.4)
    holds(g, "D", "E", 0.2)
    holds(g, "D", "E", 0.1)  # a second tranche: D holds 0.3 of E
    holds(g, "F", "F", 0.05)  # own shares are not a cycle
    for a, b in [("D", "F"), ("F", "G"), ("G", "A"), ("A", "D")]:
        holds(g, a, b, 0.5)  # a 4-cycle D → F → G → A → D
    g.add_edge("p", "A", rel="LEGAL_REP_OF")
    g.add_edge("A", "p", rel="LEGAL_REP_OF")  # only shareholdings make cycles
    assert shareholding_cycles(g, max_length=3) == [
        {"length": 2, "members": ["D", "E"], "ratios": [0.3, 0.4]},
        {"length": 3, "members": ["A", "B", "C"], "ratios": [0.2, 0.3, 0.1]},
    ]
    longest = shareholding_cycles(g, max_length=4)[-1]
    assert longest == {"length": 4, "members": ["A", "D", "F", "G"], "ratios": [0.5] * 4}


def test_shareholding_cycles_refuse_a_bound_below_two() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        shareholding_cycles(nx.MultiDiGraph(), max_length=1)


def test_docstring_examples_run() -> None:
    assert doctest.testmod(graph.reads.analytics).failed == 0
