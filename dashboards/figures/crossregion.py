"""The cross-region page's builders: what the subscriber knows of each partner in, grid rows
and plotly figures out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import plotly.graph_objects as go

from dashboards.i18n import Lang
from dashboards.terms import term
from graph.linkage.status import Exchanged, PartnerReach, PartnerStatus

PARTNER_COLOURS = {"31": "#2563eb", "33": "#059669", "34": "#d97706", "32": "#7c3aed"}


def status_rows(statuses: Sequence[PartnerStatus], lang: Lang) -> list[dict[str, Any]]:
    """One row per partner: how far behind its feed we are, what came in, the last error."""
    return [
        {
            "partner": f"{term(s.province, lang)} ({s.province})",
            "configured": s.configured,
            "lag_records": s.lag_records,
            "lag": _duration(s.lag_seconds, lang),
            "records": s.records,
            "pages": s.pages,
            "pending_refresh": s.pending_refresh,
            "last_success_at": _moment(s.last_success_at),
            "last_error": s.last_error or "",
            "last_error_at": _moment(s.last_error_at),
        }
        for s in statuses
    ]


def exchanged_figure(exchanged: Sequence[Exchanged], days: Sequence[date], lang: Lang) -> go.Figure:
    """Records received per day from each partner, every day of ``days`` shown (a day with
    nothing received as zero: a quiet feed is seen to be quiet)."""
    per_partner: dict[str, dict[date, int]] = defaultdict(dict)
    for e in exchanged:
        per_partner[e.province][e.day] = per_partner[e.province].get(e.day, 0) + e.records
    figure = go.Figure(
        [
            go.Scatter(
                x=[d.isoformat() for d in days],
                y=[counts.get(d, 0) for d in days],
                mode="lines",
                name=term(province, lang),
                line={"color": PARTNER_COLOURS.get(province, "#475569")},
            )
            for province, counts in sorted(per_partner.items())
        ]
    )
    return _styled(figure, "每日接收的记录" if lang == "zh" else "Records received per day")


def reach_figure(reach: Sequence[PartnerReach], lang: Lang) -> go.Figure:
    """Our subjects reached by each partner's records, one bar group per partner, a bar per
    rule."""
    partners = sorted({r.province for r in reach})
    rules = sorted({r.rule for r in reach})
    counts = {(r.province, r.rule): r.subjects for r in reach}
    figure = go.Figure(
        [
            go.Bar(
                x=[term(p, lang) for p in partners],
                y=[counts.get((p, rule), 0) for p in partners],
                name=rule,
            )
            for rule in rules
        ]
    )
    figure.update_layout(barmode="group")
    title = (
        "伙伴记录触及的本省主体（按规则）"
        if lang == "zh"
        else "Our subjects reached by partner records, by rule"
    )
    return _styled(figure, title)


def _duration(seconds: float | None, lang: Lang) -> str:
    if seconds is None:
        return "—"
    minutes, hours = seconds / 60, seconds / 3600
    if lang == "zh":
        return (
            f"{seconds:.0f} 秒"
            if seconds < 120
            else (f"{minutes:.0f} 分钟" if hours < 2 else f"{hours:.1f} 小时")
        )
    return (
        f"{seconds:.0f} s"
        if seconds < 120
        else (f"{minutes:.0f} min" if hours < 2 else f"{hours:.1f} h")
    )


def _moment(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def _styled(figure: go.Figure, title: str) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        legend={"orientation": "h", "y": -0.15},
    )
    return figure
