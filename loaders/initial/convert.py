"""Canonical files to import CSVs: the same readers, mappings, validation and reference
checks as the online load, and what the online upserts would write, as rows.

Work is split the way the cost lies, over worker processes (one per core by default). The
main process cuts each CSV file into spans of records (:meth:`loaders.readers.Table.spans`
parses the file but makes no rows) and hands them out; other formats (XLSX, JSON Lines,
Parquet, FtM) it reads and hands out as chunks of rows. A worker reads its span, maps and
validates each row with the online load's :class:`loaders.pipeline.RowChecker` (pid HMACs,
identifier check characters, value sets), checks its references with
:func:`graph.ingest.writes.check_in_graph` over the keys the load accepted
(:class:`loaders.initial.keys.LoadKeys`), and writes its rows as parts of the import files.
It returns its rejected rows and, per department, the counts of the rows it accepted; the
main process takes the results in input order and keeps the books (the report, the rejects
file) and the keys. At most :data:`IN_FLIGHT_PER_WORKER` chunks per worker are out at a
time, so memory holds a few chunks, the hashed keys and the records' identities, however
long the files.

References point only at earlier kinds (departments, organisations, persons), so the load
runs in two rounds: those three kinds, whose keys the main process collects; then, with
the keys complete and handed to freshly forked workers, everything else. Records are
checked and written by the main process itself: whether a record id was filed before with
another identity (``identity_changed``) depends on every earlier chunk, and records are a
small share of the rows.

What each kind writes mirrors :mod:`graph.store.queries.ingest` (``CREATE_*`` and the
``MERGE_*`` of a key not yet stored): the same properties, defaults and provenance, the same
relationships; a record of this province also gets its change-log entry, as
:data:`graph.store.queries.changelog.LOG_CHANGES` would append it.
"""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, NamedTuple

from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Valid
from graph.ingest.writes import KEYS, check_in_graph, latest_by_key, record_identity
from graph.model import label_of
from graph.reference import occupations, regions
from graph.store.embedded.importer import ImportFiles
from loaders.initial.files import Group, ImportSet, PartWriter, Typed, Written, type_of
from loaders.initial.keys import NO_DAY, LoadKeys, key_hash
from loaders.load_report import LoadReport, RowOutcome
from loaders.mapping import Mapped
from loaders.pipeline import Plan, RowChecker, Task, reject_unsupported, source_rows
from loaders.readers import Span, TextRow
from loaders.rejects import RejectsWriter

CHUNK_ROWS = 20_000
IN_FLIGHT_PER_WORKER = 3
# A chunk's rows are numbered chunk * SEQ_SPAN + i: in input order across chunks (a raw row
# may give several mapped rows, never this many).
SEQ_SPAN = 1 << 24
# Kinds whose keys later rows refer to: the first round.
REFERENCED = frozenset({Kind.DEPARTMENTS, Kind.ORGANIZATIONS, Kind.PERSONS})


# --------------------------------------------------------------------------- a chunk


class Checked(NamedTuple):
    task: int
    chunk: int
    # Records: every row, for the main process to check and write; else the rejected rows.
    outcomes: list[RowOutcome]
    # The rows the worker accepted and wrote, per department: (department, rows, required
    # fields given, required fields asked for), booked at once.
    accepted: list[tuple[str, int, int, int]]
    left_out: int
    written: Written | None  # None: the main process writes this chunk
    keys: list[tuple[int, int]]  # organisations' and persons' key hashes, adult_on days
    codes: list[str]  # departments' codes


@dataclass
class _Work:
    """What the workers work with, set before they are forked (never pickled per chunk)."""

    tasks: list[Task]
    ctx: Context
    source: str
    directory: Path
    provenance: dict[str, Any]
    keys: LoadKeys | None  # the second round's: every referenced key of the load


_WORK: _Work | None = None
# A worker's share of a task: a span of a CSV file it reads itself, or rows read for it.
Chunk = Span | list[tuple[int, TextRow | Mapped]]


def _worker_started() -> None:
    # The collector's own schedule walks, ever more often as a worker's caches of checked
    # identifiers fill, objects that live as long as the worker: what it inherits (the plan,
    # the keys) and those caches. It is run by hand instead, after each chunk, over what the
    # chunk made (:func:`_process_chunk`): an eighth of a worker's time at 1M organisations.
    gc.freeze()
    gc.disable()


