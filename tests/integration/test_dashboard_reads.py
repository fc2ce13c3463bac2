"""The dashboards' reads on a loaded province, checked against the graph counted another way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.reads.professionals import flagged_practitioners, occupation_counts
from graph.reads.quality import data_quality
from graph.reads.statistics import overview, statistics
from graph.reference import occupations
from graph.services import Services


def test_overview_agrees_with_the_statistics(services: Services, province: Path) -> None:
    today = services.clock.today()
    counts = overview(services.repository, today)
    stats = statistics(services.repository, today)
    assert counts.active_records == stats.active_records
    assert {(c.key, c.count) for c in counts.by_category} == {
        (c.key, c.count) for c in stats.by_category
    }
    assert sum(c.count for c in counts.by_list_level) == counts.active_records
    assert counts.organizations > 0 and counts.persons > 0


def test_overview_filters_narrow_the_counts(services: Services, province: Path) -> None:
    today = services.clock.today()
    everything = overview(services.repository, today)
    recent = overview(services.repository, today, decided_from=date(today.year, 1, 1))
    elsewhere = overview(services.repository, today, province="34")
    assert recent.active_records <= everything.active_records
    assert recent.by_month[0].month == f"{today.year}-01"
    assert elsewhere.organizations < everything.organizations  # a few partners, no records
    assert elsewhere.active_records <= everything.active_records


def test_overview_refuses_a_range_that_ends_before_it_begins(services: Services) -> None:
    with pytest.raises(ValueError, match="ends before"):
        overview(
            services.repository,
            date(2026, 1, 1),
            decided_from=date(2025, 6, 1),
            decided_until=date(2025, 1, 1),
        )


def test_data_quality_has_the_loads_measures(services: Services, province: Path) -> None:
    measures = data_quality(services.repository)
    assert measures, "the province's load measured its quality"
    assert all(m.rows == m.accepted + m.rejected for m in measures)
    for m in measures:
        assert sum(r.rows for r in m.reasons) >= m.rejected, "every rejected row has a reason"


def test_occupation_counts_cover_the_23_groups(services: Services, province: Path) -> None:
    counts = occupation_counts(services.repository, services.clock.today())
    assert {c.code for c in counts} == set(occupations())
    assert len(counts) == 23
    assert sum(c.holders for c in counts) > 0
    assert all(c.sanctioned <= c.holders and c.flagged <= c.holders for c in counts)


def test_flagged_practitioners_are_those_counted(services: Services, province: Path) -> None:
    today = services.clock.today()
    for count in occupation_counts(services.repository, today):
        rows = flagged_practitioners(services.repository, count.code, today)
        persons = {r.person.pid for r in rows}
        own = {r.person.pid for r in rows if r.rule == "own"}
        assert len(own) == count.sanctioned
        assert len(persons) <= count.sanctioned + count.flagged
