"""Propagation (传导): flags by rule, kind and score; the last runs with their reach and the
over-reach warning; a run's change feed, a page at a time; hub persons and risk clusters;
findings (restricted persons in post, red-list conflicts). Every table sorts, filters and
exports.

Each section loads in its own callback when the page opens or the as-of date changes, so a
slow one never holds the others. Subject-level sections (the feed, hubs, findings) are
audited with the keys shown, and pass through :mod:`graph.disclosure` for the viewer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboards import context, grids
from dashboards.exports import export_controls
from dashboards.figures import propagation as fig
from dashboards.i18n import Labels, translator
from dashboards.kept import per_run, warm_after_runs
from graph.disclosure import (
    disclose_appointment,
    disclose_change,
    disclose_conflict,
    disclose_key,
    disclose_names,
)
from graph.propagation import runs
from graph.reads import findings
from graph.reads.risk import RiskNetwork, risk_network
from graph.reads.statistics import FlagScoreCount, flag_scores
from graph.reads.subjects import names_of

LABELS: Labels = {
    "zh": {
        "title": "信用传导",
        "as_of": "截至日期",
        "flags_title": "关联标记：按规则、类型与分值",
        "flags": "标记数",
        "score": "分值",
        "rule_kind": "规则 · 类型",
        "runs": "最近的传导计算与影响范围",
        "reach": "影响范围（每个失信主体波及的主体数）",
        "over_reach": "影响范围警告",
        "no_warning": "最近的计算未超出影响范围阈值。",
        "changes": "变更记录",
        "run": "计算批次",
        "previous": "上一页",
        "next": "下一页",
        "page": "第 {first}–{last} 条",
        "per_page": "每页 {n} 条",
        "no_changes": "该批次没有变更。",
        "hubs": "枢纽人员（关联多家风险企业）",
        "clusters": "风险集群",
        "truncated": "风险主体过多，仅分析了前 {n} 个：结果不完整。",
        "appointments": "违规任职（公司法第一百七十八条）",
        "conflicts": "红黑名单冲突",
        "more": "仅显示前 {n} 条。",
        "rule": "规则",
        "kind": "类型",
        "count": "数量",
        "mean_score": "平均分值",
        "min_score": "最低分值",
        "run_id": "批次",
        "mode": "方式",
        "status": "状态",
        "started_at": "开始时间",
        "rules_version": "规则版本",
        "records": "记录",
        "gained": "新增",
        "lost": "撤销",
        "changed": "变化",
        "seconds": "秒",
        "group": "分组",
        "sanctioned_before": "失信主体（前）",
        "sanctioned_after": "失信主体（后）",
        "flagged_before": "被标记主体（前）",
        "flagged_after": "被标记主体（后）",
        "ratio_before": "比率（前）",
        "ratio_after": "比率（后）",
        "multiplied": "倍数",
        "seq": "序号",
        "change": "变更",
        "subject": "主体",
        "name": "名称",
        "record_id": "记录编号",
        "kind_before": "类型（前）",
        "kind_after": "类型（后）",
        "score_before": "分值（前）",
        "score_after": "分值（后）",
        "path": "路径",
        "person": "人员",
        "organizations": "风险企业数",
        "linked": "关联企业",
        "cluster": "集群",
        "size": "规模",
        "sanctioned": "失信主体",
        "flagged": "被标记主体",
        "members": "失信成员（部分）",
        "id_masked": "身份证号（脱敏）",
        "restricted_by": "限制来源",
        "list": "名单",
        "level": "等级",
        "category": "类别",
        "authority": "认定部门",
        "post_org": "任职单位代码",
        "post_org_name": "任职单位",
        "post": "职务",
        "since": "任职起",
        "key": "主体标识",
        "label": "主体类型",
        "region_code": "行政区划",
        "honours": "红名单记录",
        "honour_categories": "红名单类别",
        "own_records": "自身失信记录",
        "sanctions": "冲突记录",
    },
    "en": {
        "title": "Propagation",
        "as_of": "As of",
        "flags_title": "Flags by rule, kind and score",
        "flags": "Flags",
        "score": "Score",
        "rule_kind": "Rule · kind",
        "runs": "Last propagation runs and their reach",
        "reach": "Reach (subjects flagged per sanctioned subject)",
        "over_reach": "Over-reach warning",
        "no_warning": "The last runs stayed within the reach threshold.",
        "changes": "Change feed",
        "run": "Run",
        "previous": "Previous",
        "next": "Next",
        "page": "Changes {first}–{last}",
        "per_page": "{n} a page",
        "no_changes": "This run changed no flag.",
        "hubs": "Hub persons (linking several organisations at risk)",
        "clusters": "Risk clusters",
        "truncated": "Too many subjects at risk: only the first {n} were analysed; partial result.",
        "appointments": "Restricted persons in post (Company Law art. 178)",
        "conflicts": "Red/black-list contradictions",
        "more": "Only the first {n} are shown.",
        "rule": "Rule",
        "kind": "Kind",
        "count": "Count",
        "mean_score": "Mean score",
        "min_score": "Lowest score",
        "run_id": "Run",
        "mode": "Mode",
        "status": "Status",
        "started_at": "Started",
        "rules_version": "Rules version",
        "records": "Records",
        "gained": "Gained",
        "lost": "Lost",
        "changed": "Changed",
        "seconds": "Seconds",
        "group": "Group",
        "sanctioned_before": "Sanctioned (before)",
        "sanctioned_after": "Sanctioned (after)",
        "flagged_before": "Flagged (before)",
        "flagged_after": "Flagged (after)",
        "ratio_before": "Ratio (before)",
        "ratio_after": "Ratio (after)",
        "multiplied": "Multiplied by",
        "seq": "Seq",
        "change": "Change",
        "subject": "Subject",
        "name": "Name",
        "record_id": "Record",
        "kind_before": "Kind (before)",
        "kind_after": "Kind (after)",
        "score_before": "Score (before)",
        "score_after": "Score (after)",
        "path": "Path",
        "person": "Person",
        "organizations": "Organisations at risk",
        "linked": "Linked organisations",
        "cluster": "Cluster",
        "size": "Size",
        "sanctioned": "Sanctioned",
        "flagged": "Flagged",
        "members": "Sanctioned members (first)",
        "id_masked": "ID number (masked)",
        "restricted_by": "Restricted by",
        "list": "List",
        "level": "Level",
        "category": "Category",
        "authority": "Authority",
        "post_org": "Post at (key)",
        "post_org_name": "Post at",
        "post": "Post",
        "since": "Since",
        "key": "Subject key",
        "label": "Subject kind",
        "region_code": "Region",
        "honours": "Red-list records",
        "honour_categories": "Honour categories",
        "own_records": "Own sanctions",
        "sanctions": "Contradicting records",
    },
}

dash.register_page(
    __name__,
    path="/propagation",
    order=2,
    title="信用传导 propagation",
    nav={lang: labels["title"] for lang, labels in LABELS.items()},
)

FINDINGS_LIMIT = 500
# The change feed is read a page at a time, as the API serves it: a run may change
# thousands of flags, and every change shown is named and audited.
FEED_PAGES = (10, 50, 200)  # rows per page the viewer may choose
FEED_PAGE = FEED_PAGES[-1]
RUNS_SHOWN = 20

# The columns of each table, in order; numbers get a number filter.
FLAG_COLUMNS = ["rule", "kind", "flags", "mean_score", "min_score"]
RUN_COLUMNS = [
    "run_id", "mode", "status", "as_of", "started_at", "rules_version", "records", "flags",
    "gained", "lost", "changed", "seconds",
]  # fmt: skip
REACH_COLUMNS = [
    "run_id", "mode", "group", "sanctioned_before", "sanctioned_after", "flagged_before",
    "flagged_after", "ratio_before", "ratio_after", "multiplied",
]  # fmt: skip
CHANGE_COLUMNS = [
    "seq", "change", "subject", "name", "record_id", "rule", "kind_before", "kind_after",
    "score_before", "score_after", "path",
]  # fmt: skip
HUB_COLUMNS = ["person", "name", "organizations", "linked"]
CLUSTER_COLUMNS = ["cluster", "size", "sanctioned", "flagged", "members"]
APPOINTMENT_COLUMNS = [
    "person", "name", "id_masked", "restricted_by", "record_id", "list", "level", "category",
    "authority", "post_org", "post_org_name", "post", "since", "rule",
]  # fmt: skip
CONFLICT_COLUMNS = [
    "key", "name", "label", "region_code", "honours", "honour_categories", "own_records",
    "flags", "sanctions",
]  # fmt: skip
NUMERIC = {
    name: True
    for name in (
        "flags", "mean_score", "min_score", "records", "gained", "lost", "changed", "seconds",
        "sanctioned_before", "sanctioned_after", "flagged_before", "flagged_after",
        "ratio_before", "ratio_after", "multiplied", "seq", "score_before", "score_after",
        "organizations", "cluster", "size", "sanctioned", "own_records",
    )
}  # fmt: skip


def _t() -> Any:
    return translator(LABELS, context.viewer().lang)


def _columns(names: list[str]) -> list[dict[str, Any]]:
    t = _t()
    return fig.column_defs([(name, t(name)) for name in names], **NUMERIC)


def _table(name: str, columns: list[str]) -> html.Div:
    """An exportable grid (CSV in the browser, XLSX from the server), empty until its
    section's callback fills it."""
    return html.Div(
        [grids.table(name, _columns(columns), export_label="CSV"), export_controls(name)],
        id=f"{name}-table",
        className="table-block",
    )


