"""The explorer's builders as pure functions, on small networks whose answer is known."""

from __future__ import annotations

import csv
import io
from datetime import date

from dashboards.figures import explorer as fig
from graph.model import (
    GraphPath,
    Network,
    NetworkEdge,
    NetworkNode,
    PathStep,
    RelationCount,
    SubjectRef,
)
from graph.reads.explorer import Neighbours, NodeFacts
from graph.reads.ownership_graph import (
    ActualController,
    Ownership,
    OwnershipChain,
    OwnershipParty,
    UltimateOwner,
)

AS_OF = date(2026, 6, 1)


def _node(key: str, label: str = "Organization", hops: int = 1, **extra: object) -> NetworkNode:
    return NetworkNode(key=key, label=label, name=f"{key} name", hops=hops, **extra)  # type: ignore[arg-type]


def _facts(key: str, **extra: object) -> NodeFacts:
    values: dict[str, object] = {
        "key": key,
        "label": "Organization",
        "name": key,
        "lists": [],
        "flag_kinds": [],
        "relations": [],
        "counts_complete": True,
        **extra,
    }
    return NodeFacts(**values)  # type: ignore[arg-type]


def _network() -> Network:
    """A at the root; P its legal rep; S holds 60% of A; P also directs B (hop 2)."""
    return Network(
        root="A",
        hops=2,
        as_of=AS_OF,
        nodes=[
            _node("A", hops=0, sanctioned=True),
            _node("P", "Person"),
            _node("S"),
            _node("B", hops=2),
        ],
        edges=[
            NetworkEdge(source="P", target="A", rel="LEGAL_REP_OF", since=date(2020, 1, 1)),
            NetworkEdge(source="S", target="A", rel="SHAREHOLDER_OF", ratio=0.6),
            NetworkEdge(source="P", target="B", rel="OFFICER_OF", role="director"),
            NetworkEdge(source="P", target="Z", rel="OFFICER_OF", role="director"),  # Z not shown
        ],
        total_nodes=4,
        offset=0,
        limit=200,
        truncated=False,
    )


def test_network_elements_style_by_kind_list_level_flag_and_province() -> None:
    facts = {
        "A": _facts("A", lists=["black", "red"], level="severe", province="32"),
        "S": _facts("S", province="31", flag_kinds=["associated"]),
    }
    merged = fig.network_elements(_network(), facts, home_province="32")
    by_id = {e["data"]["id"]: e for e in merged.elements}
    assert set(by_id["A"]["classes"].split()) == {
        "organization", "root", "sanctioned", "black", "red", "level-severe",
    }  # fmt: skip
    assert "away" in by_id["S"]["classes"] and "person" in by_id["P"]["classes"]
    # Three edges between shown nodes; the one to Z, not shown, is left out.
    edges = [e for e in merged.elements if "source" in e["data"]]
    assert len(edges) == 3 and merged.left_out == 0
    share = by_id["S|SHAREHOLDER_OF||A"]["data"]
    assert (share["label"], share["width"]) == ("60%", 1 + 8 * 0.6)
    rep = by_id["P|LEGAL_REP_OF||A"]["data"]
    assert (rep["since"], rep["dates"]) == ("2020-01-01", "2020-01-01 – ")


def test_merge_never_passes_the_cap_and_counts_what_it_left_out() -> None:
    many = [{"data": {"id": f"n{i}"}} for i in range(fig.MAX_ELEMENTS + 30)]
    merged = fig.merge([], many)
    assert len(merged.elements) == fig.MAX_ELEMENTS
    assert (merged.added, merged.left_out) == (fig.MAX_ELEMENTS, 30)
    again = fig.merge(merged.elements, many[:5])
    assert (again.added, again.left_out) == (0, 0)  # already there: neither added nor left out


