"""Credit review (信用审查): paste or upload up to 1,000 subject keys, choose the context and
the as-of date, and get block / review / pass with every reason, rule, path and legal basis;
export the decisions and reasons as CSV or XLSX, and a subject's printable credit report
with its flags' paths drawn.

The page is for the roles that see subject-level data, as ``POST /api/v1/reviews`` is
(:data:`graph.access.CAPABILITIES`, one table for both): other roles find neither the page
in the menu nor a callback that answers them. The review runs as a background callback in
batches, reporting its progress. It decides exactly as the API does
(:func:`graph.review.credit_review.credit_review`; each subject's decision depends on that
subject alone, so batches change nothing), is audited like it with the keys reviewed, and
passes through :mod:`graph.disclosure`. The printable report is the API's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboards import context, grids
from dashboards.exports import export_controls, file_download
from dashboards.figures import review as fig
from dashboards.figures.propagation import column_defs, path_keys, path_text
from dashboards.i18n import Labels, translator
from graph.disclosure import Audience, disclose_names, disclose_review, may_resolve
from graph.reads.subjects import names_of
from graph.review.credit_report import credit_report, render_html
from graph.review.credit_review import (
    CONTEXTS,
    MAX_SUBJECTS,
    ReviewContext,
    ReviewResult,
    SubjectReview,
    credit_review,
    review_subject,
)

LABELS: Labels = {
    "zh": {
        "title": "信用审查",
        "keys": "主体标识（统一社会信用代码等，每行一个或以逗号分隔）",
        "upload": "或上传 CSV / XLSX（第一列为主体标识）",
        "context": "审查场景",
        "as_of": "审查日期",
        "run": "开始审查",
        "progress": "审查进度",
        "problems": "无法审查的输入",
        "summary": "阻止 {block} · 复核 {review} · 通过 {pass} · 激励 {incentive}"
        "（政策版本 {policy}）",
        "decisions": "审查结论",
        "reasons": "理由、规则、路径与依据",
        "subject": "查看主体",
        "paths": "关联路径",
        "report": "下载信用报告（可打印）",
        "regulators_only": "信用审查仅向监管人员提供。",
        "no_keys": "请先输入或上传主体标识。",
        "procurement": "政府采购",
        "bidding": "招标投标",
        "fiscal_funds": "财政资金",
        "honours": "评优评先",
        "licensing": "行政许可",
        "general": "一般审查",
        "key": "主体标识",
        "name": "名称",
        "label": "主体类型",
        "decision": "结论",
        "incentive": "激励",
        "summary_col": "主要理由",
        "measure": "措施",
        "finding": "发现",
        "reason_decision": "该理由结论",
        "record_id": "记录编号",
        "list": "名单",
        "level": "等级",
        "record_status": "记录状态",
        "authority": "认定部门",
        "rule": "规则",
        "kind": "类型",
        "score": "分值",
        "path": "路径",
        "basis": "法律依据",
        "reasons_col": "理由数",
    },
    "en": {
        "title": "Credit review",
        "keys": "Subject keys (USCC, …), one a line or separated by commas",
        "upload": "or upload a CSV / XLSX (keys in the first column)",
        "context": "Context",
        "as_of": "As of",
        "run": "Review",
        "progress": "Progress",
        "problems": "Entries not reviewed",
        "summary": "block {block} · review {review} · pass {pass} · incentive {incentive} "
        "(policy {policy})",
        "decisions": "Decisions",
        "reasons": "Reasons, rules, paths and legal basis",
        "subject": "Subject",
        "paths": "Flag paths",
        "report": "Download the printable credit report",
        "regulators_only": "Credit review is for regulators only.",
        "no_keys": "Paste or upload subject keys first.",
        "procurement": "Government procurement",
        "bidding": "Bidding",
        "fiscal_funds": "Fiscal funds",
        "honours": "Honours",
        "licensing": "Licensing",
        "general": "General",
        "key": "Subject key",
        "name": "Name",
        "label": "Kind",
        "decision": "Decision",
        "incentive": "Incentive",
        "summary_col": "Main reason",
        "measure": "Measure",
        "finding": "Finding",
        "reason_decision": "Reason's decision",
        "record_id": "Record",
        "list": "List",
        "level": "Level",
        "record_status": "Record status",
        "authority": "Authority",
        "rule": "Rule",
        "kind": "Kind",
        "score": "Score",
        "path": "Path",
        "basis": "Legal basis",
        "reasons_col": "Reasons",
    },
}

dash.register_page(
    __name__,
    path="/review",
    order=6,
    capability="subject_level",  # listed by dashboards.shell to the roles with it
    title="信用审查 credit review",
    nav={lang: labels["title"] for lang, labels in LABELS.items()},
)

# Subjects per batch: each a round trip of two queries; progress moves once per batch.
BATCH = 100

DECISION_COLUMNS = [
    ("key", "key"), ("name", "name"), ("label", "label"), ("decision", "decision"),
    ("incentive", "incentive"), ("reasons", "reasons_col"), ("summary", "summary_col"),
    ("measure", "measure"),
]  # fmt: skip
REASON_COLUMNS = [
    ("key", "key"), ("name", "name"), ("decision", "decision"), ("finding", "finding"),
    ("reason_decision", "reason_decision"), ("summary", "summary_col"), ("measure", "measure"),
    ("record_id", "record_id"), ("list", "list"), ("level", "level"),
    ("record_status", "record_status"), ("authority", "authority"), ("rule", "rule"),
    ("kind", "kind"), ("score", "score"), ("path", "path"), ("basis", "basis"),
]  # fmt: skip


def _table(name: str, columns: list[tuple[str, str]], t: Any) -> html.Div:
    """An exportable grid (CSV in the browser, XLSX from the server)."""
    defs = column_defs([(field, t(label)) for field, label in columns], reasons=True, score=True)
    return html.Div(
        [grids.table(name, defs, export_label="CSV"), export_controls(name)],
        id=f"{name}-table",
        className="table-block",
    )


def layout(**_: object) -> html.Div:
    seen = context.viewer()
    t = translator(LABELS, seen.lang)
    if not context.may("subject_level"):
        return html.Div(
            [html.H1(t("title")), html.P(t("regulators_only"), className="notice", role="alert")],
            id="review",
            className="page review",
        )
    today = context.services().clock.today()
    return html.Div(
        [
            html.H1(t("title")),
            html.Label(t("keys"), htmlFor="review-keys"),
            dcc.Textarea(id="review-keys", style={"width": "100%", "height": "8rem"}),
            dcc.Upload(
                id="review-upload",
                children=html.Div(t("upload")),
                accept=".csv,.txt,.xlsx",
                className="upload",
                style={"border": "1px dashed #9aa5b1", "padding": "0.6rem", "margin": "0.4rem 0"},
            ),
            html.Div(id="review-upload-name", className="muted"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(t("context"), htmlFor="review-context"),
                            dcc.Dropdown(
                                id="review-context",
                                options=[{"label": t(c), "value": c} for c in CONTEXTS],
                                value="general",
                                clearable=False,
                                style={"minWidth": "14rem"},
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label(t("as_of"), htmlFor="review-as-of"),
                            dcc.DatePickerSingle(
                                id="review-as-of",
                                date=today.isoformat(),
                                display_format="YYYY-MM-DD",
                            ),
                        ]
                    ),
                    html.Button(t("run"), id="review-run", n_clicks=0),
                    html.Label(
                        [
                            t("progress"),
                            " ",
                            html.Progress(id="review-progress", value="0", max="1"),
                        ]
                    ),
                ],
                className="filters",
            ),
            html.Div(id="review-problems", className="notice", role="alert"),
            html.P(id="review-summary", role="status"),
            html.H2(t("decisions")),
            _table("review-decisions", DECISION_COLUMNS, t),
            html.H2(t("reasons")),
            _table("review-reasons", REASON_COLUMNS, t),
            html.H2(t("paths")),
            html.Div(
                [
                    html.Label(t("subject"), htmlFor="review-subject"),
                    dcc.Dropdown(id="review-subject", style={"minWidth": "28rem"}),
                    html.Button(
                        t("report"),
                        id="review-report",
                        n_clicks=0,
                    ),
                    dcc.Download(id="review-report-download"),
                ],
                className="filters",
            ),
            html.Div(id="review-paths", className="paths"),
            dcc.Store(id="review-result"),
        ],
        id="review",
        className="page review",
    )


@callback(
    Output("review-upload-name", "children"),
    Input("review-upload", "filename"),
    prevent_initial_call=True,
)
def show_upload_name(filename: str | None) -> str:
    return filename or ""


@callback(
    Output("review-result", "data"),
    Output("review-problems", "children"),
    Output("review-summary", "children"),
    Output(grids.grid_id("review-decisions"), "rowData"),
    Output(grids.grid_id("review-reasons"), "rowData"),
    Output("review-subject", "options"),
    Output("review-subject", "value"),
    Input("review-run", "n_clicks"),
    State("review-keys", "value"),
    State("review-upload", "contents"),
    State("review-upload", "filename"),
    State("review-context", "value"),
    State("review-as-of", "date"),
    background=True,
    progress=[Output("review-progress", "value"), Output("review-progress", "max")],
    running=[(Output("review-run", "disabled"), True, False)],
    prevent_initial_call=True,
)
def run_review(
    set_progress: Any,
    _: int,
    text: str | None,
    upload: str | None,
    filename: str | None,
    review_context: ReviewContext,
    as_of: str | None,
) -> tuple[Any, ...]:
    context.require("subject_level")
    seen = context.viewer()
    t = translator(LABELS, seen.lang)
    shared = context.services()
    entries = fig.pasted_entries(text or "")
    problems: list[str] = []
    if upload:
        try:
            entries += fig.uploaded_entries(upload, filename or "upload")
        except ValueError as exc:
            problems.append(str(exc))
    parsed = fig.parse_keys(entries, shared.settings.uscc_allow_list)
    problems += parsed.problems
    if not parsed.keys or len(parsed.keys) > MAX_SUBJECTS:
        problem_list = html.Ul([html.Li(p) for p in problems or [t("no_keys")]])
        return None, problem_list, "", [], [], [], None
    day = date.fromisoformat(as_of[:10]) if as_of else shared.clock.today()
    result = _review(set_progress, parsed.keys, review_context, day, seen.audience)
    context.audit_view(
        "review",
        parsed.keys,
        result_size=len(result.subjects),
        query=f"context={review_context} as_of={day.isoformat()}",
    )
    mentioned = {r.record_subject for s in result.subjects for r in s.reasons if r.record_subject}
    mentioned |= path_keys(r.path for s in result.subjects for r in s.reasons)
    names = disclose_names(seen.audience, names_of(shared.repository, mentioned))
    shown = disclose_review(seen.audience, result)
    summary = t("summary").format(
        block=shown.decisions.get("block", 0),
        review=shown.decisions.get("review", 0),
        incentive=shown.incentives,
        policy=shown.policy_version,
        **{"pass": shown.decisions.get("pass", 0)},
    )
    flagged = [s for s in shown.subjects if any(r.path for r in s.reasons)]
    options = [
        {"label": f"{s.name or s.key} ({s.key}) · {s.decision}", "value": s.key}
        for s in shown.subjects
    ]
    return (
        {"result": shown.model_dump(mode="json"), "names": names},
        html.Ul([html.Li(p) for p in problems]) if problems else "",
        summary,
        fig.decision_rows(shown),
        fig.reason_rows(shown, names),
        options,
        flagged[0].key if flagged else (shown.subjects[0].key if shown.subjects else None),
    )


def _review(
    set_progress: Any,
    keys: list[str],
    review_context: ReviewContext,
    day: date,
    audience: Audience,
) -> ReviewResult:
    """The review of ``keys`` in batches, progress reported after each; keys the audience
    may not resolve (an analyst's person keys) are reviewed as unknown keys, as the API's
    other lookups answer them."""
    shared = context.services()
    subjects: list[SubjectReview] = []
    total = len(keys)
    set_progress(("0", str(total)))
    for start in range(0, total, BATCH):
        batch = keys[start : start + BATCH]
        allowed = [k for k in batch if may_resolve(audience, k)]
        reviewed = credit_review(shared.repository, allowed, review_context, day, shared.policy)
        by_key = {s.key: s for s in reviewed.subjects}
        subjects += [
            by_key.get(k) or review_subject(shared.policy, review_context, k, None, [], day)
            for k in batch
        ]
        set_progress((str(min(start + BATCH, total)), str(total)))
    return ReviewResult(
        context=review_context,
        as_of=day,
        policy_version=shared.policy.version,
        decisions={d: sum(s.decision == d for s in subjects) for d in ("block", "review", "pass")},
        incentives=sum(s.incentive for s in subjects),
        subjects=subjects,
    )


@callback(
    Output("review-paths", "children"),
    Input("review-subject", "value"),
    State("review-result", "data"),
    prevent_initial_call=True,
)
def show_paths(key: str | None, stored: dict[str, Any] | None) -> Any:
    """The chosen subject's flag paths as diagrams (the report's own drawing) and text."""
    if not key or not stored:
        return []
    context.require("subject_level")
    result = ReviewResult.model_validate(stored["result"])
    names: dict[str, str] = stored["names"]
    subject = next((s for s in result.subjects if s.key == key), None)
    if subject is None:
        return []
    names = {**names, subject.key: subject.name or subject.key}
    return [
        html.Figure(
            [
                html.Img(
                    src=fig.path_diagram_src(reason.path, names),
                    alt=path_text(reason.path, names),
                    className="path-diagram",
                ),
                html.Figcaption(f"{reason.rule} · {reason.kind} · {reason.summary}"),
            ]
        )
        for reason in subject.reasons
        if reason.path
    ]


@callback(
    Output("review-report-download", "data"),
    Input("review-report", "n_clicks"),
    State("review-subject", "value"),
    State("review-as-of", "date"),
    prevent_initial_call=True,
)
def download_report(clicks: int, key: str | None, as_of: str | None) -> Any:
    """The printable credit report of the chosen subject, as the API renders it (audited)."""
    if not clicks or not key:
        raise PreventUpdate
    context.require("subject_level")
    shared = context.services()
    day = date.fromisoformat(as_of[:10]) if as_of else shared.clock.today()
    report = credit_report(shared.repository, key, day, generated_at=shared.clock.now())
    context.audit_view("review/report", [key], result_size=0 if report is None else 1)
    if report is None:
        return no_update
    return file_download(
        render_html(report).encode("utf-8"), f"credit-report-{key}.html", "text/html"
    )
