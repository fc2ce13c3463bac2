"""Aggregates for dashboards: active records by city, department, kind and month; flags.

Counts only: no key, name or any other field of a subject leaves this module, so analysts
may see all of it. Every count is of records active on ``as_of`` (status ``active`` and within
the publicity window), so a dashboard and a review on the same date agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from pydantic import BaseModel

from graph.errors import InvalidInput
from graph.reference import prefecture_of, regions
from graph.store.queries import statistics as q
from graph.store.repository import Repository, Row

TREND_MONTHS = 24
MAX_TREND_MONTHS = 120


class Count(BaseModel):
    key: str | None  # None: the records that do not say (no region, no level, …)
    name: str | None = None
    count: int


class MonthCount(BaseModel):
    month: str  # YYYY-MM
    count: int


class FlagCount(BaseModel):
    rule: str | None
    kind: str | None
    count: int


class FlagScoreCount(FlagCount):
    score: float | None


class Statistics(BaseModel):
    as_of: date
    active_records: int
    by_region: list[Count]  # prefecture city (Shanghai: district) of the record's subject
    by_department: list[Count]  # issuing department
    by_list: list[Count]
    by_level: list[Count]
    by_category: list[Count]
    by_decision_month: list[MonthCount]  # the last 24 months up to as_of, oldest first
    flags: list[FlagCount]  # flags whose record is live on as_of, by rule and kind


def statistics(repo: Repository, as_of: date) -> Statistics:
    """Dashboard aggregates of the records and flags live on ``as_of``."""
    months = trend_months(as_of)
    cube = repo.read(q.ACTIVE_BY_KIND, as_of=as_of)
    by_month = {
        _month(row["month"]): row["count"]
        for row in repo.read(q.ACTIVE_BY_DECISION_MONTH, as_of=as_of, since=months[0])
    }
    return Statistics(
        as_of=as_of,
        active_records=sum(row["count"] for row in cube),
        by_region=_by_region(repo.read(q.ACTIVE_BY_REGION_CODE, as_of=as_of)),
        by_department=_ordered(
            Count(key=row["code"], name=row["name"], count=row["count"])
            for row in repo.read(q.ACTIVE_BY_DEPARTMENT, as_of=as_of)
        ),
        by_list=_summed(cube, "list"),
        by_level=_summed(cube, "level"),
        by_category=_summed(cube, "category"),
        by_decision_month=[
            MonthCount(month=_month(m), count=by_month.get(_month(m), 0)) for m in months
        ],
        flags=sorted(
            (FlagCount(**row) for row in repo.read(q.FLAGS_BY_RULE_AND_KIND, as_of=as_of)),
            key=lambda f: (f.rule or "", f.kind or ""),
        ),
    )


def flag_scores(repo: Repository, as_of: date) -> list[FlagScoreCount]:
    """The flags whose record is live on ``as_of`` by rule, kind and score (counted as
    :attr:`Statistics.flags` counts them), ordered by rule, kind and score descending."""
    rows = repo.read(q.FLAGS_BY_RULE_KIND_AND_SCORE, as_of=as_of)
    return sorted(
        (FlagScoreCount(**row) for row in rows),
        key=lambda f: (f.rule or "", f.kind or "", -(f.score or 0.0)),
    )


class ListLevelCount(BaseModel):
    list: str | None
    level: str | None
    count: int


class MonthListCount(BaseModel):
    month: str  # YYYY-MM
    list: str | None
    count: int


class Overview(BaseModel):
    """The overview dashboard's counts: subjects, and the records in force on ``as_of``
    decided within the range, of subjects of ``province`` (None: any)."""

    as_of: date
    decided_from: date | None
    decided_until: date | None
    province: str | None
    organizations: int
    persons: int
    active_records: int
    by_list_level: list[ListLevelCount]
    by_month: list[MonthListCount]  # every month of the range (or the last 24), oldest first
    by_region: list[Count]  # prefecture city (Shanghai: district)
    by_department: list[Count]
    by_category: list[Count]


def overview(
    repo: Repository,
    as_of: date,
    *,
    decided_from: date | None = None,
    decided_until: date | None = None,
    province: str | None = None,
) -> Overview:
    """The overview dashboard's counts (see :class:`Overview`). Raises
    :class:`~graph.errors.InvalidInput` for a range that ends before it begins."""
    if decided_from and decided_until and decided_until < decided_from:
        raise InvalidInput("the range ends before it begins", field="decided_until")
    months = overview_months(as_of, decided_from, decided_until)
    params: dict[str, Any] = {
        "as_of": as_of,
        "decided_from": decided_from,
        "decided_until": decided_until,
        "province": province,
    }
    # The two reads run at once: at 1M organisations counting a province's subjects from its
    # index costs about as much as the pass over the records.
    with ThreadPoolExecutor(max_workers=1) as pool:
        counted = pool.submit(
            repo.read_one,
            q.COUNT_SUBJECTS_IN_PROVINCE if province else q.COUNT_SUBJECTS,
            province=province,
        )
        # Aggregates without grouping keys: always exactly one row.
        counts = repo.read(q.OVERVIEW, since=months[0], **params)[0]
        subjects = counted.result()
    cube = counts["kinds"]
    monthly = {(_month(row["month"]), row["list"]): row["count"] for row in counts["months"]}
    lists = sorted({key[1] for key in monthly}, key=lambda name: name or "")
    levels: Counter[tuple[str | None, str | None]] = Counter()
    for row in cube:
        levels[(row["list"], row["level"])] += row["count"]
    return Overview(
        as_of=as_of,
        decided_from=decided_from,
        decided_until=decided_until,
        province=province,
        organizations=subjects["organizations"] if subjects else 0,
        persons=subjects["persons"] if subjects else 0,
        active_records=sum(row["count"] for row in cube),
        by_list_level=[
            ListLevelCount(list=key[0], level=key[1], count=n)
            for key, n in sorted(levels.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
        ],
        by_month=[
            MonthListCount(month=_month(m), list=name, count=monthly.get((_month(m), name), 0))
            for m in months
            for name in lists
        ],
        by_region=_by_region(counts["regions"]),
        by_department=_ordered(
            Count(key=row["code"], name=row["name"], count=row["count"])
            for row in counts["departments"]
        ),
        by_category=_summed(cube, "category"),
    )


def overview_months(
    as_of: date, decided_from: date | None, decided_until: date | None
) -> list[date]:
    """The months a trend shows: from the range's start (or 24 months back) to its end (or
    ``as_of``), at most :data:`MAX_TREND_MONTHS`, the latest kept."""
    end = min(decided_until or as_of, as_of)
    if decided_from is None:
        return trend_months(end)
    span = (end.year - decided_from.year) * 12 + end.month - decided_from.month + 1
    return trend_months(end, max(1, min(span, MAX_TREND_MONTHS)))


def trend_months(as_of: date, count: int = TREND_MONTHS) -> list[date]:
    """The first days of the ``count`` months up to and including ``as_of``'s, oldest first;
    fewer when the calendar begins sooner (year 1)."""
    last = as_of.year * 12 + as_of.month - 1  # months since January of year 0
    first = max(last - count + 1, 12)  # January of year 1, where dates begin
    return [date(i // 12, i % 12 + 1, 1) for i in range(first, last + 1)]


def _month(day: date) -> str:
    # Not strftime: it does not pad years before 1000 on every platform.
    return f"{day.year:04d}-{day.month:02d}"


def _by_region(rows: list[Row]) -> list[Count]:
    counts: Counter[str | None] = Counter()
    for row in rows:
        code = row["region_code"]
        counts[prefecture_of(code) if code else None] += row["count"]
    known = regions()
    return _ordered(
        Count(key=code, name=known[code].name if code in known else None, count=n)
        for code, n in counts.items()
    )


def _summed(cube: list[Row], field: str) -> list[Count]:
    counts: Counter[str | None] = Counter()
    for row in cube:
        counts[row[field]] += row["count"]
    return _ordered(Count(key=key, count=n) for key, n in counts.items())


def _ordered(counts: Iterable[Count]) -> list[Count]:
    # Largest first, then by key, so equal counts keep a stable order between calls.
    return sorted(counts, key=lambda c: (-c.count, c.key or ""))
