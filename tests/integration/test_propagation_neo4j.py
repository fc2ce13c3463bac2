"""Propagation against the real Neo4j, one hand-built graph per rule and boundary."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import networkx as nx
import pytest

from graph.propagation import recompute
from graph.propagation.engine import DerivedFlag, NetworkxGraph, SourceRecord, propagate
from graph.propagation.recompute import full_recompute, incremental_recompute
from graph.propagation.rules import RuleSet, load_rules
from graph.propagation.runs import changes_of_run, list_runs
from graph.reads import subjects
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder, pid

AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def flags(repo: Repository) -> dict[tuple[str, str], tuple[str, str, float]]:
    rows = repo.read(
        "MATCH (s:Subject)-[f:FLAGGED]->(r:Record) "
        "RETURN coalesce(s.uscc, s.pid) AS subject, r.record_id AS record, f.rule AS rule, "
        "f.kind AS kind, f.score AS score"
    )
    return {(r["subject"], r["record"]): (r["rule"], r["kind"], r["score"]) for r in rows}


def test_r1_reaches_legal_rep_and_chairman_not_a_director(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("A")
    rep, chair, director = g.person("rep"), g.person("chair"), g.person("director")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.rel(chair, "OFFICER_OF", "A", role="chairman")
    g.rel(director, "OFFICER_OF", "A", role="director")
    g.record("A", "rec")
    full_recompute(repo, rules, AS_OF)
    assert flags(repo) == {
        (rep, "rec"): ("R1", "extended", 1.0),
        (chair, "rec"): ("R1", "extended", 1.0),
    }
    explained = subjects.flags_of(repo, rep)[0]
    assert explained.record_subject == "A"
    assert [(s.source, s.rel, s.direction, s.target) for s in explained.path] == [
        ("A", "LEGAL_REP_OF", "in", rep)
    ]
    assert "第三条" in explained.basis and explained.rules_version == rules.version


@pytest.mark.parametrize(("ratio", "carried"), [(0.24, False), (0.25, True)])
def test_r2_shareholding_threshold(
    repo: Repository, rules: RuleSet, ratio: float, carried: bool
) -> None:
    g = GraphBuilder(repo)
    g.org("B")
    debtor = g.person("debtor")
    g.rel(debtor, "SHAREHOLDER_OF", "B", ratio=ratio)
    g.record(debtor, "rec")
    full_recompute(repo, rules, AS_OF)
    assert (("B", "rec") in flags(repo)) is carried


def test_r4_branch_inherits(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("HEAD")
    g.org("BRANCH")
    g.rel("BRANCH", "BRANCH_OF", "HEAD")
    g.record("HEAD", "rec")
    full_recompute(repo, rules, AS_OF)
    assert flags(repo)[("BRANCH", "rec")] == ("R4", "extended", 1.0)


def test_hub_stops_propagation(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("STATE", hub=True)
    g.org("A")
    g.org("SUB")
    g.rel("A", "SHAREHOLDER_OF", "STATE", ratio=0.6)  # A controls the hub (odd, but a test)
    g.rel("STATE", "SHAREHOLDER_OF", "SUB", ratio=0.9)
    g.record("A", "rec")
    full_recompute(repo, rules, AS_OF)
    found = flags(repo)
    assert ("STATE", "rec") in found  # a hub may be flagged…
    assert ("SUB", "rec") not in found  # …but passes nothing on


def test_repaired_record_leaves_no_flag_anywhere(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("A")
    rep = g.person("rep")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.record("A", "rec")
    full_recompute(repo, rules, AS_OF)
    assert flags(repo)
    repo.write("MATCH (r:Record {record_id: 'rec'}) SET r.status = 'repaired'")
    run = incremental_recompute(repo, rules, AS_OF, ["rec"])
    assert flags(repo) == {}
    assert run.lost == 1
    assert [c.change for c in changes_of_run(repo, run.run_id)] == ["lost"]


def test_expired_record_propagates_nothing(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("A")
    g.rel(g.person("rep"), "LEGAL_REP_OF", "A")
    g.record("A", "rec", publish_until=date(2026, 5, 31))
    full_recompute(repo, rules, AS_OF)
    assert flags(repo) == {}


def test_objection_gives_only_pending(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("A")
    g.org("B")
    rep = g.person("rep")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.rel(rep, "OFFICER_OF", "B", role="director")
    g.record("A", "rec", status="under_objection")
    full_recompute(repo, rules, AS_OF)
    assert {kind for _, kind, _ in flags(repo).values()} == {"pending"}
    assert set(flags(repo)) == {(rep, "rec"), ("B", "rec")}


def test_cycle_terminates(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    for key in ("A", "B", "C"):
        g.org(key)
    g.rel("A", "SHAREHOLDER_OF", "B", ratio=0.6)
    g.rel("B", "SHAREHOLDER_OF", "C", ratio=0.6)
    g.rel("C", "SHAREHOLDER_OF", "A", ratio=0.6)
    g.record("A", "rec")
    full_recompute(repo, rules, AS_OF)
    # R3 is associated and terminal: B (controlled) and C (controlling parent) at one hop.
    assert flags(repo) == {
        ("B", "rec"): ("R3", "associated", 0.5),
        ("C", "rec"): ("R3", "associated", 0.5),
    }


def test_incremental_equals_full_and_runs_are_logged(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    for key in ("A", "B", "C"):
        g.org(key)
    rep = g.person("rep")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.rel(rep, "LEGAL_REP_OF", "B")
    g.rel("B", "BRANCH_OF", "C")
    g.record("A", "r1")
    full_recompute(repo, rules, AS_OF)
    g.record("C", "r2")  # a new record: incremental over it alone
    incremental_recompute(repo, rules, AS_OF, ["r2"])
    incremental_state = flags(repo)
    rerun = full_recompute(repo, rules, AS_OF)
    assert flags(repo) == incremental_state
    assert (rerun.gained, rerun.lost, rerun.changed) == (0, 0, 0)
    modes = [run.mode for run in list_runs(repo)]
    assert modes == ["full", "incremental", "full"]


def test_a_run_that_walked_an_older_graph_never_writes_last(
    repo: Repository, rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs over one record, the first paused after its walk while the graph changes
    and the second starts: the second waits for the first (their stripe is held), so the
    flags are those of the newer graph. Without the wait, the first would write its older
    view last and leave a flag no relationship carries any more."""
    g = GraphBuilder(repo)
    g.org("A")
    rep = g.person("rep")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.record("A", "rec")  # filed, its flags not yet computed
    walked, resume = threading.Event(), threading.Event()
    real = recompute.propagate

    def first_pauses(*args: Any, **kwargs: Any) -> list[DerivedFlag]:
        flags = real(*args, **kwargs)
        if not walked.is_set():
            walked.set()
            assert resume.wait(timeout=60)
        return flags

    monkeypatch.setattr(recompute, "propagate", first_pauses)
    older = threading.Thread(target=incremental_recompute, args=(repo, rules, AS_OF, ["rec"]))
    older.start()
    assert walked.wait(timeout=60)
    repo.write("MATCH (:Person {pid: $rep})-[r:LEGAL_REP_OF]->() DELETE r", rep=rep)
    newer = threading.Thread(target=incremental_recompute, args=(repo, rules, AS_OF, ["rec"]))
    newer.start()
    newer.join(timeout=2)
    assert newer.is_alive()  # waiting for the older run's stripe
    resume.set()
    older.join(timeout=60)
    newer.join(timeout=60)
    assert flags(repo) == {}
    rerun = full_recompute(repo, rules, AS_OF)
    assert (rerun.gained, rerun.lost, rerun.changed) == (0, 0, 0)


