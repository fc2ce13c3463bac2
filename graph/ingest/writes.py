"""Upserts of validated rows on natural keys, correct with several writers at once, and the
checks a row must pass against the graph before (:func:`check_in_graph`).

A node kind is written as look-up, then ``UNWIND … CREATE`` for the absent keys and an
update for the present ones: the CREATE is what keeps a first load fast. Another writer can
create one of the absent keys between the look-up and the CREATE; the unique constraint then
fails the transaction (no duplicate is ever committed) and the batch is looked up and written
again, a bounded number of times. Relationship upserts lock the endpoint that scopes their
key before looking (see :mod:`graph.store.queries.ingest`), so they need no retry of their own;
deadlocks between such locks are transient errors, which the driver retries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from graph.identifiers import ORG_CODE_PREFIX
from graph.ingest.layouts import Kind
from graph.ingest.validate import FieldError, Invalid, Ref, Target, Valid, quote
from graph.resolution.honour import honour_merges
from graph.store.queries import ingest as q
from graph.store.repository import KeyTaken, Reader, Repository

# Each retry follows a commit by another writer of a key of this batch, so a few suffice
# unless the batch keeps colliding with a writer of the same keys.
MAX_ATTEMPTS = 8


class WriteConflict(RuntimeError):
    """A batch kept colliding with other writers of the same keys; nothing of it was written."""


@dataclass(frozen=True)
class NodeWrite:
    """A node kind's upsert: which keys exist, then create the absent, update the present."""

    key: str
    existing: str
    create: str
    update: str


NODE_WRITES: dict[Kind, NodeWrite] = {
    Kind.DEPARTMENTS: NodeWrite(
        "code", q.EXISTING_DEPARTMENTS, q.CREATE_DEPARTMENTS, q.UPDATE_DEPARTMENTS
    ),
    Kind.ORGANIZATIONS: NodeWrite(
        "uscc", q.EXISTING_ORGANIZATIONS, q.CREATE_ORGANIZATIONS, q.UPDATE_ORGANIZATIONS
    ),
    Kind.PERSONS: NodeWrite("pid", q.EXISTING_PERSONS, q.CREATE_PERSONS, q.UPDATE_PERSONS),
    Kind.RECORDS: NodeWrite("record_id", q.EXISTING_RECORDS, q.CREATE_RECORDS, q.UPDATE_RECORDS),
}
RELATIONSHIP_WRITES: dict[Kind, str] = {
    Kind.LEGAL_REPS: q.MERGE_LEGAL_REPS,
    Kind.OFFICERS: q.MERGE_OFFICERS,
    Kind.SHAREHOLDINGS: q.MERGE_SHAREHOLDINGS,
    Kind.BRANCHES: q.MERGE_BRANCHES,
    Kind.LICENCES: q.MERGE_LICENCES,
}
# The row field naming the node each relationship upsert locks. Rows are sent in its order,
# so two batches over the same nodes take their locks in one order and rarely deadlock.
LOCKED_BY: dict[Kind, str] = {
    Kind.LEGAL_REPS: "uscc",
    Kind.OFFICERS: "uscc",
    Kind.SHAREHOLDINGS: "uscc",
    Kind.BRANCHES: "branch",
    Kind.LICENCES: "pid",
}
# The natural key of each kind. A batch names each key once (:func:`latest_by_key`: the row of
# the latest period, else the last row, as row by row): the writes look a key up and create it
# when absent, so a key twice in one batch would be created twice.
KEYS: dict[Kind, tuple[str, ...]] = {
    Kind.DEPARTMENTS: ("code",),
    Kind.ORGANIZATIONS: ("uscc",),
    Kind.PERSONS: ("pid",),
    Kind.LEGAL_REPS: ("pid", "uscc"),
    Kind.OFFICERS: ("pid", "uscc", "role"),
    Kind.SHAREHOLDINGS: ("holder", "uscc"),
    Kind.BRANCHES: ("branch",),  # a branch has one head office
    Kind.LICENCES: ("pid", "occupation"),
    Kind.RECORDS: ("record_id",),
}
# Kinds whose rows may name the period they report (``period``): each period is kept (see
# :data:`graph.store.queries.ingest.MERGE_SHAREHOLDING_PERIODS`), keyed by KEYS + period.
PERIOD_WRITES: dict[Kind, str] = {
    Kind.OFFICERS: q.MERGE_OFFICER_PERIODS,
    Kind.SHAREHOLDINGS: q.MERGE_SHAREHOLDING_PERIODS,
}
EXISTING: dict[Target, str] = {
    Target.ORGANIZATION: q.EXISTING_ORGANIZATIONS,
    Target.PERSON: q.EXISTING_PERSONS,
    Target.DEPARTMENT: q.EXISTING_DEPARTMENTS,
}


