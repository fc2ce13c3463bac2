"""Reach: flagged subjects per sanctioned subject, counted from flags, on hand-built graphs."""

from __future__ import annotations

import doctest
from datetime import date

import networkx as nx

import graph.propagation.reach
from graph.propagation.engine import NetworkxGraph, SourceRecord, propagate
from graph.propagation.reach import Reach, ReachCount, reach_of, reach_warnings
from graph.propagation.rules import load_rules

AS_OF = date(2026, 6, 1)


def _record(record_id: str, subject: str) -> SourceRecord:
    return SourceRecord(record_id, subject, "black", "severe", "tax", "active", date(2026, 1, 1))


def _two_firms() -> nx.MultiDiGraph:
    """A: legal representative alice (who also represents B) and chairman bob; C: carol."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(["A", "B", "C"], label="Organization")
    g.add_nodes_from(["alice", "bob", "carol"], label="Person")
    g.add_edge("alice", "A", rel="LEGAL_REP_OF")
    g.add_edge("alice", "B", rel="LEGAL_REP_OF")
    g.add_edge("bob", "A", rel="OFFICER_OF", role="chairman")
    g.add_edge("carol", "C", rel="LEGAL_REP_OF")
    return g


def test_reach_by_rule_and_kind_by_hand() -> None:
    flags = propagate(
        [_record("rA", "A"), _record("rC", "C")], load_rules(), AS_OF, NetworkxGraph(_two_firms())
    )
    # rA: alice and bob by R1, B by R2 through alice; rC: carol by R1.
    assert sorted((f.subject, f.rule) for f in flags) == [
        ("B", "R2"),
        ("alice", "R1"),
        ("bob", "R1"),
        ("carol", "R1"),
    ]
    reach = reach_of(flags)
    assert reach.total == ReachCount(sanctioned=2, flagged=4)  # A and C reach four
    assert reach.total.ratio == 2.0
    assert reach.by_rule == {
        "R1": ReachCount(sanctioned=2, flagged=3),  # 1.5
        "R2": ReachCount(sanctioned=1, flagged=1),  # only A reaches through R2
    }
    assert reach.by_kind == {
        "associated": ReachCount(sanctioned=1, flagged=1),
        "extended": ReachCount(sanctioned=2, flagged=3),
    }
    assert reach.by_rule["R1"].ratio == 1.5


def test_a_subject_reached_by_two_records_counts_once() -> None:
    g = _two_firms()
    g.add_edge("carol", "A", rel="OFFICER_OF", role="general_manager")
    flags = propagate(
        [_record("rA", "A"), _record("rC", "C")], load_rules(), AS_OF, NetworkxGraph(g)
    )
    # carol is flagged by rA and by rC: two flags, one flagged subject. Through her each firm
    # now also reaches the other (R2: she is general manager of A, legal representative of C).
    assert [f.record_id for f in flags if f.subject == "carol"] == ["rA", "rC"]
    assert sorted({f.subject for f in flags}) == ["A", "B", "C", "alice", "bob", "carol"]
    assert len(flags) == 7
    assert reach_of(flags).total == ReachCount(sanctioned=2, flagged=6)


def test_nothing_passed_on_has_no_reach() -> None:
    reach = reach_of([])
    assert reach == Reach(total=ReachCount(sanctioned=0, flagged=0), by_rule={}, by_kind={})
    assert reach.total.ratio == 0.0
    assert reach_warnings(reach, reach, 2.0) == []


def _reach(total: tuple[int, int], **by_rule: tuple[int, int]) -> Reach:
    def count(pair: tuple[int, int]) -> ReachCount:
        return ReachCount(sanctioned=pair[0], flagged=pair[1])

    return Reach(total=count(total), by_rule={k: count(v) for k, v in by_rule.items()}, by_kind={})


def test_a_warning_only_beyond_the_factor() -> None:
    before = _reach((2, 4), R1=(2, 3), R2=(1, 1))
    doubled = _reach((2, 8), R1=(2, 3), R2=(1, 5))  # total exactly 2x: not beyond
    warnings = reach_warnings(before, doubled, 2.0)
    assert len(warnings) == 1 and warnings[0].startswith("reach of rule R2 multiplied by 5.00")
    more = _reach((2, 9), R1=(2, 3), R2=(1, 6))
    assert [w.split(" multiplied")[0] for w in reach_warnings(before, more, 2.0)] == [
        "reach of all flags",
        "reach of rule R2",
    ]
    assert "2 → 4.5 flagged subjects per sanctioned subject" in reach_warnings(before, more, 2.0)[0]
    assert reach_warnings(before, more, 6.0) == []
    assert reach_warnings(before, before, 1.0) == []


def test_no_baseline_no_warning() -> None:
    # A record filed for the first time reaches from nothing; a new rule shows in the total.
    nothing = reach_of([])
    assert reach_warnings(nothing, _reach((1, 50), R1=(1, 50)), 2.0) == []
    assert (
        reach_warnings(_reach((2, 4), R1=(2, 4)), _reach((2, 6), R1=(2, 4), R9=(1, 2)), 2.0) == []
    )
    # A reach that shrank never warns.
    assert reach_warnings(_reach((2, 8)), _reach((2, 2)), 2.0) == []


def test_the_docstring_examples_run() -> None:
    assert doctest.testmod(graph.propagation.reach).failed == 0