def _process_chunk(job: tuple[int, int, Chunk]) -> Checked:
    """A worker's part: validate a chunk, check its references, write its rows."""
    gc.collect(1)  # what the chunk before left in cycles (see _worker_started)
    work = _WORK
    assert work is not None
    index, chunk, given = job
    task = work.tasks[index]
    kind = task.kind
    rows = task.table.rows_of(given) if isinstance(given, Span) else given
    checker = RowChecker(task, work.ctx, work.source)
    outcomes = [outcome for number, raw in rows for outcome in checker.check(number, raw)]
    left_out = checker.left_out
    if kind is Kind.RECORDS:
        return Checked(index, chunk, outcomes, [], left_out, None, [], [])
    results = [o.result for o in outcomes if o.result is not None]  # all, by now
    if work.keys is not None:
        results = check_in_graph(work.keys, kind, results)
    writer = PartWriter(work.directory, f"c{chunk:07d}")
    shaper = Shaper(writer, work.provenance, work.ctx.province)
    keys: list[tuple[int, int]] = []
    codes: list[str] = []
    rejected: list[RowOutcome] = []
    accepted: dict[str, tuple[int, int, int]] = {}  # rows, fields given and asked for
    for i, (outcome, result) in enumerate(zip(outcomes, results, strict=True)):
        if not isinstance(result, Valid):
            outcome.result = result
            rejected.append(outcome)
            continue
        n, present, expected = accepted.get(outcome.department, (0, 0, 0))
        accepted[outcome.department] = (
            n + 1,
            present + outcome.present,
            expected + outcome.expected,
        )
        p = result.params
        shaper.write(kind, chunk * SEQ_SPAN + i, p)
        if kind is Kind.ORGANIZATIONS:
            keys.append((key_hash(p["uscc"]), NO_DAY))
        elif kind is Kind.PERSONS:
            adult_on = p["props"].get("adult_on")
            keys.append((key_hash(p["pid"]), adult_on.toordinal() if adult_on else NO_DAY))
        elif kind is Kind.DEPARTMENTS:
            codes.append(p["code"])
    counted = [(department, *sums) for department, sums in accepted.items()]
    return Checked(index, chunk, rejected, counted, left_out, writer.close(), keys, codes)


def _chunks(plan: Plan, ctx: Context, kinds: frozenset[Kind]) -> Iterator[tuple[int, Chunk]]:
    for index, task in enumerate(plan.tasks):
        if task.kind not in kinds:
            continue
        seen = False
        for chunk in _task_chunks(task, ctx):
            seen = True
            yield index, chunk
        if not seen:
            yield index, []  # the task is still booked: an empty file is in the report


def _task_chunks(task: Task, ctx: Context) -> Iterator[Chunk]:
    """A task's rows in chunks: spans of a CSV file, which a worker reads itself (the main
    process only finds where they start), or rows read here (other formats, FtM)."""
    spans = task.table.spans(CHUNK_ROWS) if task.ftm is None else None
    if spans is not None:
        yield from spans
        return
    chunk: list[tuple[int, TextRow | Mapped]] = []
    for item in source_rows(task, ctx):
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --------------------------------------------------------------------------- the shapes


def _group(flag: str, what: str, *ids: str, domain: str) -> Group:
    return Group(flag, what, ids, domain)


NODE = {
    Kind.DEPARTMENTS: _group("nodes", "Department", "code:ID(Department)", domain="departments"),
    Kind.ORGANIZATIONS: _group(
        "nodes", "Subject:Organization", "uscc:ID(Organization)", domain="organizations"
    ),
    Kind.PERSONS: _group("nodes", "Subject:Person", "pid:ID(Person)", domain="persons"),
    Kind.RECORDS: _group("nodes", "Record", "record_id:ID(Record)", domain="records"),
}
REFERENCE = [
    _group("nodes", "Region", "code:ID(Region)", domain="reference"),
    _group("nodes", "Occupation", "code:ID(Occupation)", domain="reference"),
]
CHANGE_LOG = _group("nodes", "ChangeLog", "id:ID(ChangeLog)", domain="changelog")
# An entry's seq is a number: its id column stores no property.
CHANGE_LOG_ENTRY = _group("nodes", "ChangeLogEntry", ":ID(ChangeLogEntry)", domain="changelog")


