"""The reads behind the propagation page, on a generated province: the risk network (risk
clusters, hub persons), flags by score, names of subjects."""

from __future__ import annotations

from pathlib import Path

from graph.reads.risk import risk_network
from graph.reads.statistics import flag_scores, statistics
from graph.reads.subjects import names_of
from graph.services import Services


def test_flags_by_score_add_up_to_flags_by_rule_and_kind(
    services: Services, province: Path
) -> None:
    as_of = services.clock.today()
    by_score = flag_scores(services.repository, as_of)
    by_kind = statistics(services.repository, as_of).flags
    assert by_score, "the province has flags"
    assert sum(c.count for c in by_score) == sum(c.count for c in by_kind)
    for count in by_kind:
        assert count.count == sum(
            c.count for c in by_score if (c.rule, c.kind) == (count.rule, count.kind)
        )


def test_clusters_hold_a_sanctioned_subject_and_hubs_link_organisations_at_risk(
    services: Services, province: Path
) -> None:
    network = risk_network(services.repository, services.clock.today())
    assert not network.truncated
    assert network.sanctioned and network.flagged
    clusters = network.clusters(min_size=1)
    assert clusters and all(c["sanctioned"] for c in clusters)
    at_risk = network.sanctioned | network.flagged
    assert {k for c in clusters for k in c["members"]} <= at_risk
    # Every sanctioned subject is in exactly one cluster.
    assert sorted(k for c in clusters for k in c["sanctioned"]) == sorted(network.sanctioned)
    for hub in network.hubs(min_orgs=1):
        assert network.graph.nodes[hub["person"]]["label"] == "Person"
        assert set(hub["organizations"]) <= at_risk
        assert hub["count"] == len(hub["organizations"]) >= 1


def test_the_network_is_cut_at_its_limit_and_says_so(services: Services, province: Path) -> None:
    network = risk_network(services.repository, services.clock.today(), limit=3)
    assert network.truncated
    assert len(network.sanctioned | network.flagged) <= 3


def test_names_of_subjects_skip_unknown_keys(services: Services, province: Path) -> None:
    network = risk_network(services.repository, services.clock.today())
    some = sorted(network.sanctioned)[:3]
    names = names_of(services.repository, [*some, "x:no-such-org"])
    assert set(names) == set(some) and all(names.values())
    assert names_of(services.repository, []) == {}
