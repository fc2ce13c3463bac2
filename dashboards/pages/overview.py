"""Overview (总览): subjects, active records by list and level, monthly trends, the cities,
departments and categories, filtered by decision date and province. Aggregates only: no
subject is shown, so nothing here is audited as a subject-level view."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import context
from dashboards.figures import overview as figures
from dashboards.i18n import Labels, translator
from dashboards.kept import per_run, warm_after_runs
from dashboards.terms import term
from graph.reads.statistics import Overview, overview
from graph.reference import regions
from graph.vocabulary import DELTA_PROVINCES

LABELS: Labels = {
    "zh": {
        "title": "总览",
        "decided": "决定日期",
        "province": "省份",
        "any_province": "全部省份",
        "departments": "各部门",
        "categories": "各类别",
    },
    "en": {
        "title": "Overview",
        "decided": "Decided between",
        "province": "Province",
        "any_province": "All provinces",
        "departments": "By department",
        "categories": "By category",
    },
}

DEFAULT_PROVINCE = "32"  # the page opens on Jiangsu

dash.register_page(
    __name__, path="/overview", order=0, nav={k: v["title"] for k, v in LABELS.items()}
)


def layout(**_: object) -> html.Div:
    lang = context.viewer().lang
    t = translator(LABELS, lang)
    return html.Div(
        [
            html.H1(t("title")),
            html.Div(
                [
                    html.Label(
                        [
                            t("decided"),
                            dcc.DatePickerRange(
                                id="overview-decided", display_format="YYYY-MM-DD", clearable=True
                            ),
                        ]
                    ),
                    html.Label(
                        [
                            t("province"),
                            dcc.Dropdown(
                                id="overview-province",
                                options=[{"label": t("any_province"), "value": ""}]
                                + [
                                    {"label": term(code, lang), "value": code}
                                    for code in sorted(DELTA_PROVINCES)
                                ],
                                value=DEFAULT_PROVINCE,
                                clearable=False,
                                style={"minWidth": "12rem"},
                            ),
                        ]
                    ),
                ],
                className="filters",
            ),
            dcc.Loading(
                [
                    html.Div(id="overview-kpis", className="kpis"),
                    html.Div(
                        [
                            dcc.Graph(id="overview-trend"),
                            dcc.Graph(id="overview-cities"),
                            dcc.Graph(id="overview-departments"),
                            dcc.Graph(id="overview-categories"),
                        ],
                        className="grid-2",
                    ),
                ]
            ),
        ],
        id="overview",
    )


@callback(
    Output("overview-kpis", "children"),
    Output("overview-trend", "figure"),
    Output("overview-cities", "figure"),
    Output("overview-departments", "figure"),
    Output("overview-categories", "figure"),
    Input("overview-decided", "start_date"),
    Input("overview-decided", "end_date"),
    Input("overview-province", "value"),
)
def update(start: str | None, end: str | None, province: str | None) -> tuple[Any, ...]:
    lang = context.viewer().lang
    t = translator(LABELS, lang)
    counts = _counts(_day(start), _day(end), province or None)
    return (
        [_kpi(id_, label, value) for id_, label, value in figures.kpis(counts, lang)],
        figures.trend(counts.by_month, lang),
        figures.cities(counts.by_region, _cities(province or None), lang),
        figures.ranked(counts.by_department, t("departments"), lang),
        figures.ranked(counts.by_category, t("categories"), lang),
    )


def _counts(since: date | None, until: date | None, province: str | None) -> Overview:
    shared = context.services()
    today = shared.clock.today()
    return per_run(
        ("overview", today, since, until, province),
        lambda: overview(
            shared.repository, today, decided_from=since, decided_until=until, province=province
        ),
    )


@warm_after_runs
def _as_first_shown() -> Overview:
    return _counts(None, None, DEFAULT_PROVINCE)


def _kpi(id_: str, label: str, value: int) -> html.Div:
    return html.Div(
        [html.Div(f"{value:,}", className="value"), html.Div(label, className="label")],
        className="kpi",
        id=f"overview-kpi-{id_}",
    )


def _cities(province: str | None) -> dict[str, str]:
    """The cities (Shanghai: districts) of ``province``, or of Jiangsu when none is chosen."""
    chosen = province or "32"
    return {
        code: region.name
        for code, region in regions().items()
        if region.parent == chosen and region.level in ("prefecture", "district")
    }


def _day(value: str | None) -> date | None:
    # The picker sends ISO dates, with a time part after a typed entry.
    return date.fromisoformat(value[:10]) if value else None
