"""Related-party networks and paths on hand-built graphs."""

from __future__ import annotations

from datetime import date

import pytest

from graph.clock import Clock
from graph.reads import subjects, tracing
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder
from tests.utils.factories import pid as _pid

# The date the tests without their own date trace on: the wall clock's, as before.
TODAY = Clock().today()


@pytest.fixture
def group(repo: Repository) -> GraphBuilder:
    """A firm A with legal rep P, P also directs B; B holds 60% of C; H is a hub holding A."""
    g = GraphBuilder(repo)
    for key in ("A", "B", "C", "D"):
        g.org(key, f"{key} 有限公司")
    g.org("H", "省国资平台", hub=True)
    p = g.person("张三")
    g.rel(p, "LEGAL_REP_OF", "A", since=date(2020, 1, 1))
    g.rel(p, "OFFICER_OF", "B", role="director")
    g.rel("B", "SHAREHOLDER_OF", "C", ratio=0.6)
    g.rel("H", "SHAREHOLDER_OF", "A", ratio=0.3)
    g.rel("H", "SHAREHOLDER_OF", "D", ratio=0.3)
    g.rel(p, "OFFICER_OF", "D", role="supervisor", until=date(2021, 1, 1))
    g.record("A", "R-A-1")
    return g


def test_network_within_hops(repo: Repository, group: GraphBuilder) -> None:
    net = tracing.related_parties(repo, "A", hops=2, as_of=date(2026, 6, 1))
    assert net is not None
    by_key = {n.key: n for n in net.nodes}
    assert by_key["A"].hops == 0 and by_key["A"].sanctioned
    assert {k for k, n in by_key.items() if n.hops == 1} == {"H", _pid("张三")}
    # B via the person at hop 2; D only through the hub (not expanded) or an expired post.
    assert by_key["B"].hops == 2
    assert "D" not in by_key
    assert "C" not in by_key  # three hops away


def test_as_of_filter_brings_back_an_old_post(repo: Repository, group: GraphBuilder) -> None:
    net = tracing.related_parties(repo, _pid("张三"), hops=1, as_of=date(2020, 6, 1))
    assert net is not None
    assert {n.key for n in net.nodes} >= {"D", "B"}  # the supervisor post ran until 2021
    assert "A" in {n.key for n in net.nodes}


def test_type_filter(repo: Repository, group: GraphBuilder) -> None:
    net = tracing.related_parties(repo, "A", as_of=TODAY, hops=3, types=["LEGAL_REP_OF"])
    assert net is not None
    assert {n.key for n in net.nodes} == {"A", _pid("张三")}


def test_pagination_and_cap(repo: Repository, group: GraphBuilder) -> None:
    full = tracing.related_parties(repo, "A", as_of=TODAY, hops=3)
    assert full is not None and not full.truncated
    page = tracing.related_parties(repo, "A", as_of=TODAY, hops=3, offset=1, limit=2)
    assert page is not None
    assert [n.key for n in page.nodes] == [n.key for n in full.nodes[1:3]]
    assert page.total_nodes == full.total_nodes
    capped = tracing.related_parties(repo, "A", as_of=TODAY, hops=3, max_nodes=2)
    assert capped is not None and capped.truncated and capped.total_nodes == 2


def test_a_later_page_has_its_edges_to_nodes_off_it(repo: Repository, group: GraphBuilder) -> None:
    full = tracing.related_parties(repo, "A", as_of=TODAY, hops=3)
    assert full is not None
    assert [(n.key, n.hops) for n in full.nodes] == [
        ("A", 0), ("H", 1), (_pid("张三"), 1), ("B", 2), ("C", 3),
    ]  # fmt: skip
    pages = []
    for offset in (0, 2, 4):
        page = tracing.related_parties(repo, "A", as_of=TODAY, hops=3, offset=offset, limit=2)
        assert page is not None and page.total_nodes == 5 and not page.truncated
        pages.append(page)
    assert [n for p in pages for n in p.nodes] == full.nodes
    # The person and B: the edges to A and to C, both off the page, come with them.
    middle = pages[1]
    on_page = {n.key for n in middle.nodes}
    assert middle.edges == [e for e in full.edges if e.source in on_page or e.target in on_page]
    assert {(e.source, e.target) for e in middle.edges} == {
        (_pid("张三"), "A"), (_pid("张三"), "B"), ("B", "C"),
    }  # fmt: skip


def test_a_capped_trace_pages_over_the_admitted_nodes(
    repo: Repository, group: GraphBuilder
) -> None:
    # Room for A, H and the person: B, found at hop 2, is cut, and so is the edge to it.
    page = tracing.related_parties(repo, "A", as_of=TODAY, hops=3, max_nodes=3, offset=1, limit=10)
    assert page is not None and page.truncated and page.total_nodes == 3
    assert [n.key for n in page.nodes] == ["H", _pid("张三")]
    assert {(e.source, e.target) for e in page.edges} == {("H", "A"), (_pid("张三"), "A")}


def test_hub_is_shown_but_not_expanded(repo: Repository, group: GraphBuilder) -> None:
    net = tracing.related_parties(repo, "H", as_of=TODAY, hops=2)
    assert net is not None
    assert {n.key for n in net.nodes} == {"H"}


def test_degree_cap_makes_a_hub(repo: Repository, group: GraphBuilder) -> None:
    net = tracing.related_parties(repo, _pid("张三"), as_of=TODAY, hops=1, degree_cap=1)
    assert net is not None
    assert {n.key for n in net.nodes} == {_pid("张三")}


def test_unknown_subject(repo: Repository) -> None:
    assert tracing.related_parties(repo, "NOPE", as_of=TODAY) is None
    assert tracing.paths_between(repo, "NOPE", "A") is None


def test_shortest_path_avoids_hubs(repo: Repository, group: GraphBuilder) -> None:
    paths = tracing.paths_between(repo, "A", "C", max_hops=4)
    assert paths is not None and len(paths) == 1
    assert [n.key for n in paths[0].nodes] == ["A", _pid("张三"), "B", "C"]
    assert [e.rel for e in paths[0].edges] == ["LEGAL_REP_OF", "OFFICER_OF", "SHAREHOLDER_OF"]
    # C is three hops from A: nothing within two.
    assert tracing.paths_between(repo, "A", "C", max_hops=2) == []


def test_search_and_profile(repo: Repository, group: GraphBuilder) -> None:
    found = subjects.search(repo, "有限")
    assert {s.key for s in found} == {"A", "B", "C", "D"}
    assert subjects.search(repo, "A")[0].key == "A"  # an exact key wins
    prof = subjects.profile(repo, "A")
    assert prof is not None and prof.organization is not None
    assert [r.record_id for r in prof.records] == ["R-A-1"]
    assert prof.records[0].decided_on == date(2026, 1, 10)
    assert {(r.rel, r.direction): r.count for r in prof.relations} == {
        ("LEGAL_REP_OF", "in"): 1,
        ("SHAREHOLDER_OF", "in"): 1,
    }
    assert subjects.profile(repo, "NOPE") is None
