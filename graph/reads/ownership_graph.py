"""Who owns and who controls an organisation, over the shareholdings stored in Neo4j.

The shareholding subgraph above the target is fetched one level per query for the whole
frontier (the pattern of :mod:`graph.reads.tracing`), so the cost grows with what is found above
the target, never with the size of the province. The walk is bounded three ways, each named
in ``truncated_by`` when it cuts: ``max_depth`` levels, ``max_nodes`` parties, and
``per_node`` holders per organisation (its largest). A hub (``hub: true``, e.g. a state-asset
platform) is taken as a holder but not walked above: it ends its chains as an ultimate holder,
just as it passes no risk on in propagation, and that is by design, not a cut.

The holdings found go to the pure :func:`graph.reads.ownership.ownership`, which has bounds of its
own, ``max_steps`` and ``max_chains``, named the same way: a dense cross-holding web among
the parties read costs bounded time and says what it left out. The answer comes back with
every party named (persons by name and masked ID, never the ID number).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel

from graph.reads.ownership import (
    BOUNDS,
    DEFAULT_MAX_CHAINS,
    DEFAULT_MAX_STEPS,
    DEFAULT_THRESHOLD,
    Bound,
    Chain,
    Holding,
    Owner,
    ownership,
)
from graph.reads.ownership import DEFAULT_MAX_DEPTH as MAX_DEPTH
from graph.store.queries import ownership as q
from graph.store.repository import Repository, Row
from graph.vocabulary import SubjectLabel

MAX_NODES = 2_000
# Holders read per organisation, largest first: any holder cut off holds less than 1/200.
PER_NODE = 200


class OwnershipParty(BaseModel):
    key: str
    label: SubjectLabel
    name: str | None = None
    id_masked: str | None = None  # persons only: the masked ID, never the ID number
    hub: bool = False


class OwnershipChain(BaseModel):
    """One chain of holdings: ``nodes[0]`` holds ``nodes[1]`` … down to the target."""

    nodes: list[OwnershipParty]
    ratios: list[float]  # the ratio of each link
    ratio: float  # their product


class UltimateOwner(BaseModel):
    """An ultimate holder and its cumulative ratio in the target, summed over its chains."""

    holder: OwnershipParty
    ratio: float
    chains: list[OwnershipChain]


class ActualController(BaseModel):
    """The actual controller (实际控制人): the share of the target it commands directly or
    through the organisations it controls, those organisations, and its chains of control."""

    holder: OwnershipParty
    voting_ratio: float
    controlled: list[OwnershipParty]
    chains: list[OwnershipChain]


class Ownership(BaseModel):
    target: OwnershipParty
    as_of: date
    threshold: float
    beneficial_owners: list[UltimateOwner]  # cumulative ratio at or above the threshold
    other_owners: list[UltimateOwner]  # every other ultimate holder reached
    actual_controller: ActualController | None
    parties: int  # subjects found above the target
    holdings: int  # shareholdings read
    truncated: bool  # a bound cut the answer: which, in truncated_by
    # max_depth, max_nodes, per_node: the walk was cut, owners may be missing and ratios
    # understated; max_steps: a cross-holding cluster was too dense to sum exactly, ratios may
    # be understated; max_chains: only the heaviest chains are listed, the ratios unaffected.
    truncated_by: list[Bound]


def ownership_of(
    repo: Repository,
    uscc: str,
    *,
    as_of: date,
    threshold: float = DEFAULT_THRESHOLD,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    per_node: int = PER_NODE,
    max_chains: int = DEFAULT_MAX_CHAINS,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> Ownership | None:
    """Beneficial owners and actual controller of an organisation on ``as_of``.

    None if no organisation has this key. Chains and ratios follow
    :func:`graph.reads.ownership.ownership`: cumulative ratio is the product along a chain summed
    over chains, a cross-holding is followed once, control passes link by link.
    """
    if not 1 <= max_depth <= MAX_DEPTH:
        raise ValueError(f"max_depth must be within 1..{MAX_DEPTH}")
    target = repo.read_one(q.TARGET, key=uscc)
    if target is None:
        return None
    parties = {uscc: OwnershipParty(key=uscc, label="Organization", **target)}
    holdings, cut = _holdings_above(repo, uscc, parties, as_of, max_depth, max_nodes, per_node)
    report = ownership(
        holdings,
        uscc,
        threshold=threshold,
        max_depth=max_depth,
        max_chains=max_chains,
        max_steps=max_steps,
    )
    truncated_by = sorted(cut | set(report.truncated_by), key=BOUNDS.index)

    def owner(found: Owner) -> UltimateOwner:
        return UltimateOwner(
            holder=parties[found.holder], ratio=found.ratio, chains=_chains(found.chains, parties)
        )

    control = report.actual_controller
    return Ownership(
        target=parties[uscc],
        as_of=as_of,
        threshold=threshold,
        beneficial_owners=[owner(o) for o in report.beneficial_owners],
        other_owners=[owner(o) for o in report.owners if o.ratio < threshold],
        actual_controller=None
        if control is None
        else ActualController(
            holder=parties[control.holder],
            voting_ratio=control.voting_ratio,
            controlled=[parties[key] for key in control.controlled],
            chains=_chains(control.chains, parties),
        ),
        parties=len(parties) - 1,
        holdings=len(holdings),
        truncated=bool(truncated_by),
        truncated_by=truncated_by,
    )


def _holdings_above(
    repo: Repository,
    uscc: str,
    parties: dict[str, OwnershipParty],
    as_of: date,
    max_depth: int,
    max_nodes: int,
    per_node: int,
) -> tuple[list[Holding], set[Bound]]:
    """The holdings valid on ``as_of`` above ``uscc``, adding every holder to ``parties``;
    and the bounds that cut the walk."""
    holdings: list[Holding] = []
    frontier: list[str] = [uscc]
    truncated: set[Bound] = set()
    for _ in range(max_depth):
        # One more than the bound, to tell a cut from an organisation with exactly that many.
        rows = repo.read(q.HOLDERS_OF, keys=frontier, as_of=as_of, per_node=per_node + 1)
        found: list[str] = []
        for held, holders in sorted(_by_held(rows).items()):
            if len(holders) > per_node:
                truncated.add("per_node")
            for row in holders[:per_node]:
                holder = row["holder"]
                if holder not in parties:
                    if len(parties) >= max_nodes:
                        truncated.add("max_nodes")
                        continue
                    parties[holder] = OwnershipParty(
                        key=holder,
                        label=row["label"],
                        name=row["name"],
                        id_masked=row["id_masked"],
                        hub=row["hub"],
                    )
                    # Persons hold nothing above them; hubs are not walked above.
                    if row["label"] == "Organization" and not row["hub"]:
                        found.append(holder)
                holdings.append(Holding(holder, held, float(row["ratio"])))
        frontier = found
        if not frontier:
            break
    if frontier and repo.read_one(q.ANY_HOLDER_OF, keys=frontier, as_of=as_of) is not None:
        truncated.add("max_depth")
    return holdings, truncated


def _by_held(rows: Iterable[Row]) -> dict[str, list[Row]]:
    # Re-sorted here: the walk must not depend on the order rows arrive in.
    by_held: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_held[row["held"]].append(row)
    for holders in by_held.values():
        holders.sort(key=lambda r: (-r["ratio"], r["holder"]))
    return by_held


def _chains(chains: Iterable[Chain], parties: dict[str, OwnershipParty]) -> list[OwnershipChain]:
    return [
        OwnershipChain(nodes=[parties[k] for k in c.nodes], ratios=list(c.ratios), ratio=c.ratio)
        for c in chains
    ]
