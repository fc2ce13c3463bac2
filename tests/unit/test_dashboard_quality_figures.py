"""The data-quality page's builders, on load measures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboards.figures import quality as figures
from graph.reads.quality import QualityMeasure, ReasonCount


def _measure(
    day: int, department: str, rows: int, accepted: int, **extra: object
) -> QualityMeasure:
    fields: dict[str, object] = {
        "batch_id": f"b{day}",
        "source": "test",
        "loaded_at": datetime(2026, 11, day, tzinfo=UTC),
        "department": department,
        "department_name": None,
        "kind": "records",
        "rows": rows,
        "accepted": accepted,
        "rejected": rows - accepted,
        "completeness": 1.0,
        "validity": accepted / rows,
        "timeliness_median_days": None,
        "timeliness_p90_days": None,
        "reasons": [],
    }
    fields.update(extra)
    return QualityMeasure.model_validate(fields)


BAD_USCC = "check_char_18"
MEASURES = [
    _measure(1, "JS-SCJGJ", 10, 8, completeness=0.5,
             timeliness_median_days=30, timeliness_p90_days=90,
             reasons=[ReasonCount(field="uscc", reason=BAD_USCC, rows=2)]),
    _measure(2, "JS-SCJGJ", 30, 30, completeness=1.0,
             timeliness_median_days=5, timeliness_p90_days=9),
    _measure(2, "JS-SWJ", 4, 3, department_name="江苏省税务局",
             reasons=[ReasonCount(field="uscc", reason=BAD_USCC, rows=1),
                      ReasonCount(field="decided_on", reason="missing", rows=1)]),
]  # fmt: skip


def test_department_rows_sum_rows_and_weight_completeness_by_rows() -> None:
    rows = {r["department"]: r for r in figures.department_rows(MEASURES)}
    market = rows["JS-SCJGJ"]
    assert (market["loads"], market["rows"], market["rejected"]) == (2, 40, 2)
    assert market["completeness"] == pytest.approx((0.5 * 10 + 1.0 * 30) / 40)
    assert market["validity"] == pytest.approx(38 / 40)
    # Timeliness of the latest load that measured it, not an average of medians.
    assert (market["timeliness_median_days"], market["timeliness_p90_days"]) == (5, 9)
    assert rows["JS-SWJ"]["department_name"] == "江苏省税务局"
    assert rows["JS-SWJ"]["timeliness_median_days"] is None


def test_reason_rows_sum_over_loads_most_frequent_first() -> None:
    rows = figures.reason_rows(MEASURES)
    assert [(r["department"], r["field"], r["reason"], r["rows"]) for r in rows] == [
        ("JS-SCJGJ", "uscc", BAD_USCC, 2),
        ("JS-SWJ", "decided_on", "missing", 1),
        ("JS-SWJ", "uscc", BAD_USCC, 1),
    ]


def test_reasons_figure_totals_a_reason_over_departments() -> None:
    bar = figures.reasons_figure(figures.reason_rows(MEASURES), "en").data[0]
    assert list(bar.y) == ["decided_on · missing", "uscc · check_char_18"]
    assert list(bar.x) == [1, 3]


def test_over_time_has_a_line_per_department_in_load_order() -> None:
    figure = figures.over_time(MEASURES, "validity", "zh")
    lines = {trace.name: list(trace.y) for trace in figure.data}
    assert lines == {"JS-SCJGJ": [pytest.approx(0.8), 1.0], "JS-SWJ": [pytest.approx(0.75)]}


def test_over_time_skips_loads_that_did_not_measure() -> None:
    figure = figures.over_time(MEASURES, "timeliness_median_days", "en")
    assert {trace.name: list(trace.y) for trace in figure.data} == {"JS-SCJGJ": [30, 5]}


def test_nothing_loaded_gives_empty_tables() -> None:
    assert figures.department_rows([]) == [] and figures.reason_rows([]) == []
