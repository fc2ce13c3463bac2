"""Data quality (数据质量): per source department, each load's completeness, validity and
timeliness, the rejected rows by reason, over time. Measures of loads only: no subject."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import context, grids
from dashboards.figures import quality as figures
from dashboards.i18n import Labels, translator
from graph.clock import CHINA_TIME
from graph.ingest.layouts import LOAD_ORDER
from graph.reads.quality import data_quality

LABELS: Labels = {
    "zh": {
        "title": "数据质量",
        "loaded": "入库日期",
        "kind": "数据类别",
        "any_kind": "全部类别",
        "metric": "指标",
        "completeness": "完整性",
        "validity": "有效性",
        "timeliness": "及时性",
        "departments": "各部门数据质量",
        "reasons": "退回记录及原因",
        "export": "导出 CSV",
        "department": "部门",
        "department_name": "部门名称",
        "loads": "批次数",
        "rows": "行数",
        "accepted": "接收",
        "rejected": "退回",
        "median": "中位天数",
        "p90": "P90 天数",
        "last_loaded": "最近入库",
        "field": "字段",
        "reason": "原因",
        "none": "所选期间没有入库批次。",
    },
    "en": {
        "title": "Data quality",
        "loaded": "Loaded between",
        "kind": "Kind",
        "any_kind": "All kinds",
        "metric": "Measure",
        "completeness": "Completeness",
        "validity": "Validity",
        "timeliness": "Timeliness",
        "departments": "Quality by department",
        "reasons": "Rejected rows and why",
        "export": "Export CSV",
        "department": "Department",
        "department_name": "Name",
        "loads": "Loads",
        "rows": "Rows",
        "accepted": "Accepted",
        "rejected": "Rejected",
        "median": "Median days",
        "p90": "P90 days",
        "last_loaded": "Last loaded",
        "field": "Field",
        "reason": "Reason",
        "none": "No load completed in the period chosen.",
    },
}

KINDS = tuple(kind.value for kind in LOAD_ORDER)

dash.register_page(
    __name__, path="/quality", order=40, nav={k: v["title"] for k, v in LABELS.items()}
)

_PERCENT = {"function": "params.value == null ? '' : d3.format('.1%')(params.value)"}


def layout(**_: object) -> html.Div:
    t = translator(LABELS, context.viewer().lang)
    return html.Div(
        [
            html.H1(t("title")),
            html.Div(
                [
                    html.Label(
                        [
                            t("loaded"),
                            dcc.DatePickerRange(
                                id="quality-loaded", display_format="YYYY-MM-DD", clearable=True
                            ),
                        ]
                    ),
                    html.Label(
                        [
                            t("kind"),
                            dcc.Dropdown(
                                id="quality-kind",
                                options=[{"label": t("any_kind"), "value": ""}]
                                + [{"label": k, "value": k} for k in KINDS],
                                value="",
                                clearable=False,
                                style={"minWidth": "12rem"},
                            ),
                        ]
                    ),
                    html.Label(
                        [
                            t("metric"),
                            dcc.RadioItems(
                                id="quality-metric",
                                options=[
                                    {"label": t("validity"), "value": "validity"},
                                    {"label": t("completeness"), "value": "completeness"},
                                    {"label": t("timeliness"), "value": "timeliness_median_days"},
                                ],
                                value="validity",
                                inline=True,
                            ),
                        ]
                    ),
                ],
                className="filters",
            ),
            html.P(id="quality-empty", className="notice"),
            dcc.Loading(
                html.Div(
                    [dcc.Graph(id="quality-over-time"), dcc.Graph(id="quality-reasons-chart")],
                    className="grid-2",
                )
            ),
            html.H2(t("departments")),
            grids.table(
                "quality-departments",
                [
                    {"field": "department", "headerName": t("department")},
                    {"field": "department_name", "headerName": t("department_name")},
                    {"field": "kind", "headerName": t("kind")},
                    {"field": "loads", "headerName": t("loads"), "type": "numericColumn"},
                    {"field": "rows", "headerName": t("rows"), "type": "numericColumn"},
                    {"field": "rejected", "headerName": t("rejected"), "type": "numericColumn"},
                    {
                        "field": "completeness",
                        "headerName": t("completeness"),
                        "valueFormatter": _PERCENT,
                    },
                    {"field": "validity", "headerName": t("validity"), "valueFormatter": _PERCENT},
                    {
                        "field": "timeliness_median_days",
                        "headerName": t("median"),
                        "type": "numericColumn",
                    },
                    {
                        "field": "timeliness_p90_days",
                        "headerName": t("p90"),
                        "type": "numericColumn",
                    },
                    {"field": "last_loaded", "headerName": t("last_loaded")},
                ],
                export_label=t("export"),
                file_name="data-quality-by-department",
            ),
            html.H2(t("reasons")),
            grids.table(
                "quality-reasons",
                [
                    {"field": "department", "headerName": t("department")},
                    {"field": "kind", "headerName": t("kind")},
                    {"field": "field", "headerName": t("field")},
                    {"field": "reason", "headerName": t("reason")},
                    {"field": "rows", "headerName": t("rejected"), "type": "numericColumn"},
                ],
                export_label=t("export"),
                file_name="rejected-rows-by-reason",
            ),
        ],
        id="quality",
    )


@callback(
    Output("quality-over-time", "figure"),
    Output("quality-reasons-chart", "figure"),
    Output(grids.grid_id("quality-departments"), "rowData"),
    Output(grids.grid_id("quality-reasons"), "rowData"),
    Output("quality-empty", "children"),
    Input("quality-loaded", "start_date"),
    Input("quality-loaded", "end_date"),
    Input("quality-kind", "value"),
    Input("quality-metric", "value"),
)
def update(
    start: str | None, end: str | None, kind: str, metric: figures.Metric
) -> tuple[Any, ...]:
    lang = context.viewer().lang
    t = translator(LABELS, lang)
    measures = data_quality(
        context.services().repository, since=_china_day(start), until=_china_day(end, next_day=True)
    )
    if kind:
        measures = [m for m in measures if m.kind == kind]
    reasons = figures.reason_rows(measures)
    return (
        figures.over_time(measures, metric, lang),
        figures.reasons_figure(reasons, lang),
        figures.department_rows(measures),
        reasons,
        "" if measures else t("none"),
    )


def _china_day(value: str | None, *, next_day: bool = False) -> datetime | None:
    """The start of a date picked (a day in China), or of the day after it for a range's
    inclusive end."""
    if not value:
        return None
    day = datetime.fromisoformat(value[:10]).replace(tzinfo=CHINA_TIME)
    return day + timedelta(days=1) if next_day else day
