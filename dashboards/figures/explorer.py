"""The related-party explorer's pure builders: plain data in, cytoscape elements, stylesheets
and rows out. Nothing here reads the graph or knows who is looking: what comes in has been
read and disclosed already (persons aliased for analysts).

Elements. A node's ``id`` is its subject key (a person's alias for an analyst); its
``classes`` carry what the stylesheet draws: ``organization``/``person``, ``root``, ``hub``,
the lists of its records in force (``black``, ``red``, ``focus``), its gravest level
(``level-severe``…), ``flagged``, ``away`` (another province). An edge points from its
start node to its end node as stored (holder → held, person → organisation), its width
grows with the share, its label is the role or the share.

At most :data:`MAX_ELEMENTS` elements are on screen: a builder that would pass it keeps what
it has and says how much it left out, so the page can say so and offer to re-centre.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboards.safe_cells import table_csv
from graph.model import CreditRecord, GraphPath, Network, NetworkEdge, NetworkNode, PathStep
from graph.reads.explorer import Neighbours, NodeFacts, Provenance
from graph.reads.ownership_graph import Ownership, OwnershipParty

Element = dict[str, Any]
MAX_ELEMENTS = 500

# Colours: the lists as the credit system shows them (black, red), focus amber; the rest
# muted so the lists stand out.
COLOURS = {
    "organization": "#5b7fa6",
    "person": "#8e7cc3",
    "black": "#222222",
    "red": "#c0392b",
    "focus": "#e69f00",
    "flagged": "#d35400",
    "hub": "#7f8c8d",
    "edge": "#9aa5b1",
    "highlight": "#0b84f3",
    "path": "#e74c3c",
}
LEVEL_BORDER = {"general": 2, "serious": 4, "severe": 7}


@dataclass(frozen=True)
class Merged:
    """Elements after adding some: what is now on screen and how many were left out."""

    elements: list[Element]
    added: int
    left_out: int


def edge_id(edge: NetworkEdge) -> str:
    """One id per relationship as the trace de-duplicates them: (source, rel, role, target)."""
    return f"{edge.source}|{edge.rel}|{edge.role or ''}|{edge.target}"


def node_element(
    node: NetworkNode, facts: NodeFacts | None, *, root: str, home_province: str
) -> Element:
    classes = [node.label.lower()]
    if node.key == root:
        classes.append("root")
    if node.hub or (facts is not None and facts.hub):
        classes.append("hub")
    if node.sanctioned:
        classes.append("sanctioned")
    if node.flagged:
        classes.append("flagged")
    data: dict[str, Any] = {
        "id": node.key,
        "label": node.name,
        "kind": node.label,
        "hops": node.hops,
    }
    if facts is not None:
        classes += list(facts.lists)
        if facts.level is not None:
            classes.append(f"level-{facts.level}")
        if facts.province is not None and facts.province != home_province:
            classes.append("away")
        data.update(
            org_kind=facts.kind,
            province=facts.province,
            lists=",".join(facts.lists),
            level=facts.level,
            flags=",".join(facts.flag_kinds),
        )
    return {"data": data, "classes": " ".join(classes)}


def edge_element(edge: NetworkEdge) -> Element:
    share = f"{edge.ratio:.0%}" if edge.ratio is not None else None
    dates = f"{edge.since or '…'} – {edge.until or ''}" if edge.since or edge.until else ""
    return {
        "data": {
            "id": edge_id(edge),
            "source": edge.source,
            "target": edge.target,
            "rel": edge.rel,
            "role": edge.role,
            "ratio": edge.ratio,
            "since": None if edge.since is None else edge.since.isoformat(),
            "until": None if edge.until is None else edge.until.isoformat(),
            "label": share or edge.role or "",
            "dates": dates,
            # 1 px for a post, up to 9 px for a whole holding.
            "width": 1 + 8 * edge.ratio if edge.ratio is not None else 1.5,
        },
        "classes": edge.rel.lower() + (" ended" if edge.until is not None else ""),
    }


def edge_summary(data: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """One line for a clicked edge: who to whom, the relationship, role, share and dates."""
    source, target = data["source"], data["target"]
    parts = [f"{names.get(source, source)} → {names.get(target, target)}", data["rel"]]
    if data.get("role"):
        parts.append(data["role"])
    if data.get("ratio") is not None:
        parts.append(f"{data['ratio']:.1%}")
    if data.get("since") or data.get("until"):
        parts.append(f"{data.get('since') or '…'} – {data.get('until') or ''}".rstrip())
    return " · ".join(parts)


def network_elements(
    network: Network, facts: Mapping[str, NodeFacts], *, home_province: str
) -> Merged:
    """A trace's page as elements: its nodes, then the edges between them, within the cap."""
    nodes = [
        node_element(n, facts.get(n.key), root=network.root, home_province=home_province)
        for n in network.nodes
    ]
    return merge([], nodes + _edges_between(network.edges, {n.key for n in network.nodes}))