def test_neo4j_provider_agrees_with_networkx(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    nxg = nx.MultiDiGraph()
    people = [g.person(f"p{i}") for i in range(4)]
    for i in range(6):
        g.org(f"O{i}")
        nxg.add_node(f"O{i}", label="Organization")
    for p in people:
        nxg.add_node(p, label="Person")
    edges = [
        (people[0], "LEGAL_REP_OF", "O0", {}),
        (people[0], "OFFICER_OF", "O1", {"role": "director"}),
        (people[1], "OFFICER_OF", "O1", {"role": "chairman"}),
        (people[1], "SHAREHOLDER_OF", "O2", {"ratio": 0.3}),
        ("O2", "SHAREHOLDER_OF", "O3", {"ratio": 0.7}),
        ("O4", "BRANCH_OF", "O1", {}),
        (people[2], "LEGAL_REP_OF", "O4", {}),
        (people[3], "SHAREHOLDER_OF", "O5", {"ratio": 0.5}),
    ]
    for source, rel, target, props in edges:
        g.rel(source, rel, target, **props)
        nxg.add_edge(source, target, rel=rel, **props)
    g.record("O1", "r1")
    g.record(people[3], "r2")
    records = [
        SourceRecord("r1", "O1", "black", "severe", "judgment_debtor", "active", date(2026, 1, 10)),
        SourceRecord("r2", people[3], "black", "severe", "judgment_debtor", "active",
                     date(2026, 1, 10)),
    ]  # fmt: skip
    expected = propagate(records, rules, AS_OF, NetworkxGraph(nxg))
    full_recompute(repo, rules, AS_OF)
    assert flags(repo) == {(f.subject, f.record_id): (f.rule, f.kind, f.score) for f in expected}
    assert ("O5", "r2") in flags(repo)
    assert pid("p1") in {subject for subject, _ in flags(repo)}  # the chairman of O1


def test_incremental_and_full_both_give_the_hand_computed_flags(
    repo: Repository, rules: RuleSet
) -> None:
    """A graph drawn by hand, its flags worked out by hand from the rules (max 3 hops,
    scores the product of the factors), not by the engine under test:

        rep ─LEGAL_REP_OF→ A, B      C ─BRANCH_OF→ A      A ─60%→ D      B ─60%→ E
    """
    g = GraphBuilder(repo)
    for key in ("A", "B", "C", "D", "E"):
        g.org(key)
    rep = g.person("rep")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.rel(rep, "LEGAL_REP_OF", "B")
    g.rel("C", "BRANCH_OF", "A")
    g.rel("A", "SHAREHOLDER_OF", "D", ratio=0.6)
    g.rel("B", "SHAREHOLDER_OF", "E", ratio=0.6)
    g.record("A", "r1")  # black, severe, active
    # r1 on A: R1 to its legal rep; R4 to its branch C; R3 to D, which A controls; R2 from
    # rep (now `extended`) on to B, where rep is also legal rep (0.6 x 1.0); A itself, the
    # record's subject, never; B's and D's `associated` flags pass nothing on, so E is clear.
    after_r1 = {
        (rep, "r1"): ("R1", "extended", 1.0),
        ("C", "r1"): ("R4", "extended", 1.0),
        ("D", "r1"): ("R3", "associated", 0.5),
        ("B", "r1"): ("R2", "associated", 0.6),
    }
    # r2 on B: R1 to rep; R2 from rep to A (0.6); R3 to E, which B controls.
    r2_flags = {
        (rep, "r2"): ("R1", "extended", 1.0),
        ("A", "r2"): ("R2", "associated", 0.6),
        ("E", "r2"): ("R3", "associated", 0.5),
    }

    full_recompute(repo, rules, AS_OF)
    assert flags(repo) == after_r1

    g.record("B", "r2")
    incremental_recompute(repo, rules, AS_OF, ["r2"])
    assert flags(repo) == after_r1 | r2_flags

    full_recompute(repo, rules, AS_OF)
    assert flags(repo) == after_r1 | r2_flags