@dataclass
class Written:
    """What an upsert did, and what propagation must look at again because of it."""

    created: int = 0
    updated: int = 0
    # Subjects at the ends of relationships created, changed or removed: walks through them
    # may now go elsewhere.
    touched: set[str] = field(default_factory=set)
    # Organisations whose hub marker changed: walks through them now stop, or now go on.
    hub_changed: set[str] = field(default_factory=set)
    # Records created or changed: their own flags may differ.
    records: set[str] = field(default_factory=set)


def upsert(
    repo: Repository,
    kind: Kind,
    rows: list[dict[str, Any]],
    provenance: dict[str, Any],
    present: set[str] | None = None,
) -> Written:
    """Write validated rows of one kind, each key once (see :data:`KEYS`).

    ``provenance``: ``source``, ``batch_id``, ``loaded_at``, ``province``. Safe while other
    writers upsert the same keys; raises :class:`WriteConflict` if a node batch still
    collides after :data:`MAX_ATTEMPTS` look-ups. ``present``: the node keys of ``rows`` in
    the graph, looked up by the caller (:func:`present_keys`) while something else ran;
    looked up here if None, and again after a collision.
    """
    if kind in RELATIONSHIP_WRITES:
        ordered = sorted(rows, key=lambda row: row[LOCKED_BY[kind]])
        result = repo.write_returning(RELATIONSHIP_WRITES[kind], rows=ordered, **provenance)[0]
        return Written(
            result["created"],
            result["updated"],
            touched={key for ends in result["touched"] for key in ends if key is not None},
        )
    return _upsert_nodes(repo, kind, rows, provenance, present)