@cache
def _rel(rel: str, start: str, end: str, domain: str) -> Group:
    return _group("relationships", rel, f":START_ID({start})", f":END_ID({end})", domain=domain)


# Kinds whose rows name the period they report: the relationship keeps the latest period's
# values (writes.latest_by_key) and each period is kept beside it.
PERIOD_REL = {Kind.OFFICERS: "OFFICER_IN_PERIOD", Kind.SHAREHOLDINGS: "SHAREHOLDER_IN_PERIOD"}


@dataclass
class Shaper:
    """Turns one accepted row into what the online upsert of a new key writes."""

    out: PartWriter
    provenance: dict[str, Any]  # source, batch_id, loaded_at
    province: str
    log: Any = None  # csv writer of this province's records, for the change log (records)

    def reference_data(self) -> None:
        """Region and Occupation nodes by code: ``schema apply`` completes them after the
        import (names, PART_OF, provenance), as it does on an empty graph."""
        for seq, code in enumerate(regions()):
            self.out.row(REFERENCE[0], -1 - seq, (code,), {})
        for seq, code in enumerate(occupations()):
            self.out.row(REFERENCE[1], -1 - seq, (code,), {})

    def write(self, kind: Kind, seq: int, p: dict[str, Any]) -> None:
        prov = self.provenance
        out = self.out
        key = tuple(p[k] for k in KEYS[kind])
        out.key(kind.value, seq, key_hash(key), p.get("period"))
        if kind is Kind.DEPARTMENTS:
            out.row(NODE[kind], seq, (p["code"],), {**p["props"], **prov})
        elif kind is Kind.ORGANIZATIONS:
            props = p["props"]
            node = {
                **props,
                "established_on": p["established_on"],
                "kind": props.get("kind", "enterprise"),
                "status": props.get("status", "active"),
                "hub": props.get("hub", False),
                **prov,
            }
            out.row(NODE[kind], seq, (p["uscc"],), node)
            self._in_region("Organization", seq, p["uscc"], p.get("region"))
        elif kind is Kind.PERSONS:
            out.row(NODE[kind], seq, (p["pid"],), {**p["props"], **prov})
            self._in_region("Person", seq, p["pid"], p.get("region"))
        elif kind is Kind.RECORDS:
            self._record(seq, p)
        elif kind is Kind.LEGAL_REPS:
            rel = _rel("LEGAL_REP_OF", "Person", "Organization", kind.value)
            out.row(
                rel, seq, (p["pid"], p["uscc"]), {"since": p["since"], "until": p["until"], **prov}
            )
        elif kind is Kind.OFFICERS:
            rel = _rel("OFFICER_OF", "Person", "Organization", kind.value)
            values = {"role": p["role"], "since": p["since"], "until": p["until"]}
            out.row(rel, seq, (p["pid"], p["uscc"]), {**values, "period": p["period"], **prov})
            self._period(kind, seq, key, p, ("Person", "Organization"), values)
        elif kind is Kind.SHAREHOLDINGS:
            holder = label_of(p["holder"])
            rel = _rel("SHAREHOLDER_OF", holder, "Organization", kind.value)
            values = {"ratio": p["ratio"], "since": p["since"], "until": p["until"]}
            out.row(rel, seq, (p["holder"], p["uscc"]), {**values, "period": p["period"], **prov})
            self._period(kind, seq, key, p, (holder, "Organization"), values)
        elif kind is Kind.BRANCHES:
            rel = _rel("BRANCH_OF", "Organization", "Organization", kind.value)
            out.row(rel, seq, (p["branch"], p["head"]), dict(prov))
        elif kind is Kind.LICENCES:
            rel = _rel("LICENSED_AS", "Person", "Occupation", kind.value)
            values = {"licence_no": p["licence_no"], "valid_until": p["valid_until"]}
            out.row(rel, seq, (p["pid"], p["occupation"]), {**values, **prov})
            if p["practises_at"] is not None:
                # A professional may practise at several places; each place once.
                out.key("practice", seq, key_hash((p["pid"], p["practises_at"])))
                practice = _rel("PRACTISES_AT", "Person", "Organization", "practice")
                out.row(practice, seq, (p["pid"], p["practises_at"]), dict(prov))

    def _in_region(self, label: str, seq: int, key: str, region: str | None) -> None:
        if region is not None:
            domain = "organizations" if label == "Organization" else "persons"
            rel = _rel("IN_REGION", label, "Region", domain)
            self.out.row(rel, seq, (key, region), self.provenance)

    def _period(
        self,
        kind: Kind,
        seq: int,
        key: tuple[Any, ...],
        p: dict[str, Any],
        ends: tuple[str, str],
        values: dict[str, Any],
    ) -> None:
        period = p["period"]
        if period is None:
            return
        domain = f"{kind.value}-period"
        self.out.key(domain, seq, key_hash((*key, period)))
        rel = _rel(PERIOD_REL[kind], *ends, domain)
        start = p["pid"] if kind is Kind.OFFICERS else p["holder"]
        props = {**values, "period": period, **self.provenance}
        self.out.row(rel, seq, (start, p["uscc"]), props)

    def _record(self, seq: int, p: dict[str, Any]) -> None:
        prov = self.provenance
        props = p["props"]
        node = {
            **props,
            "decided_on": p["decided_on"],
            "publish_from": p["publish_from"],
            "publish_until": p["publish_until"],
            "status": props.get("status", "active"),
            "source_province": props.get("source_province", self.province),
            **prov,
        }
        self.out.row(NODE[Kind.RECORDS], seq, (p["record_id"],), node)
        subject = label_of(p["subject"])
        has = _rel("HAS_RECORD", subject, "Record", "records")
        self.out.row(has, seq, (p["subject"], p["record_id"]), dict(prov))
        issued = _rel("ISSUED_BY", "Record", "Department", "records")
        self.out.row(issued, seq, (p["record_id"], p["authority"]), dict(prov))
        if node["source_province"] == self.province:
            self.log.writerow(
                [
                    seq,
                    p["record_id"],
                    props.get("category") or "",
                    node["status"],
                    _iso(p["publish_from"]),
                    _iso(p["publish_until"]),
                ]
            )


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _latest(domain: str, rows: list[tuple[int, int, int]]) -> set[int]:
    """The online rule (:func:`graph.ingest.writes.latest_by_key`) for one key's rows,
    given as (key hash, seq, period day): the hash stands for each of the key's fields."""
    kind = Kind(domain)
    as_rows = [
        {**dict.fromkeys(KEYS[kind], h), "seq": seq, "period": None if day == NO_DAY else day}
        for h, seq, day in rows
    ]
    return {row["seq"] for row in latest_by_key(kind, as_rows)}


