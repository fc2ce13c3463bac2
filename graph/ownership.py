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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import prod

DEFAULT_THRESHOLD = 0.25
DEFAULT_MAX_DEPTH = 10
# Reported ratios are rounded so that sums of products compare exactly with thresholds.
RATIO_DECIMALS = 6
MAJORITY = 0.5

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
    """An ultimate holder and its cumulative ratio in the target (sum over ``chains``)."""

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
    truncated: bool  # some chain was longer than max_depth: owners may be missing


def ownership(
    holdings: Iterable[Holding],
    target: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_depth: int = DEFAULT_MAX_DEPTH,
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
    """
    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be within [0, 1]")
    holders_of = _index(holdings)
    owners, truncated = _owners(holders_of, target, max_depth)
    return OwnershipReport(
        target=target,
        threshold=threshold,
        owners=owners,
        beneficial_owners=tuple(o for o in owners if o.ratio >= threshold),
        actual_controller=_controller(holders_of, target, max_depth),
        truncated=truncated,
    )


def ultimate_owners(
    holdings: Iterable[Holding], target: str, *, max_depth: int = DEFAULT_MAX_DEPTH
) -> tuple[Owner, ...]:
    """Every ultimate holder of ``target`` with its cumulative ratio, greatest first.

    An ultimate holder is one with no holder of its own in the given holdings: a natural
    person, a state body, or the top of what was fetched. A cross-holding contributes along
    simple chains only, so it is counted once and never loops.

    Examples
    --------
    P holds 50% of A; A and B hold each other (40% of B, 30% of A). P's interest in B runs
    through A once: 0.5 × 0.4.

    >>> cycle = [Holding("P", "A", 0.5), Holding("A", "B", 0.4), Holding("B", "A", 0.3)]
    >>> [(o.holder, o.ratio) for o in ultimate_owners(cycle, "B")]
    [('P', 0.2)]
    """
    return _owners(_index(holdings), target, max_depth)[0]


def actual_controller(
    holdings: Iterable[Holding], target: str, *, max_depth: int = DEFAULT_MAX_DEPTH
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

    Examples
    --------
    >>> pyramid = [Holding("P", "A", 0.6), Holding("A", "B", 0.6), Holding("Q", "B", 0.4)]
    >>> found = actual_controller(pyramid, "B")
    >>> found.holder, found.voting_ratio, found.controlled
    ('P', 0.6, ('A',))
    >>> actual_controller([Holding("P", "B", 0.5), Holding("Q", "B", 0.5)], "B") is None
    True
    """
    return _controller(_index(holdings), target, max_depth)


def _index(holdings: Iterable[Holding]) -> dict[str, dict[str, float]]:
    holders_of: dict[str, dict[str, float]] = defaultdict(dict)
    for h in holdings:
        if not 0 <= h.ratio <= 1:
            raise ValueError(f"{h.holder} holds {h.ratio} of {h.held}: ratio must be in [0, 1]")
        if h.ratio > 0 and h.holder != h.held:  # own shares give no one any interest
            held = holders_of[h.held]
            held[h.holder] = held.get(h.holder, 0.0) + h.ratio
    return dict(holders_of)


def _owners(holders_of: _Holders, target: str, max_depth: int) -> tuple[tuple[Owner, ...], bool]:
    chains, truncated = _chains(holders_of, target, max_depth)
    by_holder: dict[str, list[Chain]] = defaultdict(list)
    for chain in chains:
        by_holder[chain.nodes[0]].append(chain)
    owners = [
        Owner(holder, _round(sum(prod(c.ratios) for c in found)), _sorted_chains(found))
        for holder, found in by_holder.items()
    ]
    return tuple(sorted(owners, key=lambda o: (-o.ratio, o.holder))), truncated


def _chains(
    holders_of: _Holders, target: str, max_depth: int, within: frozenset[str] | None = None
) -> tuple[list[Chain], bool]:
    """Simple chains from ultimate holders down to ``target``; intermediate organisations
    restricted to ``within`` when given. Also whether ``max_depth`` cut any chain."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    chains: list[Chain] = []
    truncated = False
    # Paths grow upward from the target: (target, held by, held by, ...).
    stack: list[tuple[tuple[str, ...], tuple[float, ...]]] = [((target,), ())]
    while stack:
        path, ratios = stack.pop()
        for holder, ratio in sorted(holders_of.get(path[-1], {}).items()):
            if holder in path:
                continue  # a cross-holding: the chain has already passed here
            up, up_ratios = (*path, holder), (*ratios, ratio)
            if holder not in holders_of:
                chains.append(Chain(up[::-1], up_ratios[::-1], _round(prod(up_ratios))))
            elif len(path) >= max_depth:
                truncated = True
            elif within is None or holder in within:
                stack.append((up, up_ratios))
    return chains, truncated


def _controller(holders_of: _Holders, target: str, max_depth: int) -> Controller | None:
    above = _above(holders_of, target)
    controllers = []
    for root in sorted(n for n in above if n not in holders_of):
        controlled = _controlled_by(root, holders_of, above | {target})
        if target in controlled:
            controllers.append((root, controlled))
    if len(controllers) != 1:
        return None
    root, controlled = controllers[0]
    via = frozenset(controlled - {root, target})
    chains, _ = _chains(holders_of, target, max_depth, within=via)
    return Controller(
        holder=root,
        voting_ratio=_round(sum(r for h, r in holders_of[target].items() if h in controlled)),
        controlled=tuple(sorted(via)),
        chains=_sorted_chains([c for c in chains if c.nodes[0] == root]),
    )


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


def _controlled_by(root: str, holders_of: _Holders, scope: set[str]) -> set[str]:
    """``root`` and every organisation in ``scope`` it controls, link by link."""
    holdings_of: dict[str, list[str]] = defaultdict(list)
    for held in scope:
        for holder in holders_of.get(held, {}):
            holdings_of[holder].append(held)
    controlled = {root}
    frontier = [root]
    while frontier:
        for held in holdings_of[frontier.pop()]:
            votes = sum(r for h, r in holders_of[held].items() if h in controlled)
            if held not in controlled and _round(votes) > MAJORITY:
                controlled.add(held)
                frontier.append(held)
    return controlled


def _sorted_chains(chains: Iterable[Chain]) -> tuple[Chain, ...]:
    return tuple(sorted(chains, key=lambda c: (-c.ratio, c.nodes)))


def _round(ratio: float) -> float:
    return round(ratio, RATIO_DECIMALS)