def test_expansions_count_what_is_not_on_screen_yet() -> None:
    on_screen = fig.network_elements(_network(), {}, home_province="32").elements
    facts = _facts(
        "A",
        relations=[
            RelationCount(rel="OFFICER_OF", direction="in", count=12),
            RelationCount(rel="SHAREHOLDER_OF", direction="in", count=3),
            RelationCount(rel="LEGAL_REP_OF", direction="in", count=1),
        ],
    )
    found = fig.expansions(facts, on_screen)
    assert [(x.rel, x.total, x.shown, x.more) for x in found] == [
        ("OFFICER_OF", 12, 0, 12),
        ("SHAREHOLDER_OF", 3, 1, 2),
        ("LEGAL_REP_OF", 1, 1, 0),
    ]


def test_neighbour_elements_add_a_page_and_its_edges() -> None:
    on_screen = fig.network_elements(_network(), {}, home_province="32").elements
    page = Neighbours(
        key="A",
        rel="OFFICER_OF",
        direction="in",
        total=12,
        nodes=[_node("Q", "Person")],
        edges=[NetworkEdge(source="Q", target="A", rel="OFFICER_OF", role="supervisor")],
    )
    merged = fig.neighbour_elements(on_screen, page, {}, root="A", home_province="32")
    assert merged.added == 2
    assert {"Q", "Q|OFFICER_OF|supervisor|A"} <= {e["data"]["id"] for e in merged.elements}


def test_neighbourhood_is_the_node_its_neighbours_and_their_edges() -> None:
    on_screen = fig.network_elements(_network(), {}, home_province="32").elements
    nodes, edges = fig.neighbourhood(on_screen, "P")
    assert nodes == {"P", "A", "B"}
    assert edges == {"P|LEGAL_REP_OF||A", "P|OFFICER_OF|director|B"}


def test_flag_path_follows_the_stored_direction() -> None:
    # A's record reaches P (its legal rep, against the relationship), then B (P directs B).
    steps = [
        PathStep(source="A", rel="LEGAL_REP_OF", direction="in", target="P", rule="R1"),
        PathStep(source="P", rel="OFFICER_OF", direction="out", target="B", rule="R2"),
    ]
    nodes, rels = fig.flag_path(steps)
    assert nodes == ["A", "P", "B"]
    assert rels == [("P", "LEGAL_REP_OF", "A"), ("P", "OFFICER_OF", "B")]
    on_screen = fig.network_elements(_network(), {}, home_province="32").elements
    assert fig.edge_ids_of(on_screen, rels) == {"P|LEGAL_REP_OF||A", "P|OFFICER_OF|director|B"}


def test_path_elements_add_what_is_missing() -> None:
    on_screen = fig.network_elements(_network(), {}, home_province="32").elements
    path = GraphPath(
        nodes=[
            SubjectRef(key="B", label="Organization", name="B"),
            SubjectRef(key="X", label="Organization", name="X"),
        ],
        edges=[NetworkEdge(source="X", target="B", rel="SHAREHOLDER_OF", ratio=0.2)],
    )
    merged = fig.path_elements(on_screen, path, {}, root="A", home_province="32")
    assert merged.added == 2


def test_stylesheet_fades_all_but_the_highlight_and_selects_awkward_keys() -> None:
    rules = fig.stylesheet(highlight=({"person~ab12", "s:9f"}, {"e1"}))
    selectors = [r["selector"] for r in rules]
    assert "node, edge" in selectors
    assert 'node[id = "person~ab12"], node[id = "s:9f"]' in selectors
    assert 'edge[id = "e1"]' in selectors
    assert "node, edge" not in [r["selector"] for r in fig.stylesheet()]


def test_layout_is_rooted_on_the_subject_never_dagre() -> None:
    assert fig.layout("s:1")["roots"] == '[id = "s:1"]'
    assert fig.layout("A")["name"] == fig.layout("A", tree=True)["name"] == "breadthfirst"


