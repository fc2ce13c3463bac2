"""The subscriber (PROTOCOL.md, Subscriber): pull each partner's signed feed into our graph.

Per partner, independently — each in its own thread, every failure caught and recorded as
that partner's last error, so a partner that is down, slow or answers garbage never stops
the others:

1. recompute the flags of records a killed run wrote but did not refresh;
2. read the partner's catalogue for its head (the lag);
3. fetch the page after the stored cursor (bounded retries, :mod:`graph.linkage.client`);
4. check its shape and VERIFY its signature against the partner's configured public keys,
   then every entry's fields: a page that fails is refused whole and nothing of it written;
5. write its entries and the cursor that follows it in ONE transaction
   (:meth:`~graph.store.repository.Repository.write_unit`): a kill before the commit
   replays the page, a kill after it does not, so nothing is lost or duplicated;
6. recompute the flags of the records written (incrementally), then clear them.

A first sync, and a 410 (cursor older than the partner's retention), start from the
partner's snapshot, whose pages are written the same way; after its last page the run reads
on in the feed from the cursor the snapshot fixed. (A first sync from the feed alone would
miss every record last changed before the partner's retained window.)

Persons. A person travels by linkage key only. One whose key identifies a person here (one
of ours, whose ID number was loaded, or one met earlier in a feed) is that person. One we
do not know becomes a Person keyed by a *surrogate* pid derived from its linkage key under
our pid key (``s:`` + HMAC, :func:`graph.identifiers.linkage_surrogate_pid`), carrying only the
masked fields the partner shared. So the partner's records take part in propagation and
review like ours, nothing in our graph holds more than the partner sent, and the same
person met again (even under a newer key version during a rotation) is the same node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph.clock import Clock
from graph.identifiers import InvalidIdentifier, linkage_surrogate_pid, scrub, validate_uscc
from graph.linkage.client import (
    CursorExpired,
    PartnerClient,
    PartnerEndpoint,
    PartnerError,
    Retry,
)
from graph.linkage.keys import is_linkage_key
from graph.linkage.signing import SignatureRefused, page_digest, verify_page
from graph.propagation.recompute import incremental_recompute
from graph.propagation.rules import RuleSet
from graph.settings import Partner, Settings
from graph.store.queries import linkage_sync as q
from graph.store.repository import Repository, Unit
from graph.vocabulary import RECORD_LEVELS, RECORD_LISTS, RECORD_STATUSES

PURPOSE = "linkage sync"
SOURCE_PREFIX = "linkage:"
# An entry's op decides the status it leaves the record in; an upsert carries its own.
OP_STATUS = {"repair": "repaired", "revocation": "revoked", "expiry": "expired"}
OPS = frozenset({"upsert", *OP_STATUS})
RECORD_TEXT = ("category", "authority_name", "basis")
RECORD_DATES = ("decided_on", "publish_from", "publish_until")
# A long catch-up recomputes flags as it goes, so partner records count before it ends and
# the list of records awaiting a recompute (kept on the partner's state) stays short.
REFRESH_EVERY = 5_000


class PageRefused(PartnerError):
    """A page failed verification or holds an entry we will not store; nothing of it was
    written."""


@dataclass
class PartnerRun:
    """What one sync did for one partner."""

    code: str
    pages: int = 0
    records: int = 0
    refreshed: int = 0
    snapshot: bool = False
    error: str | None = None
    flags_gained: int = 0


@dataclass(frozen=True)
class PageRows:
    """A verified page turned into the rows of its writes (before persons are resolved)."""

    departments: list[dict[str, Any]]
    organizations: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    records: list[dict[str, Any]]
    last_seq: int | None
    last_at: str | None


def sync_partners(
    repo: Repository,
    rules: RuleSet,
    settings: Settings,
    clock: Clock,
    only: str | None = None,
    page_size: int = 500,
) -> list[PartnerRun]:
    """Sync every partner of the registry (or only ``only``), concurrently; one
    :class:`PartnerRun` per partner, in code order. Never raises for a partner's fault."""
    partners = dict(sorted((settings.partners or {}).items()))
    if only is not None:
        if only not in partners:
            raise KeyError(f"no partner {only!r} in the registry (CREDIT_GRAPH_PARTNERS)")
        partners = {only: partners[only]}
    if not partners:
        return []
    adopt_surrogates(repo)
    with ThreadPoolExecutor(max_workers=len(partners)) as pool:
        futures = [
            pool.submit(sync_partner, repo, rules, settings, clock, code, config, page_size)
            for code, config in partners.items()
        ]
        return [future.result() for future in futures]


def adopt_surrogates(repo: Repository) -> int:
    """Merge into our persons the surrogates of persons whose ID number has been loaded here
    since a feed brought them; how many were merged."""
    adopted = 0
    while batch := repo.write_returning(q.ADOPT_SURROGATES)[0]["adopted"]:
        adopted += batch
    return adopted


