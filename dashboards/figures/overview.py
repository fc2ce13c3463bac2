"""The overview's figures: plain counts in, plotly figures and KPI tuples out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from dashboards.i18n import Lang
from dashboards.terms import term
from graph.reads.statistics import Count, ListLevelCount, MonthListCount, Overview

LIST_COLOURS = {"black": "#1f2933", "red": "#c81e1e", "focus": "#d97706"}
LEVELS = ("severe", "serious", "general")
TOP = 15


def kpis(overview: Overview, lang: Lang) -> list[tuple[str, str, int]]:
    """``(id, label, value)`` of each KPI: subjects, then the black list by level (most
    severe first), then the red and focus lists."""
    labels = {
        "zh": ("企业", "自然人", "有效记录"),
        "en": ("organisations", "persons", "active records"),
    }[lang]
    out = [
        ("organizations", labels[0], overview.organizations),
        ("persons", labels[1], overview.persons),
        ("active", labels[2], overview.active_records),
    ]
    out += [
        (
            f"black-{level}",
            f"{term('black', lang)} · {term(level, lang)}",
            _count(overview.by_list_level, "black", level),
        )
        for level in LEVELS
    ]
    out += [
        (name, term(name, lang), _count(overview.by_list_level, name)) for name in ("red", "focus")
    ]
    return out


def _count(counts: Sequence[ListLevelCount], name: str, level: str | None = None) -> int:
    """Records of list ``name``, of ``level`` (None: of any level)."""
    return sum(c.count for c in counts if c.list == name and (level is None or c.level == level))


def trend(months: Sequence[MonthListCount], lang: Lang) -> go.Figure:
    """Records decided per month, one line per list."""
    figure = go.Figure()
    for name in sorted({m.list for m in months}, key=lambda n: n or ""):
        points = [m for m in months if m.list == name]
        figure.add_trace(
            go.Scatter(
                x=[m.month for m in points],
                y=[m.count for m in points],
                mode="lines+markers",
                name=term(name, lang),
                line={"color": LIST_COLOURS.get(name or "", "#616e7c")},
            )
        )
    return _styled(
        figure, "按决定月份的有效记录" if lang == "zh" else "Active records by month decided"
    )


def cities(by_region: Sequence[Count], names: Mapping[str, str], lang: Lang) -> go.Figure:
    """Records per city, ordered, largest on top; every city of ``names`` shown, with none
    as zero, so a quiet city is seen to be quiet rather than missing."""
    counts = {c.key: c.count for c in by_region}
    ordered = sorted(names, key=lambda code: (counts.get(code, 0), code))
    figure = go.Figure(
        go.Bar(
            x=[counts.get(code, 0) for code in ordered],
            y=[names[code] for code in ordered],
            orientation="h",
            marker={"color": "#1d4ed8"},
        )
    )
    figure.update_layout(height=max(320, 26 * len(ordered)))
    return _styled(figure, "各设区市" if lang == "zh" else "By city")


def ranked(counts: Sequence[Count], title: str, lang: Lang, top: int = TOP) -> go.Figure:
    """The ``top`` largest counts as ordered bars, the rest summed in one last bar."""
    shown, rest = list(counts[:top]), sum(c.count for c in counts[top:])
    labels = [c.name or term(c.key, lang) for c in shown]
    values = [c.count for c in shown]
    if rest:
        labels.append("其余" if lang == "zh" else "the rest")
        values.append(rest)
    figure = go.Figure(
        go.Bar(x=values[::-1], y=labels[::-1], orientation="h", marker={"color": "#475569"})
    )
    figure.update_layout(height=max(320, 26 * len(labels)))
    return _styled(figure, title)


def _styled(figure: go.Figure, title: str) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        legend={"orientation": "h", "y": -0.15},
        yaxis={"automargin": True},
    )
    return figure
