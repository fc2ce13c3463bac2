"""Cross-region (信用长三角): per partner province the feed's lag, the records exchanged
over time, the partner records that reach our subjects, and the last errors. Reads of our
own graph only, never a call to a partner: the page is as fast with a partner down."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import context, grids
from dashboards.figures import crossregion as figures
from dashboards.i18n import Labels, translator
from graph.clock import CHINA_TIME
from graph.linkage.status import partner_flag_reach, partner_statuses, records_exchanged

LABELS: Labels = {
    "zh": {
        "title": "长三角互通",
        "days": "统计天数",
        "partners": "各伙伴省份",
        "export": "导出 CSV",
        "partner": "伙伴",
        "configured": "已配置",
        "lag_records": "落后条数",
        "lag": "落后时长",
        "records": "已接收记录",
        "pages": "已接收页",
        "pending_refresh": "待刷新",
        "last_success_at": "最近成功",
        "last_error": "最近错误",
        "last_error_at": "错误时间",
        "none": "尚无伙伴同步状态。",
    },
    "en": {
        "title": "Cross-region",
        "days": "Days shown",
        "partners": "Partner provinces",
        "export": "Export CSV",
        "partner": "Partner",
        "configured": "Configured",
        "lag_records": "Entries behind",
        "lag": "Behind by",
        "records": "Records received",
        "pages": "Pages received",
        "pending_refresh": "Awaiting refresh",
        "last_success_at": "Last success",
        "last_error": "Last error",
        "last_error_at": "Error at",
        "none": "No partner has been synced yet.",
    },
}

COLUMNS = (
    "partner",
    "configured",
    "lag_records",
    "lag",
    "records",
    "pages",
    "pending_refresh",
    "last_success_at",
    "last_error",
    "last_error_at",
)

dash.register_page(
    __name__, path="/crossregion", order=60, nav={k: v["title"] for k, v in LABELS.items()}
)


def layout(**_: object) -> html.Div:
    t = translator(LABELS, context.viewer().lang)
    return html.Div(
        [
            html.H1(t("title")),
            html.Div(
                html.Label(
                    [
                        t("days"),
                        dcc.Dropdown(
                            id="crossregion-days",
                            options=[{"label": str(n), "value": n} for n in (7, 30, 90, 365)],
                            value=30,
                            clearable=False,
                            style={"minWidth": "8rem"},
                        ),
                    ]
                ),
                className="filters",
            ),
            html.P(id="crossregion-empty", className="notice"),
            html.H2(t("partners")),
            grids.table(
                "crossregion-partners",
                [{"field": c, "headerName": t(c)} for c in COLUMNS],
                export_label=t("export"),
                file_name="partner-feeds",
                height="220px",
            ),
            dcc.Loading(
                html.Div(
                    [dcc.Graph(id="crossregion-exchanged"), dcc.Graph(id="crossregion-reach")],
                    className="grid-2",
                )
            ),
            # The lag grows while the page is open: read again every minute.
            dcc.Interval(id="crossregion-refresh", interval=60_000),
        ],
        id="crossregion",
    )


@callback(
    Output(grids.grid_id("crossregion-partners"), "rowData"),
    Output("crossregion-exchanged", "figure"),
    Output("crossregion-reach", "figure"),
    Output("crossregion-empty", "children"),
    Input("crossregion-days", "value"),
    Input("crossregion-refresh", "n_intervals"),
)
def update(days: int, _: int | None) -> tuple[Any, ...]:
    lang = context.viewer().lang
    t = translator(LABELS, lang)
    shared = context.services()
    repo, settings, now = shared.repository, shared.settings, shared.clock.now()
    shown = _days(shared.clock.today(), days)
    since = datetime.combine(shown[0], time(), tzinfo=CHINA_TIME)
    statuses = partner_statuses(repo, settings, now)
    return (
        figures.status_rows(statuses, lang),
        figures.exchanged_figure(records_exchanged(repo, since), shown, lang),
        figures.reach_figure(partner_flag_reach(repo, settings), lang),
        "" if statuses else t("none"),
    )


def _days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=i) for i in range(count - 1, -1, -1)]