# --------------------------------------------------------------------------- conversion


@dataclass
class Converted:
    nodes: list[ImportFiles]
    relationships: list[ImportFiles]
    multiline: bool
    duplicates_dropped: int  # rows of a key the online upsert would not have kept


def convert(
    plan: Plan,
    ctx: Context,
    provenance: dict[str, Any],
    directory: Path,
    report: LoadReport,
    rejects: RejectsWriter,
    workers: int | None = None,
) -> Converted:
    """Write the import files of ``plan`` under ``directory``; the report and the rejects
    file get what the online load would have given them."""
    global _WORK
    provenance = {
        k: Typed(v.isoformat(), type_of(v)) if isinstance(v, datetime) else v
        for k, v in provenance.items()
    }
    directory.mkdir(parents=True, exist_ok=True)
    out = ImportSet(directory, frozenset(k.value for k in PERIOD_REL))
    keys = LoadKeys()
    log_path = directory / "changelog.pending"
    main = PartWriter(directory, "main")
    with log_path.open("w", encoding="utf-8", newline="") as log_file:
        shaper = Shaper(main, provenance, ctx.province, csv.writer(log_file))
        shaper.reference_data()
        books = _Books(plan, keys, shaper, out, report, rejects, ctx.today)
        reject_unsupported(plan, report, rejects)
        processes = workers or os.cpu_count() or 1
        chunk = 0
        try:
            for kinds, shared in ((REFERENCED, None), (frozenset(Kind) - REFERENCED, keys)):
                if shared is not None:
                    shared.organizations.freeze()
                    shared.persons.freeze()
                _WORK = _Work(plan.tasks, ctx, plan.source, directory, provenance, shared)
                # Forked: the workers inherit the plan (file mappings, join look-ups), the
                # context and, in the second round, the keys, instead of a copy per chunk.
                forked = multiprocessing.get_context("fork")
                with forked.Pool(processes, initializer=_worker_started) as pool:
                    pending: deque[AsyncResult[Checked]] = deque()
                    for index, rows in _chunks(plan, ctx, kinds):
                        job = (index, chunk, rows)
                        pending.append(pool.apply_async(_process_chunk, (job,)))
                        chunk += 1
                        if len(pending) >= processes * IN_FLIGHT_PER_WORKER:
                            books.add(pending.popleft().get())
                    while pending:
                        books.add(pending.popleft().get())
        finally:
            _WORK = None
    out.add(main.close())
    dropped = out.drop_duplicates(_latest)
    for kind in Kind:
        if kind in report.kinds:
            report.counts(kind).created = out.kept.get(kind.value, 0)
    log = PartWriter(directory, "changelog")
    _change_log(log, log_path, provenance["loaded_at"], dropped.get(Kind.RECORDS.value, set()))
    out.add(log.close())
    out.close()
    nodes, relationships = out.groups()
    return Converted(nodes, relationships, out.multiline, sum(map(len, dropped.values())))