def neighbour_elements(
    on_screen: Sequence[Element],
    found: Neighbours,
    facts: Mapping[str, NodeFacts],
    *,
    root: str,
    home_province: str,
) -> Merged:
    """Elements after an expansion: the page of neighbours and their edges added."""
    nodes = [
        node_element(n, facts.get(n.key), root=root, home_province=home_province)
        for n in found.nodes
    ]
    keys = {e["data"]["id"] for e in on_screen if "source" not in e["data"]}
    keys |= {n.key for n in found.nodes}
    return merge(on_screen, nodes + _edges_between(found.edges, keys))


def path_elements(
    on_screen: Sequence[Element],
    path: GraphPath,
    facts: Mapping[str, NodeFacts],
    *,
    root: str,
    home_province: str,
) -> Merged:
    """Elements after showing a path: its nodes and edges added where missing."""
    nodes = [
        node_element(
            NetworkNode(key=n.key, label=n.label, name=n.name, region_code=n.region_code, hops=-1),
            facts.get(n.key),
            root=root,
            home_province=home_province,
        )
        for n in path.nodes
    ]
    return merge(on_screen, nodes + [edge_element(e) for e in path.edges])


def merge(on_screen: Sequence[Element], new: Iterable[Element]) -> Merged:
    """``on_screen`` plus the ``new`` elements not yet there, nodes before edges, up to
    :data:`MAX_ELEMENTS`; an edge whose ends are not both on screen is left out."""
    elements = list(on_screen)
    ids = {e["data"]["id"] for e in elements}
    fresh = [e for e in new if e["data"]["id"] not in ids]
    added = left_out = 0
    for element in sorted(fresh, key=lambda e: "source" in e["data"]):
        data = element["data"]
        if data["id"] in ids:
            continue
        is_edge = "source" in data
        if len(elements) >= MAX_ELEMENTS or (
            is_edge and not (data["source"] in ids and data["target"] in ids)
        ):
            left_out += 1
            continue
        elements.append(element)
        ids.add(data["id"])
        added += 1
    return Merged(elements, added, left_out)


def _edges_between(edges: Iterable[NetworkEdge], keys: set[str]) -> list[Element]:
    return [edge_element(e) for e in edges if e.source in keys and e.target in keys]


@dataclass(frozen=True)
class Expansion:
    """One way to open a node further: "12 more officers"."""

    rel: str
    direction: str
    total: int
    shown: int
    complete: bool  # False when ``total`` is a lower bound (a hub's counts are capped)

    @property
    def more(self) -> int:
        return max(self.total - self.shown, 0)


def expansions(facts: NodeFacts, on_screen: Sequence[Element]) -> list[Expansion]:
    """For each relationship type and direction of a node: how many it has in force and how
    many of them are on screen, the types with most left to show first."""
    shown: dict[tuple[str, str], int] = {}
    for element in on_screen:
        data = element["data"]
        if "source" not in data:
            continue
        if data["source"] == facts.key:
            shown[(data["rel"], "out")] = shown.get((data["rel"], "out"), 0) + 1
        elif data["target"] == facts.key:
            shown[(data["rel"], "in")] = shown.get((data["rel"], "in"), 0) + 1
    found = [
        Expansion(
            r.rel,
            r.direction,
            r.count,
            min(shown.get((r.rel, r.direction), 0), r.count),
            facts.counts_complete,
        )
        for r in facts.relations
    ]
    return sorted(found, key=lambda x: (-x.more, x.rel, x.direction))


def neighbourhood(on_screen: Sequence[Element], key: str) -> tuple[set[str], set[str]]:
    """The node ``key``, its neighbours on screen, and the edges between it and them."""
    nodes, edges = {key}, set()
    for element in on_screen:
        data = element["data"]
        if "source" in data and key in (data["source"], data["target"]):
            edges.add(data["id"])
            nodes.update((data["source"], data["target"]))
    return nodes, edges


