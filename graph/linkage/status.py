"""What the subscriber knows of each partner: the reads behind ``credit-graph linkage
status`` and the dashboards' cross-region page.

All three are reads of our own graph, never a call to a partner, so a page showing them is
as fast with a partner down as with it up: the lag is measured against the partner's head
as last seen by a sync (its catalogue's ``head``, or the newest entry a sync applied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from graph.settings import Settings
from graph.store.queries import linkage_sync as q
from graph.store.repository import Repository


@dataclass(frozen=True)
class PartnerStatus:
    """One partner as the subscriber sees it. ``lag_records``: entries published and not
    yet applied (None before a head was seen); ``lag_seconds``: how far the newest applied
    entry is behind the partner's head, in the partner's own timestamps."""

    province: str
    configured: bool
    cursor: str | None
    in_snapshot: bool
    last_seq: int | None
    head_seq: int | None
    lag_records: int | None
    lag_seconds: float | None
    pages: int
    records: int
    pending_refresh: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def partner_statuses(repo: Repository, settings: Settings, now: datetime) -> list[PartnerStatus]:
    """Every partner of the registry, and any we hold state for that left it, by code;
    ``now`` dates the lag."""
    states = {row["state"]["province"]: row["state"] for row in repo.read(q.PARTNER_STATES)}
    codes = sorted(set(settings.partners or {}) | set(states))
    partners = settings.partners or {}
    return [_status(code, states.get(code, {}), code in partners, now) for code in codes]


def _status(code: str, state: dict[str, object], configured: bool, now: datetime) -> PartnerStatus:
    last_seq = _int(state.get("last_seq"))
    head_seq = _int(state.get("head_seq"))
    if head_seq is not None and last_seq is not None:
        head_seq = max(head_seq, last_seq)
    lag_records = None if head_seq is None else head_seq - (last_seq or 0)
    return PartnerStatus(
        province=code,
        configured=configured,
        cursor=_str(state.get("cursor")),
        in_snapshot=state.get("resume_cursor") is not None,
        last_seq=last_seq,
        head_seq=head_seq,
        lag_records=lag_records,
        lag_seconds=_lag_seconds(state, lag_records, now),
        pages=_int(state.get("pages")) or 0,
        records=_int(state.get("records")) or 0,
        pending_refresh=len(state.get("pending_refresh") or []),  # type: ignore[arg-type]
        last_success_at=_moment(state.get("last_success_at")),
        last_error=_str(state.get("last_error")),
        last_error_at=_moment(state.get("last_error_at")),
    )


def _lag_seconds(state: dict[str, object], lag_records: int | None, now: datetime) -> float | None:
    if lag_records == 0:
        return 0.0
    caught_up_at = _moment(state.get("caught_up_at"))
    return None if caught_up_at is None else max(0.0, (now - caught_up_at).total_seconds())


@dataclass(frozen=True)
class Exchanged:
    """Pages and records received from one partner on one day (China time)."""

    province: str
    day: date
    pages: int
    records: int


def records_exchanged(repo: Repository, since: datetime) -> list[Exchanged]:
    """What each partner's feed brought in per day since ``since``, oldest day first."""
    return [
        Exchanged(row["province"], row["day"], row["pages"], row["records"])
        for row in repo.read(q.EXCHANGED, since=since)
    ]


@dataclass(frozen=True)
class PartnerReach:
    """How many of our subjects a partner's records reach through flags, by rule."""

    province: str
    rule: str
    subjects: int
    records: int


def partner_flag_reach(repo: Repository, settings: Settings) -> list[PartnerReach]:
    """Partner records that reach subjects of our province through propagation
    ("一处失信、处处受限"), per partner and rule."""
    return [
        PartnerReach(row["province"], row["rule"], row["subjects"], row["records"])
        for row in repo.read(q.PARTNER_FLAG_REACH, own=settings.province_code)
    ]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _moment(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None
