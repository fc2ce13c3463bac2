"""Ownership on hand-computed pyramids and cross-holdings, cross-checked against a brute force
over networkx simple paths."""

from __future__ import annotations

import doctest
import random
from itertools import pairwise
from math import prod

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graph.reads.ownership
from graph.reads.ownership import Chain, Holding, actual_controller, ownership, ultimate_owners


def holdings(*edges: tuple[str, str, float]) -> list[Holding]:
    return [Holding(*edge) for edge in edges]


def ratios(owners: tuple[graph.reads.ownership.Owner, ...]) -> dict[str, float]:
    return {o.holder: o.ratio for o in owners}


PYRAMID = holdings(("P", "A", 0.6), ("A", "B", 0.6), ("P", "B", 0.1), ("Q", "B", 0.3))


def test_pyramid_product_along_chain_sum_over_chains() -> None:
    report = ownership(PYRAMID, "B")
    assert ratios(report.owners) == {"P": 0.46, "Q": 0.3}
    assert report.owners[0].chains == (
        Chain(("P", "A", "B"), (0.6, 0.6), 0.36),
        Chain(("P", "B"), (0.1,), 0.1),
    )
    assert ratios(report.beneficial_owners) == {"P": 0.46, "Q": 0.3}
    assert ratios(ownership(PYRAMID, "B", threshold=0.4).beneficial_owners) == {"P": 0.46}
    assert not report.truncated


def test_two_chains_below_threshold_sum_above_it() -> None:
    two = holdings(("P", "A", 0.3), ("P", "C", 0.3), ("A", "T", 0.5), ("C", "T", 0.5))
    report = ownership(two, "T")
    assert ratios(report.beneficial_owners) == {"P": 0.3}
    assert [c.ratio for c in report.owners[0].chains] == [0.15, 0.15]
    assert report.actual_controller is None  # P controls neither A nor C


def test_threshold_is_inclusive() -> None:
    report = ownership(holdings(("P", "A", 0.5), ("A", "T", 0.5)), "T")
    assert ratios(report.beneficial_owners) == {"P": 0.25}


CROSS = holdings(
    ("P", "A", 0.5), ("A", "B", 0.4), ("B", "A", 0.3), ("Q", "A", 0.2), ("R", "B", 0.6)
)


def test_cross_holding_terminates_with_simple_chain_figures() -> None:
    # B: R directly 0.6; P and Q through A once (A's stake in B is not re-entered via B).
    assert ratios(ultimate_owners(CROSS, "B")) == {"R": 0.6, "P": 0.2, "Q": 0.08}
    # A: R reaches A through B's 30%.
    assert ratios(ultimate_owners(CROSS, "A")) == {"P": 0.5, "Q": 0.2, "R": 0.18}


def test_cross_holding_control() -> None:
    found = actual_controller(CROSS, "B")
    assert found is not None and (found.holder, found.voting_ratio) == ("R", 0.6)
    assert actual_controller(CROSS, "A") is None  # P has exactly half, not more


def test_closed_cycle_has_no_ultimate_owner() -> None:
    report = ownership(holdings(("A", "B", 0.6), ("B", "A", 0.6)), "A")
    assert report.owners == () and report.actual_controller is None


def test_depth_bound_is_reported() -> None:
    chain = holdings(*((f"N{i + 1}", f"N{i}", 0.9) for i in range(12)))
    shallow = ownership(chain, "N0", max_depth=10)
    assert shallow.owners == () and shallow.truncated
    deep = ownership(chain, "N0", max_depth=12)
    assert ratios(deep.owners) == {"N12": round(0.9**12, 6)} and not deep.truncated


def test_tranches_add_up_and_own_shares_and_zero_ratios_count_for_nothing() -> None:
    edges = holdings(("P", "T", 0.2), ("P", "T", 0.1), ("T", "T", 0.1), ("Z", "T", 0.0))
    assert ratios(ultimate_owners(edges, "T")) == {"P": 0.3}


def test_holdings_elsewhere_are_ignored() -> None:
    edges = [*PYRAMID, Holding("X", "Y", 1.0), Holding("B", "C", 0.9)]
    assert ownership(edges, "B") == ownership(PYRAMID, "B")


def test_ratio_outside_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="ratio must be in"):
        ownership(holdings(("P", "T", 1.2)), "T")


# --- control --------------------------------------------------------------------------------


