"""The as-of counting rule is one rule: its Cypher fragments select, in a real Neo4j, exactly
the records its Python predicate accepts, over a grid of statuses and publicity dates."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_LIVE, RECORD_PUBLISHED
from graph.store.repository import Repository
from graph.vocabulary import (
    IN_FORCE_STATUSES,
    LIVE_STATUSES,
    RECORD_STATUSES,
    published_on,
    record_counts,
)

AS_OF = date(2026, 5, 1)
DAY = timedelta(days=1)
# Each date property absent, the day before, the day itself or the day after as_of.
DATES: tuple[date | None, ...] = (None, AS_OF - DAY, AS_OF, AS_OF + DAY)
# Every status, and none at all (a row written without one).
STATUSES: tuple[str | None, ...] = (*sorted(RECORD_STATUSES), None)

WRITE_GRID = """
UNWIND $rows AS row
CREATE (r:Record {record_id: row.record_id})
SET r += row.props
"""
# The fragments under test are composed exactly as the query modules compose them.
SELECTED_BY = {
    "in_force": "MATCH (r:Record) WHERE " + RECORD_IN_FORCE + " RETURN r.record_id AS id",
    "live": "MATCH (r:Record) WHERE " + RECORD_LIVE + " RETURN r.record_id AS id",
    "published": "MATCH (r:Record) WHERE " + RECORD_PUBLISHED + " RETURN r.record_id AS id",
}

Grid = dict[str, dict[str, Any]]


@pytest.fixture
def grid(repo: Repository) -> Grid:
    """384 records: every status against every combination of the three dates."""
    records: Grid = {}
    combinations = itertools.product(STATUSES, DATES, DATES, DATES)
    for i, (status, publish_from, decided_on, publish_until) in enumerate(combinations):
        records[f"GRID-{i}"] = {
            "status": status,
            "publish_from": publish_from,
            "decided_on": decided_on,
            "publish_until": publish_until,
        }
    rows = [
        {"record_id": key, "props": {k: v for k, v in props.items() if v is not None}}
        for key, props in records.items()
    ]
    repo.write(WRITE_GRID, rows=rows)
    return records


def _selected(repo: Repository, fragment: str) -> set[str]:
    return {row["id"] for row in repo.read(SELECTED_BY[fragment], as_of=AS_OF)}


def test_in_force_fragment_selects_what_the_predicate_accepts(repo: Repository, grid: Grid) -> None:
    expected = {
        key
        for key, props in grid.items()
        if record_counts(AS_OF, **props, statuses=IN_FORCE_STATUSES)
    }
    assert expected  # the grid exercises both answers
    assert _selected(repo, "in_force") == expected


def test_live_fragment_selects_what_the_predicate_accepts(repo: Repository, grid: Grid) -> None:
    expected = {
        key for key, props in grid.items() if record_counts(AS_OF, **props, statuses=LIVE_STATUSES)
    }
    assert _selected(repo, "live") == expected
    # Live is in force plus the records under objection, nothing else.
    in_force = {k for k, p in grid.items() if record_counts(AS_OF, **p)}
    assert {grid[k]["status"] for k in expected - in_force} == {"under_objection"}


def test_publicity_window_fragment_selects_what_the_predicate_accepts(
    repo: Repository, grid: Grid
) -> None:
    expected = {
        key
        for key, props in grid.items()
        if published_on(AS_OF, props["publish_from"], props["decided_on"], props["publish_until"])
    }
    assert _selected(repo, "published") == expected


def test_the_window_by_hand() -> None:
    """The cases the rule is written for, each answered by hand."""
    on = AS_OF
    # The decision stands in for a missing publicity start; with neither, it is always public.
    assert published_on(on, None, on - DAY, None)
    assert not published_on(on, None, on + DAY, None)
    assert published_on(on, None, None, None)
    # publish_from wins over the decision; both ends are inclusive; an open end never ends.
    assert not published_on(on, on + DAY, on - DAY, None)
    assert published_on(on, on, None, on)
    assert not published_on(on, None, on - 2 * DAY, on - DAY)