def sync_partner(
    repo: Repository,
    rules: RuleSet,
    settings: Settings,
    clock: Clock,
    code: str,
    config: Partner,
    page_size: int = 500,
) -> PartnerRun:
    run = PartnerRun(code)
    endpoint = PartnerEndpoint(
        code, config.url, config.api_key.get_secret_value(), config.timeout_s
    )
    try:
        run.refreshed += _refresh(repo, rules, clock, code)
        with PartnerClient(endpoint, PURPOSE) as client:
            _see_head(repo, client, code, clock)
            _pull(repo, rules, settings, clock, client, config, run, page_size)
    except Exception as exc:  # any fault of this partner is its own, reported, never fatal
        run.error = _describe(exc)
        repo.write(q.FAILED, province=code, error=run.error, now=clock.now())
    return run


def _pull(
    repo: Repository,
    rules: RuleSet,
    settings: Settings,
    clock: Clock,
    client: PartnerClient,
    config: Partner,
    run: PartnerRun,
    page_size: int,
) -> None:
    code = client.partner.code
    state = repo.read_one(q.CURSOR, province=code) or {}
    unrefreshed = 0
    while True:
        in_snapshot = state.get("resume_cursor") is not None
        try:
            if in_snapshot:
                page = client.snapshot_page(state.get("snapshot_cursor"), page_size)
            elif state.get("cursor") is None:
                # A first sync starts from the partner's current state: its feed holds only
                # the retained window, and a record last changed before it is not in there.
                page = _start_snapshot(repo, client, run, page_size)
                in_snapshot = True
            else:
                page = client.feed_page(state["cursor"], page_size)
        except CursorExpired:
            if in_snapshot:
                raise
            # Changes we never saw were pruned: start over from the partner's current state.
            page = _start_snapshot(repo, client, run, page_size)
            in_snapshot = True
        kind = "snapshot" if in_snapshot else "feed"
        try:
            verify_page(page, config.public_keys)
        except SignatureRefused as exc:
            raise PageRefused(
                f"partner {code}: {kind} page refused, nothing written: {exc}"
            ) from None
        if page.get("partner", settings.province_code) != settings.province_code:
            raise PageRefused(f"partner {code}: {kind} page was issued to another province")
        rows = page_rows(
            page, code, frozenset(settings.linkage_keys or ()), settings.linkage_key_current
        )
        state = _next_state(page, state, in_snapshot)
        records = write_page(repo, settings, code, page, kind, rows, state, clock.now())
        run.pages += 1
        run.records += len(page["entries"])
        unrefreshed += len(records)
        if unrefreshed >= REFRESH_EVERY:
            run.refreshed += _refresh(repo, rules, clock, code)
            unrefreshed = 0
        if kind == "feed" and not page["has_more"]:
            break  # the head; after a snapshot's last page, its feed is read on to it
        if page["has_more"] and not page["entries"]:
            break  # a partner that says "more" and sends nothing is asked again next run
    run.refreshed += _refresh(repo, rules, clock, code)


def _start_snapshot(
    repo: Repository, client: PartnerClient, run: PartnerRun, page_size: int
) -> dict[str, Any]:
    repo.write(q.START_SNAPSHOT, province=client.partner.code)
    run.snapshot = True
    return client.snapshot_page(None, page_size)


def _next_state(
    page: Mapping[str, Any], state: Mapping[str, Any], in_snapshot: bool
) -> dict[str, Any]:
    """The cursors to store with this page: after a snapshot's last page, the feed cursor
    the snapshot fixed; otherwise the page's next cursor (or the one we sent, when a page
    at the head names none)."""
    if not in_snapshot:
        return {
            "cursor": page.get("next_cursor") or state.get("cursor"),
            "snapshot_cursor": None,
            "resume_cursor": None,
        }
    resume = page.get("resume_cursor")
    if not isinstance(resume, str):
        raise PageRefused("snapshot page without a resume_cursor")
    if page["has_more"]:
        return {"cursor": None, "snapshot_cursor": page["next_cursor"], "resume_cursor": resume}
    return {"cursor": resume, "snapshot_cursor": None, "resume_cursor": None}


