"""What analysts see of persons: no personal fields, a stable alias instead of the pid.

The alias is a truncated digest of the pid, so one person is the same node across an
analyst's responses (a network can still be read) but cannot be joined to anything else.
"""

from __future__ import annotations

import hashlib

from graph.model import Flag, Network, NetworkEdge, NetworkNode, PathStep, label_of
from graph.ownership_graph import (
    ActualController,
    Ownership,
    OwnershipChain,
    OwnershipParty,
    UltimateOwner,
)

PERSON_PLACEHOLDER = "自然人 (person)"


def person_alias(pid: str) -> str:
    return "person~" + hashlib.sha256(("analyst|" + pid).encode()).hexdigest()[:16]


def _alias(key: str) -> str:
    return person_alias(key) if label_of(key) == "Person" else key


def network(net: Network) -> Network:
    return net.model_copy(
        update={
            "root": _alias(net.root),
            "nodes": [_node(n) for n in net.nodes],
            "edges": [_edge(e) for e in net.edges],
        }
    )


def _node(node: NetworkNode) -> NetworkNode:
    if node.label != "Person":
        return node
    return node.model_copy(
        update={"key": person_alias(node.key), "name": PERSON_PLACEHOLDER, "region_code": None}
    )


def _edge(edge: NetworkEdge) -> NetworkEdge:
    return edge.model_copy(update={"source": _alias(edge.source), "target": _alias(edge.target)})


def flag(f: Flag) -> Flag:
    return f.model_copy(
        update={
            "record_subject": _alias(f.record_subject),
            "path": [
                PathStep(
                    source=_alias(s.source),
                    rel=s.rel,
                    direction=s.direction,
                    target=_alias(s.target),
                    rule=s.rule,
                )
                for s in f.path
            ],
        }
    )


def ownership(report: Ownership) -> Ownership:
    """Owners and controller with every person aliased; organisations stay as they are."""
    control = report.actual_controller
    return report.model_copy(
        update={
            "beneficial_owners": [_owner(o) for o in report.beneficial_owners],
            "other_owners": [_owner(o) for o in report.other_owners],
            "actual_controller": None
            if control is None
            else ActualController(
                holder=_party(control.holder),
                voting_ratio=control.voting_ratio,
                controlled=control.controlled,  # organisations only
                chains=[_chain(c) for c in control.chains],
            ),
        }
    )


def _party(party: OwnershipParty) -> OwnershipParty:
    if party.label != "Person":
        return party
    return party.model_copy(
        update={"key": person_alias(party.key), "name": PERSON_PLACEHOLDER, "id_masked": None}
    )


def _chain(chain: OwnershipChain) -> OwnershipChain:
    return chain.model_copy(update={"nodes": [_party(p) for p in chain.nodes]})


def _owner(owner: UltimateOwner) -> UltimateOwner:
    return owner.model_copy(
        update={"holder": _party(owner.holder), "chains": [_chain(c) for c in owner.chains]}
    )
