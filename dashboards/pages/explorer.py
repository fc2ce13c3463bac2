"""Related-party explorer (关联方探查): a subject's network, 1–3 hops, opened further a
relationship type at a time; its profile, records and their provenance; the path behind a
flag and between two subjects; the owners above it; as it stood on any date.

The URL is the view: ``/explorer/<key>?hops=2&as_of=2026-06-01&mode=network`` restores it
(the link under the graph). What is shown is read through ``graph/``, disclosed to the
viewer's audience by :mod:`graph.disclosure` (analysts: persons as aliases; no person key
resolves for them) and audited by :func:`dashboards.context.audit_view` before it is sent.
At most :data:`~dashboards.figures.explorer.MAX_ELEMENTS` elements are on screen; a hub is
shown unopened, with its counts, and is opened a page at a time.

dash-cytoscape on Dash 4 (checked with dash 4.4.1 and dash-cytoscape 1.0.2, its latest
release, in Debian's chromium): it installs and renders; ``breadthfirst`` (``roots``,
``circle``) lays out rooted on the subject; ``tapNodeData`` reaches callbacks;
``generateImage`` downloads a PNG; ``stylesheet`` and ``elements`` update in place. Each
instance logs one console *warning* (cytoscape.js: "You have set a custom wheel
sensitivity"), because the wrapper always passes ``wheelSensitivity``, even at 1; no error.
``concentric`` needs a JavaScript function to rank nodes, which Dash cannot pass, so rings by
hop use ``breadthfirst`` with ``circle``. A test reaches the instance as
``document.getElementById(id)._cyreg.cy`` (``window.cy`` is only the last one created).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

import dash
import dash_cytoscape as cyto
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import context, grids
from dashboards.figures import explorer as fig
from dashboards.i18n import Labels, translator
from dashboards.terms import TERMS
from graph import disclosure
from graph.disclosure import Audience
from graph.errors import DomainError
from graph.model import Flag, NetworkNode, PathStep, label_of
from graph.reads import explorer, subjects, tracing
from graph.reads.explorer import NodeFacts
from graph.reads.ownership_graph import ownership_of
from graph.services import Services

LABELS: Labels = {
    "zh": {
        "title": "关联方探查",
        "search": "按名称（模糊）或统一社会信用代码搜索",
        "hops": "层数",
        "as_of": "时点",
        "mode_network": "关联网络",
        "mode_controller": "实际控制人",
        "connect": "为何关联：选择另一主体",
        "connect_go": "查找路径",
        "png": "导出 PNG",
        "csv": "导出 CSV",
        "link": "本视图链接",
        "shown": "显示 {nodes} 个主体、{edges} 条关系（共找到 {total} 个）",
        "truncated": "；已达遍历上限，更多关联方未展开",
        "left_out": "；{n} 个元素因屏幕上限（{cap}）未显示，请以某节点为中心重新展开",
        "hub_root": "该主体为枢纽：按关系类型逐页展开",
        "unknown": "未找到该主体",
        "pick": "请搜索并选择一个主体",
        "no_path": "在 {hops} 层内未找到路径",
        "paths": "找到 {n} 条最短路径，已高亮",
        "controller": "实际控制人：{name}（表决权 {ratio}）",
        "no_controller": "股权结构中无实际控制人",
        "controller_org_only": "实际控制人视图仅适用于组织",
        "expand": "展开",
        "more": "另有 {n} 个{what}",
        "more_capped": "另有至少 {n} 个{what}",
        "none_more": "已全部显示",
        "centre": "以此为中心",
        "show_path": "高亮路径",
        "profile": "主体信息",
        "records": "信用记录",
        "flags": "衍生标记",
        "provenance": "来源：{source}，批次 {batch}，载入于 {loaded}",
        "person_alias": "自然人以别名显示（分析人员不可见个人信息）",
        "legend": "图例",
        "cap_reached": "屏幕元素已达上限（{cap}），请以某节点为中心",
        "LEGAL_REP_OF:in": "法定代表人",
        "LEGAL_REP_OF:out": "担任法定代表人的单位",
        "OFFICER_OF:in": "高管",
        "OFFICER_OF:out": "任职单位",
        "SHAREHOLDER_OF:in": "股东",
        "SHAREHOLDER_OF:out": "对外投资",
        "BRANCH_OF:in": "分支机构",
        "BRANCH_OF:out": "总机构",
        "PRACTISES_AT:in": "执业人员",
        "PRACTISES_AT:out": "执业单位",
        "organization": "组织",
        "person": "自然人",
        "hub": "枢纽（国资平台等）",
        "severe": "严重（边框加粗）",
        "flagged": "衍生标记（橙色边框）",
        "away": "外省（虚线边框）",
        "ended": "已终止的关系（虚线）",
        "record_record_id": "记录编号",
        "record_list": "名单",
        "record_level": "等级",
        "record_category": "类别",
        "record_status": "状态",
        "record_decided_on": "决定日期",
        "record_publish_until": "公示截止",
        "record_department": "认定部门",
        "record_batch_id": "批次",
        "record_loaded_at": "载入时间",
        "record_source_province": "来源省份",
        "field_uscc": "统一社会信用代码",
        "field_pid": "自然人标识（加密）",
        "field_name": "名称",
        "field_kind": "类型",
        "field_region_code": "行政区划",
        "field_province": "省份",
        "field_status": "状态",
        "field_established_on": "成立日期",
        "field_registered_capital": "注册资本（万元）",
        "field_hub": "枢纽",
        "field_id_masked": "证件号（脱敏）",
    },
    "en": {
        "title": "Related-party explorer",
        "search": "Search by name (fuzzy) or USCC",
        "hops": "Hops",
        "as_of": "As of",
        "mode_network": "Network",
        "mode_controller": "Actual controller",
        "connect": "Why connected: pick another subject",
        "connect_go": "Find paths",
        "png": "Export PNG",
        "csv": "Export CSV",
        "link": "Link to this view",
        "shown": "{nodes} subjects, {edges} relations shown ({total} found)",
        "truncated": "; the walk reached its cap, more parties exist",
        "left_out": "; {n} elements left out at the screen cap ({cap}): re-centre on a node",
        "hub_root": "This subject is a hub: open it a relationship type at a time",
        "unknown": "No such subject",
        "pick": "Search for a subject and pick it",
        "no_path": "No path within {hops} hops",
        "paths": "{n} shortest paths found, highlighted",
        "controller": "Actual controller: {name} (voting share {ratio})",
        "no_controller": "No actual controller in the shareholdings",
        "controller_org_only": "The controller view is for organisations",
        "expand": "Expand",
        "more": "{n} more {what}",
        "more_capped": "at least {n} more {what}",
        "none_more": "all shown",
        "centre": "Centre here",
        "show_path": "Highlight path",
        "profile": "Profile",
        "records": "Records",
        "flags": "Derived flags",
        "provenance": "Source: {source}, batch {batch}, loaded at {loaded}",
        "person_alias": "Persons appear as aliases (analysts see no personal fields)",
        "legend": "Legend",
        "cap_reached": "The screen holds its maximum ({cap}): re-centre on a node",
        "LEGAL_REP_OF:in": "legal representatives",
        "LEGAL_REP_OF:out": "organisations represented",
        "OFFICER_OF:in": "officers",
        "OFFICER_OF:out": "posts held",
        "SHAREHOLDER_OF:in": "shareholders",
        "SHAREHOLDER_OF:out": "holdings",
        "BRANCH_OF:in": "branches",
        "BRANCH_OF:out": "head offices",
        "PRACTISES_AT:in": "practitioners",
        "PRACTISES_AT:out": "practices",
        "organization": "organisation",
        "person": "person",
        "hub": "hub (state-asset holder, …)",
        "severe": "severe (thick border)",
        "flagged": "derived flag (orange border)",
        "away": "other province (dashed border)",
        "ended": "ended relation (dashed)",
        "record_record_id": "record",
        "record_list": "list",
        "record_level": "level",
        "record_category": "category",
        "record_status": "status",
        "record_decided_on": "decided on",
        "record_publish_until": "published until",
        "record_department": "department",
        "record_batch_id": "batch",
        "record_loaded_at": "loaded at",
        "record_source_province": "source province",
        "field_uscc": "USCC",
        "field_pid": "person key (keyed hash)",
        "field_name": "name",
        "field_kind": "kind",
        "field_region_code": "region",
        "field_province": "province",
        "field_status": "status",
        "field_established_on": "established on",
        "field_registered_capital": "registered capital (10k CNY)",
        "field_hub": "hub",
        "field_id_masked": "ID (masked)",
    },
}

dash.register_page(
    __name__,
    path="/explorer",
    path_template="/explorer/<key>",
    order=1,
    title="关联方探查 Explorer",
    nav={lang: labels["title"] for lang, labels in LABELS.items()},
)

Translate = Callable[[str], str]
HOPS = (1, 2, 3)
MODES = ("network", "controller")
# The first page of a trace: nodes enough to read, leaving room in the element cap for
# their edges and for expansions.
TRACE_NODES = 200
EXPAND_PAGE = 50
PATH_HOPS = 4
AS_OF_YEARS = 10
# The inspector's record columns: what the record says, then where it came from.
RECORD_COLUMNS = (
    "record_id", "list", "level", "category", "status", "decided_on", "publish_until",
    "department", "batch_id", "loaded_at", "source_province",
)  # fmt: skip
GRAPH_STYLE = {"width": "100%", "height": "640px", "border": "1px solid #d0d7de"}


def layout(
    key: str | None = None,
    hops: str | None = None,
    as_of: str | None = None,
    mode: str | None = None,
    **_: object,
) -> html.Div:
    """The page; ``key`` (from ``/explorer/<key>``) and the query string restore a view."""
    lang = context.viewer().lang
    t = translator(LABELS, lang)
    today = context.services().clock.today()
    chosen_hops = int(hops) if hops in {str(h) for h in HOPS} else 2
    chosen_mode = mode if mode in MODES else "network"
    chosen_day = _day(as_of, today)
    first = today - timedelta(days=365 * AS_OF_YEARS)
    return html.Div(
        [
            html.H1(t("title")),
            html.Div(
                [
                    dcc.Dropdown(
                        id="explorer-search",
                        placeholder=t("search"),
                        options=_root_option(key),
                        value=key,
                        searchable=True,
                        className="explorer-search",
                    ),
                    html.Label(t("hops")),
                    dcc.RadioItems(
                        id="explorer-hops",
                        options=[{"label": str(h), "value": h} for h in HOPS],
                        value=chosen_hops,
                        inline=True,
                    ),
                    dcc.RadioItems(
                        id="explorer-mode",
                        options=[{"label": t(f"mode_{m}"), "value": m} for m in MODES],
                        value=chosen_mode,
                        inline=True,
                    ),
                ],
                className="explorer-controls",
            ),
            html.Div(
                [
                    html.Label(t("as_of")),
                    html.Span(chosen_day.isoformat(), id="explorer-as-of-label"),
                    dcc.Slider(
                        id="explorer-as-of",
                        min=first.toordinal(),
                        max=today.toordinal(),
                        step=1,
                        value=chosen_day.toordinal(),
                        marks={
                            date(y, 1, 1).toordinal(): str(y)
                            for y in range(first.year + 1, today.year + 1)
                        },
                        allow_direct_input=False,
                        updatemode="mouseup",
                    ),
                ],
                className="explorer-as-of",
            ),
            html.Div(id="explorer-status", className="explorer-status"),
            html.Div(id="explorer-edge", className="explorer-edge"),
            html.Div(
                [
                    html.Div(
                        [
                            cyto.Cytoscape(
                                id="explorer-graph",
                                elements=[],
                                layout=fig.layout(key or ""),
                                stylesheet=fig.stylesheet(),
                                style=GRAPH_STYLE,
                                minZoom=0.1,
                                maxZoom=4,
                            ),
                            _legend(t, translator(TERMS, lang)),
                            html.Div(
                                [
                                    html.Button(t("png"), id="explorer-png"),
                                    html.Button(t("csv"), id="explorer-csv"),
                                    dcc.Download(id="explorer-download"),
                                    html.A(t("link"), id="explorer-link", href=""),
                                ],
                                className="explorer-actions",
                            ),
                            html.Div(
                                [
                                    dcc.Dropdown(
                                        id="explorer-connect",
                                        placeholder=t("connect"),
                                        options=[],
                                        searchable=True,
                                    ),
                                    html.Button(t("connect_go"), id="explorer-connect-go"),
                                ],
                                className="explorer-connect",
                                # Paths between two subjects are subject-level, as /paths: kept
                                # in the layout (the view's callback names them), not shown.
                                hidden=not context.may("subject_level"),
                            ),
                        ],
                        className="explorer-canvas",
                    ),
                    html.Aside(id="explorer-inspector", className="explorer-inspector"),
                ],
                className="explorer-body",
                style={"display": "grid", "gridTemplateColumns": "2fr 1fr", "gap": "12px"},
            ),
            # The view's state, all of it disclosed already: the root's key, the facts of the
            # nodes on screen, the selected node, the flags' paths, what to highlight.
            dcc.Store(id="explorer-root"),
            dcc.Store(id="explorer-facts", data={}),
            dcc.Store(id="explorer-selected"),
            dcc.Store(id="explorer-flag-paths", data=[]),
            dcc.Store(id="explorer-highlight"),
        ],
        id="explorer",
    )


def _legend(t: Translate, term: Translate) -> html.Div:
    def swatch(colour: str, label: str, style: dict[str, str] | None = None) -> html.Span:
        return html.Span(
            [
                html.Span(
                    style={
                        "display": "inline-block",
                        "width": "12px",
                        "height": "12px",
                        "background": colour,
                        "marginRight": "4px",
                        **(style or {}),
                    }
                ),
                label,
            ],
            style={"marginRight": "12px"},
        )

    c = fig.COLOURS
    return html.Div(
        [
            html.Strong(t("legend") + ": "),
            swatch(c["organization"], t("organization")),
            swatch(c["person"], t("person"), {"borderRadius": "6px"}),
            swatch(c["hub"], t("hub")),
            swatch(c["black"], term("black")),
            swatch(c["red"], term("red")),
            swatch(c["focus"], term("focus")),
            swatch("#fff", t("severe"), {"border": "3px solid #8b0000"}),
            swatch("#fff", t("flagged"), {"border": "3px solid " + c["flagged"]}),
            swatch("#fff", t("away"), {"border": "2px dashed #16a085"}),
            swatch("#fff", t("ended"), {"borderTop": "2px dashed " + c["edge"]}),
        ],
        id="explorer-legend",
        className="explorer-legend",
    )


def _root_option(key: str | None) -> list[dict[str, str]]:
    """The deep link's subject as the search box's one option, by name where the viewer may
    resolve it (the network view that follows audits it)."""
    if not key:
        return []
    found = (
        subjects.find(context.services().repository, key)
        if disclosure.may_resolve(context.viewer().audience, key)
        else None
    )
    return [_option(found.name, key) if found else {"label": key, "value": key}]


def _option(name: str, key: str) -> dict[str, str]:
    # A pid is 64 hex characters: its head tells two namesakes apart.
    return {"label": f"{name} · {key[:18]}", "value": key}


def _day(text: str | None, today: date) -> date:
    try:
        chosen = date.fromisoformat(text) if text else today
    except ValueError:
        return today
    return min(chosen, today)


# --- search ---------------------------------------------------------------------------


def search_options(shared: Services, audience: Audience, text: str) -> list[dict[str, str]]:
    """Subjects for a search box: by key, name fragment or fuzzy name; persons only for an
    audience that sees them."""
    text = text.strip()
    if len(text) < 2 or not disclosure.may_resolve(audience, text):
        return []
    found = explorer.fuzzy_search(
        shared.repository, text, limit=20, persons=disclosure.may_search_persons(audience)
    )
    context.audit_view(
        "explorer/search", [s.key for s in found], result_size=len(found), query=text
    )
    return [_option(s.name, s.key) for s in found]


@callback(
    Output("explorer-search", "options"),
    Input("explorer-search", "search_value"),
    State("explorer-search", "value"),
    State("explorer-search", "options"),
    prevent_initial_call=True,
)
def _search(text: str | None, value: str | None, current: list[dict[str, str]]) -> Any:
    if not text:
        return no_update
    options = search_options(context.services(), context.viewer().audience, text)
    kept = [o for o in current or [] if o["value"] == value]  # the chosen one stays listed
    return kept + [o for o in options if o["value"] != value]


@callback(
    Output("explorer-connect", "options"),
    Input("explorer-connect", "search_value"),
    State("explorer-connect", "value"),
    State("explorer-connect", "options"),
    prevent_initial_call=True,
)
def _search_connect(text: str | None, value: str | None, current: list[dict[str, str]]) -> Any:
    return _search(text, value, current)


# --- the view: network, expansions, paths ----------------------------------------------


def _disclosed_facts(
    shared: Services, audience: Audience, keys: Sequence[str], as_of: date
) -> dict[str, NodeFacts]:
    facts = explorer.node_facts(shared.repository, keys, as_of=as_of)
    shown = (disclosure.disclose_facts(audience, f) for f in facts.values())
    return {f.key: f for f in shown}


class Shown(NamedTuple):
    """What a view puts on screen: its elements, the facts of the nodes it added, and the
    status line's key with its values. (A named tuple: Dash imports a page outside
    ``sys.modules``, where a dataclass cannot resolve its annotations.)"""

    merged: fig.Merged
    facts: dict[str, NodeFacts]
    note: str = ""
    values: dict[str, Any] = {}  # noqa: RUF012 - never mutated


def network_view(shared: Services, audience: Audience, key: str, hops: int, as_of: date) -> Shown:
    """The subject's network on ``as_of``; raises NotFound for an unknown key (or a
    person's, to an analyst)."""
    disclosure.check_root(audience, key)
    net = tracing.related_parties(shared.repository, key, as_of=as_of, hops=hops, limit=TRACE_NODES)
    if net is None:
        raise disclosure.subject_not_found(key)
    context.audit_view(
        "explorer/network",
        [n.key for n in net.nodes],
        result_size=len(net.nodes),
        query=urlencode({"key": key, "hops": hops, "as_of": as_of.isoformat()}),
    )
    facts = _disclosed_facts(shared, audience, [n.key for n in net.nodes], as_of)
    shown = disclosure.disclose_network(audience, net)
    merged = fig.network_elements(shown, facts, home_province=shared.settings.province_code)
    hub = any(n.hub for n in net.nodes if n.hops == 0)
    note = "hub_root" if hub else "truncated" if net.truncated else ""
    return Shown(merged, facts, note, {"total": net.total_nodes})


