"""Orchestration of a load: plan, read, validate, check references, write, report.

1. Plan: every file is matched to its kind(s) (by name, or by a mapping), opened and read
   to the end once. A file that cannot be parsed, or lacks a column its kind or mapping
   needs, stops the load here, before anything is written (:class:`LoadError`).
2. Kinds are loaded in :data:`graph.ingest.layouts.LOAD_ORDER`, so every subject a row refers to
   was written before, by this load or an earlier one. Rows are streamed: read, mapped and
   validated in a background thread, up to a few batches ahead of the writer.
3. Per batch: the subjects the valid rows refer to are looked up in the graph at once;
   rows naming an unknown one are rejected; the rest are written in one transaction
   (``UNWIND $rows``, an upsert on natural keys, provenance only on what changed), in a
   writer thread, while the next batch is looked up (:class:`_Writer`).
4. The batch's totals and per-department data quality are stored on a ``LoadBatch`` node and
   its ``DataQuality`` nodes, once per batch identity.
5. Flags are brought up to date as of the load's day, as one propagation run in the change
   feed: the records written, and those whose reach touches a relationship written
   (:class:`graph.ingest.FlagRefresh`). A first load into an empty graph recomputes every
   record instead: all of them are new, so the search for affected ones would only add work.

The batch id is a digest of the content (file names and bytes, the mapping, the source), so
loading the same files again is the same batch: it changes nothing, and a load killed
half-way is finished by running it again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any, TypeVar

from tqdm import tqdm

from graph.clock import china_date
from graph.identifiers import scrub
from graph.ingest import FlagRefresh
from graph.ingest.layouts import KIND_NAMES, LAYOUTS, LOAD_ORDER, Kind
from graph.ingest.validate import (
    Context,
    FieldError,
    Invalid,
    Valid,
    validate,
)
from graph.ingest.writes import (
    KEYS,
    NODE_WRITES,
    Written,
    check_in_graph,
    latest_by_key,
    present_keys,
    upsert,
    upsert_periods,
)
from graph.propagation.rules import RuleSet
from graph.resolution.decisions import merge_deterministic
from graph.settings import Settings
from graph.store.queries import load_batches as q
from graph.store.repository import Repository
from graph.store.schema import (
    SCHEMA_VERSION,
    apply_schema,
    create_search_indexes,
    drop_search_indexes,
    ensure_search_indexes,
    schema_version,
)
from loaders.ftm import FtmFile, is_ftm, scan
from loaders.load_report import FileSummary, LoadReport, RowOutcome
from loaders.mapping import FileMapping, Lookups, Mapped, Mapping, MappingError, Output
from loaders.readers import SURPLUS, Table, TextRow, UnreadableFile, format_of, open_table
from loaders.rejects import RejectsWriter

DEFAULT_BATCH_SIZE = 5_000
# Batches read and validated ahead of the look-ups: enough to keep the writer busy (reading
# and validating take a fraction of a commit), few enough that memory stays a few batches deep.
PREFETCH_BATCHES = 2
# Commits of one kind under way at once. The server runs a statement on one thread: with one
# commit at a time it kept 0.86 of a core busy at 1M organisations on two cores, the
# loader 0.46. Records commit one at a time: their change-log entries follow the files.
COMMITS_IN_FLIGHT = 2
# The name-search indexes cover organisations and persons: no kind after persons writes a name.
NAMES_WRITTEN_BY = frozenset(LOAD_ORDER[: LOAD_ORDER.index(Kind.PERSONS) + 1])


class LoadError(Exception):
    """The load cannot go ahead (a file cannot be parsed, a column is missing); nothing was
    written."""


@dataclass(frozen=True)
class Task:
    """One pass over one file, producing rows of one kind."""

    table: Table
    kind: Kind
    rows: int  # source rows, counted when the file was checked
    file_mapping: FileMapping | None = None
    output: Output | None = None
    lookups: Lookups | None = None  # the file mapping's joins, read once for all its outputs
    ftm: FtmFile | None = None  # a FollowTheMoney file: its rows come from loaders.ftm


@dataclass(frozen=True)
class Plan:
    batch_id: str
    source: str
    tasks: list[Task]  # in load order
    files: list[FileSummary]
    skipped: list[tuple[str, str]]
    ftm_files: list[FtmFile]


def load_paths(
    repo: Repository,
    settings: Settings,
    paths: Sequence[Path],
    mapping: Mapping | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects_path: Path | None = None,
    source: str | None = None,
    progress: bool | None = None,
    *,
    rules: RuleSet,
    as_of: date | None = None,
) -> LoadReport:
    """Load files of the canonical layouts (or of a mapping's) into the graph.

    ``source`` names the sending department in provenance; it defaults to the mapping's,
    else to the name of the (first) directory.
    Rejected rows go to ``rejects_path`` (default ``rejects-<batch id>.csv`` in the working
    directory, written only if a row is rejected). ``progress`` shows bars; None: only on a
    terminal. ``rules`` and ``as_of`` (default: the day of the load, in China) are what the
    flags are recomputed with at the end.
    """
    began = time.perf_counter()
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    source = source or (mapping.source if mapping else _directory_name(paths))
    plan = plan_load(paths, mapping, source)
    loaded_at = datetime.now(UTC)
    ctx = validation_context(settings, loaded_at)
    report = LoadReport(plan.batch_id, source, loaded_at, plan.files, plan.skipped)

    # Constraints first: every lookup by natural key relies on them, for speed and uniqueness.
    if schema_version(repo) != SCHEMA_VERSION:
        apply_schema(repo)
    # Into an empty graph (a province's first load) the name-search indexes are built once,
    # when the last name is written, not row by row: several times faster, and there is
    # nothing to search yet.
    # Every load ends by making sure they exist, so the rerun of a first load that died
    # half-way builds them too.
    empty = repo.read_one(q.ANY_SUBJECT) is None
    if empty:
        drop_search_indexes(repo)
    params: dict[str, Any] = {
        "source": source,
        "batch_id": plan.batch_id,
        "loaded_at": loaded_at,
        "province": settings.province_code,
    }
    begun = repo.write_returning(
        q.BEGIN_BATCH,
        mapping=mapping.origin if mapping else None,
        files=[f.name for f in plan.files],
        **params,
    )[0]
    report.first_load = begun["status"] != "complete"
    # A rerun of a load that died half-way finds what it wrote then unchanged, so it cannot
    # tell which flags that part changed: it recomputes them all.
    resumed = report.first_load and not begun["fresh"]
    refresh = FlagRefresh(repo, rules, as_of or ctx.today, full=empty or resumed)

    rejects = RejectsWriter(
        rejects_path or Path(f"rejects-{plan.batch_id}.csv"), always=rejects_path is not None
    )
    with rejects, _Writer(repo, report, rejects, refresh, ctx.today, params, progress) as writer:
        reject_unsupported(plan, report, rejects)
        batches = _batches(plan.tasks, ctx, batch_size, source)
        names_pending = empty
        for batch in _prefetched(batches, PREFETCH_BATCHES):
            if names_pending and batch.task.kind not in NAMES_WRITTEN_BY:
                # Every name is written: the server builds their search indexes while the
                # rest of the load commits, and the end of the load waits for them.
                writer.finish()
                create_search_indexes(repo)
                names_pending = False
            writer.write(batch)
        writer.finish()
    # Identifiers that agree are one party (graph/resolution): merged at the end of every
    # load, their flags refreshed with the load's.
    for merged in merge_deterministic(repo, settings.province_code)[1]:
        refresh.add(merged)
    ensure_search_indexes(repo)
    report.propagation = refresh.finish()
    report.rejects_path = rejects.path if rejects.written else None
    report.rejected_rows = rejects.rows
    if report.first_load:
        quality = [t.properties(plan.batch_id, ctx.today) for t in report.quality.values()]
        repo.write(
            q.COMPLETE_BATCH,
            totals=report.totals(),
            quality=quality,
            finished_at=datetime.now(UTC),
            **params,
        )
    report.seconds = time.perf_counter() - began
    return report


def validation_context(settings: Settings, loaded_at: datetime) -> Context:
    """What validating a load's rows needs to know: the pid key, the province, the day of
    the load (in China Standard Time) and the USCC allow-list."""
    return Context(
        pid_key=settings.pid_key.get_secret_value().encode(),
        province=settings.province_code,
        today=china_date(loaded_at),
        uscc_allow_list=frozenset(settings.uscc_allow_list),
        linkage_secrets=settings.linkage_secrets(),
        linkage_current=settings.linkage_key_current,
    )


# --------------------------------------------------------------------------- planning


def plan_load(paths: Sequence[Path], mapping: Mapping | None, source: str) -> Plan:
    """Match files to kinds, read each to the end once, and fix the batch identity.

    Directories are expanded to their files; a file there that no kind (or mapping entry)
    claims is skipped with the reason in the report, while a file named explicitly must load.
    """
    files: list[FileSummary] = []
    skipped: list[tuple[str, str]] = []
    tasks: list[Task] = []
    ftm_files: list[FtmFile] = []
    digest = hashlib.sha256(f"source={source}\n".encode())
    if mapping is not None:
        digest.update(f"mapping={mapping.digest}\n".encode())
    for path, explicit in _expand(paths):
        claim = _claim(path, mapping)
        if isinstance(claim, _Skip):
            if explicit:
                raise LoadError(f"{path.name}: {claim.reason}")
            skipped.append((path.name, claim.reason))
            continue
        if isinstance(claim, _Ftm):
            try:
                ftm = scan(path)
            except UnreadableFile as exc:
                raise LoadError(str(exc)) from None
            ftm_files.append(ftm)
            table = Table(path, "ftm", "utf-8", None)
            files.append(FileSummary(path.name, "ftm", None, ftm.entities, ftm.kinds))
            tasks += [Task(table, kind, ftm.rows_of(kind), ftm=ftm) for kind in ftm.kinds]
            digest.update(f"file={path.name}\n{_file_digest(path)}\n".encode())
            continue
        try:
            table = open_table(path)
            rows = _check(table, claim)
            lookups = _lookups(path, claim) if isinstance(claim, FileMapping) else None
        except UnreadableFile as exc:
            raise LoadError(str(exc)) from None
        file_mapping = claim if isinstance(claim, FileMapping) else None
        kinds = (claim,) if isinstance(claim, Kind) else tuple(o.kind for o in claim.outputs)
        files.append(
            FileSummary(path.name, table.format, table.encoding, rows, kinds, _unused(table, claim))
        )
        if file_mapping is None:
            tasks.append(Task(table, kinds[0], rows))
        else:
            tasks += [
                Task(table, o.kind, rows, file_mapping, o, lookups) for o in file_mapping.outputs
            ]
            for join in file_mapping.joins:
                joined = path.parent / join.file
                digest.update(f"join={joined.name}\n{_file_digest(joined)}\n".encode())
        digest.update(f"file={path.name}\n{_file_digest(path)}\n".encode())
    if not tasks:
        raise LoadError("no file to load" + (f" (skipped: {len(skipped)})" if skipped else ""))
    tasks.sort(key=lambda t: LOAD_ORDER.index(t.kind))  # stable: files keep their order
    return Plan(digest.hexdigest()[:24], source, tasks, files, skipped, ftm_files)


def _expand(paths: Sequence[Path]) -> Iterator[tuple[Path, bool]]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and not child.name.startswith("."):
                    yield child, False
        else:
            yield path, True


@dataclass(frozen=True)
class _Skip:
    reason: str


class _Ftm:
    """A FollowTheMoney entity file (:func:`loaders.ftm.is_ftm`), whatever its name."""


_FTM = _Ftm()


def _claim(path: Path, mapping: Mapping | None) -> Kind | FileMapping | _Ftm | _Skip:
    """What a file loads as, or why it is not loaded: a mapping's entry first, then an FtM
    file by its content, then a kind by the file's name."""
    if mapping is not None:
        try:
            found = mapping.for_file(path)
        except MappingError as exc:
            raise LoadError(str(exc)) from None
        if found is not None:
            return found
    if is_ftm(path):
        return _FTM
    if mapping is not None:
        return _Skip(f"not named in the mapping {mapping.origin}")
    if format_of(path) is None:
        return _Skip(f"not a supported format ({path.suffix or 'no suffix'})")
    if path.stem not in KIND_NAMES:
        return _Skip(f"{path.stem!r} is not a kind ({', '.join(Kind)})")
    return Kind(path.stem)


def _check(table: Table, claim: Kind | FileMapping) -> int:
    """Check the columns a file needs, and that it has none its layout (or mapping) does not
    know, and read it to the end; return its row count."""
    if table.columns is not None:
        present = set(table.columns)
        if isinstance(claim, Kind):
            lacking = [
                " or ".join(r) if isinstance(r, tuple) else r
                for r in LAYOUTS[claim].required
                if not present.intersection((r,) if isinstance(r, str) else r)
            ]
        else:
            lacking = sorted(claim.own_reads - present)
        if lacking:
            raise UnreadableFile(table.path, f"missing column(s): {', '.join(lacking)}")
    keys: set[str] = set()
    if table.columns is None:  # JSON Lines: each row names its own columns
        rows = 0
        for rows, (_, row) in enumerate(table.rows(), start=1):  # noqa: B007 (a count)
            keys.update(row)
    else:
        rows = table.count()
    columns = keys | set(table.columns or ())
    if isinstance(claim, FileMapping):
        unknown = claim.unknown(columns)
        what = "the mapping neither reads nor ignores"
    else:
        unknown = sorted(c for c in columns if c and c not in LAYOUTS[claim].columns)
        what = f"{claim} does not have (a mapping can ignore them)"
    if unknown:
        raise UnreadableFile(table.path, f"column(s) {what}: {', '.join(unknown)}")
    return rows


def _lookups(path: Path, claim: FileMapping) -> Lookups:
    """The lookup files of a mapping's joins, each read once and indexed by its key. Only
    the columns the mapping reads are kept, and a file past the join's ``max_rows`` is
    refused: memory stays that of a lookup table, however long the file being mapped."""
    lookups: Lookups = {}
    for join in claim.joins:
        table = open_table(path.parent / join.file)
        needed = claim.join_reads(join)
        if table.columns is not None and not needed <= set(table.columns):
            lacking = ", ".join(sorted(needed - set(table.columns)))
            raise UnreadableFile(table.path, f"missing column(s) for the join: {lacking}")
        index: dict[str, TextRow] = {}
        for number, row in table.rows():
            kept = claim.lookup_row(join, row)
            key = kept.get(join.right)
            if key is None:
                continue
            if key in index:
                raise UnreadableFile(
                    table.path, f"row {number}: {join.right} repeats a key; a join needs one row"
                )
            if len(index) >= join.max_rows:
                raise UnreadableFile(
                    table.path,
                    f"more than {join.max_rows} rows: too large for a join (raise max_rows "
                    "if memory allows, or join before loading)",
                )
            index[key] = kept
        lookups[join.alias] = index
    return lookups


def _unused(table: Table, claim: Kind | FileMapping) -> tuple[str, ...]:
    """The columns a mapping ignores (any other unread column stops the load)."""
    if table.columns is None or isinstance(claim, Kind):
        return ()
    return tuple(c for c in table.columns if c and c not in claim.reads)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _directory_name(paths: Sequence[Path]) -> str:
    first = paths[0].resolve() if paths else Path.cwd()
    return (first if first.is_dir() else first.parent).name or "canonical"


# --------------------------------------------------------------------------- reading


class RowChecker:
    """Map and validate a task's rows one by one: the one way every load does it (online
    and initial)."""

    def __init__(self, task: Task, ctx: Context, source: str) -> None:
        self.task = task
        self.ctx = ctx
        required = LAYOUTS[task.kind].required
        self._expected = len(required)
        # Counted apart, so that the common case (one column) costs no Python loop per row.
        self._single = tuple(r for r in required if isinstance(r, str))
        self._either = tuple(r for r in required if not isinstance(r, str))
        self._siblings = _siblings(task)
        self._records = task.kind is Kind.RECORDS
        self._source = scrub(source)
        self.left_out = 0  # rows the output's `where` did not take, counted by the caller

    def check(self, number: int, raw: TextRow | Mapped) -> list[RowOutcome]:
        task = self.task
        mapped: list[Mapped]
        if isinstance(raw, Mapped):  # an FtM file's row, in canonical form already
            surplus, mapped = None, [raw]
        else:
            surplus = _surplus(raw)
            if task.file_mapping is None or task.output is None:
                mapped = [Mapped(raw)]
            else:
                prepared = task.file_mapping.prepared(raw, task.lookups)
                mapped = task.output.rows(prepared)
                if not mapped and self._siblings:
                    self.left_out += not any(o.takes(prepared) for o in self._siblings)
        outcomes = []
        for row, mapping_errors in mapped:
            result = (
                surplus
                or (Invalid(mapping_errors) if mapping_errors else None)
                or validate(task.kind, row, self.ctx)
            )
            present = sum(map(bool, map(row.get, self._single)))
            if self._either:
                present += sum(any(map(row.get, r)) for r in self._either)
            # Read before validation, so it may be anything a column held: scrubbed.
            authority = row.get("authority") if self._records else None
            department = scrub(authority) if authority else self._source
            outcomes.append(RowOutcome(number, result, department, present, self._expected))
        return outcomes


@dataclass
class _Batch:
    task: Task
    outcomes: list[RowOutcome]
    source_rows: int  # rows of the file consumed for this batch
    last: bool  # the task's final batch
    left_out: int = 0  # rows of the file the output's `where` did not take


def _batches(tasks: Iterable[Task], ctx: Context, batch_size: int, source: str) -> Iterator[_Batch]:
    """Read, map and validate: pure work, run ahead of the writer in another thread."""
    for task in tasks:
        checker = RowChecker(task, ctx, source)
        outcomes: list[RowOutcome] = []
        consumed = 0
        for number, raw in source_rows(task, ctx):
            consumed += 1
            outcomes += checker.check(number, raw)
            if len(outcomes) >= batch_size:
                yield _Batch(task, outcomes, consumed, last=False, left_out=checker.left_out)
                outcomes, consumed, checker.left_out = [], 0, 0
        yield _Batch(task, outcomes, consumed, last=True, left_out=checker.left_out)


def reject_unsupported(plan: Plan, report: LoadReport, rejects: RejectsWriter) -> None:
    """Every entity of an FtM file whose schema has no place in the graph, in the rejects
    file and the report."""
    for ftm in plan.ftm_files:
        for line, schema, error in ftm.rejected():
            rejects.add(ftm.path.name, line, schema, (error,))
            report.unloaded(ftm.path.name)[schema] += 1


def source_rows(task: Task, ctx: Context) -> Iterator[tuple[int, TextRow | Mapped]]:
    """A task's rows as read: a table's, or an FtM file's already in canonical form."""
    if task.ftm is not None:
        yield from task.ftm.rows(task.kind, ctx.province)
    else:
        yield from task.table.rows()


def _siblings(task: Task) -> tuple[Output, ...]:
    """The outputs of the task's kind in its file mapping, when the task is the first of them
    (else none). Several outputs of one kind choose among a file's rows (a holder who is a
    person or an organisation): a row is left out of the kind when none of them takes it,
    counted once, by the first."""
    if task.file_mapping is None:
        return ()
    siblings = tuple(o for o in task.file_mapping.outputs if o.kind is task.kind)
    return siblings if siblings[0] is task.output else ()


def _surplus(raw: TextRow) -> Invalid | None:
    if SURPLUS not in raw:
        return None
    message = f"the row has {raw[SURPLUS]} more fields than the header"
    return Invalid((FieldError("*", "surplus_fields", message),))


T = TypeVar("T")


def _prefetched(items: Iterator[T], depth: int) -> Iterator[T]:
    """``items``, produced in a background thread up to ``depth`` ahead.

    Reading and validation then overlap the writes: the driver releases the GIL while it
    waits for the server. An exception in the producer is raised here, in order; when the
    consumer stops early, the producer stops too.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(message, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))

    thread = threading.Thread(target=produce, name="load-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, payload = queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
    finally:
        stop.set()
        while thread.is_alive():
            try:
                queue.get(timeout=0.1)
            except Empty:
                continue
        thread.join()


# --------------------------------------------------------------------------- writing


@dataclass
class _Commit:
    """A batch's writes, running in the writer thread."""

    batch: _Batch
    keys: frozenset[Hashable]  # the keys it writes: nodes' keys, relationships' key tuples
    written: Future[Written]


class _Writer:
    """Checks references and keeps the books (counts, quality, rejects, progress) while the
    batches before commit in threads of their own: a transaction leaves its thread waiting
    on the server, so batch n+1's look-ups run while batch n commits, and up to
    :data:`COMMITS_IN_FLIGHT` batches of one kind commit at once.

    The books are kept in batch order, as a sequential load keeps them, and records commit
    one at a time, so the change log's entries are those of a sequential load. A batch's
    look-ups wait for the commits before them where their writes could change the answers:
    at a new kind (whose rows refer to the kinds before) and when the batch names a key that
    a commit under way writes (a record filed again, a key twice in a file). Memory holds
    the batches under way and the one being checked.
    """

    def __init__(
        self,
        repo: Repository,
        report: LoadReport,
        rejects: RejectsWriter,
        refresh: FlagRefresh,
        today: Any,
        params: dict[str, Any],
        progress: bool | None,
    ) -> None:
        self.repo = repo
        self.report = report
        self.rejects = rejects
        self.refresh = refresh
        self.today = today
        self.params = params
        self.progress = progress
        self._bar: tqdm[Any] | None = None
        self._clock = time.perf_counter()
        self._committer = ThreadPoolExecutor(
            max_workers=COMMITS_IN_FLIGHT, thread_name_prefix="load-writer"
        )
        self._pending: deque[_Commit] = deque()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        # After a failure, commits under way are waited for, not abandoned: each transaction
        # is then whole or absent, and a rerun completes the load either way.
        self._committer.shutdown(wait=True)
        if self._bar is not None:
            self._bar.close()

    def write(self, batch: _Batch) -> None:
        task = batch.task
        kind = task.kind
        # All of them: an online load writes nothing before its references are checked.
        results = [o.result for o in batch.outcomes if o.result is not None]
        if self._pending and (
            self._pending[0].batch.task.kind is not kind
            or not _named(kind, results).isdisjoint(k for p in self._pending for k in p.keys)
        ):
            self.finish()
        checked = check_in_graph(self.repo, kind, results)
        file = task.table.path.name
        self.report.file_rejections(file, kind).left_out += batch.left_out
        accepted = [
            result.params
            for outcome, result in zip(batch.outcomes, checked, strict=True)
            if self.report.book(file, kind, outcome, result, self.rejects, self.today)
            and isinstance(result, Valid)
        ]
        rows = latest_by_key(kind, accepted)
        present = present_keys(self.repo, kind, rows) if rows else None
        keys = _written_keys(kind, rows)
        in_flight = 1 if kind is Kind.RECORDS else COMMITS_IN_FLIGHT
        # A key the commits under way write too is written after them: the later row wins.
        while self._pending and (
            len(self._pending) >= in_flight
            or any(not keys.isdisjoint(p.keys) for p in self._pending)
        ):
            self._settle()
        self._pending.append(
            _Commit(
                batch, keys, self._committer.submit(self._commit, kind, rows, accepted, present)
            )
        )

    def finish(self) -> None:
        """Wait for every commit under way; a failure is raised here."""
        while self._pending:
            self._settle()

    def _commit(
        self,
        kind: Kind,
        rows: list[dict[str, Any]],
        accepted: list[dict[str, Any]],
        present: set[str] | None,
    ) -> Written:
        if not rows:
            return Written()
        written = upsert(self.repo, kind, rows, self.params, present)
        upsert_periods(self.repo, kind, accepted, self.params)
        return written

    def _settle(self) -> None:
        """Wait for the oldest commit under way, and book what it wrote (a failure is
        raised)."""
        pending = self._pending.popleft()
        written = pending.written.result()
        batch = pending.batch
        counts = self.report.counts(batch.task.kind)
        counts.created += written.created
        counts.updated += written.updated
        self.refresh.add(written)
        now = time.perf_counter()
        counts.seconds += now - self._clock
        self._clock = now
        if self._bar is None:
            self._bar = tqdm(
                total=batch.task.rows,
                desc=f"{batch.task.kind} ← {batch.task.table.path.name}",
                unit="rows",
                # None disables the bar unless stderr is a terminal.
                disable=None if self.progress is None else not self.progress,
            )
        self._bar.update(batch.source_rows)
        if batch.last:
            self._bar.close()
            self._bar = None


def _written_keys(kind: Kind, rows: list[dict[str, Any]]) -> frozenset[Hashable]:
    if kind in NODE_WRITES:
        return frozenset(row[NODE_WRITES[kind].key] for row in rows)
    return frozenset(tuple(row[k] for k in KEYS[kind]) for row in rows)


def _named(kind: Kind, results: Iterable[Valid | Invalid]) -> set[str]:
    """The keys a batch's look-ups ask the graph about: the subjects its rows refer to and,
    for a node kind, its own."""
    own = NODE_WRITES[kind].key if kind in NODE_WRITES else None
    keys: set[str] = set()
    for result in results:
        if isinstance(result, Valid):
            keys.update(ref.key for ref in result.refs)
            if own is not None:
                keys.add(result.params[own])
    return keys
