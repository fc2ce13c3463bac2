"""What this province publishes to a partner: the catalogue, signed feed pages from the
change log, and signed snapshot pages (PROTOCOL.md, "Endpoints", "Page format").

Every page is scoped to the partner's categories before it is signed: what is outside the
scope is never read into a page, so it cannot leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph.disclosure import linkage_subject
from graph.errors import Gone, InvalidInput, NotPermitted
from graph.linkage import changelog
from graph.linkage.cursor import Position, decode_cursor, encode_cursor
from graph.linkage.signing import ALGORITHM, sign_page
from graph.settings import Settings, public_key_of
from graph.store.queries import changelog as q
from graph.store.repository import Repository
from graph.vocabulary import LIVE_STATUSES, RECORD_CATEGORIES

PROTOCOL = "credit-graph-linkage/1"
MAX_PAGE = 1000
SNAPSHOT_PATH = "/linkage/v1/snapshot"
# What a shared record and its subject carry (the catalogue's `fields`).
RECORD_FIELDS = (
    "record_id", "list", "category", "level", "authority", "authority_name", "basis",
    "decided_on", "publish_from", "publish_until", "status",
)  # fmt: skip
ORGANIZATION_FIELDS = ("kind", "uscc", "name", "region_code")
PERSON_FIELDS = ("kind", "linkage_keys", "id_masked", "name_masked", "region_code")


class LinkageNotConfigured(RuntimeError):
    """This instance has no signing key, cursor key or linkage keys: it cannot publish."""


@dataclass(frozen=True)
class Publisher:
    """This instance as a publisher: its province, keys and retention (from Settings)."""

    province: str
    signing_key: str
    key_id: str
    cursor_key: bytes
    linkage_key_versions: tuple[str, ...]  # the current first
    retention_days: int

    @classmethod
    def of(cls, settings: Settings) -> Publisher:
        if (
            settings.signing_key is None
            or settings.signing_key_id is None
            or settings.cursor_key is None
            or not settings.linkage_keys
        ):
            raise LinkageNotConfigured("linkage is not configured on this instance")
        current = settings.linkage_key_current
        versions = sorted(settings.linkage_keys, key=lambda v: (v != current, v))
        return cls(
            province=settings.province_code,
            signing_key=settings.signing_key.get_secret_value(),
            key_id=settings.signing_key_id,
            cursor_key=settings.cursor_key.get_secret_value().encode(),
            linkage_key_versions=tuple(versions),
            retention_days=settings.feed_retention_days,
        )

    def sign(self, page: Mapping[str, Any]) -> dict[str, Any]:
        return sign_page(page, self.signing_key, self.key_id)

    def cursor(self, position: Position, partner: str) -> str:
        return encode_cursor(position, partner, self.cursor_key)


def catalogue(
    publisher: Publisher, repo: Repository, scope: frozenset[str], today: date, now: datetime
) -> dict[str, Any]:
    log = changelog.maintain(repo, publisher.province, today, now, publisher.retention_days)
    return {
        "protocol": PROTOCOL,
        "province": publisher.province,
        "categories": sorted(scope),
        "fields": {
            "record": list(RECORD_FIELDS),
            "organization": list(ORGANIZATION_FIELDS),
            "person": list(PERSON_FIELDS),
        },
        "signing_keys": [
            {
                "key_id": publisher.key_id,
                "algorithm": ALGORITHM,
                "public_key": public_key_of(publisher.signing_key),
            }
        ],
        "linkage_key_versions": list(publisher.linkage_key_versions),
        "retention": log.pruned_through + 1,  # the oldest seq still served
        "retention_days": publisher.retention_days,
        # The newest seq: a subscriber's lag in records is this less the last it passed.
        "head": {"seq": log.head},
    }


def scoped_categories(scope: frozenset[str], asked: list[str] | None) -> list[str]:
    """The categories a page covers: those asked for (each must be in scope, else the
    caller is refused with 403), or the whole scope."""
    if not asked:
        return sorted(scope)
    unknown = sorted(set(asked) - RECORD_CATEGORIES)
    if unknown:
        raise InvalidInput(f"unknown categories {unknown}", field="category")
    outside = sorted(set(asked) - scope)
    if outside:
        raise NotPermitted(
            f"categories {outside} are outside this partner's scope", field="category"
        )
    return sorted(set(asked))


def _entry(row: Mapping[str, Any]) -> dict[str, Any]:
    record = {k: _json(row["record"].get(k)) for k in RECORD_FIELDS}
    return {
        "seq": row["seq"],
        "op": row["op"],
        "at": _json(row["at"]),
        "record": record,
        "subject": linkage_subject(row["subject"]),
    }


def feed_page(
    publisher: Publisher,
    repo: Repository,
    partner: str,
    categories: list[str],
    cursor: str | None,
    limit: int,
    today: date,
    now: datetime,
) -> dict[str, Any]:
    """The signed page of change-log entries after ``cursor`` (from the start of the
    retained window without one), in ``categories``, at most ``limit``.

    Raises :class:`~graph.linkage.cursor.BadCursor` (400) for a cursor this instance did
    not issue to ``partner``, and :class:`~graph.errors.Gone` (410) for one older than the
    retained window.
    """
    log = changelog.maintain(repo, publisher.province, today, now, publisher.retention_days)
    after = (
        log.pruned_through
        if cursor is None
        else decode_cursor(cursor, partner, publisher.cursor_key, "feed").seq
    )
    rows = changelog.read_entries(repo, after, log.head, categories, limit + 1)
    # Read after the entries: a prune that removed any of them has moved this past `after`.
    if after < changelog.state(repo).pruned_through:
        raise Gone(
            f"the cursor is older than the retained change log ({publisher.retention_days} "
            f"days); resynchronise from {SNAPSHOT_PATH}",
            field="cursor",
        )
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Without more, the page reaches the head: out-of-scope entries up to it are passed too.
    reached = rows[-1]["seq"] if has_more else max(log.head, after)
    return publisher.sign(
        {
            "protocol": PROTOCOL,
            "province": publisher.province,
            "partner": partner,
            "kind": "feed",
            "entries": [_entry(row) for row in rows if not row["unmatchable"]],
            "next_cursor": publisher.cursor(Position("feed", reached), partner),
            "has_more": has_more,
        }
    )


def snapshot_page(
    publisher: Publisher,
    repo: Repository,
    partner: str,
    categories: list[str],
    cursor: str | None,
    limit: int,
    today: date,
    now: datetime,
) -> dict[str, Any]:
    """A signed page of the current state of this province's records in ``categories``,
    by ``record_id``. The first page fixes ``resume_cursor``, the feed position to follow
    once the last page is read: every change after it is in the feed, so snapshot then feed
    misses nothing (a record changed meanwhile arrives twice, which upserts absorb)."""
    if cursor is None:
        log = changelog.maintain(repo, publisher.province, today, now, publisher.retention_days)
        position = Position("snapshot", log.head, "")
    else:
        position = decode_cursor(cursor, partner, publisher.cursor_key, "snapshot")
    rows = repo.read(
        q.READ_SNAPSHOT,
        after=position.after_record or "",
        province=publisher.province,
        categories=categories,
        limit=limit + 1,
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1]["record"]["record_id"] if rows else position.after_record
    entries = [
        {
            "op": "upsert",
            "record": _snapshot_record(row["record"], today),
            "subject": linkage_subject(row["subject"]),
        }
        for row in rows
        if not row["unmatchable"]
    ]
    return publisher.sign(
        {
            "protocol": PROTOCOL,
            "province": publisher.province,
            "partner": partner,
            "kind": "snapshot",
            "entries": entries,
            "next_cursor": publisher.cursor(Position("snapshot", position.seq, last), partner),
            "has_more": has_more,
            "resume_cursor": publisher.cursor(Position("feed", position.seq), partner),
        }
    )


def _snapshot_record(record: Mapping[str, Any], today: date) -> dict[str, Any]:
    out = {k: _json(record.get(k)) for k in RECORD_FIELDS}
    until = record.get("publish_until")
    # As the feed's expiry entries say it: a record in force whose publication has ended.
    if until is not None and until < today and record.get("status") in LIVE_STATUSES:
        out["status"] = "expired"
    return out


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value