def test_controller_elements_show_cumulative_and_voting_shares() -> None:
    def party(key: str, label: str = "Organization") -> OwnershipParty:
        return OwnershipParty(key=key, label=label, name=key)  # type: ignore[arg-type]

    p, a, b = party("P", "Person"), party("A"), party("B")
    via_a = OwnershipChain(nodes=[p, a, b], ratios=[0.6, 0.6], ratio=0.36)
    direct = OwnershipChain(nodes=[p, b], ratios=[0.1], ratio=0.1)
    report = Ownership(
        target=b,
        as_of=AS_OF,
        threshold=0.25,
        beneficial_owners=[UltimateOwner(holder=p, ratio=0.46, chains=[via_a, direct])],
        other_owners=[],
        actual_controller=ActualController(
            holder=p, voting_ratio=0.7, controlled=[a], chains=[via_a, direct]
        ),
        parties=2,
        holdings=3,
        truncated=False,
        truncated_by=[],
    )
    by_id = {e["data"]["id"]: e for e in fig.controller_elements(report)}
    assert by_id["P"]["data"]["label"] == "P\nΣ 46.0%\n⚑ 70.0%"
    assert {"beneficial", "controller"} <= set(by_id["P"]["classes"].split())
    assert "root" in by_id["B"]["classes"]
    assert by_id["A|SHAREHOLDER_OF||B"]["data"]["label"] == "60%"
    assert len([e for e in by_id.values() if "source" in e["data"]]) == 3


def test_elements_csv_lists_nodes_then_edges() -> None:
    on_screen = fig.network_elements(
        _network(), {"A": _facts("A", lists=["black"])}, home_province="32"
    ).elements
    text = fig.elements_csv(on_screen)
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r["element"] for r in rows] == ["node"] * 4 + ["edge"] * 3
    a = next(r for r in rows if r["id"] == "A")
    assert (a["name"], a["lists"], a["kind"]) == ("A name", "black", "Organization")
    share = next(r for r in rows if r["rel"] == "SHAREHOLDER_OF")
    assert (share["source"], share["target"], share["ratio"]) == ("S", "A", "0.6")


def test_elements_csv_defuses_formulas() -> None:
    # The rules of every download (dashboards.safe_cells), as for grids.
    node = {"data": {"id": "A", "label": '=HYPERLINK("http://x")', "kind": "Organization"}}
    rows = list(csv.DictReader(io.StringIO(fig.elements_csv([node]).removeprefix("\ufeff"))))
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'


def test_record_rows_carry_department_batch_and_load_time() -> None:
    from datetime import datetime

    from graph.model import CreditRecord
    from graph.reads.explorer import Provenance, RecordProvenance

    records = [
        CreditRecord(record_id="R1", list="black", level="severe", status="active"),
        CreditRecord(record_id="R2", list="red", status="active", authority_name="省发改委"),
    ]
    provenance = Provenance(
        records=[
            RecordProvenance(
                record_id="R1",
                department="省市场监管局",
                batch_id="b-7",
                loaded_at=datetime(2026, 5, 1, 8, 30),
            )
        ]
    )
    rows = fig.record_rows(records, provenance)
    assert (rows[0]["department"], rows[0]["batch_id"], rows[0]["loaded_at"]) == (
        "省市场监管局",
        "b-7",
        "2026-05-01T08:30:00",
    )
    assert (rows[1]["department"], rows[1]["batch_id"]) == ("省发改委", None)


def test_edge_summary_names_the_ends_role_share_and_dates() -> None:
    on_screen = fig.network_elements(_network(), {}, home_province="32").elements
    by_id = {e["data"]["id"]: e["data"] for e in on_screen}
    names = {"S": "S name", "A": "A name", "P": "P name"}
    assert fig.edge_summary(by_id["S|SHAREHOLDER_OF||A"], names) == (
        "S name → A name · SHAREHOLDER_OF · 60.0%"
    )
    assert fig.edge_summary(by_id["P|LEGAL_REP_OF||A"], names) == (
        "P name → A name · LEGAL_REP_OF · 2020-01-01 –"
    )
