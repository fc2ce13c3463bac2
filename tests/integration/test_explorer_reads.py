"""The explorer's reads on a hand-built graph: node facts, one node's neighbours, provenance."""

from __future__ import annotations

from datetime import date

import pytest

from graph import disclosure
from graph.disclosure import ANALYST
from graph.reads import explorer, tracing
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder
from tests.utils.factories import pid as _pid

AS_OF = date(2026, 6, 1)


@pytest.fixture
def group(repo: Repository) -> GraphBuilder:
    """A: legal rep P, 3 officers, 2 shareholders (60%, 10%), one officer whose post ended;
    A has a black severe record in force and a red one; H is a hub holding A."""
    g = GraphBuilder(repo)
    g.org("A", "甲有限公司")
    g.org("H", "省国资平台", hub=True, kind="state_asset_holder")
    g.org("S1", "乙公司")
    g.org("S2", "丙公司")
    p = g.person("张三")
    g.rel(p, "LEGAL_REP_OF", "A", since=date(2020, 1, 1))
    for name, role in (("李四", "director"), ("王五", "supervisor"), ("赵六", "manager")):
        g.rel(g.person(name), "OFFICER_OF", "A", role=role, since=date(2021, 3, 1))
    g.rel(g.person("钱七"), "OFFICER_OF", "A", role="director", until=date(2022, 1, 1))
    g.rel("S1", "SHAREHOLDER_OF", "A", ratio=0.6)
    g.rel("S2", "SHAREHOLDER_OF", "A", ratio=0.1)
    g.rel("H", "SHAREHOLDER_OF", "A", ratio=0.3)
    g.record("A", "R-A-1")
    g.record("A", "R-A-2", list_="red", level=None, category="honour")
    return g


def test_facts_style_and_count_in_force(repo: Repository, group: GraphBuilder) -> None:
    facts = explorer.node_facts(repo, ["A", "H", _pid("张三"), "nobody"], as_of=AS_OF)
    assert set(facts) == {"A", "H", _pid("张三")}
    a = facts["A"]
    assert (a.lists, a.level, a.kind, a.counts_complete) == (
        ["black", "red"],
        "severe",
        "enterprise",
        True,
    )
    counts = {(r.rel, r.direction): r.count for r in a.relations}
    # The post that ended in 2022 is not counted on 2026-06-01.
    assert counts == {
        ("OFFICER_OF", "in"): 3,
        ("LEGAL_REP_OF", "in"): 1,
        ("SHAREHOLDER_OF", "in"): 3,
    }
    assert facts["H"].hub and facts["H"].kind == "state_asset_holder"
    person = facts[_pid("张三")]
    assert person.label == "Person" and person.province == "32"


def test_facts_of_a_person_reach_an_analyst_aliased(repo: Repository, group: GraphBuilder) -> None:
    person = explorer.node_facts(repo, [_pid("张三")], as_of=AS_OF)[_pid("张三")]
    shown = disclosure.disclose_facts(ANALYST, person)
    assert shown.key == disclosure.person_alias(_pid("张三"))
    assert (shown.name, shown.region_code, shown.province) == (
        disclosure.PERSON_PLACEHOLDER,
        None,
        None,
    )


def test_neighbours_page_largest_share_first_leaving_out_the_screen(
    repo: Repository, group: GraphBuilder
) -> None:
    page = explorer.neighbours(repo, "A", "SHAREHOLDER_OF", "in", as_of=AS_OF, limit=2)
    assert page is not None
    assert page.total == 3
    assert [n.key for n in page.nodes] == ["S1", "H"]
    assert [e.ratio for e in page.edges] == [0.6, 0.3]
    more = explorer.neighbours(
        repo, "A", "SHAREHOLDER_OF", "in", as_of=AS_OF, exclude=["S1", "H"], limit=2
    )
    assert more is not None and [n.key for n in more.nodes] == ["S2"] and more.total == 3


