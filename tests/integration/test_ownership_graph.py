"""Ownership over Neo4j: the upward walk and the pure answer, on hand-computed graphs."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from graph.reads.ownership_graph import ownership_of
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder, pid

AS_OF = date(2026, 6, 1)


@pytest.fixture
def pyramid(repo: Repository) -> GraphBuilder:
    """P holds 60% of A, A holds 60% of B, P holds 10% of B directly; Q holds 30% of B."""
    g = GraphBuilder(repo)
    g.org("A", "A 控股有限公司")
    g.org("B", "B 机械有限公司")
    p = g.person("王五")
    q = g.person("赵六")
    g.rel(p, "SHAREHOLDER_OF", "A", ratio=0.6)
    g.rel("A", "SHAREHOLDER_OF", "B", ratio=0.6)
    g.rel(p, "SHAREHOLDER_OF", "B", ratio=0.1)
    g.rel(q, "SHAREHOLDER_OF", "B", ratio=0.3)
    return g


def test_pyramid_cumulative_ratio_and_controller(repo: Repository, pyramid: GraphBuilder) -> None:
    report = ownership_of(repo, "B", as_of=AS_OF)
    assert report is not None and not report.truncated and report.truncated_by == []
    # P: 0.6 × 0.6 through A plus 0.1 directly = 0.46; Q: 0.3 directly, also above 25%.
    assert [(o.holder.key, o.ratio) for o in report.beneficial_owners] == [
        (pid("王五"), 0.46),
        (pid("赵六"), 0.3),
    ]
    p = report.beneficial_owners[0]
    assert p.holder.label == "Person" and p.holder.name == "王五"
    assert p.holder.id_masked == "3201**********000X"
    assert [([n.key for n in c.nodes], c.ratio) for c in p.chains] == [
        ([pid("王五"), "A", "B"], 0.36),
        ([pid("王五"), "B"], 0.1),
    ]
    assert report.other_owners == []
    # Control passes link by link: P commands A (60%), so 60% + 10% of B.
    control = report.actual_controller
    assert control is not None and control.holder.key == pid("王五")
    assert control.voting_ratio == 0.7
    assert [c.key for c in control.controlled] == ["A"]
    assert (report.parties, report.holdings) == (3, 4)


def test_threshold_moves_owners_between_lists(repo: Repository, pyramid: GraphBuilder) -> None:
    report = ownership_of(repo, "B", as_of=AS_OF, threshold=0.4)
    assert report is not None
    assert [o.holder.key for o in report.beneficial_owners] == [pid("王五")]
    assert [(o.holder.key, o.ratio) for o in report.other_owners] == [(pid("赵六"), 0.3)]


def test_cross_holding_cycle_terminates(repo: Repository) -> None:
    """X holds 50% of C; C and D hold each other (40% of D, 30% of C): X has 0.5 × 0.4 of D."""
    g = GraphBuilder(repo)
    for key in ("X", "C", "D"):
        g.org(key)
    g.rel("X", "SHAREHOLDER_OF", "C", ratio=0.5)
    g.rel("C", "SHAREHOLDER_OF", "D", ratio=0.4)
    g.rel("D", "SHAREHOLDER_OF", "C", ratio=0.3)
    report = ownership_of(repo, "D", as_of=AS_OF)
    assert report is not None and not report.truncated
    assert [(o.holder.key, o.ratio) for o in report.other_owners] == [("X", 0.2)]
    assert report.beneficial_owners == [] and report.actual_controller is None
    assert report.holdings == 3  # each holding read once, the cycle included


def test_hub_holder_is_not_walked_above(repo: Repository) -> None:
    g = GraphBuilder(repo)
    g.org("T", "目标有限公司")
    g.org("H", "省国资平台", hub=True)
    g.org("S", "国资委")
    g.rel("S", "SHAREHOLDER_OF", "H", ratio=1.0)
    g.rel("H", "SHAREHOLDER_OF", "T", ratio=0.3)
    report = ownership_of(repo, "T", as_of=AS_OF)
    assert report is not None
    [owner] = report.beneficial_owners
    assert owner.holder.key == "H" and owner.holder.hub and owner.ratio == 0.3
    assert report.parties == 1  # S, above the hub, is never read
    assert not report.truncated  # a hub ends chains by design, not by a cut


def test_as_of_drops_an_ended_stake(repo: Repository) -> None:
    g = GraphBuilder(repo)
    g.org("T")
    g.org("OLD")
    g.org("NEW")
    g.rel("OLD", "SHAREHOLDER_OF", "T", ratio=0.8, since=date(2015, 1, 1), until=date(2025, 1, 1))
    g.rel("NEW", "SHAREHOLDER_OF", "T", ratio=0.8, since=date(2025, 1, 1))
    now = ownership_of(repo, "T", as_of=AS_OF)
    assert now is not None
    assert [o.holder.key for o in now.beneficial_owners] == ["NEW"]
    then = ownership_of(repo, "T", as_of=date(2020, 1, 1))
    assert then is not None
    assert [o.holder.key for o in then.beneficial_owners] == ["OLD"]
    assert then.actual_controller is not None and then.actual_controller.holder.key == "OLD"


def test_bounds_set_truncated(repo: Repository) -> None:
    """A chain of five organisations above T, and T with three direct holders."""
    g = GraphBuilder(repo)
    chain = ["T", "L1", "L2", "L3", "L4", "L5"]
    for key in chain:
        g.org(key)
    for held, holder in pairwise(chain):
        g.rel(holder, "SHAREHOLDER_OF", held, ratio=0.9)
    for key, ratio in (("M1", 0.05), ("M2", 0.03)):
        g.org(key)
        g.rel(key, "SHAREHOLDER_OF", "T", ratio=ratio)

    full = ownership_of(repo, "T", as_of=AS_OF)
    assert full is not None and not full.truncated
    assert full.beneficial_owners[0].holder.key == "L5"

    shallow = ownership_of(repo, "T", as_of=AS_OF, max_depth=3)
    assert shallow is not None and shallow.truncated and shallow.truncated_by == ["max_depth"]
    assert shallow.beneficial_owners[0].holder.key == "L3"  # the top of what was read

    capped = ownership_of(repo, "T", as_of=AS_OF, max_nodes=3)
    assert capped is not None and capped.truncated and capped.parties == 2
    assert capped.truncated_by == ["max_nodes"]

    # Largest holders first: with one holder per organisation, M1 and M2 are cut.
    narrow = ownership_of(repo, "T", as_of=AS_OF, per_node=1)
    assert narrow is not None and narrow.truncated and narrow.truncated_by == ["per_node"]
    keys = {o.holder.key for o in [*narrow.beneficial_owners, *narrow.other_owners]}
    assert keys == {"L5"}


def test_chain_cap_lists_the_heaviest_and_keeps_ratios(
    repo: Repository, pyramid: GraphBuilder
) -> None:
    report = ownership_of(repo, "B", as_of=AS_OF, max_chains=1)
    assert report is not None and report.truncated and report.truncated_by == ["max_chains"]
    p = report.beneficial_owners[0]
    assert p.ratio == 0.46  # still the sum over both chains
    assert [[n.key for n in c.nodes] for c in p.chains] == [[pid("王五"), "A", "B"]]
    assert report.beneficial_owners[1].chains == []  # Q's chain, lighter, is not listed


def test_dense_cross_holding_web_is_bounded(repo: Repository) -> None:
    """Twelve organisations each holding 8% of every other (and a person 12% of each): far
    more chains than the step budget lets through; the answer names the bounds it hit."""
    g = GraphBuilder(repo)
    web = [f"W{i:02d}" for i in range(12)]
    for key in web:
        g.org(key)
        g.rel(g.person(f"股东{key}"), "SHAREHOLDER_OF", key, ratio=0.12)
    for holder in web:
        for held in web:
            if holder != held:
                g.rel(holder, "SHAREHOLDER_OF", held, ratio=0.08)
    report = ownership_of(repo, "W00", as_of=AS_OF, max_steps=2_000, max_chains=50)
    assert report is not None and report.truncated
    assert report.truncated_by == ["max_steps", "max_chains"]
    assert (report.parties, report.holdings) == (23, 11 * 12 + 12)
    owners = [*report.beneficial_owners, *report.other_owners]
    assert len(owners) == 12 and sum(len(o.chains) for o in owners) == 50


def test_exactly_max_depth_levels_is_not_truncated(repo: Repository) -> None:
    g = GraphBuilder(repo)
    for key in ("T", "L1", "L2"):
        g.org(key)
    g.rel("L1", "SHAREHOLDER_OF", "T", ratio=1.0)
    g.rel("L2", "SHAREHOLDER_OF", "L1", ratio=1.0)
    report = ownership_of(repo, "T", as_of=AS_OF, max_depth=2)
    assert report is not None and not report.truncated
    assert report.beneficial_owners[0].holder.key == "L2"


def test_unknown_organisation_and_bad_depth(repo: Repository) -> None:
    assert ownership_of(repo, "NOPE", as_of=AS_OF) is None
    with pytest.raises(ValueError, match="max_depth"):
        ownership_of(repo, "NOPE", as_of=AS_OF, max_depth=11)
