"""Full and incremental propagation over the graph, with a change feed per run.

A run computes the flags of some records with the pure engine (:mod:`graph.propagation.engine`)
over :class:`~graph.propagation.neo4j_provider.Neo4jGraph`, compares them with the stored
``FLAGGED`` relationships of the same records, and writes only the difference. Because each record's
flags depend only on that record and the graph, an incremental run over the changed records
leaves the graph exactly as a full run would. A run that dies half-way leaves a
``running`` PropagationRun behind; the next run, full or of the same records, converges,
since it diffs against whatever is stored.
"""

from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any, Literal

from graph.model import label_of, path_from_json, path_to_json
from graph.propagation.engine import (
    ChangeFeed,
    DerivedFlag,
    Hop,
    SourceRecord,
    diff_flags,
    propagate,
)
from graph.propagation.neo4j_provider import Neo4jGraph
from graph.propagation.reach import Reach, reach_of
from graph.propagation.rules import RuleSet
from graph.store.queries import propagation as q
from graph.store.repository import Repository, Row

WRITE_BATCH = 5_000
READ_BATCH = 10_000
# Lock stripes over record ids (_holding): incremental runs over records of other stripes
# do not wait for each other.
STRIPES = 64

Mode = Literal["full", "incremental"]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    mode: Mode
    as_of: date
    rules_version: str
    records: int
    flags: int
    gained: int
    lost: int
    changed: int
    seconds: float
    # The reach of the flags this run derived, and of the flags of the same records it found
    # stored: every flag for a full run, the recomputed records' for an incremental one.
    reach: Reach
    reach_before: Reach


def full_recompute(repo: Repository, rules: RuleSet, as_of: date) -> RunSummary:
    """Recompute every record's flags; stored flags of records no longer live are removed."""
    began = time.perf_counter()
    run_id = uuid.uuid4().hex
    with _holding(repo, range(STRIPES), run_id):
        records = [source_record(row) for row in repo.stream(q.CANDIDATE_RECORDS)]
        before = [_stored_flag(row) for row in repo.stream(q.ALL_FLAGS)]
        after = propagate(records, rules, as_of, Neo4jGraph(repo))
        return _apply(repo, run_id, "full", rules, as_of, [], records, before, after, began)


def incremental_recompute(
    repo: Repository, rules: RuleSet, as_of: date, record_ids: Iterable[str]
) -> RunSummary:
    """Recompute the flags of the given records only (added, changed, repaired, revoked
    or deleted); the walk stays within the hop limit around each of them."""
    began = time.perf_counter()
    run_id = uuid.uuid4().hex
    ids = sorted(set(record_ids))
    with _holding(repo, {zlib.crc32(i.encode()) % STRIPES for i in ids}, run_id):
        records = [source_record(row) for row in _read_by_ids(repo, q.RECORDS_BY_ID, ids)]
        before = [_stored_flag(row) for row in _read_by_ids(repo, q.FLAGS_OF_RECORDS, ids)]
        after = propagate(records, rules, as_of, Neo4jGraph(repo))
        return _apply(repo, run_id, "incremental", rules, as_of, ids, records, before, after, began)


def _holding(repo: Repository, stripes: Iterable[int], run_id: str) -> AbstractContextManager[None]:
    """The locks of the stripes of a run's records, held from its first read to its last
    write. Two runs over one record must not interleave: a run that walked an older graph
    writing last would undo a newer run's flags, and a full run that read the records
    before a filing and the flags after it would remove the filed record's flags. Runs over
    other stripes go on; a full run holds them all. Taken in stripe order, so two runs
    wait for each other rather than deadlock."""
    return repo.holding(q.HOLD_STRIPES, stripes=sorted(stripes), run_id=run_id)


def _read_by_ids(repo: Repository, query: str, ids: list[str]) -> Iterator[Row]:
    # A statement per READ_BATCH ids: a load that touched 10^5 records would otherwise read
    # them in one statement, over the statement time limit.
    for start in range(0, len(ids), READ_BATCH):
        yield from repo.read(query, record_ids=ids[start : start + READ_BATCH])