def test_neighbours_keep_direction_dates_and_as_of(repo: Repository, group: GraphBuilder) -> None:
    page = explorer.neighbours(repo, "A", "OFFICER_OF", "in", as_of=date(2021, 6, 1))
    assert page is not None
    assert page.total == 4  # the post that ended in 2022 still ran
    assert all(e.target == "A" for e in page.edges)
    assert {e.since for e in page.edges} == {date(2021, 3, 1), None}
    assert explorer.neighbours(repo, "A", "OFFICER_OF", "out", as_of=AS_OF).total == 0  # type: ignore[union-attr]
    assert explorer.neighbours(repo, "nobody", "OFFICER_OF", "in", as_of=AS_OF) is None


def test_neighbours_refuse_an_unknown_type_and_a_big_page(repo: Repository) -> None:
    with pytest.raises(ValueError, match="relationship type"):
        explorer.neighbours(repo, "A", "FLAGGED", "in", as_of=AS_OF)
    with pytest.raises(ValueError, match="limit"):
        explorer.neighbours(repo, "A", "OFFICER_OF", "in", as_of=AS_OF, limit=10_000)


def test_provenance_names_department_batch_and_load(repo: Repository, group: GraphBuilder) -> None:
    found = explorer.provenance(repo, "A")
    assert found is not None
    assert (found.source, found.batch_id) == ("test", "test") and found.loaded_at is not None
    assert {r.record_id: r.department for r in found.records} == {
        "R-A-1": "department JS-FY",
        "R-A-2": "department JS-FY",
    }
    assert explorer.provenance(repo, "nobody") is None


def test_trace_edges_carry_their_dates(repo: Repository, group: GraphBuilder) -> None:
    net = tracing.related_parties(repo, "A", hops=1, as_of=AS_OF)
    assert net is not None
    rep = next(e for e in net.edges if e.rel == "LEGAL_REP_OF")
    assert rep.since == date(2020, 1, 1) and rep.until is None


def test_path_reaches_an_analyst_aliased(repo: Repository, group: GraphBuilder) -> None:
    found = tracing.paths_between(repo, "S1", _pid("张三"), max_hops=3)
    assert found
    shown = disclosure.disclose_graph_path(ANALYST, found[0])
    assert shown.nodes[-1].key == disclosure.person_alias(_pid("张三"))
    assert shown.nodes[-1].name == disclosure.PERSON_PLACEHOLDER
    assert shown.edges[-1].source == disclosure.person_alias(_pid("张三"))


def test_fuzzy_search_finds_characters_in_order(repo: Repository, group: GraphBuilder) -> None:
    assert [s.key for s in explorer.fuzzy_search(repo, "甲有限")] == ["A"]  # a fragment
    assert [s.key for s in explorer.fuzzy_search(repo, "甲公司")] == ["A"]  # in order, gaps
    assert explorer.fuzzy_search(repo, "公司甲") == []  # not in order
    assert [s.key for s in explorer.fuzzy_search(repo, "张 三")] == [_pid("张三")]
    assert explorer.fuzzy_search(repo, "张 三", persons=False) == []


HUB_HOLDINGS = """
MATCH (h:Organization {uscc: 'HUB'})
UNWIND range(1, $n) AS i
CREATE (o:Subject:Organization {uscc: 'HELD-' + toString(i), name: '子公司' + toString(i),
                                region_code: '3205', province: '32'})
CREATE (h)-[:SHAREHOLDER_OF {ratio: 0.5}]->(o)
"""


def test_a_hub_is_counted_within_the_cap_and_opened_a_page_at_a_time(repo: Repository) -> None:
    g = GraphBuilder(repo)
    g.org("HUB", "国资平台", hub=True, kind="state_asset_holder")
    repo.write(HUB_HOLDINGS, n=explorer.COUNT_CAP + 50)
    facts = explorer.node_facts(repo, ["HUB"], as_of=AS_OF)["HUB"]
    assert not facts.counts_complete
    assert [(r.rel, r.direction, r.count) for r in facts.relations] == [
        ("SHAREHOLDER_OF", "out", explorer.COUNT_CAP)
    ]
    # The trace shows the hub unopened; a page of its holdings opens it.
    net = tracing.related_parties(repo, "HUB", hops=2, as_of=AS_OF)
    assert net is not None and [n.key for n in net.nodes] == ["HUB"]
    page = explorer.neighbours(repo, "HUB", "SHAREHOLDER_OF", "out", as_of=AS_OF, limit=50)
    assert page is not None
    assert page.total == explorer.COUNT_CAP + 50 and len(page.nodes) == 50