def layout(**_: object) -> html.Div:
    t = _t()
    today = context.services().clock.today()
    return html.Div(
        [
            html.H1(t("title")),
            html.Div(
                [
                    html.Label(t("as_of"), htmlFor="propagation-as-of"),
                    dcc.DatePickerSingle(
                        id="propagation-as-of", date=today.isoformat(), display_format="YYYY-MM-DD"
                    ),
                ],
                className="filters",
            ),
            html.H2(t("flags_title")),
            dcc.Loading(dcc.Graph(id="propagation-score-figure", config={"displaylogo": False})),
            _table("propagation-flags", FLAG_COLUMNS),
            html.H2(t("runs")),
            html.Div(id="propagation-reach-warnings", role="status"),
            _table("propagation-runs", RUN_COLUMNS),
            html.H3(t("reach")),
            _table("propagation-reach", REACH_COLUMNS),
            html.H2(t("changes")),
            html.Div(
                [
                    html.Label(t("run"), htmlFor="propagation-run"),
                    dcc.Dropdown(
                        id="propagation-run", clearable=False, style={"minWidth": "28rem"}
                    ),
                ],
                className="filters",
            ),
            _table("propagation-changes", CHANGE_COLUMNS),
            html.Div(
                [
                    html.Button(t("previous"), id="propagation-changes-previous", disabled=True),
                    html.Span(id="propagation-changes-shown", role="status"),
                    html.Button(t("next"), id="propagation-changes-next", disabled=True),
                    dcc.Dropdown(
                        id="propagation-changes-size",
                        options=[
                            {"label": t("per_page").format(n=n), "value": n} for n in FEED_PAGES
                        ],
                        value=FEED_PAGE,
                        clearable=False,
                        style={"minWidth": "9rem"},
                    ),
                    dcc.Store(id="propagation-changes-page", data=0),
                ],
                className="pager",
            ),
            html.Div(
                [
                    html.Div([html.H2(t("hubs")), _table("propagation-hubs", HUB_COLUMNS)]),
                    html.Div(
                        [html.H2(t("clusters")), _table("propagation-clusters", CLUSTER_COLUMNS)]
                    ),
                ],
                className="grid-2",
            ),
            html.P(id="propagation-network-notice", className="notice"),
            html.H2(t("appointments")),
            html.P(id="propagation-appointments-notice", className="notice"),
            _table("propagation-appointments", APPOINTMENT_COLUMNS),
            html.H2(t("conflicts")),
            html.P(id="propagation-conflicts-notice", className="notice"),
            _table("propagation-conflicts", CONFLICT_COLUMNS),
        ],
        id="propagation",
        className="page propagation",
    )


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value[:10]) if value else context.services().clock.today()


