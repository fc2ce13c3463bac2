"""Overview (总览): how many subjects and records, where, from whom, over time."""

from __future__ import annotations

import dash
from dash import html

from dashboards import context
from dashboards.i18n import Labels, translator
from graph.reads.statistics import statistics

LABELS: Labels = {
    "zh": {"title": "总览", "active_records": "有效记录"},
    "en": {"title": "Overview", "active_records": "Active records"},
}

dash.register_page(
    __name__, path="/overview", order=0, nav={k: v["title"] for k, v in LABELS.items()}
)


def layout(**_: object) -> html.Div:
    t = translator(LABELS, context.viewer().lang)
    shared = context.services()
    stats = statistics(shared.repository, shared.clock.today())
    return html.Div(
        [
            html.H1(t("title")),
            html.Div(
                [
                    html.Div(str(stats.active_records), className="value"),
                    html.Div(t("active_records"), className="label"),
                ],
                className="kpi",
                id="overview-kpi-active",
            ),
        ],
        id="overview",
    )
