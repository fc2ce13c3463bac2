"""Upserts of validated rows on natural keys, correct with several writers at once.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.ingest.layouts import Kind
from graph.ingest.validate import Target
from graph.store.queries import ingest as q
from graph.store.repository import KeyTaken, Repository

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
# The natural key of each kind. A batch names each key once (the last row of a key wins, as
# it would row by row): the writes look a key up and create it when absent, so a key twice in
# one batch would be created twice.
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
    repo: Repository, kind: Kind, rows: list[dict[str, Any]], provenance: dict[str, Any]
) -> Written:
    """Write validated rows of one kind, each key once (see :data:`KEYS`).

    ``provenance``: ``source``, ``batch_id``, ``loaded_at``, ``province``. Safe while other
    writers upsert the same keys; raises :class:`WriteConflict` if a node batch still
    collides after :data:`MAX_ATTEMPTS` look-ups.
    """
    if kind in RELATIONSHIP_WRITES:
        ordered = sorted(rows, key=lambda row: row[LOCKED_BY[kind]])
        result = repo.write_returning(RELATIONSHIP_WRITES[kind], rows=ordered, **provenance)[0]
        return Written(
            result["created"],
            result["updated"],
            touched={key for ends in result["touched"] for key in ends if key is not None},
        )
    return _upsert_nodes(repo, kind, rows, provenance)


def _upsert_nodes(
    repo: Repository, kind: Kind, rows: list[dict[str, Any]], provenance: dict[str, Any]
) -> Written:
    write = NODE_WRITES[kind]
    for attempt in range(MAX_ATTEMPTS):
        present = existing_keys(repo, write.existing, [row[write.key] for row in rows])
        absent = [row for row in rows if row[write.key] not in present]
        if absent:
            try:
                repo.write(write.create, rows=absent, **provenance)
            except KeyTaken:
                # Another writer committed one of these keys since the look-up; the whole
                # transaction was rolled back. Jitter keeps two colliding writers apart.
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


def missing_references(repo: Repository, wanted: dict[Target, set[str]]) -> set[tuple[Target, str]]:
    """The referenced keys not in the graph, looked up once per target."""
    missing: set[tuple[Target, str]] = set()
    for target, keys in wanted.items():
        found = existing_keys(repo, EXISTING[target], sorted(keys))
        missing.update((target, key) for key in keys - found)
    return missing