# --------------------------------------------------------------------------- callbacks


@callback(
    Output("propagation-score-figure", "figure"),
    Output(grids.grid_id("propagation-flags"), "rowData"),
    Input("propagation-as-of", "date"),
)
def load_flags(as_of: str | None) -> tuple[Any, list[dict[str, Any]]]:
    """Flags by rule, kind and score: aggregates, no subject."""
    counts = _flag_scores(_as_of(as_of))
    return fig.flag_score_figure(counts, _t()), fig.flag_count_rows(counts)


@callback(
    Output(grids.grid_id("propagation-runs"), "rowData"),
    Output(grids.grid_id("propagation-reach"), "rowData"),
    Output("propagation-reach-warnings", "children"),
    Output("propagation-run", "options"),
    Output("propagation-run", "value"),
    Input("propagation-as-of", "date"),
)
def load_runs(_: str | None) -> tuple[Any, ...]:
    """The last runs; the reach of the latest full and incremental ones, with the warning
    the CLI prints when a run multiplied its records' reach by more than the setting."""
    t = _t()
    shared = context.services()
    listed = runs.list_runs(shared.repository, limit=RUNS_SHOWN)
    latest = runs.latest_completed_runs(shared.repository)
    factor = shared.settings.reach_warning_factor
    warnings = [w for run in latest for w in run.reach_warnings(factor)]
    notice: Any = (
        html.Div(
            [html.Strong(t("over_reach")), html.Ul([html.Li(w) for w in warnings])],
            className="notice reach-warning",
        )
        if warnings
        else html.P(t("no_warning"), className="reach-ok")
    )
    options = [
        {"label": f"{r.started_at[:19]} · {r.mode} · {r.run_id[:8]}", "value": r.run_id}
        for r in listed
    ]
    reach = [row for run in latest for row in fig.reach_rows(run, factor)]
    return (
        fig.run_rows(listed),
        reach,
        notice,
        options,
        listed[0].run_id if listed else None,
    )