def test_control_passes_link_by_link_not_by_product() -> None:
    found = actual_controller(PYRAMID, "B")
    assert found is not None
    assert (found.holder, found.voting_ratio, found.controlled) == ("P", 0.7, ("A",))
    assert [c.nodes for c in found.chains] == [("P", "A", "B"), ("P", "B")]


def test_control_chains_only_run_through_controlled_organisations() -> None:
    edges = [*PYRAMID, Holding("P", "C", 0.2), Holding("C", "B", 0.0001)]
    found = actual_controller(edges, "B")
    assert found is not None and ("P", "C", "B") not in [c.nodes for c in found.chains]
    assert len(ownership(edges, "B").owners[0].chains) == 3


def test_direct_and_controlled_stakes_aggregate() -> None:
    edges = holdings(("P", "B", 0.3), ("P", "A", 1.0), ("A", "B", 0.3))
    found = actual_controller(edges, "B")
    assert found is not None and (found.holder, found.voting_ratio) == ("P", 0.6)


def test_majority_economic_interest_without_control() -> None:
    edges = holdings(("P", "X", 0.45), ("P", "A", 0.45), ("A", "X", 0.55))
    assert ratios(ultimate_owners(edges, "X"))["P"] == 0.6975
    assert actual_controller(edges, "X") is None


def test_widely_held_controlling_shareholder_means_no_actual_controller() -> None:
    edges = holdings(("A", "B", 0.8), ("P", "A", 0.3), ("Q", "A", 0.3), ("R", "A", 0.4))
    assert actual_controller(edges, "B") is None


def test_inconsistent_holdings_name_no_controller() -> None:
    assert actual_controller(holdings(("P", "X", 0.6), ("Q", "X", 0.6)), "X") is None


def test_docstring_examples_run() -> None:
    assert doctest.testmod(graph.reads.ownership).failed == 0


# --- cross-check ----------------------------------------------------------------------------


def holding_graph(edges: list[Holding]) -> nx.DiGraph:
    g = nx.DiGraph()
    for h in edges:
        if h.ratio > 0 and h.holder != h.held:
            ratio = g.edges[h.holder, h.held]["ratio"] if g.has_edge(h.holder, h.held) else 0
            g.add_edge(h.holder, h.held, ratio=ratio + h.ratio)
    return g


def brute_force(edges: list[Holding], target: str, cutoff: int | None = None) -> dict[str, float]:
    g = holding_graph(edges)
    if target not in g:
        return {}
    out: dict[str, float] = {}
    for root in (n for n in nx.ancestors(g, target) if g.in_degree(n) == 0):
        paths = list(nx.all_simple_paths(g, root, target, cutoff=cutoff))
        if paths:
            total = sum(prod(g.edges[u, v]["ratio"] for u, v in pairwise(p)) for p in paths)
            out[root] = round(total, 6)
    return out


def random_holdings(seed: int) -> list[Holding]:
    rng = random.Random(seed)
    nodes = [f"N{i}" for i in range(rng.randint(2, 8))]
    pairs = {(rng.choice(nodes), rng.choice(nodes)) for _ in range(rng.randint(1, 14))}
    return [Holding(a, b, rng.choice([0.1, 0.2, 0.25, 0.5, 0.6])) for a, b in sorted(pairs)]


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_matches_brute_force_on_random_holdings(seed: int) -> None:
    edges = random_holdings(seed)
    assert ratios(ultimate_owners(edges, "N0", max_depth=10)) == brute_force(edges, "N0")


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_depth=st.integers(1, 4))
def test_sums_chains_and_depth_cut_agree_with_brute_force(seed: int, max_depth: int) -> None:
    """The sums (a programme over components) and the chains listed (a search) are computed
    apart: both must give the simple-chain figures, and the depth cut must be named exactly
    when a longer chain exists."""
    edges = random_holdings(seed)
    report = ownership(edges, "N0", max_depth=max_depth)
    assert ratios(report.owners) == brute_force(edges, "N0", cutoff=max_depth)
    for owner in report.owners:
        assert owner.ratio == round(sum(prod(c.ratios) for c in owner.chains), 6)
        assert all(len(c.ratios) <= max_depth for c in owner.chains)
    g = holding_graph(edges)
    longer = "N0" in g and any(
        len(path) == max_depth + 2
        for source in g
        for path in nx.all_simple_paths(g, source, "N0", cutoff=max_depth + 1)
    )
    assert ("max_depth" in report.truncated_by) == longer
    assert set(report.truncated_by) <= {"max_depth"}
