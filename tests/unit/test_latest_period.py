"""Within a batch, a key's row of the latest period is the one written, whatever the order."""

from __future__ import annotations

from datetime import date
from typing import Any

from graph.ingest.layouts import Kind
from graph.ingest.writes import latest_by_key


def holding(ratio: float, period: date | None, holder: str = "h") -> dict[str, Any]:
    return {"holder": holder, "uscc": "o", "ratio": ratio, "period": period}


def test_the_latest_period_wins_in_either_order() -> None:
    older, newer = holding(0.3, date(2016, 12, 31)), holding(0.25, date(2017, 12, 31))
    assert latest_by_key(Kind.SHAREHOLDINGS, [newer, older]) == [newer]
    assert latest_by_key(Kind.SHAREHOLDINGS, [older, newer]) == [newer]


def test_without_periods_or_with_equal_ones_the_last_row_wins() -> None:
    first, last = holding(0.3, None), holding(0.25, None)
    assert latest_by_key(Kind.SHAREHOLDINGS, [first, last]) == [last]
    same = date(2017, 12, 31)
    assert latest_by_key(Kind.SHAREHOLDINGS, [holding(0.3, same), holding(0.2, same)]) == [
        holding(0.2, same)
    ]
    assert latest_by_key(Kind.SHAREHOLDINGS, [holding(0.3, same), first]) == [first]


def test_keys_are_kept_apart() -> None:
    rows = [holding(0.1, None, "a"), holding(0.2, None, "b")]
    assert latest_by_key(Kind.SHAREHOLDINGS, rows) == rows