@callback(
    Output(grids.grid_id("propagation-changes"), "rowData"),
    Output("propagation-changes-page", "data"),
    Output("propagation-changes-shown", "children"),
    Output("propagation-changes-previous", "disabled"),
    Output("propagation-changes-next", "disabled"),
    Input("propagation-run", "value"),
    Input("propagation-changes-previous", "n_clicks"),
    Input("propagation-changes-next", "n_clicks"),
    Input("propagation-changes-size", "value"),
    State("propagation-changes-page", "data"),
)
def load_changes(
    run_id: str | None,
    _previous: int | None,
    _next: int | None,
    size: int | None,
    page: int | None,
) -> tuple[Any, ...]:
    """A page of a run's change feed: who gained, lost or changed a flag (subject-level:
    audited). A new run, or a new page size, starts at the first page."""
    if not run_id:
        return [], 0, "", True, True
    turned = dash.ctx.triggered_id
    if turned == "propagation-changes-next":
        page = (page or 0) + 1
    elif turned == "propagation-changes-previous":
        page = max((page or 0) - 1, 0)
    else:
        page = 0
    seen = context.viewer()
    repo = context.services().repository
    size = size if size in FEED_PAGES else FEED_PAGE  # the browser's word is not trusted
    skip = page * size
    # One more than a page: whether there is a next one.
    entries = runs.changes_of_run(repo, run_id, skip=skip, limit=size + 1)
    more, entries = len(entries) > size, entries[:size]
    keys = {e.subject for e in entries} | fig.path_keys(
        flag.path for e in entries for flag in (e.before, e.after) if flag is not None
    )
    names = disclose_names(seen.audience, names_of(repo, keys))
    context.audit_view(
        "propagation/changes", [e.subject for e in entries], result_size=len(entries),
        query=f"run_id={run_id}&skip={skip}",
    )  # fmt: skip
    t = _t()
    shown = (
        t("page").format(first=skip + 1, last=skip + len(entries)) if entries else t("no_changes")
    )
    return (
        fig.change_rows([disclose_change(seen.audience, e) for e in entries], names),
        page,
        shown,
        page == 0,
        not more,
    )