def write_page(
    repo: Repository,
    settings: Settings,
    code: str,
    page: Mapping[str, Any],
    kind: str,
    rows: PageRows,
    state: Mapping[str, Any],
    now: datetime,
) -> list[str]:
    """Write a verified page's entries and the cursors that follow it, in one transaction;
    returns the ids of the records it wrote."""
    provenance = {
        "province": code,
        "source": SOURCE_PREFIX + code,
        "batch_id": page_digest(page),
        "loaded_at": now,
    }
    pid_key = settings.pid_key.get_secret_value().encode()

    def work(unit: Unit) -> list[str]:
        subjects = _resolve_persons(unit, rows.persons, pid_key)
        unit.run(q.PAGE_DEPARTMENTS, rows=rows.departments, **provenance)
        unit.run(q.PAGE_ORGANIZATIONS, rows=rows.organizations, **provenance)
        unit.run(q.PAGE_PERSONS, rows=list(subjects.values()), **provenance)
        records = [
            {**row, "subject": row["subject"] or subjects[row["person"]]["pid"]}
            for row in rows.records
        ]
        written = unit.run(q.PAGE_RECORDS, rows=records, **provenance)[0]["records"]
        unit.run(
            q.ADVANCE,
            kind=kind,
            key_id=page["key_id"],
            signature=page["signature"],
            entries=len(page["entries"]),
            last_seq=rows.last_seq,
            last_at=rows.last_at,
            records=written,
            at_head=kind == "feed" and not page["has_more"],
            **state,
            **provenance,
        )
        return list(written)

    return repo.write_unit(work)


def _resolve_persons(
    unit: Unit, persons: Sequence[Mapping[str, Any]], pid_key: bytes
) -> dict[str, dict[str, Any]]:
    """Each person of the page (by its reference) with the pid it is stored under: the
    person a key already names (ours before a surrogate), or a new surrogate."""
    keys = sorted({key for person in persons for key in person["keys"]})
    known: dict[str, tuple[bool, str]] = {}
    for row in unit.run(q.KNOWN_PERSONS, keys=keys) if keys else []:
        found = (row["surrogate"], row["pid"])
        known[row["key"]] = min(known.get(row["key"], found), found)
    resolved: dict[str, dict[str, Any]] = {}
    for person in persons:
        matches = sorted(known[key] for key in person["keys"] if key in known)
        pid = matches[0][1] if matches else linkage_surrogate_pid(person["ref"], pid_key)
        resolved[person["ref"]] = {**person, "pid": pid}
    return resolved


def page_rows(
    page: Mapping[str, Any], code: str, versions: frozenset[str], current: str | None
) -> PageRows:
    """The rows of a verified page, every entry checked: a signed page is the partner's
    word, not proof that its fields are sane, and one we will not store is refused whole."""
    departments: dict[str, dict[str, Any]] = {}
    organizations: dict[str, dict[str, Any]] = {}
    persons: dict[str, dict[str, Any]] = {}
    records: dict[str, dict[str, Any]] = {}
    last_seq: int | None = None
    last_at: str | None = None
    for number, entry in enumerate(page["entries"]):
        try:
            subject, person = _subject_row(
                entry["subject"], versions, current, organizations, persons
            )
            record = record_row(entry, code, subject, person)
        except (InvalidIdentifier, KeyError, TypeError, ValueError) as exc:
            raise PageRefused(
                f"partner {code}: entry {number} of a signed page cannot be stored "
                f"({scrub(str(exc))[:200]}); page refused, nothing written"
            ) from None
        departments[record["authority"]] = {
            "code": record["authority"],
            "name": record["props"].get("authority_name") or record["authority"],
        }
        # Entries are in commit order: a record twice in a page ends in its last state.
        records[record["record_id"]] = record
        if isinstance(entry.get("seq"), int):
            last_seq = entry["seq"]
            last_at = str(entry.get("at")) if entry.get("at") else last_at
    return PageRows(
        list(departments.values()),
        list(organizations.values()),
        list(persons.values()),
        list(records.values()),
        last_seq,
        last_at,
    )


def _subject_row(
    subject: Mapping[str, Any],
    versions: frozenset[str],
    current: str | None,
    organizations: dict[str, dict[str, Any]],
    persons: dict[str, dict[str, Any]],
) -> tuple[str | None, str | None]:
    """The entry's subject added to the page's rows; returns (USCC, None) or (None, person
    reference). A person's keys of versions we do not hold are dropped (a rotation we have not
    yet configured, or one we have finished); a person left with none cannot be matched."""
    region = subject.get("region_code")
    region_code = str(region) if region is not None else None
    if subject["kind"] == "organization":
        uscc = validate_uscc(str(subject["uscc"]))
        organizations[uscc] = {
            "uscc": uscc,
            "name": _text(subject.get("name"), "subject.name"),
            "region_code": region_code,
        }
        return uscc, None
    if subject["kind"] != "person":
        raise ValueError(f"subject.kind {str(subject['kind'])[:20]!r}")
    keys = subject["linkage_keys"]
    if not isinstance(keys, list) or not keys:
        raise ValueError("subject.linkage_keys: a non-empty list is required")
    if not all(isinstance(key, str) and is_linkage_key(key) for key in keys):
        raise ValueError("subject.linkage_keys: not a linkage key")
    keys = sorted({key for key in keys if key.split(":", 1)[0] in versions})
    if not keys:
        raise ValueError("subject.linkage_keys: none of a version configured here")
    # The key of our current version names the person (its index); without one, the first.
    ref = next((key for key in keys if key.split(":", 1)[0] == current), keys[0])
    persons[ref] = {
        "ref": ref,
        "current": ref if ref.split(":", 1)[0] == current else None,
        "keys": keys,
        "id_masked": _masked(subject.get("id_masked"), "subject.id_masked"),
        "name_masked": _masked(subject.get("name_masked"), "subject.name_masked"),
        "region_code": region_code,
    }
    return None, ref


