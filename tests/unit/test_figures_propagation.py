"""The propagation page's pure builders, on hand-made runs, feeds, findings and analytics."""

from __future__ import annotations

from datetime import date

from dashboards.figures.propagation import (
    change_rows,
    cluster_rows,
    column_defs,
    conflict_rows,
    flag_count_rows,
    flag_score_figure,
    hub_rows,
    path_text,
    reach_rows,
)
from graph.model import PathStep
from graph.propagation.reach import Reach, ReachCount
from graph.propagation.runs import ChangeFeedEntry, FlagSnapshot, PropagationRun
from graph.reads.findings import FindingRecord, FlagOnRecord, FlagRef, RedListConflict
from graph.reads.statistics import FlagScoreCount

STEP = PathStep(source="A", rel="LEGAL_REP_OF", direction="in", target="p", rule="R1")
STEP2 = PathStep(source="p", rel="OFFICER_OF", direction="out", target="B", rule="R2")


def _count(rule: str, kind: str, score: float, count: int) -> FlagScoreCount:
    return FlagScoreCount(rule=rule, kind=kind, score=score, count=count)


COUNTS = [
    _count("R1", "extended", 1.0, 4),
    _count("R2", "associated", 0.6, 3),
    _count("R2", "associated", 0.36, 1),
    _count("R2", "pending", 0.6, 2),
]


def test_score_figure_stacks_kinds_per_score_in_score_order() -> None:
    fig = flag_score_figure(COUNTS, lambda key: key)
    assert [bar.name for bar in fig.data] == ["R1 · extended", "R2 · associated", "R2 · pending"]
    assert list(fig.data[0].x) == ["0.36", "0.6", "1"]
    assert list(fig.data[1].y) == [1, 3, 0]
    assert fig.layout.barmode == "stack"


def test_counts_by_rule_and_kind_with_mean_and_lowest_score() -> None:
    assert flag_count_rows(COUNTS) == [
        {"rule": "R1", "kind": "extended", "flags": 4, "mean_score": 1.0, "min_score": 1.0},
        {"rule": "R2", "kind": "associated", "flags": 4, "mean_score": 0.54, "min_score": 0.36},
        {"rule": "R2", "kind": "pending", "flags": 2, "mean_score": 0.6, "min_score": 0.6},
    ]


def test_columns_are_sortable_and_filterable() -> None:
    defs = column_defs([("rule", "规则"), ("flags", "标记")], flags=True)
    assert [d["filter"] for d in defs] == ["agTextColumnFilter", "agNumberColumnFilter"]
    assert all(d["sortable"] for d in defs)


def test_path_text_names_subjects_and_shows_directions() -> None:
    assert path_text([STEP, STEP2], {"A": "甲", "B": "乙"}) == (
        "甲 ←LEGAL_REP_OF(R1)← p →OFFICER_OF(R2)→ 乙"
    )
    assert path_text([], {}) == ""


def _snapshot(kind: str, score: float) -> FlagSnapshot:
    return FlagSnapshot(
        subject="B",
        record_id="rec",
        rule="R2",
        kind=kind,
        score=score,
        hops=2,  # type: ignore[arg-type]
        path=[STEP, STEP2],
        basis="",
        rules_version="v",
    )


def test_change_rows_put_before_and_after_side_by_side() -> None:
    entries = [
        ChangeFeedEntry(
            seq=0,
            change="gained",
            subject="B",
            record_id="rec",
            before=None,
            after=_snapshot("associated", 0.6),
        ),
        ChangeFeedEntry(
            seq=1,
            change="changed",
            subject="B",
            record_id="rec",
            before=_snapshot("associated", 0.6),
            after=_snapshot("pending", 0.6),
        ),
        ChangeFeedEntry(
            seq=2,
            change="lost",
            subject="B",
            record_id="rec",
            before=_snapshot("pending", 0.6),
            after=None,
        ),
    ]
    rows = change_rows(entries, {"B": "乙公司"})
    assert [(r["change"], r["kind_before"], r["kind_after"]) for r in rows] == [
        ("gained", None, "associated"),
        ("changed", "associated", "pending"),
        ("lost", "pending", None),
    ]
    assert rows[0]["name"] == "乙公司" and rows[2]["path"].endswith("乙公司")


def _run(reach: Reach | None, before: Reach | None) -> PropagationRun:
    return PropagationRun(
        run_id="run1",
        mode="full",
        status="completed",
        as_of=date(2026, 5, 1),
        rules_version="v",
        started_at="2026-05-01T00:00:00Z",
        reach=reach,
        reach_before=before,
    )


def _reach(sanctioned: int, flagged: int, **by_rule: tuple[int, int]) -> Reach:
    return Reach(
        total=ReachCount(sanctioned=sanctioned, flagged=flagged),
        by_rule={r: ReachCount(sanctioned=s, flagged=f) for r, (s, f) in by_rule.items()},
        by_kind={},
    )


def test_reach_rows_warn_where_the_run_multiplied_the_reach() -> None:
    run = _run(_reach(2, 10, R1=(2, 4), R2=(2, 6)), _reach(2, 4, R1=(2, 4)))
    rows = reach_rows(run, factor=2.0)
    assert [(r["group"], r["multiplied"], r["warn"]) for r in rows] == [
        ("all", 2.5, True),
        ("rule R1", 1.0, False),
        ("rule R2", None, False),  # nothing before: a new rule shows in the total
    ]
    # The same verdict as the run's own warnings.
    assert len(run.reach_warnings(2.0)) == sum(r["warn"] for r in rows)


def test_a_run_without_reach_has_no_rows() -> None:
    assert reach_rows(_run(None, None), 2.0) == []


def test_hubs_and_clusters_show_names_and_previews() -> None:
    hubs = [{"person": "person~1", "count": 2, "organizations": ["A", "B"]}]
    assert hub_rows(hubs, {"person~1": "自然人 (person)", "A": "甲"}) == [
        {"person": "person~1", "name": "自然人 (person)", "organizations": 2, "linked": "甲; B"}
    ]
    members = [f"S{i}" for i in range(7)]
    clusters = [{"size": 7, "members": members, "sanctioned": members, "flagged": []}]
    row = cluster_rows(clusters, {})[0]
    assert row["cluster"] == 1 and row["sanctioned"] == 7
    assert row["members"] == "S0; S1; S2; S3; S4; …"


def test_conflict_rows_list_honours_and_what_contradicts_them() -> None:
    record = FindingRecord(record_id="B1", list="black", level="severe")
    conflict = RedListConflict(
        key="A",
        label="Organization",
        name="甲",
        region_code="3202",
        honours=[FindingRecord(record_id="H1", list="red", category="tax_a_grade")],
        records=[record],
        flags=[
            FlagOnRecord(
                flag=FlagRef(
                    rule="R3", kind="associated", score=0.5, hops=1, path=[STEP], basis=""
                ),
                record=FindingRecord(record_id="B2", list="black"),
            )
        ],
    )
    [row] = conflict_rows([conflict])
    assert row["honours"] == "H1" and row["sanctions"] == "B1; B2 (R3)"
    assert (row["own_records"], row["flags"]) == (1, 1)
