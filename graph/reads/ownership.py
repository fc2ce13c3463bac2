"""Who owns and who controls an organisation: beneficial owners and the actual controller.

Pure functions over shareholding edges ``(holder, held, ratio)``. The Neo4j layer fetches the
subgraph above a target organisation (capped) and passes its edges here; everything is then
computed in memory, so the answers can be tested on hand-computed pyramids.

Two different measures, on purpose:

- **Cumulative ratio** (economic interest): the product of the ratios along a chain of
  holdings, summed over all chains from an ultimate holder down to the target. Only simple
  chains count (no organisation twice), so a cross-holding is followed once and terminates.
  Beneficial owners (受益所有人) are the ultimate holders at or above a threshold, 25% by
  default as in the 2024 PBOC/SAMR rules on beneficial-owner information.
- **Control** (实际控制人): see :func:`actual_controller`.

Bounded work. The number of chains grows exponentially with cross-holdings: 35 organisations
that all hold each other have more simple chains than can ever be listed. So the sums and the
chains are computed apart (see :func:`_sums` and :func:`_chains`), each within a budget, and
every bound that cut something is named in ``truncated_by``:

- ``max_depth``: a chain longer than ``max_depth`` links exists and was not counted — owners
  may be missing and ratios understated;
- ``max_steps``: a cross-holding cluster was too dense to sum exactly within ``max_steps`` —
  ratios may be understated (never overstated);
- ``max_chains``: not every chain is listed, only the heaviest found within ``max_chains``
  chains and ``max_steps`` steps; the ratios are still exact unless another bound is named.

The Neo4j walk adds ``max_nodes`` and ``per_node`` (see :mod:`graph.reads.ownership_graph`).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import prod
from typing import Literal, get_args

import networkx as nx

DEFAULT_THRESHOLD = 0.25
DEFAULT_MAX_DEPTH = 10
# Chains listed per answer. A real organisation has a handful; more than this is a dense
# cross-holding web, whose chains explain nothing one by one.
DEFAULT_MAX_CHAINS = 500
# Steps (one extension of a chain by one link) allowed to each enumeration: the sums through
# cross-holding clusters, the chains listed, the chains of control. About 0.1 s of work each.
DEFAULT_MAX_STEPS = 50_000
# Reported ratios are rounded so that sums of products compare exactly with thresholds.
RATIO_DECIMALS = 6
MAJORITY = 0.5

# What cut an answer: the bounds of this module, then those of the Neo4j walk.
Bound = Literal["max_depth", "max_steps", "max_chains", "max_nodes", "per_node"]
BOUNDS: tuple[Bound, ...] = get_args(Bound)

# held -> holder -> ratio
_Holders = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True, slots=True)
class Holding:
    holder: str
    held: str
    ratio: float


@dataclass(frozen=True, slots=True)
class Chain:
    """One simple chain of holdings, ``nodes[0]`` holding ``nodes[1]`` … down to the target."""

    nodes: tuple[str, ...]
    ratios: tuple[float, ...]  # the ratio of each link
    ratio: float  # their product


@dataclass(frozen=True, slots=True)
class Owner:
    """An ultimate holder and its cumulative ratio in the target, summed over its chains
    (of which ``chains`` lists those found within the bounds, heaviest first)."""

    holder: str
    ratio: float
    chains: tuple[Chain, ...]


@dataclass(frozen=True, slots=True)
class Controller:
    """The actual controller, the share of the target it commands directly or through
    organisations it controls, those organisations, and the chains of control."""

    holder: str
    voting_ratio: float
    controlled: tuple[str, ...]
    chains: tuple[Chain, ...]


@dataclass(frozen=True, slots=True)
class OwnershipReport:
    target: str
    threshold: float
    owners: tuple[Owner, ...]  # every ultimate holder reached, greatest ratio first
    beneficial_owners: tuple[Owner, ...]  # owners at or above the threshold
    actual_controller: Controller | None
    truncated_by: tuple[Bound, ...]  # the bounds that cut the answer (see the module doc)

    @property
    def truncated(self) -> bool:
        """Whether any bound cut the answer."""
        return bool(self.truncated_by)


def ownership(
    holdings: Iterable[Holding],
    target: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_chains: int = DEFAULT_MAX_CHAINS,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> OwnershipReport:
    """Beneficial owners and actual controller of ``target``.

    Parameters
    ----------
    holdings : iterable of Holding
        Shareholdings in and above the target; edges elsewhere are ignored. Two holdings of
        the same pair add up (tranches).
    target : str
        The organisation examined.
    threshold : float
        Cumulative ratio at or above which an ultimate holder is a beneficial owner.
    max_depth : int
        Longest chain followed, in links.
    max_chains : int
        Most chains listed, over all owners (the controller's chains apart), heaviest first.
    max_steps : int
        Work allowed to each enumeration, in chain extensions.

    Returns
    -------
    OwnershipReport

    Examples
    --------
    P holds 60% of A, A holds 60% of B, and P holds 10% of B directly:

    >>> report = ownership(
    ...     [Holding("P", "A", 0.6), Holding("A", "B", 0.6), Holding("P", "B", 0.1)], "B"
    ... )
    >>> [(o.holder, o.ratio, len(o.chains)) for o in report.beneficial_owners]
    [('P', 0.46, 2)]
    >>> report.actual_controller.holder, report.actual_controller.voting_ratio
    ('P', 0.7)
    >>> report.truncated_by
    ()

    With at most one chain listed, P's ratio is still the sum over both:

    >>> capped = ownership(
    ...     [Holding("P", "A", 0.6), Holding("A", "B", 0.6), Holding("P", "B", 0.1)], "B",
    ...     max_chains=1,
    ... )
    >>> [(o.ratio, [c.nodes for c in o.chains]) for o in capped.owners], capped.truncated_by
    ([(0.46, [('P', 'A', 'B')])], ('max_chains',))
    """
    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be within [0, 1]")
    _check_bounds(max_depth, max_chains, max_steps)
    holders_of = _index(holdings)
    owners, cuts = _owners(holders_of, target, max_depth, max_chains, max_steps)
    controller, control_cut = _controller(holders_of, target, max_depth, max_chains, max_steps)
    if control_cut:
        cuts.add("max_chains")
    return OwnershipReport(
        target=target,
        threshold=threshold,
        owners=owners,
        beneficial_owners=tuple(o for o in owners if o.ratio >= threshold),
        actual_controller=controller,
        truncated_by=_bounds(cuts),
    )


def ultimate_owners(
    holdings: Iterable[Holding],
    target: str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_chains: int = DEFAULT_MAX_CHAINS,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> tuple[Owner, ...]:
    """Every ultimate holder of ``target`` with its cumulative ratio, greatest first.

    An ultimate holder is one with no holder of its own in the given holdings: a natural
    person, a state body, or the top of what was fetched. A cross-holding contributes along
    simple chains only, so it is counted once and never loops. Whether a bound cut the
    answer is reported by :func:`ownership` only.

    Examples
    --------
    P holds 50% of A; A and B hold each other (40% of B, 30% of A). P's interest in B runs
    through A once: 0.5 × 0.4.

    >>> cycle = [Holding("P", "A", 0.5), Holding("A", "B", 0.4), Holding("B", "A", 0.3)]
    >>> [(o.holder, o.ratio) for o in ultimate_owners(cycle, "B")]
    [('P', 0.2)]
    """
    _check_bounds(max_depth, max_chains, max_steps)
    return _owners(_index(holdings), target, max_depth, max_chains, max_steps)[0]


def actual_controller(
    holdings: Iterable[Holding],
    target: str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_chains: int = DEFAULT_MAX_CHAINS,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> Controller | None:
    """The ultimate holder that controls ``target`` through its shareholdings, if any.

    Definition: a holder *controls* an organisation when the holder and the organisations it
    already controls together hold more than half of it; the actual controller is the
    ultimate holder that controls the target.

    Why not "the greatest cumulative ratio above 50%": Company Law (2023) art. 265 calls a
    holder of more than 50% a 控股股东 and defines the 实际控制人 as whoever actually directs
    the company through investment relationships, agreements or other arrangements. Control
    passes down a chain link by link: P with 60% of A, which holds 60% of B, directs B although
    its economic interest in B is only 36%. Multiplying ratios measures ownership (see
    :func:`ultimate_owners`), not control.

    ``None`` means no control visible in shareholdings — as when the controlling shareholder
    is itself widely held (公司无实际控制人) — or, with inconsistent data where holdings of one
    organisation add up to more than 100%, that two holders would both control it: the
    function names nobody rather than guess. Control by agreement (acting-in-concert,
    VIE contracts) is not in the graph and cannot be seen here.

    Who controls is found without listing chains, so no bound changes it; ``max_chains`` and
    ``max_steps`` only limit the chains listed (reported by :func:`ownership`).

    Examples
    --------
    >>> pyramid = [Holding("P", "A", 0.6), Holding("A", "B", 0.6), Holding("Q", "B", 0.4)]
    >>> found = actual_controller(pyramid, "B")
    >>> found.holder, found.voting_ratio, found.controlled
    ('P', 0.6, ('A',))
    >>> actual_controller([Holding("P", "B", 0.5), Holding("Q", "B", 0.5)], "B") is None
    True
    """
    _check_bounds(max_depth, max_chains, max_steps)
    return _controller(_index(holdings), target, max_depth, max_chains, max_steps)[0]


def _check_bounds(max_depth: int, max_chains: int, max_steps: int) -> None:
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    if max_chains < 0 or max_steps < 0:
        raise ValueError("max_chains and max_steps must not be negative")


def _index(holdings: Iterable[Holding]) -> dict[str, dict[str, float]]:
    holders_of: dict[str, dict[str, float]] = defaultdict(dict)
    for h in holdings:
        if not 0 <= h.ratio <= 1:
            raise ValueError(f"{h.holder} holds {h.ratio} of {h.held}: ratio must be in [0, 1]")
        if h.ratio > 0 and h.holder != h.held:  # own shares give no one any interest
            held = holders_of[h.held]
            held[h.holder] = held.get(h.holder, 0.0) + h.ratio
    return dict(holders_of)


def _owners(
    holders_of: _Holders, target: str, max_depth: int, max_chains: int, max_steps: int
) -> tuple[tuple[Owner, ...], set[Bound]]:
    sums, cuts = _sums(holders_of, target, max_depth, max_steps)
    chains, chains_cut = _chains(holders_of, target, max_depth, max_chains, max_steps)
    if chains_cut:
        cuts.add("max_chains")
    by_holder: dict[str, list[Chain]] = defaultdict(list)
    for chain in chains:
        by_holder[chain.nodes[0]].append(chain)
    if "max_steps" in cuts:
        # Both figures are then lower bounds; the chains listed may have reached further.
        for holder, found in by_holder.items():
            sums[holder] = max(sums.get(holder, 0.0), sum(prod(c.ratios) for c in found))
    owners = [
        Owner(holder, _round(ratio), _sorted_chains(by_holder.get(holder, ())))
        for holder, ratio in sums.items()
        if ratio > 0
    ]
    return tuple(sorted(owners, key=lambda o: (-o.ratio, o.holder))), cuts


def _sums(
    holders_of: _Holders, target: str, max_depth: int, max_steps: int
) -> tuple[dict[str, float], set[Bound]]:
    """Cumulative ratio in ``target`` of every ultimate holder, without listing chains; and
    the bounds that cut it.

    Why this way: where holdings have no cycle, the sum over chains is a dynamic programme —
    a holder's interest is the sum, over what it holds, of ratio × that organisation's
    interest — whatever the number of chains (a ladder of k diamonds has 2^k). A cycle breaks
    that: a chain must not pass an organisation twice, and summing over simple paths is #P-hard
    in general, so no shortcut exists there. It is also why the walk-sum of economics
    ((I − A)⁻¹, which loops through A ↔ B forever) is not used: it gives other figures than the
    chains we show. So the holdings are condensed into strongly connected components: across
    components the programme above is exact; inside a component (a cross-holding cluster)
    simple paths are enumerated, within ``max_steps``. A chain passes each component in one
    stretch, since no chain returns to a component it has left, so the two parts multiply.

    Each sum is kept by chain length, so chains of more than ``max_depth`` links are left out
    exactly as the listing leaves them out; one of ``max_depth + 1`` links is how the cut is
    seen.
    """
    region = _above(holders_of, target) | {target}
    holds = nx.DiGraph()  # holder -> held, every organisation on a chain to the target
    holds.add_nodes_from(region)
    for held in region:
        for holder, ratio in holders_of.get(held, {}).items():
            if holder != target:  # a chain ends at the target; what it holds is irrelevant
                holds.add_edge(holder, held, ratio=ratio)
    components = nx.condensation(holds)
    longest = max_depth + 1
    # interest[v][n]: sum over simple chains of exactly n links from v down to the target.
    interest: dict[str, list[float]] = {}
    steps = 0
    cuts: set[Bound] = set()
    for component in reversed(list(nx.topological_sort(components))):
        members: set[str] = components.nodes[component]["members"]
        # leaving[x][n]: chains of n links from x whose first link leaves the component.
        leaving: dict[str, list[float]] = {}
        for x in members:
            out = [1.0 if x == target else 0.0] + [0.0] * longest
            for held, data in holds.adj[x].items():
                if held not in members:
                    below = interest[held]
                    for n in range(1, longest + 1):
                        out[n] += data["ratio"] * below[n - 1]
            leaving[x] = out
        if len(members) == 1:
            interest.update(leaving)
            continue
        starts = sorted(members)
        for index, start in enumerate(starts):
            # An even share of what is left, so every organisation of a dense cluster gets
            # its heaviest chains counted rather than the first taking the whole budget.
            share = (max_steps - steps) // (len(starts) - index)
            interest[start], used = _inside(holds, members, leaving, start, longest, share)
            steps += used
            if used > share:
                cuts.add("max_steps")
    if any(sums[longest] > 0 for sums in interest.values()):
        cuts.add("max_depth")
    owners = {v: sum(interest[v][1 : max_depth + 1]) for v in region if v not in holders_of}
    owners.pop(target, None)
    return owners, cuts


def _inside(
    holds: nx.DiGraph,
    members: set[str],
    leaving: Mapping[str, list[float]],
    start: str,
    longest: int,
    budget: int,
) -> tuple[list[float], int]:
    """Interest of ``start`` by chain length: over every simple path inside its component to
    some ``x``, the path's product times ``leaving[x]`` shifted by the path's length. And the
    steps taken, one more than ``budget`` when it cut the enumeration.

    Heaviest path first, so that a cut leaves out the smallest products: the sum is then a
    lower bound as close to the truth as the budget allows.
    """
    total = [0.0] * (longest + 1)
    steps = 0
    heap: list[tuple[float, tuple[str, ...]]] = [(-1.0, (start,))]
    while heap:
        weight, path = heapq.heappop(heap)
        x, inside = path[-1], len(path) - 1
        for n in range(longest + 1 - inside):
            total[inside + n] -= weight * leaving[x][n]
        if inside + 1 >= longest:  # one link more inside and one to leave: too long
            continue
        for held, data in sorted(holds.adj[x].items()):
            if held in members and held not in path:
                steps += 1
                if steps > budget:
                    return total, steps
                heapq.heappush(heap, (weight * data["ratio"], (*path, held)))
    return total, steps


def _chains(
    holders_of: _Holders,
    target: str,
    max_depth: int,
    max_chains: int,
    max_steps: int,
    within: frozenset[str] | None = None,
    origin: str | None = None,
) -> tuple[list[Chain], bool]:
    """The heaviest simple chains from ultimate holders down to ``target``, at most
    ``max_chains`` of them; when given, only through organisations ``within`` and only from
    the ultimate holder ``origin``. And whether a bound left any out.

    Heaviest first, so that a cut keeps the chains that weigh: partial chains are taken in
    order of the greatest product any completion could reach (an A* search whose estimate,
    the heaviest chain from an ultimate holder down to the partial chain's top, never
    understates, as ratios only shrink a product). Complete chains then come out in
    decreasing ratio, and a partial chain that cannot reach an ultimate holder (a closed
    cross-holding) is never taken at all.
    """
    reach = _heaviest_from_top(holders_of, target)
    chains: list[Chain] = []
    steps = 0
    # (-estimate, -links, (target, held by, ...), ratios, complete): on equal estimates the
    # longer chain first, so that equal weights (a ladder of diamonds) complete chains early
    # rather than widen every level.
    heap: list[tuple[float, int, tuple[str, ...], tuple[float, ...], bool]] = [
        (-reach.get(target, 0.0), 0, (target,), (), False)
    ]
    while heap:
        _, _, path, ratios, complete = heapq.heappop(heap)
        if complete:
            if len(chains) == max_chains:
                return chains, True
            chains.append(Chain(path[::-1], ratios[::-1], _round(prod(ratios))))
            continue
        product = prod(ratios)
        for holder, ratio in sorted(holders_of.get(path[-1], {}).items()):
            if holder in path or holder not in reach:
                continue  # a cross-holding passed already, or one with no ultimate holder
            ultimate = holder not in holders_of
            if ultimate and origin is not None and holder != origin:
                continue
            if not ultimate and (
                len(path) >= max_depth or (within is not None and holder not in within)
            ):
                continue
            steps += 1
            if steps > max_steps:
                return chains, True
            estimate = product * ratio * reach[holder]
            heapq.heappush(
                heap, (-estimate, -len(path), (*path, holder), (*ratios, ratio), ultimate)
            )
    return chains, False


def _heaviest_from_top(holders_of: _Holders, target: str) -> dict[str, float]:
    """For every organisation above ``target`` (and the target) that some ultimate holder
    reaches, the greatest product of a chain from an ultimate holder down to it.

    Dijkstra from the ultimate holders downward: ratios never exceed 1, so a product only
    shrinks as a chain grows, as a distance only grows. Chains here may repeat an
    organisation; the figure is an upper bound on simple chains, which is what A* needs.
    """
    region = _above(holders_of, target) | {target}
    holdings_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for held in region:
        for holder, ratio in holders_of.get(held, {}).items():
            if holder != target:
                holdings_of[holder].append((held, ratio))
    reach: dict[str, float] = {}
    heap = [(-1.0, top) for top in region if top not in holders_of]
    while heap:
        weight, node = heapq.heappop(heap)
        if node in reach:
            continue
        reach[node] = -weight
        for held, ratio in holdings_of[node]:
            if held not in reach:
                heapq.heappush(heap, (weight * ratio, held))
    return reach


def _controller(
    holders_of: _Holders, target: str, max_depth: int, max_chains: int, max_steps: int
) -> tuple[Controller | None, bool]:
    """The actual controller, and whether a bound left any of its chains out."""
    above = _above(holders_of, target)
    scope = above | {target}
    holdings_of: dict[str, list[str]] = defaultdict(list)
    for held in scope:
        for holder in holders_of.get(held, {}):
            holdings_of[holder].append(held)
    controllers = []
    for root in sorted(n for n in above if n not in holders_of):
        controlled = _controlled_by(root, holders_of, holdings_of)
        if target in controlled:
            controllers.append((root, controlled))
    if len(controllers) != 1:
        return None, False
    root, controlled = controllers[0]
    via = frozenset(controlled - {root, target})
    chains, cut = _chains(
        holders_of, target, max_depth, max_chains, max_steps, within=via, origin=root
    )
    controller = Controller(
        holder=root,
        voting_ratio=_round(sum(r for h, r in holders_of[target].items() if h in controlled)),
        controlled=tuple(sorted(via)),
        chains=_sorted_chains(chains),
    )
    return controller, cut


def _above(holders_of: _Holders, target: str) -> set[str]:
    """Every direct or indirect holder of ``target``."""
    seen: set[str] = set()
    frontier = [target]
    while frontier:
        for holder in holders_of.get(frontier.pop(), {}):
            if holder not in seen:
                seen.add(holder)
                frontier.append(holder)
    seen.discard(target)
    return seen


def _controlled_by(
    root: str, holders_of: _Holders, holdings_of: Mapping[str, list[str]]
) -> set[str]:
    """``root`` and every organisation it controls, link by link, among ``holdings_of``."""
    controlled = {root}
    frontier = [root]
    while frontier:
        for held in holdings_of.get(frontier.pop(), ()):
            votes = sum(r for h, r in holders_of[held].items() if h in controlled)
            if held not in controlled and _round(votes) > MAJORITY:
                controlled.add(held)
                frontier.append(held)
    return controlled


def _bounds(cuts: set[Bound]) -> tuple[Bound, ...]:
    return tuple(b for b in BOUNDS if b in cuts)


def _sorted_chains(chains: Iterable[Chain]) -> tuple[Chain, ...]:
    return tuple(sorted(chains, key=lambda c: (-c.ratio, c.nodes)))


def _round(ratio: float) -> float:
    return round(ratio, RATIO_DECIMALS)
