"""The data-quality page's builders: load measures in, grid rows and plotly figures out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

import plotly.graph_objects as go

from dashboards.i18n import Lang
from graph.reads.quality import QualityMeasure

Metric = Literal["completeness", "validity", "timeliness_median_days"]


def department_rows(measures: Sequence[QualityMeasure]) -> list[dict[str, Any]]:
    """One row per department and kind over the loads given: rows summed; completeness
    weighted by rows; validity as accepted over read; timeliness of the latest load that
    measured it (medians of different loads do not add up)."""
    groups: dict[tuple[str, str], list[QualityMeasure]] = defaultdict(list)
    for m in measures:
        groups[(m.department, m.kind)].append(m)
    out = []
    for (department, kind), group in sorted(groups.items()):
        rows = sum(m.rows for m in group)
        accepted = sum(m.accepted for m in group)
        timed = [m for m in group if m.timeliness_median_days is not None]
        latest = max(timed, key=lambda m: m.loaded_at) if timed else None
        out.append(
            {
                "department": department,
                "department_name": next(
                    (m.department_name for m in group if m.department_name), None
                ),
                "kind": kind,
                "loads": len(group),
                "rows": rows,
                "accepted": accepted,
                "rejected": rows - accepted,
                "completeness": _share(sum(m.completeness * m.rows for m in group), rows),
                "validity": _share(accepted, rows),
                "timeliness_median_days": latest.timeliness_median_days if latest else None,
                "timeliness_p90_days": latest.timeliness_p90_days if latest else None,
                "last_loaded": max(m.loaded_at for m in group).isoformat(timespec="seconds"),
            }
        )
    return out


def reason_rows(measures: Sequence[QualityMeasure]) -> list[dict[str, Any]]:
    """Rejected rows per department, kind, field and reason, summed over the loads, the
    most frequent first."""
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for m in measures:
        for r in m.reasons:
            counts[(m.department, m.kind, r.field, r.reason)] += r.rows
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        {"department": d, "kind": k, "field": f, "reason": r, "rows": n}
        for (d, k, f, r), n in ordered
    ]


def over_time(measures: Sequence[QualityMeasure], metric: Metric, lang: Lang) -> go.Figure:
    """``metric`` of each load, one line per department (all kinds of a load together,
    weighted by rows), in load order."""
    points: dict[str, dict[str, tuple[float, int]]] = defaultdict(dict)
    for m in sorted(measures, key=lambda m: m.loaded_at):
        value = getattr(m, metric)
        if value is None:
            continue
        when = m.loaded_at.isoformat(timespec="seconds")
        total, rows = points[m.department].get(when, (0.0, 0))
        points[m.department][when] = (total + value * m.rows, rows + m.rows)
    figure = go.Figure()
    for department, series in sorted(points.items()):
        figure.add_trace(
            go.Scatter(
                x=list(series),
                y=[_share(total, rows) for total, rows in series.values()],
                mode="lines+markers",
                name=department,
            )
        )
    titles = {
        "completeness": ("完整性（按批次）", "Completeness by load"),
        "validity": ("有效性（按批次）", "Validity by load"),
        "timeliness_median_days": (
            "及时性：决定至入库天数中位数",
            "Timeliness: median days to load",
        ),
    }
    figure.update_layout(
        title={"text": titles[metric][0 if lang == "zh" else 1], "x": 0},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        yaxis={"tickformat": ".0%", "range": [0, 1.05]}
        if metric != "timeliness_median_days"
        else {"rangemode": "tozero"},
    )
    return figure


def reasons_figure(rows: Sequence[dict[str, Any]], lang: Lang, top: int = 15) -> go.Figure:
    """The most frequent reasons (field and code) over every department, as ordered bars."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[f"{row['field']} · {row['reason']}"] += row["rows"]
    shown = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top][::-1]
    figure = go.Figure(
        go.Bar(
            x=[n for _, n in shown],
            y=[k for k, _ in shown],
            orientation="h",
            marker={"color": "#b91c1c"},
        )
    )
    figure.update_layout(
        title={"text": "退回原因" if lang == "zh" else "Why rows were rejected", "x": 0},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        yaxis={"automargin": True},
        height=max(320, 26 * len(shown)),
    )
    return figure


def _share(part: float, whole: float) -> float:
    # A department with no rows has nothing wrong with it, as the load report counts it.
    return part / whole if whole else 1.0