@callback(
    Output(grids.grid_id("propagation-hubs"), "rowData"),
    Output(grids.grid_id("propagation-clusters"), "rowData"),
    Output("propagation-network-notice", "children"),
    Input("propagation-as-of", "date"),
)
def load_network(as_of: str | None) -> tuple[Any, ...]:
    """Hub persons and risk clusters of the risk network on the date (audited: it names
    persons and organisations)."""
    seen = context.viewer()
    network = _risk_network(_as_of(as_of))
    hubs = network.hubs()
    clusters = network.clusters()
    shown = {h["person"] for h in hubs} | {o for h in hubs for o in h["organizations"]}
    shown |= {k for c in clusters for k in c["sanctioned"][: fig.CLUSTER_PREVIEW]}
    context.audit_view("propagation/network", shown, result_size=len(hubs) + len(clusters))
    names = disclose_names(seen.audience, {k: network.name(k) or k for k in shown})
    hubs = [{**h, "person": disclose_key(seen.audience, h["person"])} for h in hubs]
    # A sanctioned member may be a person: the preview shows it by its disclosed key.
    clusters = [
        {**c, "sanctioned": [disclose_key(seen.audience, k) for k in c["sanctioned"]]}
        for c in clusters
    ]
    notice = _t()("truncated").format(n=len(network.graph)) if network.truncated else ""
    return fig.hub_rows(hubs, names), fig.cluster_rows(clusters, names), notice


@callback(
    Output(grids.grid_id("propagation-appointments"), "rowData"),
    Output("propagation-appointments-notice", "children"),
    Output(grids.grid_id("propagation-conflicts"), "rowData"),
    Output("propagation-conflicts-notice", "children"),
    Input("propagation-as-of", "date"),
)
def load_findings(as_of: str | None) -> tuple[Any, ...]:
    """Restricted persons in post and red-list conflicts (audited like the API's)."""
    seen = context.viewer()
    day = _as_of(as_of)
    posts, conflicts = _appointments(day), _conflicts(day)
    context.audit_view(
        "propagation/findings",
        [f.person.pid for f in posts.items] + [c.key for c in conflicts.items],
        result_size=len(posts.items) + len(conflicts.items),
        query=f"as_of={day.isoformat()}",
    )
    more = _t()("more").format(n=FINDINGS_LIMIT)
    return (
        fig.appointment_rows(disclose_appointment(seen.audience, f) for f in posts.items),
        more if posts.has_more else "",
        fig.conflict_rows(disclose_conflict(seen.audience, c) for c in conflicts.items),
        more if conflicts.has_more else "",
    )


# --------------------------------------------------------------------------- kept answers


def _flag_scores(day: date) -> list[FlagScoreCount]:
    repo = context.services().repository
    return per_run(("flag_scores", day), lambda: flag_scores(repo, day))


def _risk_network(day: date) -> RiskNetwork:
    repo = context.services().repository
    return per_run(("risk_network", day), lambda: risk_network(repo, day))


def _appointments(day: date) -> findings.AppointmentPage:
    shared = context.services()
    return per_run(
        ("appointments", day),
        lambda: findings.appointments(shared.repository, shared.rules, day, limit=FINDINGS_LIMIT),
    )


def _conflicts(day: date) -> findings.RedListConflictPage:
    repo = context.services().repository
    return per_run(
        ("conflicts", day), lambda: findings.red_list_conflicts(repo, day, limit=FINDINGS_LIMIT)
    )


@warm_after_runs
def _as_first_shown() -> None:
    """The page's sections as it opens (today): each answer kept, hubs and clusters too."""
    day = context.services().clock.today()
    network = _risk_network(day)
    network.hubs()
    network.clusters()
    _flag_scores(day)
    _appointments(day)
    _conflicts(day)