def _apply(
    repo: Repository,
    run_id: str,
    mode: Mode,
    rules: RuleSet,
    as_of: date,
    record_ids: list[str],
    records: list[SourceRecord],
    before: list[DerivedFlag],
    after: list[DerivedFlag],
    began: float,
) -> RunSummary:
    started = datetime.now(UTC)
    repo.write(
        q.START_RUN,
        run_id=run_id,
        mode=mode,
        as_of=as_of,
        rules_version=rules.version,
        started_at=started.isoformat(),
        record_ids=record_ids,
    )
    feed = diff_flags(before, after)
    # Removals first, so a record whose flags moved never holds two for one subject.
    _write_split(repo, q.DELETE_ORGANIZATION_FLAGS, q.DELETE_PERSON_FLAGS, feed.lost, _key_row)
    upserts = [*feed.gained, *(change.after for change in feed.changed)]
    _write_split(
        repo,
        q.UPSERT_ORGANIZATION_FLAGS,
        q.UPSERT_PERSON_FLAGS,
        upserts,
        lambda f: {**_key_row(f), "props": flag_properties(f, as_of)},
        computed_at=started.isoformat(),
    )
    for batch in _batched(_change_rows(feed), WRITE_BATCH):
        repo.write(q.RECORD_CHANGES, run_id=run_id, rows=batch)
    summary = RunSummary(
        run_id=run_id,
        mode=mode,
        as_of=as_of,
        rules_version=rules.version,
        records=len(records),
        flags=len(after),
        gained=len(feed.gained),
        lost=len(feed.lost),
        changed=len(feed.changed),
        seconds=round(time.perf_counter() - began, 3),
        reach=reach_of(after),
        reach_before=reach_of(before),
    )
    repo.write(
        q.FINISH_RUN,
        run_id=run_id,
        finished_at=datetime.now(UTC).isoformat(),
        records=summary.records,
        flags=summary.flags,
        gained=summary.gained,
        lost=summary.lost,
        changed=summary.changed,
        seconds=summary.seconds,
        # Neo4j properties cannot hold maps: the reach is stored as JSON text.
        reach=summary.reach.model_dump_json(),
        reach_before=summary.reach_before.model_dump_json(),
    )
    return summary


def flag_properties(flag: DerivedFlag, as_of: date) -> dict[str, Any]:
    """What a FLAGGED relationship stores."""
    return {
        "record_id": flag.record_id,
        "rule": flag.rule,
        "kind": flag.kind,
        "score": flag.score,
        "hops": flag.hops,
        "path": path_to_json(asdict(step) for step in flag.path),
        "basis": flag.basis,
        "rules_version": flag.rules_version,
        "as_of": as_of,
    }


def _stored_flag(row: Row) -> DerivedFlag:
    return DerivedFlag(
        subject=row["subject"],
        record_id=row["record_id"],
        rule=row["rule"],
        kind=row["kind"],
        score=row["score"],
        hops=row["hops"],
        path=tuple(Hop(**step) for step in path_from_json(row["path"])),
        basis=row["basis"],
        rules_version=row["rules_version"],
    )


def source_record(row: Row) -> SourceRecord:
    return SourceRecord(
        record_id=row["record_id"],
        subject=row["subject"],
        list=row["list"],
        level=row["level"],
        category=row["category"] or "other",
        status=row["status"],
        # A record without a publicity start is public from its decision.
        publish_from=row["publish_from"] or row["decided_on"],
        publish_until=row["publish_until"],
    )


def _key_row(flag: DerivedFlag) -> dict[str, Any]:
    return {"subject": flag.subject, "record_id": flag.record_id}


def _write_split(
    repo: Repository,
    org_query: str,
    person_query: str,
    flags: Iterable[DerivedFlag],
    to_row: Any,
    **params: Any,
) -> None:
    orgs: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    for flag in flags:
        (persons if label_of(flag.subject) == "Person" else orgs).append(to_row(flag))
    for query, rows in ((org_query, orgs), (person_query, persons)):
        if rows:
            repo.write_batches(query, rows, WRITE_BATCH, **params)


def _change_rows(feed: ChangeFeed) -> Iterator[dict[str, Any]]:
    changes = [
        *(("gained", None, f) for f in feed.gained),
        *(("lost", f, None) for f in feed.lost),
        *(("changed", c.before, c.after) for c in feed.changed),
    ]
    for seq, (change, before, after) in enumerate(changes):
        some = after or before
        assert some is not None
        yield {
            "seq": seq,
            "change": change,
            "subject": some.subject,
            "record_id": some.record_id,
            "before": _as_json(before),
            "after": _as_json(after),
        }


def _as_json(flag: DerivedFlag | None) -> str | None:
    return None if flag is None else json.dumps(asdict(flag), ensure_ascii=False, default=str)


def _batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
