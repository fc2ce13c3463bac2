"""The professionals page's builders: occupation counts and practitioners in, a figure and
grid rows out. Practitioners arrive already disclosed for the viewer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from dashboards.i18n import Lang
from dashboards.terms import term
from graph.reads.professionals import FlaggedPractitioner, OccupationCount


def occupations_figure(counts: Sequence[OccupationCount], lang: Lang) -> go.Figure:
    """Holders of each occupation, ordered, with the sanctioned and the flagged beside them."""
    ordered = sorted(counts, key=lambda c: (c.holders, c.code))
    names = [c.name for c in ordered]
    series = {
        ("持证人员", "holders"): ([c.holders for c in ordered], "#94a3b8"),
        ("本人失信", "sanctioned"): ([c.sanctioned for c in ordered], "#1f2933"),
        ("关联标记", "flagged"): ([c.flagged for c in ordered], "#d97706"),
    }
    figure = go.Figure(
        [
            go.Bar(
                x=values,
                y=names,
                orientation="h",
                name=label[0 if lang == "zh" else 1],
                marker={"color": colour},
            )
            for label, (values, colour) in series.items()
        ]
    )
    figure.update_layout(
        barmode="group",
        title={"text": "重点职业人群" if lang == "zh" else "Key occupational groups", "x": 0},
        height=max(420, 34 * len(ordered)),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        legend={"orientation": "h", "y": -0.05},
        yaxis={"automargin": True},
    )
    return figure


def occupation_rows(counts: Sequence[OccupationCount]) -> list[dict[str, Any]]:
    return [c.model_dump() for c in counts]


def practitioner_rows(
    practitioners: Sequence[FlaggedPractitioner], lang: Lang
) -> list[dict[str, Any]]:
    """One row per practitioner and record; the person as disclosed (alias or masked)."""
    return [
        {
            "person": p.person.pid,
            "name": p.person.name,
            "id_masked": p.person.id_masked,
            "record_id": p.record_id,
            "list": term(p.list, lang),
            "level": term(p.level, lang) if p.level else "",
            "category": term(p.category, lang) if p.category else "",
            "rule": p.rule,
            "kind": p.kind,
            "score": round(p.score, 3),
            "practises_at": "、".join(p.practises_at),
        }
        for p in practitioners
    ]