def controller_view(shared: Services, audience: Audience, key: str, as_of: date) -> Shown:
    """The owners above an organisation as a tree, its actual controller marked."""
    disclosure.check_root(audience, key)
    if label_of(key) == "Person":
        return Shown(fig.Merged([], 0, 0), {}, "controller_org_only")
    report = ownership_of(shared.repository, key, as_of=as_of)
    if report is None:
        raise disclosure.subject_not_found(key)
    parties = {p.holder.key for p in [*report.beneficial_owners, *report.other_owners]}
    context.audit_view(
        "explorer/controller",
        sorted(parties | {key}),
        result_size=len(parties),
        query=urlencode({"key": key, "as_of": as_of.isoformat()}),
    )
    shown = disclosure.disclose_ownership(audience, report)
    merged = fig.Merged(fig.controller_elements(shown), 0, 0)
    control = shown.actual_controller
    if control is None:
        return Shown(merged, {}, "no_controller")
    name = control.holder.name or control.holder.key
    return Shown(merged, {}, "controller", {"name": name, "ratio": f"{control.voting_ratio:.1%}"})


def expand_view(
    shared: Services,
    audience: Audience,
    on_screen: Sequence[fig.Element],
    key: str,
    rel: str,
    direction: str,
    as_of: date,
    root: str,
) -> tuple[fig.Merged, dict[str, NodeFacts]]:
    """The elements after opening ``key`` along ``rel`` one page further."""
    if not disclosure.may_resolve(audience, key) or disclosure.is_person_alias(key):
        return fig.Merged(list(on_screen), 0, 0), {}
    room = fig.MAX_ELEMENTS - len(on_screen)
    if room <= 1:
        return fig.Merged(list(on_screen), 0, 1), {}
    keys = [e["data"]["id"] for e in on_screen if "source" not in e["data"]]
    found = explorer.neighbours(
        shared.repository,
        key,
        rel,
        "out" if direction == "out" else "in",
        as_of=as_of,
        exclude=keys[: explorer.MAX_KEYS],
        limit=min(EXPAND_PAGE, max(room // 2, 1)),
    )
    if found is None:
        raise disclosure.subject_not_found(key)
    context.audit_view(
        "explorer/expand",
        [n.key for n in found.nodes],
        result_size=len(found.nodes),
        query=urlencode({"key": key, "rel": rel, "direction": direction}),
    )
    facts = _disclosed_facts(shared, audience, [n.key for n in found.nodes], as_of)
    shown = disclosure.disclose_neighbours(audience, found)
    merged = fig.neighbour_elements(
        on_screen, shown, facts, root=root, home_province=shared.settings.province_code
    )
    return merged, facts


def connection_view(
    shared: Services,
    audience: Audience,
    on_screen: Sequence[fig.Element],
    source: str,
    target: str,
    as_of: date,
    root: str,
) -> tuple[fig.Merged, dict[str, NodeFacts], tuple[set[str], set[str]], int]:
    """Why two subjects are connected: their shortest paths added and highlighted. For the
    roles that see subject-level data only, as ``GET /api/v1/paths``."""
    context.require("subject_level")
    for key in (source, target):
        disclosure.check_root(audience, key)
    found = tracing.paths_between(shared.repository, source, target, max_hops=PATH_HOPS)
    if found is None:
        raise disclosure.subject_not_found(target)
    keys = sorted({n.key for p in found for n in p.nodes})
    context.audit_view(
        "explorer/paths",
        keys,
        result_size=len(found),
        query=urlencode({"source": source, "target": target}),
    )
    facts = _disclosed_facts(shared, audience, keys, as_of)
    merged = fig.Merged(list(on_screen), 0, 0)
    nodes: set[str] = set()
    edges: set[str] = set()
    for path in found:
        shown = disclosure.disclose_graph_path(audience, path)
        step = fig.path_elements(
            merged.elements, shown, facts, root=root, home_province=shared.settings.province_code
        )
        merged = fig.Merged(
            step.elements, merged.added + step.added, merged.left_out + step.left_out
        )
        nodes |= {n.key for n in shown.nodes}
        edges |= {fig.edge_id(e) for e in shown.edges}
    return merged, facts, (nodes, edges), len(found)


def flag_path_view(
    shared: Services,
    audience: Audience,
    on_screen: Sequence[fig.Element],
    steps: Sequence[PathStep],
    as_of: date,
    root: str,
) -> tuple[fig.Merged, dict[str, NodeFacts], tuple[set[str], set[str]]]:
    """The path that explains a flag, its subjects and relationships added and highlighted.
    Its steps are disclosed already: a person on it is an alias, shown as the placeholder."""
    path_nodes, rels = fig.flag_path(steps)
    ids = {e["data"]["id"] for e in on_screen}
    missing = [k for k in path_nodes if k not in ids]
    facts = _disclosed_facts(
        shared, audience, [k for k in missing if disclosure.may_resolve(audience, k)], as_of
    )
    home = shared.settings.province_code
    new = [
        fig.node_element(
            NetworkNode(
                key=k,
                label=facts[k].label if k in facts else "Person",
                name=facts[k].name if k in facts else disclosure.PERSON_PLACEHOLDER,
                hops=-1,
            ),
            facts.get(k),
            root=root,
            home_province=home,
        )
        for k in missing
        if k in facts or disclosure.is_person_alias(k)
    ]
    new += [
        {
            "data": {
                "id": f"{start}|{rel}||{end}",
                "source": start,
                "target": end,
                "rel": rel,
                "label": "",
                "width": 2,
            },
            "classes": rel.lower(),
        }
        for start, rel, end in rels
        if not fig.edge_ids_of(on_screen, [(start, rel, end)])
    ]
    merged = fig.merge(on_screen, new)
    return merged, facts, (set(path_nodes), fig.edge_ids_of(merged.elements, rels))


def _status(t: Translate, merged: fig.Merged, total: int | None = None, note: str = "") -> str:
    nodes = sum(1 for e in merged.elements if "source" not in e["data"])
    text = t("shown").format(
        nodes=nodes, edges=len(merged.elements) - nodes, total=total if total is not None else nodes
    )
    if note == "truncated":
        text += t("truncated")
    if merged.left_out:
        text += t("left_out").format(n=merged.left_out, cap=fig.MAX_ELEMENTS)
    if note == "hub_root":
        text += " · " + t("hub_root")
    return text


def _link(key: str, hops: int, as_of: date, mode: str) -> str:
    query = urlencode({"hops": hops, "as_of": as_of.isoformat(), "mode": mode})
    path: str = dash.get_relative_path(f"/explorer/{key}")
    return path + "?" + query


@callback(
    Output("explorer-graph", "elements"),
    Output("explorer-graph", "layout"),
    Output("explorer-status", "children"),
    Output("explorer-link", "href"),
    Output("explorer-root", "data"),
    Output("explorer-facts", "data"),
    Output("explorer-highlight", "data"),
    Output("explorer-as-of-label", "children"),
    Input("explorer-search", "value"),
    Input("explorer-hops", "value"),
    Input("explorer-as-of", "value"),
    Input("explorer-mode", "value"),
    Input({"type": "explorer-expand", "rel": ALL, "direction": ALL}, "n_clicks"),
    Input({"type": "explorer-flag-path", "index": ALL}, "n_clicks"),
    Input("explorer-connect-go", "n_clicks"),
    State("explorer-graph", "elements"),
    State("explorer-facts", "data"),
    State("explorer-selected", "data"),
    State("explorer-flag-paths", "data"),
    State("explorer-connect", "value"),
    State("explorer-root", "data"),
)
def _view(
    key: str | None,
    hops: int,
    as_of_ordinal: int,
    mode: str,
    _expand: list[int | None],
    _flag: list[int | None],
    _connect: int | None,
    on_screen: list[fig.Element] | None,
    facts_data: dict[str, Any] | None,
    selected: str | None,
    flag_paths: list[list[dict[str, Any]]] | None,
    connect_to: str | None,
    root_data: dict[str, Any] | None,
) -> tuple[Any, ...]:
    who = context.viewer()
    t = translator(LABELS, who.lang)
    shared = context.services()
    as_of = min(date.fromordinal(as_of_ordinal), shared.clock.today())
    label = as_of.isoformat()
    trigger = ctx.triggered_id
    clicked = bool(ctx.triggered and ctx.triggered[0]["value"])
    elements = on_screen or []
    facts = dict(facts_data or {})
    root = (root_data or {}).get("key")
    keep = no_update
    try:
        if isinstance(trigger, dict) or trigger == "explorer-connect-go":
            if not clicked or root is None:
                return (keep,) * 7 + (label,)
            if isinstance(trigger, dict) and trigger["type"] == "explorer-expand":
                if selected is None:
                    return (keep,) * 7 + (label,)
                merged, new_facts = expand_view(
                    shared, who.audience, elements, selected, trigger["rel"],
                    trigger["direction"], as_of, root,
                )  # fmt: skip
                highlight: Any = keep
                status = _status(t, merged) + (
                    " · " + t("cap_reached").format(cap=fig.MAX_ELEMENTS)
                    if merged.left_out and not merged.added
                    else ""
                )
            elif isinstance(trigger, dict):
                steps = [PathStep(**s) for s in (flag_paths or [])[trigger["index"]]]
                merged, new_facts, (nodes, edges) = flag_path_view(
                    shared, who.audience, elements, steps, as_of, root
                )
                highlight = {"nodes": sorted(nodes), "edges": sorted(edges)}
                status = _status(t, merged)
            else:
                if not connect_to:
                    return (keep,) * 7 + (label,)
                merged, new_facts, (nodes, edges), count = connection_view(
                    shared, who.audience, elements, root, connect_to, as_of, root
                )
                highlight = {"nodes": sorted(nodes), "edges": sorted(edges)}
                status = (
                    t("paths").format(n=count)
                    if count
                    else t("no_path").format(hops=PATH_HOPS)
                ) + " · " + _status(t, merged)  # fmt: skip
            facts.update({k: f.model_dump(mode="json") for k, f in new_facts.items()})
            return (merged.elements, keep, status, keep, keep, facts, highlight, label)
        if not key:
            return ([], keep, t("pick"), "", None, {}, None, label)
        link = _link(key, hops, as_of, mode)
        tree = mode == "controller"
        view = (
            controller_view(shared, who.audience, key, as_of)
            if tree
            else network_view(shared, who.audience, key, hops, as_of)
        )
        elements = view.merged.elements
        shown_root = elements[0]["data"]["id"] if elements else key
        status = (
            t(view.note).format(**view.values)
            if tree
            else _status(t, view.merged, view.values["total"], view.note)
        )
        return (
            elements,
            fig.layout(shown_root, tree=tree),
            status,
            link,
            {"key": shown_root, "mode": mode},
            {k: f.model_dump(mode="json") for k, f in view.facts.items()},
            None,
            label,
        )
    except DomainError:
        return ([], keep, t("unknown"), "", None, {}, None, label)


# --- selection: neighbourhood highlight and the inspector ----------------------------


@callback(
    Output("explorer-graph", "stylesheet"),
    Input("explorer-graph", "tapNodeData"),
    Input("explorer-highlight", "data"),
    Input("explorer-mode", "value"),
    State("explorer-graph", "elements"),
)
def _style(
    tapped: dict[str, Any] | None,
    path: dict[str, list[str]] | None,
    mode: str,
    on_screen: list[fig.Element] | None,
) -> list[dict[str, Any]]:
    around = None
    if tapped is not None and ctx.triggered_id == "explorer-graph":
        around = fig.neighbourhood(on_screen or [], tapped["id"])
    marked = None if not path else (set(path["nodes"]), set(path["edges"]))
    rules = fig.stylesheet(highlight=around, path=marked)
    return rules + (fig.CONTROLLER_STYLE if mode == "controller" else [])


def inspector_view(
    shared: Services,
    audience: Audience,
    t: Translate,
    key: str,
    facts: NodeFacts | None,
    on_screen: Sequence[fig.Element],
) -> tuple[list[Any], list[list[dict[str, Any]]]]:
    """The inspector of one node: its counts with the ways to open it further, and for a
    subject the viewer may see, its profile, records with their provenance and its flags
    (each with a button to highlight its path); and the flags' paths, disclosed."""
    parts: list[Any] = []
    flag_paths: list[list[dict[str, Any]]] = []
    if facts is not None:
        parts += [html.H3(facts.name), _expansions(t, facts, on_screen, key)]
    if disclosure.is_person_alias(key) or not disclosure.may_resolve(audience, key):
        return [*parts, html.P(t("person_alias"), className="explorer-alias")], flag_paths
    if label_of(key) == "Person" and not audience.sees_persons:
        return parts, flag_paths
    profile = subjects.profile(shared.repository, key)
    if profile is None:
        return [*parts, html.P(t("unknown"))], flag_paths
    context.audit_view("explorer/profile", [key], result_size=1)
    profile = disclosure.disclose_profile(audience, profile)
    origin = explorer.provenance(shared.repository, key)
    attributes = profile.organization or profile.person
    assert attributes is not None  # a profile is of an organisation or of a person
    # The fields this page has labels for, in their order; a field added to the model later
    # appears once it is labelled here.
    shown = {
        k: v
        for k, v in attributes.model_dump(mode="json", exclude_none=True).items()
        if f"field_{k}" in LABELS["zh"]
    }
    parts += [
        html.H4(t("profile")),
        html.Dl(
            [
                item
                for k, v in shown.items()
                for item in (html.Dt(t(f"field_{k}")), html.Dd(str(v)))
            ],
            className="explorer-profile",
        ),
    ]
    if origin is not None:
        parts.append(
            html.P(
                t("provenance").format(
                    source=origin.source,
                    batch=origin.batch_id,
                    loaded=""
                    if origin.loaded_at is None
                    else origin.loaded_at.isoformat(timespec="seconds"),
                ),
                className="explorer-provenance",
            )
        )
    rows = fig.record_rows(profile.records, origin)
    parts += [
        html.H4(f"{t('records')} ({len(rows)})"),
        grids.table(
            "explorer-records",
            [{"field": f, "headerName": t(f"record_{f}")} for f in RECORD_COLUMNS],
            rows,
            export_label=t("csv"),
            height="240px",
        ),
        html.H4(f"{t('flags')} ({len(profile.flags)})"),
        html.Ul([_flag_item(t, i, f) for i, f in enumerate(profile.flags)]),
    ]
    flag_paths = [[s.model_dump() for s in f.path] for f in profile.flags]
    return parts, flag_paths


def _flag_item(t: Translate, index: int, flag: Flag) -> html.Li:
    return html.Li(
        [
            f"{flag.rule} · {flag.kind} · {flag.score:.2f} · {flag.hops} · {flag.record_id} ",
            html.Button(
                t("show_path"),
                id={"type": "explorer-flag-path", "index": index},
                className="explorer-flag-path",
            ),
        ]
    )


def _expansions(
    t: Translate, facts: NodeFacts, on_screen: Sequence[fig.Element], key: str
) -> html.Div:
    openable = not disclosure.is_person_alias(key)
    items = []
    for x in fig.expansions(facts, on_screen):
        what = t(f"{x.rel}:{x.direction}")
        text = (
            t("more" if x.complete else "more_capped").format(n=x.more, what=what)
            if x.more
            else f"{what}: {t('none_more')}"
        )
        items.append(
            html.Li(
                html.Button(
                    text,
                    id={"type": "explorer-expand", "rel": x.rel, "direction": x.direction},
                    disabled=not (x.more and openable),
                    className="explorer-expand",
                )
            )
        )
    return html.Div([html.Ul(items)], className="explorer-expansions")


@callback(
    Output("explorer-inspector", "children"),
    Output("explorer-selected", "data"),
    Output("explorer-flag-paths", "data"),
    Input("explorer-graph", "tapNodeData"),
    Input("explorer-root", "data"),
    State("explorer-facts", "data"),
    State("explorer-graph", "elements"),
)
def _inspect(
    tapped: dict[str, Any] | None,
    root_data: dict[str, Any] | None,
    facts_data: dict[str, Any] | None,
    on_screen: list[fig.Element] | None,
) -> tuple[Any, ...]:
    if ctx.triggered_id == "explorer-graph" and tapped is not None:
        key = tapped["id"]
    elif root_data:
        key = root_data["key"]
    else:
        return [], None, []
    who = context.viewer()
    t = translator(LABELS, who.lang)
    raw = (facts_data or {}).get(key)
    facts = NodeFacts(**raw) if raw else None
    try:
        parts, paths = inspector_view(
            context.services(), who.audience, t, key, facts, on_screen or []
        )
    except DomainError:
        return [html.P(t("unknown"))], key, []
    return parts, key, paths


@callback(
    Output("explorer-edge", "children"),
    Input("explorer-graph", "tapEdgeData"),
    State("explorer-graph", "elements"),
    prevent_initial_call=True,
)
def _edge(tapped: dict[str, Any] | None, on_screen: list[fig.Element] | None) -> str:
    if tapped is None:
        return ""
    names = {
        e["data"]["id"]: e["data"]["label"] for e in on_screen or [] if "source" not in e["data"]
    }
    return fig.edge_summary(tapped, names)


# --- export ---------------------------------------------------------------------------


@callback(
    Output("explorer-graph", "generateImage"),
    Input("explorer-png", "n_clicks"),
    State("explorer-root", "data"),
    prevent_initial_call=True,
)
def _png(_: int, root: dict[str, Any] | None) -> dict[str, str]:
    return {"type": "png", "action": "download", "filename": _file_name(root)}


@callback(
    Output("explorer-download", "data"),
    Input("explorer-csv", "n_clicks"),
    State("explorer-graph", "elements"),
    State("explorer-root", "data"),
    prevent_initial_call=True,
)
def _csv(_: int, on_screen: list[fig.Element] | None, root: dict[str, Any] | None) -> Any:
    return dcc.send_string(  # type: ignore[attr-defined]
        fig.elements_csv(on_screen or []), _file_name(root) + ".csv"
    )


def _file_name(root: dict[str, Any] | None) -> str:
    key = (root or {}).get("key") or "network"
    return "explorer-" + "".join(ch for ch in key if ch.isalnum() or ch in "-_")
