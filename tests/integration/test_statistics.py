"""Dashboard aggregates on a real Neo4j, against counts made by hand."""

from __future__ import annotations

from datetime import date

from graph.reads.statistics import Count, statistics, trend_months
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder

AS_OF = date(2026, 6, 1)


def _pairs(counts: list[Count]) -> list[tuple[str | None, str | None, int]]:
    return [(c.key, c.name, c.count) for c in counts]


def test_counts_of_active_records_and_flags(repo: Repository) -> None:
    g = GraphBuilder(repo)
    g.org("SZ1", region="3205")
    g.org("SZ2", region="320505")  # a county of Suzhou rolls up to the city
    g.org("NJ", region="3201")
    g.org("SH", region="310115")  # a Shanghai district is kept as it is
    person = g.person("张三", region="3202")
    g.record("SZ1", "B1", decided_on=date(2026, 5, 20), authority="JS-FY")
    g.record("SZ2", "B2", level="serious", category="tax", authority="JS-SW",
             decided_on=date(2026, 5, 2))  # fmt: skip
    g.record("NJ", "F1", list_="focus", level="general", category="environment",
             authority="JS-HB", decided_on=date(2025, 1, 15))  # fmt: skip
    g.record("SH", "R1", list_="red", level=None, category="honour", authority="SH-SW",
             decided_on=date(2023, 3, 1), publish_until=None)  # fmt: skip
    g.record(person, "B3", decided_on=date(2026, 5, 28), authority="JS-FY")
    # Not counted: repaired, under objection, publicity ended, not yet published.
    g.record("NJ", "X1", status="repaired")
    g.record("NJ", "X2", status="under_objection")
    g.record("NJ", "X3", decided_on=date(2024, 1, 1), publish_until=date(2026, 1, 1))
    g.record("NJ", "X4", decided_on=date(2026, 7, 1))
    # Flags: two from live records, one from a record under objection (pending), one from a
    # repaired record (not counted).
    step = [{"source": "SZ1", "rel": "LEGAL_REP_OF", "direction": "in", "target": person,
             "rule": "R1"}]  # fmt: skip
    g.flag(person, "B1", step)
    g.flag("SZ1", "B3", step, rule="R2", kind="associated", score=0.6)
    g.flag("SZ2", "X2", step, rule="R3", kind="associated", score=0.5)
    g.flag("SH", "X1", step, rule="R3", kind="associated", score=0.5)

    stats = statistics(repo, AS_OF)
    assert stats.as_of == AS_OF and stats.active_records == 5
    assert _pairs(stats.by_region) == [
        ("3205", "苏州市", 2),
        ("310115", "浦东新区", 1),
        ("3201", "南京市", 1),
        ("3202", "无锡市", 1),
    ]
    assert _pairs(stats.by_department) == [
        ("JS-FY", "department JS-FY", 2),
        ("JS-HB", "department JS-HB", 1),
        ("JS-SW", "department JS-SW", 1),
        ("SH-SW", "department SH-SW", 1),
    ]
    assert _pairs(stats.by_list) == [("black", None, 3), ("focus", None, 1), ("red", None, 1)]
    assert _pairs(stats.by_level) == [
        ("severe", None, 2),
        (None, None, 1),  # the red record has no level
        ("general", None, 1),
        ("serious", None, 1),
    ]
    assert _pairs(stats.by_category) == [
        ("judgment_debtor", None, 2),
        ("environment", None, 1),
        ("honour", None, 1),
        ("tax", None, 1),
    ]
    months = {m.month: m.count for m in stats.by_decision_month}
    assert len(months) == 24 and next(iter(months)) == "2024-07"
    assert months["2026-05"] == 3 and months["2025-01"] == 1 and months["2026-06"] == 0
    assert sum(months.values()) == 4  # the red record of 2023 is older than 24 months
    assert [(f.rule, f.kind, f.count) for f in stats.flags] == [
        ("R1", "extended", 1),
        ("R2", "associated", 1),
        ("R3", "pending", 1),
    ]


def test_no_personal_field_in_the_aggregates(repo: Repository) -> None:
    g = GraphBuilder(repo)
    person = g.person("李四")
    g.record(person, "B1")
    text = statistics(repo, AS_OF).model_dump_json()
    assert person not in text and "李四" not in text and "000X" not in text


def test_empty_graph_and_the_start_of_the_calendar(repo: Repository) -> None:
    stats = statistics(repo, date(1, 3, 15))
    assert stats.active_records == 0 and stats.flags == []
    assert [m.month for m in stats.by_decision_month] == ["0001-01", "0001-02", "0001-03"]
    assert [m.isoformat() for m in trend_months(date(2026, 1, 31), 3)] == [
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
    ]
