"""The cross-region page's builders."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dashboards.figures import crossregion as figures
from graph.linkage.status import Exchanged, PartnerReach, PartnerStatus


def _status(province: str, **extra: object) -> PartnerStatus:
    fields: dict[str, object] = {
        "province": province, "configured": True, "cursor": None, "in_snapshot": False,
        "last_seq": None, "head_seq": None, "lag_records": None, "lag_seconds": None,
        "pages": 0, "records": 0, "pending_refresh": 0, "last_success_at": None,
        "last_error": None, "last_error_at": None,
    }  # fmt: skip
    fields.update(extra)
    return PartnerStatus(**fields)  # type: ignore[arg-type]


def test_status_rows_say_how_far_behind_and_the_last_error() -> None:
    rows = figures.status_rows(
        [
            _status("31", lag_records=0, lag_seconds=0.0, records=12),
            _status("33", lag_records=40, lag_seconds=3 * 3600, last_error="503 from partner",
                    last_error_at=datetime(2026, 12, 1, 8, tzinfo=UTC)),
            _status("34"),
        ],
        "zh",
    )  # fmt: skip
    assert [r["partner"] for r in rows] == ["上海 (31)", "浙江 (33)", "安徽 (34)"]
    assert (rows[0]["lag"], rows[1]["lag"], rows[2]["lag"]) == ("0 秒", "3.0 小时", "—")
    assert rows[1]["last_error"] == "503 from partner"
    assert rows[1]["last_error_at"] == "2026-12-01T08:00:00+00:00"
    assert rows[2]["lag_records"] is None  # no head seen yet: unknown, not zero


def test_exchanged_shows_every_day_with_a_quiet_one_as_zero() -> None:
    days = [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
    figure = figures.exchanged_figure(
        [Exchanged("31", date(2026, 12, 1), 2, 10), Exchanged("31", date(2026, 12, 3), 1, 4)],
        days,
        "en",
    )
    (line,) = figure.data
    assert line.name == "Shanghai"
    assert list(line.y) == [10, 0, 4]


def test_reach_has_a_bar_per_rule_grouped_by_partner() -> None:
    figure = figures.reach_figure(
        [PartnerReach("31", "R1", 3, 2), PartnerReach("33", "R2", 5, 1)], "en"
    )
    bars = {trace.name: list(trace.y) for trace in figure.data}
    assert bars == {"R1": [3, 0], "R2": [0, 5]}
    assert list(figure.data[0].x) == ["Shanghai", "Zhejiang"]
