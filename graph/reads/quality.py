"""Data quality of the loads, per source department: what each load measured (see
:mod:`loaders.load_report`), for the data-quality dashboard.

Counts and shares only, and reasons as machine codes: no row value leaves this module.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from graph.store.queries import quality as q
from graph.store.repository import Repository


class ReasonCount(BaseModel):
    field: str
    reason: str  # the validator's machine code, e.g. "missing", "check_char_18"
    rows: int


class QualityMeasure(BaseModel):
    """One department's rows of one kind in one load."""

    batch_id: str
    source: str | None
    loaded_at: datetime
    department: str
    department_name: str | None
    kind: str
    rows: int
    accepted: int
    rejected: int
    completeness: float  # share of required fields present
    validity: float  # share of rows accepted
    timeliness_median_days: int | None  # records only: days from decision to load
    timeliness_p90_days: int | None
    reasons: list[ReasonCount]  # the rejected rows by reason, most frequent first


def data_quality(
    repo: Repository, *, since: datetime | None = None, until: datetime | None = None
) -> list[QualityMeasure]:
    """The measures of every load completed within ``[since, until)``, oldest first."""
    rows = repo.read(q.DATA_QUALITY, since=_utc(since), until=_utc(until))
    return [
        QualityMeasure(
            **{k: v for k, v in row.items() if k not in ("reject_reasons", "reject_counts")},
            reasons=[
                ReasonCount(field=code.partition(":")[0], reason=code.partition(":")[2], rows=n)
                for code, n in zip(row["reject_reasons"], row["reject_counts"], strict=True)
            ],
        )
        for row in rows
    ]


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)
