"""Ownership stays bounded where chains explode, and says which bound cut the answer.

Each graph here has more simple chains than could ever be listed; each test runs in well
under a second only because of the bounds (no timing is asserted: figures belong in bench/).
"""

from __future__ import annotations

from math import prod

import pytest

from graph.reads.ownership import (
    DEFAULT_MAX_CHAINS,
    Holding,
    actual_controller,
    ownership,
    ultimate_owners,
)


def dense_web(size: int) -> list[Holding]:
    """``size`` organisations each holding 85%/(size − 1) of every other; person P<i> holds
    the remaining 15% of O<i>. From O1 to O0 alone there are more than (size − 2)! / 3!
    simple chains of ten links or fewer."""
    each = 0.85 / (size - 1)
    web = [Holding(f"O{i}", f"O{j}", each) for i in range(size) for j in range(size) if i != j]
    return [*web, *(Holding(f"P{i}", f"O{i}", 0.15) for i in range(size))]


def diamond_ladder(levels: int) -> list[Holding]:
    """X1 and Y1 hold half of T each; X<i+1> and Y<i+1> each hold half of X<i> and half of
    Y<i>; P holds all of X<levels> and Y<levels>. P owns all of T through 2^levels chains,
    each of 0.5^levels, and controls every organisation."""
    edges = [Holding("X1", "T", 0.5), Holding("Y1", "T", 0.5)]
    for i in range(1, levels):
        edges += [Holding(f"{a}{i + 1}", f"{b}{i}", 0.5) for a in "XY" for b in "XY"]
    return [*edges, Holding("P", f"X{levels}", 1.0), Holding("P", f"Y{levels}", 1.0)]


def test_dense_cross_holding_web_is_cut_and_says_so() -> None:
    report = ownership(dense_web(35), "O0")  # the default bounds, as the API uses them
    assert report.truncated
    assert report.truncated_by == ("max_steps", "max_chains")
    assert sum(len(o.chains) for o in report.owners) == DEFAULT_MAX_CHAINS
    # Every person is reached; P0's only chain is direct and exact.
    assert {o.holder for o in report.owners} == {f"P{i}" for i in range(35)}
    assert report.owners[0].holder == "P0" and report.owners[0].ratio == 0.15
    # The others are lower bounds: at least their direct chain (15% × 2.5%), at least the
    # chains listed, and together never above the whole.
    for owner in report.owners[1:]:
        assert owner.ratio >= round(0.15 * 0.85 / 34, 6)
        assert owner.ratio >= round(sum(prod(c.ratios) for c in owner.chains), 6)
    assert sum(o.ratio for o in report.owners) <= 1
    assert report.actual_controller is None  # nobody holds more than half of anything


def test_dense_web_listing_keeps_the_heaviest_chains() -> None:
    report = ownership(dense_web(35), "O0", max_chains=40)
    listed = sorted((c for o in report.owners for c in o.chains), key=lambda c: -c.ratio)
    assert len(listed) == 40 and "max_chains" in report.truncated_by
    # The 35 two-link chains P<i> → O<i> → O0 and the direct one outweigh every longer chain.
    assert listed[0].nodes == ("P0", "O0")
    assert {len(c.nodes) for c in listed[1:35]} == {3}
    assert all(len(c.nodes) == 4 for c in listed[35:])


def test_small_step_budget_is_reported() -> None:
    report = ownership(dense_web(6), "O0", max_steps=10)
    assert "max_steps" in report.truncated_by
    assert "max_steps" not in ownership(dense_web(6), "O0").truncated_by


@pytest.mark.parametrize(("levels", "max_depth"), [(9, 10), (20, 21)])
def test_ladder_sums_exactly_while_listing_is_capped(levels: int, max_depth: int) -> None:
    """2^20 chains without a cycle: the sum is a dynamic programme, exact; only the listing
    is cut."""
    report = ownership(diamond_ladder(levels), "T", max_depth=max_depth)
    [owner] = report.owners
    assert owner.holder == "P" and owner.ratio == 1.0
    assert len(owner.chains) == DEFAULT_MAX_CHAINS
    assert {c.ratio for c in owner.chains} == {round(0.5**levels, 6)}
    assert report.truncated_by == ("max_chains",)
    control = report.actual_controller
    assert control is not None and (control.holder, control.voting_ratio) == ("P", 1.0)
    assert len(control.chains) == DEFAULT_MAX_CHAINS


def test_ladder_deeper_than_max_depth_is_cut_by_depth() -> None:
    report = ownership(diamond_ladder(9), "T", max_depth=9)
    assert report.owners == () and report.truncated_by == ("max_depth",)


def test_capped_listing_keeps_exact_ratios_and_the_heaviest_chain() -> None:
    pyramid = [Holding("P", "A", 0.6), Holding("A", "B", 0.6), Holding("P", "B", 0.1)]
    report = ownership(pyramid, "B", max_chains=1)
    [owner] = report.owners
    assert owner.ratio == 0.46 and [c.nodes for c in owner.chains] == [("P", "A", "B")]
    assert report.truncated_by == ("max_chains",)
    assert ownership(pyramid, "B", max_chains=2).truncated_by == ()  # exactly enough


def test_control_chains_come_from_the_controller_only() -> None:
    """P controls A through C (30%) and its own 25%; Q's 45% of A gives the heaviest chain to
    B, yet the one chain of control listed is P's heaviest."""
    edges = [Holding("P", "C", 1.0), Holding("C", "A", 0.3), Holding("P", "A", 0.25)]
    edges += [Holding("Q", "A", 0.45), Holding("A", "B", 0.9)]
    listed = [c.nodes for o in ownership(edges, "B", max_chains=1).owners for c in o.chains]
    assert listed == [("Q", "A", "B")]
    found = actual_controller(edges, "B", max_chains=1)
    assert found is not None and found.holder == "P"
    assert [c.nodes for c in found.chains] == [("P", "C", "A", "B")]


def test_negative_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        ultimate_owners([Holding("P", "T", 0.5)], "T", max_steps=-1)
