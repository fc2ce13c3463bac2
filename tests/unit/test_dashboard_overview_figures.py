"""The overview's figure builders, on counts worked out by hand."""

from __future__ import annotations

from datetime import date

from dashboards.figures import overview as figures
from dashboards.i18n import missing_labels
from dashboards.terms import TERMS
from graph.reads.statistics import Count, ListLevelCount, MonthListCount, Overview


def _overview() -> Overview:
    return Overview(
        as_of=date(2026, 12, 1),
        decided_from=None,
        decided_until=None,
        province="32",
        organizations=10,
        persons=4,
        active_records=9,
        by_list_level=[
            ListLevelCount(list="black", level="severe", count=2),
            ListLevelCount(list="black", level="general", count=3),
            ListLevelCount(list="red", level=None, count=4),
        ],
        by_month=[
            MonthListCount(month="2026-11", list="black", count=1),
            MonthListCount(month="2026-12", list="black", count=4),
            MonthListCount(month="2026-11", list="red", count=0),
            MonthListCount(month="2026-12", list="red", count=4),
        ],
        by_region=[Count(key="3201", count=5), Count(key="3202", count=4)],
        by_department=[],
        by_category=[],
    )


def test_kpis_count_the_black_list_by_level_and_the_other_lists() -> None:
    values = {id_: value for id_, _, value in figures.kpis(_overview(), "zh")}
    assert values == {
        "organizations": 10,
        "persons": 4,
        "active": 9,
        "black-severe": 2,
        "black-serious": 0,
        "black-general": 3,
        "red": 4,
        "focus": 0,
    }


def test_kpi_labels_follow_the_language() -> None:
    labels = {id_: label for id_, label, _ in figures.kpis(_overview(), "en")}
    assert labels["black-severe"] == "black list · severe"
    assert labels["organizations"] == "organisations"


def test_trend_has_one_line_per_list_in_month_order() -> None:
    figure = figures.trend(_overview().by_month, "zh")
    lines = {trace.name: (list(trace.x), list(trace.y)) for trace in figure.data}
    assert lines == {
        "黑名单": (["2026-11", "2026-12"], [1, 4]),
        "红名单": (["2026-11", "2026-12"], [0, 4]),
    }


def test_cities_shows_every_city_ordered_with_a_quiet_one_as_zero() -> None:
    names = {"3201": "南京市", "3202": "无锡市", "3203": "徐州市"}
    bar = figures.cities(_overview().by_region, names, "zh").data[0]
    # Horizontal bars are drawn bottom up: the largest last, so it is on top.
    assert list(bar.y) == ["徐州市", "无锡市", "南京市"]
    assert list(bar.x) == [0, 4, 5]


def test_ranked_sums_what_is_beyond_the_top_into_one_bar() -> None:
    counts = [Count(key=f"d{i}", name=f"部门{i}", count=10 - i) for i in range(5)]
    bar = figures.ranked(counts, "各部门", "zh", top=3).data[0]
    assert list(bar.y) == ["其余", "部门2", "部门1", "部门0"]
    assert list(bar.x) == [7 + 6, 8, 9, 10]


def test_ranked_names_an_unnamed_key_by_its_term() -> None:
    bar = figures.ranked([Count(key="tax", count=3), Count(key=None, count=1)], "t", "en").data[0]
    assert list(bar.y) == ["not stated", "tax"]


def test_every_term_has_both_languages() -> None:
    assert missing_labels(TERMS) == {}