def latest_by_key(kind: Kind, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each key once, as :func:`upsert` needs: the row of the latest period (a row without
    one counts as the latest), else the last row, as row by row."""
    kept: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in KEYS[kind])
        stored = kept.get(key)
        if stored is None or not _earlier(row.get("period"), stored.get("period")):
            kept[key] = row
    return list(kept.values())


def _earlier(period: date | None, than: date | None) -> bool:
    return period is not None and than is not None and period < than


def upsert_periods(
    repo: Repository, kind: Kind, rows: list[dict[str, Any]], provenance: dict[str, Any]
) -> Written:
    """Keep each period's values of a relationship reported per period (rows of
    :data:`PERIOD_WRITES` kinds that name a period; each key and period once, the last row
    winning). Flags are not affected: propagation follows the latest values only."""
    kept = {
        (*(row[k] for k in KEYS[kind]), row["period"]): row
        for row in rows
        if row.get("period") is not None
    }
    if kind not in PERIOD_WRITES or not kept:
        return Written()
    ordered = sorted(kept.values(), key=lambda row: row[LOCKED_BY[kind]])
    result = repo.write_returning(PERIOD_WRITES[kind], rows=ordered, **provenance)[0]
    return Written(result["created"], result["updated"])


def present_keys(repo: Repository, kind: Kind, rows: list[dict[str, Any]]) -> set[str] | None:
    """The keys of node ``rows`` already in the graph (None for a relationship kind, whose
    upsert looks inside its own statement)."""
    write = NODE_WRITES.get(kind)
    if write is None:
        return None
    return existing_keys(repo, write.existing, [row[write.key] for row in rows])


def _upsert_nodes(
    repo: Repository,
    kind: Kind,
    rows: list[dict[str, Any]],
    provenance: dict[str, Any],
    present: set[str] | None,
) -> Written:
    write = NODE_WRITES[kind]
    for attempt in range(MAX_ATTEMPTS):
        if present is None:
            present = existing_keys(repo, write.existing, [row[write.key] for row in rows])
        absent = [row for row in rows if row[write.key] not in present]
        if absent:
            try:
                repo.write(write.create, rows=absent, **provenance)
            except KeyTaken:
                # Another writer committed one of these keys since the look-up; the whole
                # transaction was rolled back. Jitter keeps two colliding writers apart.
                present = None
                time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
                continue
        written = Written(created=len(absent))
        if kind is Kind.RECORDS:
            written.records.update(row[write.key] for row in absent)
        if present:
            stale = [row for row in rows if row[write.key] in present]
            result = repo.write_returning(write.update, rows=stale, **provenance)[0]
            written.updated = result["updated"]
            written.hub_changed.update(result.get("hub_changed", ()))
            written.records.update(result.get("records", ()))
        return written
    raise WriteConflict(
        f"{len(rows)} {kind} rows kept colliding with other writers of the same keys "
        f"({MAX_ATTEMPTS} attempts); nothing of the batch was written, run it again"
    )


def existing_keys(repo: Repository, query: str, keys: Iterable[str]) -> set[str]:
    found = repo.read_one(query, keys=list(keys))
    return set(found["found"]) if found else set()


# What a record is: one authority's decision about one subject, putting it on one list at one
# level, in one category, on one legal basis, on one date. Filing again cannot change any of
# it: each of these decides which measures apply and which propagation rules start, so a
# change is a new decision — the law's ways are revocation and a new record, or an objection
# decided in the subject's favour, each audited. What an issuing authority may amend by filing
# again is the publicity period (a court extends a listing; a period is shortened) and, forward
# only, the status (see UPDATE_RECORDS).
RECORD_IDENTITY = ("subject", "authority", "list", "decided_on", "level", "category", "basis")
IDENTITY_CHANGED = "identity_changed"


def check_in_graph(
    repo: Reader, kind: Kind, results: Sequence[Valid | Invalid]
) -> list[Valid | Invalid]:
    """``results`` (one batch of validated rows of ``kind``) with keys merged into another
    subject replaced by its key (:func:`graph.resolution.honour.honour_merges`) and the rows
    the graph refuses turned :class:`Invalid`: a reference to a key not in the graph, and
    for records a row that would change the identity of a record already filed (or filed
    earlier in the batch). One look-up per target and one for the batch's records, never
    one per row. An ``orgcode:`` key is first turned into the key of the organisation whose
    USCC embeds that code, where the graph holds one (:func:`resolve_org_codes`).

    The one place where the API's filing and the loads meet the graph before writing.
    """
    # A key merged into another subject is the kept subject's from now on.
    results = honour_merges(repo, resolve_org_codes(repo, kind, results))
    wanted: dict[Target, set[str]] = {}
    for result in results:
        if isinstance(result, Valid):
            for ref in result.refs:
                wanted.setdefault(ref.target, set()).add(ref.key)
    missing, adult_on = _look_up(repo, wanted)
    checked = [
        _unresolved(result, missing) if isinstance(result, Valid) and missing else result
        for result in results
    ]
    if kind is Kind.RECORDS:
        checked = [
            _not_a_minor(result, adult_on) if isinstance(result, Valid) else result
            for result in checked
        ]
        checked = _keep_identities(repo, checked)
    return checked


def resolve_org_codes(
    repo: Reader, kind: Kind, results: Sequence[Valid | Invalid]
) -> list[Valid | Invalid]:
    """``results`` with every ``orgcode:X`` key (a reference, or an organisations row's own
    key) replaced by the key of THE organisation whose ``org_code`` is X (characters 9–17 of
    its USCC), where exactly one exists: old-code data joins USCC-keyed organisations
    exactly. Elsewhere the key stays, naming an ``orgcode:`` node of its own. One look-up."""
    codes = {
        key
        for result in results
        if isinstance(result, Valid)
        for key in _org_keys(kind, result)
        if key.startswith(ORG_CODE_PREFIX)
    }
    if not codes:
        return list(results)
    found = {
        row["key"]: row["uscc"]
        for row in repo.read(
            q.ORGANIZATIONS_BY_ORG_CODE, codes=sorted(c[len(ORG_CODE_PREFIX) :] for c in codes)
        )
    }
    if not found:
        return list(results)
    return [
        _with_org_codes_resolved(kind, result, found) if isinstance(result, Valid) else result
        for result in results
    ]


def _org_keys(kind: Kind, result: Valid) -> list[str]:
    keys = [ref.key for ref in result.refs if ref.target is Target.ORGANIZATION]
    return [result.params["uscc"], *keys] if kind is Kind.ORGANIZATIONS else keys


def _with_org_codes_resolved(kind: Kind, result: Valid, found: Mapping[str, str]) -> Valid:
    if not any(key in found for key in _org_keys(kind, result)):
        return result
    # Keys are unique strings of their kind, so every parameter equal to one names it.
    params: dict[str, Any] = {
        k: found.get(v, v) if isinstance(v, str) else v for k, v in result.params.items()
    }
    if kind is Kind.ORGANIZATIONS and result.params["uscc"] in found:
        # The row describes the USCC-keyed organisation now: it keeps its own key kind.
        props: dict[str, Any] = result.params["props"]
        params["props"] = {k: v for k, v in props.items() if k != "key_kind"}
    refs = tuple(
        Ref(ref.field, ref.target, found[ref.key])
        if ref.target is Target.ORGANIZATION and ref.key in found
        else ref
        for ref in result.refs
    )
    return replace(result, params=params, refs=refs)


def _look_up(
    repo: Reader, wanted: dict[Target, set[str]]
) -> tuple[set[tuple[Target, str]], dict[str, date]]:
    """The referenced keys not in the graph, and the day each referenced person turns 18
    where it is known; one query per target."""
    missing: set[tuple[Target, str]] = set()
    adult_on: dict[str, date] = {}
    for target, keys in wanted.items():
        row = repo.read_one(EXISTING[target], keys=sorted(keys))
        found = set(row["found"]) if row else set()
        missing.update((target, key) for key in keys - found)
        if row and target is Target.PERSON:
            adult_on.update((pid, day) for pid, day in row["adult_on"])
    return missing, adult_on


def _not_a_minor(result: Valid, adult_on: Mapping[str, date]) -> Valid | Invalid:
    """Minors are never listed (法释〔2017〕7号): a record against a person who was under 18
    on its decision date is refused. A person whose age is unknown counts as an adult."""
    decided_on = result.params["decided_on"]
    for ref in result.refs:
        if ref.target is not Target.PERSON:
            continue
        day = adult_on.get(ref.key, result.subject_adult_on)
        if day is not None and decided_on < day:
            return Invalid(
                (
                    FieldError(
                        ref.field,
                        "minor",
                        f"the person was under 18 on decided_on {decided_on}; "
                        "minors are never listed (法释〔2017〕7号)",
                    ),
                )
            )
    return result


def _unresolved(result: Valid, missing: set[tuple[Target, str]]) -> Valid | Invalid:
    errors = tuple(
        FieldError(ref.field, "unknown_reference", _unknown_message(ref.field, ref.target, ref.key))
        for ref in result.refs
        if (ref.target, ref.key) in missing
    )
    return Invalid(errors) if errors else result


def _unknown_message(field: str, target: Target, key: str) -> str:
    # A pid means nothing to the department, and the ID number behind it is not ours to show.
    named = "with this ID number or key" if target is Target.PERSON else quote(key)
    return f"{field}: no {target} {named} in this load or the graph"


def _keep_identities(repo: Reader, results: list[Valid | Invalid]) -> list[Valid | Invalid]:
    ids = sorted({r.params["record_id"] for r in results if isinstance(r, Valid)})
    filed: dict[str, Mapping[str, Any]] = (
        {row["record_id"]: row for row in repo.read(q.RECORD_IDENTITIES, keys=ids)} if ids else {}
    )
    out: list[Valid | Invalid] = []
    for result in results:
        if isinstance(result, Valid):
            record_id = result.params["record_id"]
            errors = _identity_changes(filed.get(record_id), result)
            if errors:
                result = Invalid(errors)
            else:
                # A later row of this batch is held to the first one, as it would be to a
                # stored record had the batch been split.
                filed.setdefault(record_id, record_identity(result.params))
        out.append(result)
    return out


def record_identity(params: Mapping[str, Any]) -> dict[str, Any]:
    """The identity fields of a validated records row (:data:`RECORD_IDENTITY`)."""
    props = params["props"]
    return {
        "subject": params["subject"],
        "authority": params["authority"],
        "decided_on": params["decided_on"],
        **{name: props.get(name) for name in ("list", "level", "category", "basis")},
    }


def _identity_changes(filed: Mapping[str, Any] | None, row: Valid) -> tuple[FieldError, ...]:
    if filed is None:
        return ()
    given = record_identity(row.params)
    # A field the row leaves out keeps the stored value (an absent value never erases one),
    # so only stated values can differ.
    differing = [
        name for name in RECORD_IDENTITY if given[name] is not None and given[name] != filed[name]
    ]
    subject_field = next(
        (ref.field for ref in row.refs if ref.target is not Target.DEPARTMENT), "subject"
    )
    record = quote(row.params["record_id"])
    errors = []
    for name in differing:
        if name == "subject":
            # Neither key is shown: either may stand for a person.
            shown = f"record {record} is filed against another subject"
        else:
            shown = (
                f"record {record} is filed with {name} {quote(str(filed[name]))}, "
                f"not {quote(str(given[name]))}"
            )
        errors.append(
            FieldError(
                subject_field if name == "subject" else name,
                IDENTITY_CHANGED,
                f"{shown}: a filed record's {name} cannot change; revoke it and file a new "
                "record, or decide an objection in the subject's favour",
            )
        )
    return tuple(errors)