@dataclass
class _Books:
    """The online writer's bookkeeping (loaders.pipeline._Writer.write), per chunk, with the
    rows written to files instead of the graph."""

    plan: Plan
    keys: LoadKeys
    shaper: Shaper  # the main process's: records
    out: ImportSet
    report: LoadReport
    rejects: RejectsWriter
    today: date

    def add(self, checked: Checked) -> None:
        task = self.plan.tasks[checked.task]
        kind = task.kind
        results = [o.result for o in checked.outcomes if o.result is not None]  # all
        if checked.written is None:  # the worker validated only: checked and written here
            results = check_in_graph(self.keys, kind, results)
        else:
            self.out.add(checked.written)
        file = task.table.path.name
        self.report.file_rejections(file, kind).left_out += checked.left_out
        for department, rows, present, expected in checked.accepted:
            self.report.book_accepted(file, kind, department, rows, present, expected)
        for i, (outcome, result) in enumerate(zip(checked.outcomes, results, strict=True)):
            if not self.report.book(file, kind, outcome, result, self.rejects, self.today):
                continue
            if isinstance(result, Valid):
                self.keys.records.setdefault(
                    result.params["record_id"], record_identity(result.params)
                )
                self.shaper.write(kind, checked.chunk * SEQ_SPAN + i, result.params)
        for hashed, day in checked.keys:
            (self.keys.persons if kind is Kind.PERSONS else self.keys.organizations).add_hash(
                hashed, day
            )
        self.keys.departments.update(checked.codes)


def _change_log(out: PartWriter, pending: Path, at: str, dropped: set[int]) -> None:
    """One entry per record of this province, numbered in the order they were written, and
    the counter at the last one (graph.store.queries.changelog)."""
    seq = 0
    with pending.open(encoding="utf-8", newline="") as f:
        for row_seq, record_id, category, status, publish_from, publish_until in csv.reader(f):
            if int(row_seq) in dropped:
                continue
            seq += 1
            entry = {
                "seq": seq,
                "at": at,
                "record_id": record_id,
                "category": category or None,
                "status": status,
                "publish_from": date.fromisoformat(publish_from) if publish_from else None,
                "publish_until": date.fromisoformat(publish_until) if publish_until else None,
                "op": _OPS.get(status, "upsert"),
            }
            out.row(CHANGE_LOG_ENTRY, seq, (str(seq),), entry)
    pending.unlink()
    if seq:
        out.row(CHANGE_LOG, 0, ("changelog",), {"seq": seq, "pruned_through": 0})


_OPS = {"repaired": "repair", "revoked": "revocation", "expired": "expiry"}
