"""Professionals (重点职业人群): the 23 key occupational groups — holders of a current
licence, their records, and the practitioners who are sanctioned or flagged. The list of
practitioners is subject-level: it is audited, and persons reach analysts as aliases."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import context, grids
from dashboards.figures import professionals as figures
from dashboards.i18n import Labels, translator
from graph.disclosure import disclose_person
from graph.reads.professionals import flagged_practitioners, occupation_counts
from graph.reference import occupations

LABELS: Labels = {
    "zh": {
        "title": "重点职业人群",
        "occupation": "职业",
        "groups": "各职业人群",
        "practitioners": "失信或被标记的从业人员",
        "export": "导出 CSV",
        "code": "代码",
        "name": "名称",
        "holders": "持证人员",
        "sanctions": "本人失信记录",
        "sanctioned": "本人失信人数",
        "honours": "红名单记录",
        "flagged": "被标记人数",
        "person": "人员",
        "id_masked": "证件号（脱敏）",
        "record_id": "记录",
        "list": "名单",
        "level": "等级",
        "category": "类别",
        "rule": "规则",
        "kind": "类型",
        "score": "分值",
        "practises_at": "执业机构",
        "capped": "仅显示前 {n} 条。",
    },
    "en": {
        "title": "Professionals",
        "occupation": "Occupation",
        "groups": "Occupational groups",
        "practitioners": "Sanctioned or flagged practitioners",
        "export": "Export CSV",
        "code": "Code",
        "name": "Name",
        "holders": "Holders",
        "sanctions": "Own sanctions",
        "sanctioned": "Sanctioned holders",
        "honours": "Red-list records",
        "flagged": "Flagged holders",
        "person": "Person",
        "id_masked": "ID (masked)",
        "record_id": "Record",
        "list": "List",
        "level": "Level",
        "category": "Category",
        "rule": "Rule",
        "kind": "Kind",
        "score": "Score",
        "practises_at": "Practises at",
        "capped": "Showing the first {n} only.",
    },
}

SHOWN = 500

dash.register_page(
    __name__, path="/professionals", order=50, nav={k: v["title"] for k, v in LABELS.items()}
)


def layout(**_: object) -> html.Div:
    viewer = context.viewer()
    t = translator(LABELS, viewer.lang)
    person_columns = [{"field": "person", "headerName": t("person")}]
    if viewer.audience.sees_persons:
        person_columns += [
            {"field": "name", "headerName": t("name")},
            {"field": "id_masked", "headerName": t("id_masked")},
        ]
    return html.Div(
        [
            html.H1(t("title")),
            dcc.Loading(dcc.Graph(id="professionals-chart")),
            html.H2(t("groups")),
            grids.table(
                "professionals-groups",
                [
                    {"field": "code", "headerName": t("code")},
                    {"field": "name", "headerName": t("name")},
                    *(
                        {"field": f, "headerName": t(f), "type": "numericColumn"}
                        for f in ("holders", "sanctions", "sanctioned", "honours", "flagged")
                    ),
                ],
                export_label=t("export"),
                file_name="key-occupational-groups",
            ),
            html.H2(t("practitioners")),
            html.Div(
                html.Label(
                    [
                        t("occupation"),
                        dcc.Dropdown(
                            id="professionals-occupation",
                            options=[
                                {"label": o.name, "value": o.code} for o in occupations().values()
                            ],
                            value=next(iter(occupations())),
                            clearable=False,
                            style={"minWidth": "16rem"},
                        ),
                    ]
                ),
                className="filters",
            ),
            html.P(id="professionals-capped"),
            grids.table(
                "professionals-practitioners",
                [
                    *person_columns,
                    *(
                        {"field": f, "headerName": t(f)}
                        for f in ("record_id", "list", "level", "category", "rule", "kind")
                    ),
                    {"field": "score", "headerName": t("score"), "type": "numericColumn"},
                    {"field": "practises_at", "headerName": t("practises_at")},
                ],
                export_label=t("export"),
                file_name="flagged-practitioners",
            ),
        ],
        id="professionals",
    )


@callback(
    Output("professionals-chart", "figure"),
    Output(grids.grid_id("professionals-groups"), "rowData"),
    Input("professionals-chart", "id"),
)
def groups(_: str) -> tuple[Any, ...]:
    lang = context.viewer().lang
    shared = context.services()
    counts = occupation_counts(shared.repository, shared.clock.today())
    return figures.occupations_figure(counts, lang), figures.occupation_rows(counts)


@callback(
    Output(grids.grid_id("professionals-practitioners"), "rowData"),
    Output("professionals-capped", "children"),
    Input("professionals-occupation", "value"),
)
def practitioners(occupation: str) -> tuple[Any, ...]:
    viewer = context.viewer()
    t = translator(LABELS, viewer.lang)
    shared = context.services()
    found = flagged_practitioners(shared.repository, occupation, shared.clock.today(), limit=SHOWN)
    context.audit_view(
        "professionals/practitioners",
        {p.person.pid for p in found},
        result_size=len(found),
        query=f"occupation={occupation}",
    )
    shown = [
        p.model_copy(update={"person": disclose_person(viewer.audience, p.person)}) for p in found
    ]
    return (
        figures.practitioner_rows(shown, viewer.lang),
        t("capped").format(n=SHOWN) if len(found) >= SHOWN else "",
    )
