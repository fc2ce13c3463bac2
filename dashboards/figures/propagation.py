"""Pure builders of the propagation page: plain data in, a plotly figure or grid rows out.

Nothing here reads the graph or decides what a viewer may see: the page hands in what
:mod:`graph.disclosure` already disclosed, and the names to show by key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from graph.model import PathStep
from graph.propagation.reach import Reach, ReachCount
from graph.propagation.runs import ChangeFeedEntry, FlagSnapshot, PropagationRun
from graph.reads.findings import AppointmentFinding, RedListConflict
from graph.reads.statistics import FlagScoreCount

Row = dict[str, Any]
Translate = Callable[[str], str]

# A stable colour per flag kind, the explorer's and the legend's.
KIND_COLOURS = {"extended": "#b3261e", "associated": "#e8a33d", "pending": "#7a7a7a"}
ARROWS = {"out": "→", "in": "←"}
CLUSTER_PREVIEW = 5
_NOTHING = ReachCount(sanctioned=0, flagged=0)


def column_defs(columns: Sequence[tuple[str, str]], **numeric: bool) -> list[Row]:
    """AG Grid ``columnDefs``: each ``(field, header)`` sortable and filterable, a number
    filter on the fields named ``field=True`` in ``numeric``."""
    return [
        {
            "field": field,
            "headerName": header,
            "filter": "agNumberColumnFilter" if numeric.get(field) else "agTextColumnFilter",
            "sortable": True,
            "resizable": True,
        }
        for field, header in columns
    ]


# --------------------------------------------------------------------------- flags


def flag_score_figure(counts: Sequence[FlagScoreCount], t: Translate) -> go.Figure:
    """Flags by score (x), stacked by kind, one bar group per rule: where the weight lies.

    >>> from graph.reads.statistics import FlagScoreCount as C
    >>> fig = flag_score_figure([C(rule="R1", kind="extended", score=1.0, count=3)], str)
    >>> [(bar.name, list(bar.y)) for bar in fig.data]
    [('R1 · extended', [3])]
    """
    by_series: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    scores = sorted({_score(c.score) for c in counts}, key=float)
    for c in counts:
        by_series[(c.rule or "?", c.kind or "?")][_score(c.score)] += c.count
    fig = go.Figure(
        [
            go.Bar(
                name=f"{rule} · {kind}",
                x=scores,
                y=[series.get(score, 0) for score in scores],
                marker_color=KIND_COLOURS.get(kind),
                marker_pattern_shape=_rule_pattern(rule),
                hovertemplate=f"{rule} · {kind}<br>%{{x}}: %{{y}}<extra></extra>",
            )
            for (rule, kind), series in sorted(by_series.items())
        ]
    )
    fig.update_layout(
        barmode="stack",
        xaxis={"title": t("score"), "type": "category"},
        yaxis={"title": t("flags")},
        legend={"title": t("rule_kind")},
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        height=320,
    )
    return fig


def flag_count_rows(counts: Iterable[FlagScoreCount]) -> list[Row]:
    """One row per rule and kind: the flags, and the mean and lowest score."""
    groups: dict[tuple[str, str], list[FlagScoreCount]] = defaultdict(list)
    for c in counts:
        groups[(c.rule or "", c.kind or "")].append(c)
    rows = []
    for (rule, kind), group in sorted(groups.items()):
        total = sum(c.count for c in group)
        weighted = sum((c.score or 0.0) * c.count for c in group)
        rows.append(
            {
                "rule": rule,
                "kind": kind,
                "flags": total,
                "mean_score": round(weighted / total, 3) if total else None,
                "min_score": min((c.score for c in group if c.score is not None), default=None),
            }
        )
    return rows


def _score(score: float | None) -> str:
    return "?" if score is None else f"{score:g}"


def _rule_pattern(rule: str) -> str:
    # Rules told apart by pattern as well as kinds by colour: readable in greyscale print.
    return {"R1": "", "R2": "/", "R3": "x", "R4": "."}.get(rule, "-")


# --------------------------------------------------------------------------- paths


def path_text(path: Sequence[PathStep], names: Mapping[str, str]) -> str:
    """A path on one line: ``A ←LEGAL_REP_OF(R1)← p →OFFICER_OF(R2)→ B``.

    >>> step = PathStep(source="A", rel="LEGAL_REP_OF", direction="in", target="p", rule="R1")
    >>> path_text([step], {"A": "甲公司"})
    '甲公司 ←LEGAL_REP_OF(R1)← p'
    """
    if not path:
        return ""
    parts = [names.get(path[0].source, path[0].source)]
    for step in path:
        arrow = ARROWS[step.direction]
        parts.append(f"{arrow}{step.rel}({step.rule}){arrow}")
        parts.append(names.get(step.target, step.target))
    return " ".join(parts)


def path_keys(paths: Iterable[Sequence[PathStep]]) -> set[str]:
    """Every subject key the paths mention, for one lookup of their names."""
    return {key for path in paths for step in path for key in (step.source, step.target)}


# --------------------------------------------------------------------------- runs and feed


def run_rows(runs: Iterable[PropagationRun]) -> list[Row]:
    return [
        {
            "run_id": run.run_id,
            "mode": run.mode,
            "status": run.status,
            "as_of": run.as_of.isoformat(),
            "started_at": run.started_at,
            "rules_version": run.rules_version,
            "records": run.records,
            "flags": run.flags,
            "gained": run.gained,
            "lost": run.lost,
            "changed": run.changed,
            "seconds": run.seconds,
        }
        for run in runs
    ]


def change_rows(entries: Iterable[ChangeFeedEntry], names: Mapping[str, str]) -> list[Row]:
    """The change feed, one row per change, before and after side by side."""
    rows = []
    for entry in entries:
        before, after = entry.before, entry.after
        shown = after or before
        rows.append(
            {
                "seq": entry.seq,
                "change": entry.change,
                "subject": entry.subject,
                "name": names.get(entry.subject, ""),
                "record_id": entry.record_id,
                "rule": shown.rule if shown else None,
                "kind_before": _kind(before),
                "kind_after": _kind(after),
                "score_before": before.score if before else None,
                "score_after": after.score if after else None,
                "path": path_text(shown.path, names) if shown else "",
            }
        )
    return rows


def _kind(flag: FlagSnapshot | None) -> str | None:
    return None if flag is None else flag.kind


def reach_rows(run: PropagationRun, factor: float) -> list[Row]:
    """A run's reach before and after, in all, by rule and by kind; ``warn`` where the ratio
    was multiplied by more than ``factor`` (the same test as the run's own warnings)."""
    if run.reach is None:
        return []
    before = run.reach_before or Reach(total=_NOTHING, by_rule={}, by_kind={})
    groups: list[tuple[str, ReachCount | None, ReachCount]] = [
        ("all", before.total, run.reach.total),
        *((f"rule {r}", before.by_rule.get(r), c) for r, c in run.reach.by_rule.items()),
        *((f"kind {k}", before.by_kind.get(k), c) for k, c in run.reach.by_kind.items()),
    ]
    rows = []
    for group, then, now in groups:
        multiplied = now.ratio / then.ratio if then is not None and then.ratio > 0 else None
        rows.append(
            {
                "run_id": run.run_id,
                "mode": run.mode,
                "group": group,
                "sanctioned_before": then.sanctioned if then else None,
                "sanctioned_after": now.sanctioned,
                "flagged_before": then.flagged if then else None,
                "flagged_after": now.flagged,
                "ratio_before": then.ratio if then else None,
                "ratio_after": now.ratio,
                "multiplied": None if multiplied is None else round(multiplied, 2),
                "warn": multiplied is not None and multiplied > factor,
            }
        )
    return rows


# --------------------------------------------------------------------------- analytics


def hub_rows(hubs: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[Row]:
    """Hub persons (already disclosed keys) with the organisations they link."""
    return [
        {
            "person": hub["person"],
            "name": names.get(hub["person"], ""),
            "organizations": hub["count"],
            "linked": "; ".join(names.get(o, o) for o in hub["organizations"]),
        }
        for hub in hubs
    ]


def cluster_rows(clusters: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[Row]:
    """Risk clusters, numbered largest first, with a preview of their sanctioned members."""
    return [
        {
            "cluster": index,
            "size": cluster["size"],
            "sanctioned": len(cluster["sanctioned"]),
            "flagged": len(cluster["flagged"]),
            "members": "; ".join(names.get(k, k) for k in cluster["sanctioned"][:CLUSTER_PREVIEW])
            + ("; …" if cluster["size"] > CLUSTER_PREVIEW else ""),
        }
        for index, cluster in enumerate(clusters, start=1)
    ]


# --------------------------------------------------------------------------- findings


def appointment_rows(findings: Iterable[AppointmentFinding]) -> list[Row]:
    """Restricted persons in post (违规任职), one row per person, record and post."""
    return [
        {
            "person": f.person.pid,
            "name": f.person.name or "",
            "id_masked": f.person.id_masked or "",
            "restricted_by": f.restricted_by,
            "record_id": f.record.record_id,
            "list": f.record.list,
            "level": f.record.level,
            "category": f.record.category,
            "authority": f.record.authority_name or f.record.authority,
            "post_org": f.post.uscc,
            "post_org_name": f.post.name or "",
            "post": f.post.role or f.post.rel,
            "since": f.post.since.isoformat() if f.post.since else None,
            "rule": f.flag.rule if f.flag else None,
        }
        for f in findings
    ]


def conflict_rows(conflicts: Iterable[RedListConflict]) -> list[Row]:
    """Red-listed subjects that a sanction contradicts, one row per subject."""
    return [
        {
            "key": c.key,
            "name": c.name or "",
            "label": c.label,
            "region_code": c.region_code,
            "honours": "; ".join(h.record_id for h in c.honours),
            "honour_categories": "; ".join(sorted({h.category or "" for h in c.honours})),
            "own_records": len(c.records),
            "flags": len(c.flags),
            "sanctions": "; ".join(
                [r.record_id for r in c.records]
                + [f"{f.record.record_id} ({f.flag.rule})" for f in c.flags]
            ),
        }
        for c in conflicts
    ]