def flag_path(steps: Sequence[PathStep]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The subjects a flag's path passes (record's subject first) and its relationships as
    ``(start, rel, end)`` as stored: a step's ``direction`` says whether it ran along the
    relationship (``out``) or against it."""
    if not steps:
        return [], []
    nodes = [steps[0].source] + [s.target for s in steps]
    rels = [
        (s.source, s.rel, s.target) if s.direction == "out" else (s.target, s.rel, s.source)
        for s in steps
    ]
    return nodes, rels


def edge_ids_of(on_screen: Sequence[Element], rels: Iterable[tuple[str, str, str]]) -> set[str]:
    """The ids of the edges on screen that are these ``(start, rel, end)`` relationships."""
    wanted = set(rels)
    return {
        e["data"]["id"]
        for e in on_screen
        if "source" in e["data"]
        and (e["data"]["source"], e["data"]["rel"], e["data"]["target"]) in wanted
    }


def _select(kind: str, ids: Iterable[str]) -> str:
    # Attribute selectors, not '#id': keys hold ':' and '~', which '#' would need escaped.
    return ", ".join(f'{kind}[id = "{i}"]' for i in sorted(ids))


def stylesheet(
    *,
    highlight: tuple[set[str], set[str]] | None = None,
    path: tuple[set[str], set[str]] | None = None,
) -> list[dict[str, Any]]:
    """The explorer's style: shapes by kind, fill by list, border by level, ring by flag,
    dashed border for another province; then, if given, a highlighted neighbourhood (the rest
    faded) and a highlighted path, each as (node ids, edge ids)."""
    rules: list[dict[str, Any]] = [
        {
            "selector": "node",
            "style": {
                "label": "data(label)",
                "font-size": 9,
                "text-valign": "bottom",
                "text-wrap": "ellipsis",
                "text-max-width": 110,
                "width": 22,
                "height": 22,
                "border-width": 1,
                "border-color": "#ffffff",
            },
        },
        {
            "selector": ".organization",
            "style": {"shape": "round-rectangle", "background-color": COLOURS["organization"]},
        },
        {
            "selector": ".person",
            "style": {"shape": "ellipse", "background-color": COLOURS["person"]},
        },
        {"selector": ".hub", "style": {"shape": "hexagon", "background-color": COLOURS["hub"]}},
        {"selector": ".red", "style": {"background-color": COLOURS["red"]}},
        {"selector": ".focus", "style": {"background-color": COLOURS["focus"]}},
        {"selector": ".black", "style": {"background-color": COLOURS["black"]}},
        {"selector": ".flagged", "style": {"border-color": COLOURS["flagged"], "border-width": 3}},
        *(
            {
                "selector": f".level-{level}",
                "style": {"border-width": width, "border-color": "#8b0000"},
            }
            for level, width in LEVEL_BORDER.items()
        ),
        {"selector": ".away", "style": {"border-style": "dashed", "border-color": "#16a085"}},
        {"selector": ".root", "style": {"width": 36, "height": 36, "font-weight": "bold"}},
        {
            "selector": "edge",
            "style": {
                "width": "data(width)",
                "line-color": COLOURS["edge"],
                "target-arrow-color": COLOURS["edge"],
                "target-arrow-shape": "triangle",
                "curve-style": "bezier",
                "label": "data(label)",
                "font-size": 7,
                "text-rotation": "autorotate",
            },
        },
        {"selector": ".ended", "style": {"line-style": "dashed"}},
        {"selector": ".legal_rep_of", "style": {"line-color": "#34495e"}},
    ]
    if highlight is not None:
        nodes, edges = highlight
        rules.append({"selector": "node, edge", "style": {"opacity": 0.15}})
        rules += _emphasis(nodes, edges, COLOURS["highlight"])
    if path is not None:
        rules += _emphasis(*path, COLOURS["path"])
    return rules


def _emphasis(nodes: set[str], edges: set[str], colour: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    if nodes:
        rules.append(
            {
                "selector": _select("node", nodes),
                "style": {"opacity": 1, "overlay-color": colour, "overlay-opacity": 0.25},
            }
        )
    if edges:
        rules.append(
            {
                "selector": _select("edge", edges),
                "style": {
                    "opacity": 1,
                    "line-color": colour,
                    "target-arrow-color": colour,
                    "z-index": 10,
                },
            }
        )
    return rules


def layout(root: str, *, tree: bool = False) -> dict[str, Any]:
    """Rooted on the subject: rings by distance from it, or (for owners) a tree above it."""
    return {
        "name": "breadthfirst",
        "roots": f'[id = "{root}"]',
        "circle": not tree,
        "directed": tree,
        "spacingFactor": 1.1,
        "animate": False,
    }


def controller_elements(report: Ownership) -> list[Element]:
    """The owners of an organisation as a tree above it: every chain of its beneficial and
    other owners and of its actual controller, each holding labelled with its share, each
    ultimate owner with its cumulative share, the controller marked with its voting share."""
    nodes: dict[str, Element] = {}
    edges: dict[str, Element] = {}
    control = report.actual_controller

    def add_party(party: OwnershipParty, extra: str = "") -> None:
        if party.key not in nodes:
            nodes[party.key] = {
                "data": {"id": party.key, "label": party.name or party.key, "kind": party.label},
                "classes": party.label.lower() + (" hub" if party.hub else ""),
            }
        if extra:
            data = nodes[party.key]["data"]
            data["label"] = f"{data['label']}\n{extra}"

    add_party(report.target)
    nodes[report.target.key]["classes"] += " root"
    owners = [*report.beneficial_owners, *report.other_owners]
    chains = [c for o in owners for c in o.chains] + (control.chains if control else [])
    for chain in chains:
        for party in chain.nodes:
            add_party(party)
        for holder, held, ratio in zip(chain.nodes, chain.nodes[1:], chain.ratios, strict=False):
            key = f"{holder.key}|SHAREHOLDER_OF||{held.key}"
            edges[key] = {
                "data": {
                    "id": key,
                    "source": holder.key,
                    "target": held.key,
                    "rel": "SHAREHOLDER_OF",
                    "ratio": ratio,
                    "label": f"{ratio:.0%}",
                    "width": 1 + 8 * ratio,
                },
                "classes": "shareholder_of",
            }
    for owner in owners:
        add_party(owner.holder, f"Σ {owner.ratio:.1%}")
        if owner in report.beneficial_owners:
            nodes[owner.holder.key]["classes"] += " beneficial"
    if control is not None:
        add_party(control.holder, f"⚑ {control.voting_ratio:.1%}")
        nodes[control.holder.key]["classes"] += " controller"
    return (list(nodes.values()) + list(edges.values()))[:MAX_ELEMENTS]


CONTROLLER_STYLE: list[dict[str, Any]] = [
    {"selector": ".beneficial", "style": {"border-width": 4, "border-color": "#2c7a7b"}},
    {"selector": ".controller", "style": {"border-width": 6, "border-color": "#c0392b"}},
    {"selector": "node", "style": {"text-wrap": "wrap"}},
]

CSV_COLUMNS = (
    "element", "id", "name", "kind", "lists", "level", "flags", "province",
    "source", "target", "rel", "role", "ratio", "since", "until",
)  # fmt: skip


def elements_csv(on_screen: Sequence[Element]) -> str:
    """The subgraph on screen as CSV: one row per node, then one per edge, under the rules
    of every download (:mod:`dashboards.safe_cells`)."""
    rows = []
    for element in sorted(on_screen, key=lambda e: "source" in e["data"]):
        data = element["data"]
        is_edge = "source" in data
        rows.append(
            {
                **{k: v for k, v in data.items() if k in CSV_COLUMNS and k != "kind"},
                "element": "edge" if is_edge else "node",
                "name": None if is_edge else data.get("label"),
                "kind": data.get("org_kind") or data.get("kind"),
            }
        )
    return table_csv(rows, [(column, column) for column in CSV_COLUMNS])


def record_rows(records: Sequence[CreditRecord], provenance: Provenance | None) -> list[Element]:
    """The inspector's records, each with where it came from: issuing department, batch and
    load time."""
    origin = {r.record_id: r for r in provenance.records} if provenance else {}
    rows = []
    for record in records:
        source = origin.get(record.record_id)
        rows.append(
            {
                "record_id": record.record_id,
                "list": record.list,
                "level": record.level,
                "category": record.category,
                "status": record.status,
                "decided_on": None if record.decided_on is None else record.decided_on.isoformat(),
                "publish_until": None
                if record.publish_until is None
                else record.publish_until.isoformat(),
                "department": (source.department if source else None) or record.authority_name,
                "batch_id": source.batch_id if source else None,
                "loaded_at": None
                if source is None or source.loaded_at is None
                else source.loaded_at.isoformat(timespec="seconds"),
                "source_province": record.source_province,
            }
        )
    return rows