def record_row(
    entry: Mapping[str, Any], code: str, subject: str | None, person: str | None
) -> dict[str, Any]:
    """A partner's record (of a feed entry or a check answer) as we store it: its id and
    issuing authority prefixed with the partner's province, its fields checked."""
    record = entry["record"]
    op = entry["op"]
    if op not in OPS:
        raise ValueError(f"op {str(op)[:20]!r}")
    props: dict[str, Any] = {
        "list": _member(record["list"], RECORD_LISTS, "list"),
        "level": _member(record["level"], RECORD_LEVELS, "level") if record.get("level") else None,
        "status": OP_STATUS.get(op) or _member(record["status"], RECORD_STATUSES, "status"),
    }
    for name in RECORD_TEXT:
        props[name] = _text(record.get(name), name) if record.get(name) is not None else None
    for name in RECORD_DATES:
        props[name] = date.fromisoformat(record[name]) if record.get(name) else None
    seq = entry.get("seq")
    authority = f"{code}:{_text(record['authority'], 'authority')}"
    props["authority"] = authority
    return {
        "record_id": f"{code}:{_text(record['record_id'], 'record_id')}",
        "authority": authority,
        "subject": subject,
        "person": person,
        "seq": seq if isinstance(seq, int) else None,
        "props": {name: value for name, value in props.items() if value is not None},
    }


def _member(value: Any, allowed: frozenset[str], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} {str(value)[:20]!r}")
    return str(value)


def _text(value: Any, name: str) -> str:
    # Free text from a partner is kept only if it quotes no ID number.
    if not isinstance(value, str) or not value or scrub(value) != value:
        raise ValueError(f"{name}: missing, or holds what looks like an ID number")
    return value


def _masked(value: Any, name: str) -> str | None:
    if value is None:
        return None
    text = _text(value, name)
    if "*" not in text:
        raise ValueError(f"{name}: not masked")
    return text


def observe_heads(repo: Repository, settings: Settings, clock: Clock) -> dict[str, str]:
    """Ask every partner's catalogue for its head, concurrently, once each (no retry), and
    keep it for the lag; why each partner that did not answer did not. For a status that is
    current without a sync."""
    partners = settings.partners or {}
    if not partners:
        return {}

    def observe(code: str, config: Partner) -> str | None:
        endpoint = PartnerEndpoint(
            code, config.url, config.api_key.get_secret_value(), config.timeout_s
        )
        try:
            with PartnerClient(endpoint, PURPOSE, retry=Retry(attempts=1)) as client:
                _see_head(repo, client, code, clock)
        except PartnerError as exc:
            return _describe(exc)
        return None

    with ThreadPoolExecutor(max_workers=len(partners)) as pool:
        outcomes = {code: pool.submit(observe, code, config) for code, config in partners.items()}
        return {code: error for code, f in sorted(outcomes.items()) if (error := f.result())}


def _see_head(repo: Repository, client: PartnerClient, code: str, clock: Clock) -> None:
    """Keep the partner's newest seq, for the lag. A catalogue without one leaves the lag to
    be judged from the feed alone (known once a page reaches the head)."""
    head = client.catalogue().get("head")
    if isinstance(head, dict) and isinstance(head.get("seq"), int):
        repo.write(q.SEEN_HEAD, province=code, head_seq=head["seq"], now=clock.now())


def _refresh(repo: Repository, rules: RuleSet, clock: Clock, code: str) -> int:
    """Recompute the flags of the records this partner's pages wrote, then forget them."""
    row = repo.read_one(q.PENDING_REFRESH, province=code)
    records = sorted(set(row["records"])) if row else []
    if not records:
        return 0
    incremental_recompute(repo, rules, clock.today(), records)
    repo.write(q.REFRESHED, province=code, records=records)
    return len(records)


def _describe(exc: Exception) -> str:
    if isinstance(exc, PartnerError):
        return scrub(str(exc))[:500]
    # Not the partner's doing (our database, a bug): named by type, scrubbed.
    return scrub(f"{type(exc).__name__}: {exc}")[:500]
