"""Load benchmark: a synthetic province through the full loader, against a plain baseline.

    .venv/bin/python bench/load.py                 # 100k organisations
    .venv/bin/python bench/load.py --orgs 1000000  # 1M

1. Generates the province's canonical CSVs once (``credit-graph generate`` in a child
   process, so this process's peak memory is the loader's), cached under the work dir.
2. Starts its own embedded Neo4j on a fresh data directory with a larger heap and page
   cache, loads the province with :func:`loaders.pipeline.load_paths` (read, validate,
   reference checks, upsert, provenance) — node files, then relationship files, so that the
   node rate is measured on its own — and prints rows/s per kind, the total time and the
   peak memory of this process and of the JVM.
3. Starts a server on another fresh (empty) data directory and writes the same node rows
   with the plainest ``UNWIND $rows AS row CREATE (n:Label) SET n = row`` (no validation, no
   MERGE, no constraint), reading the same files; prints our node rate as a ratio of it.
   With ``--schema-baseline``, once more into a database holding our schema (constraints and
   indexes, no data), which separates the cost of the indexes from the cost of the loader.
4. The initial path (``credit-graph load --initial``, :mod:`loaders.initial`) of the same
   files into another fresh data directory, per phase: convert (both cores), import
   (neo4j-admin), start, schema (with the load's books), propagate; seconds and peak memory
   of each (this process, its workers, the importer, the server).
5. With ``--statements``, our own node CREATE statements alone, on the same rows validated
   as the loader does (validated first, not timed; then written back to back), into a
   fresh database holding our schema: the writes the design asks for (natural keys,
   regions, provenance) without the pipeline around them (key lookups, reference checks,
   bookkeeping), as a ratio of the baseline; and the loader's node rate as a share of
   theirs (target >= 0.8, issue #16).

The loaded store is kept under the work directory for bench/propagation.py and bench/api.py.

Figures are printed, never asserted. Targets (issue #3): >= 20k node rows/s, >= 0.5 of the
baseline.
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import resource
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from cached_province import (  # bench/ is the script's directory
    COMPLETE,
    arguments,
    fresh_settings,
    generate,
    loaded_dir,
)

from graph.ingest.layouts import NODE_KINDS, Kind
from graph.ingest.validate import Context, Valid, validate
from graph.ingest.writes import NODE_WRITES
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.driver import open_driver
from graph.store.embedded import server
from graph.store.repository import Repository
from graph.store.schema import apply_schema, drop_search_indexes
from loaders.initial.load import initial_load
from loaders.pipeline import DEFAULT_BATCH_SIZE, load_paths, validation_context
from loaders.readers import open_table

# The baseline's statements: labels are literal, as everywhere else.
PLAIN_CREATE = {
    Kind.DEPARTMENTS: "UNWIND $rows AS row CREATE (n:Department) SET n = row",
    Kind.ORGANIZATIONS: "UNWIND $rows AS row CREATE (n:Subject:Organization) SET n = row",
    Kind.PERSONS: "UNWIND $rows AS row CREATE (n:Subject:Person) SET n = row",
    Kind.RECORDS: "UNWIND $rows AS row CREATE (n:Record) SET n = row",
}
# The raw ID number is dropped even from the throw-away baseline database.
NOT_WRITTEN = {"id_number", "subject_id_number"}


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--schema-baseline",
        action="store_true",
        help="also time the baseline into a database holding the schema (what indexes cost)",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also time our node CREATE statements alone (what the writes cost without the "
        "pipeline around them)",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the plain CREATE baseline (and what follows)",
    )
    args = parser.parse_args()

    province = generate(args)
    online = time.perf_counter()
    ours = run_ours(args, province)
    online = time.perf_counter() - online
    print()
    # Each path starts with the disk written out: the kernel writing the last path's store
    # back (7 GB at 1M) would otherwise take CPU and disk from the next one.
    os.sync()
    run_initial(args, province, online)
    print()
    if args.no_baseline:
        return
    os.sync()
    plain = run_baseline(args, province, with_schema=False)
    _print_baseline("an empty database", plain, ours)
    if args.schema_baseline:
        _print_baseline("the same schema", run_baseline(args, province, with_schema=True), ours)
    if args.statements:
        os.sync()
        alone, alone_cpu = run_statements(args, province)
        print(
            f"our CREATE statements alone: {alone:,.0f} node rows/s, {alone_cpu:,.0f} per JVM "
            f"CPU second; / baseline into an empty database: {alone / plain[0]:.2f} by wall "
            f"clock, {alone_cpu / plain[1]:.2f} by JVM CPU"
        )
        # What the pipeline around the statements costs: the loader's node rate (reading,
        # validation, look-ups and books included) as a share of theirs; then with the
        # search indexes' fill and the recompute at the end of the node load too.
        print(
            f"whole loader / statements alone: {ours.kinds / alone:.2f} by wall clock over "
            f"the node kinds (target >= 0.8), {ours.whole / alone:.2f} over the whole node "
            f"load, {ours.jvm_cpu / alone_cpu:.2f} by JVM CPU; / plain CREATE: loader "
            f"{ours.kinds / plain[0]:.2f}, statements alone {alone / plain[0]:.2f}"
        )


def _print_baseline(label: str, baseline: tuple[float, float], ours: Rates) -> None:
    # Other processes on the machine slow runs unevenly; the server's own CPU time per row is
    # the steadier comparison.
    print(
        f"baseline UNWIND … CREATE into {label}: {baseline[0]:,.0f} node rows/s, "
        f"{baseline[1]:,.0f} per JVM CPU second; ours / baseline: {ours[0] / baseline[0]:.2f} "
        f"by wall clock, {ours[1] / baseline[1]:.2f} by JVM CPU (target >= 0.5)"
    )


class Rates(NamedTuple):
    """The loader's node rows per second: of the node kinds' own time, per JVM CPU second
    of the node load, and of the whole node load."""

    kinds: float
    jvm_cpu: float
    whole: float


def run_ours(args: argparse.Namespace, province: Path) -> Rates:
    """Node files first, then relationship files (a load each), so node rates are measured
    on their own."""
    settings = fresh_settings(args, loaded_dir(args))
    state = server.start(settings)
    node_files = [province / f"{kind}.csv" for kind in Kind if kind in NODE_KINDS]
    relation_files = [province / f"{kind}.csv" for kind in Kind if kind not in NODE_KINDS]
    rules = load_rules()
    try:
        with open_driver(settings) as driver:
            repo = Repository(
                driver,
                settings.neo4j_database,
                query_timeout_s=settings.query_timeout_s,
                bulk_timeout_s=settings.bulk_timeout_s,
            )
            cpu, own_cpu = _cpu_seconds(state.pid), _own_cpu_seconds()
            nodes = load_paths(
                repo, settings, node_files, batch_size=args.batch_size,
                rejects_path=args.work_dir / "rejects-nodes.csv", rules=rules,
            )  # fmt: skip
            node_cpu = _cpu_seconds(state.pid) - cpu
            loader_cpu = _own_cpu_seconds() - own_cpu
            relations = load_paths(
                repo, settings, relation_files, batch_size=args.batch_size,
                rejects_path=args.work_dir / "rejects-relations.csv", rules=rules,
            )  # fmt: skip
        jvm_peak = _peak_mb(state.pid)
    finally:
        server.stop(state, settings)
    # Kept for bench/propagation.py and bench/api.py, which then need not load it again.
    (settings.embedded_data_dir / COMPLETE).touch()

    print(f"\nload of {args.orgs:,} organisations, batch size {args.batch_size}")
    print(f"{'kind':<15}{'rows':>10}{'rejected':>10}{'seconds':>10}{'rows/s':>10}")
    for report in (nodes, relations):
        for kind, counts in report.kinds.items():
            print(
                f"{kind:<15}{counts.read:>10,}{counts.rejected:>10,}{counts.seconds:>10.1f}"
                f"{counts.rate:>10,.0f}"
            )
    for name, report in (("nodes", nodes), ("relationships", relations)):
        run = report.propagation
        if run is not None:
            print(f"flags after the {name} load: {run.mode} recompute in {run.seconds:.1f}s")
    total_rows = nodes.total("read") + relations.total("read")
    total_seconds = nodes.seconds + relations.seconds
    print(
        f"total: {total_rows:,} rows in {total_seconds:.1f}s (files checked, read, validated "
        f"and written) = {total_rows / total_seconds:,.0f} rows/s"
    )
    # The node rate is the node kinds' own (read, validated, looked up, written): the search
    # indexes' fill, the merges and the flags' recompute after them are printed apart.
    node_seconds = sum(counts.seconds for counts in nodes.kinds.values())
    node_rate = nodes.node_rows / node_seconds
    print(
        f"node rows: {nodes.node_rows:,} in {node_seconds:.1f}s = {node_rate:,.0f} rows/s "
        f"(target >= 20,000); {nodes.node_rows / node_cpu:,.0f} per JVM CPU second "
        f"(search indexes and recompute included); the node load in all "
        f"{nodes.seconds:.1f}s = {nodes.node_rows / nodes.seconds:,.0f} rows/s"
    )
    # Whether the machine's cores were the limit: the server's and the loader's CPU seconds
    # per second of the node load.
    print(
        f"cores busy during the node load: Neo4j {node_cpu / nodes.seconds:.2f}, the loader "
        f"{loader_cpu / nodes.seconds:.2f} (of {os.cpu_count()})"
    )
    loader_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: loader {loader_peak:,.0f} MB, Neo4j JVM {jvm_peak:,.0f} MB")
    return Rates(node_rate, nodes.node_rows / node_cpu, nodes.node_rows / nodes.seconds)


def run_initial(args: argparse.Namespace, province: Path, online_seconds: float) -> None:
    """The same files through the offline importer, into an empty database of its own."""
    settings = fresh_settings(args, args.work_dir / "neo4j-initial")
    began = time.perf_counter()
    try:
        done = initial_load(
            settings,
            [province],
            rejects_path=args.work_dir / "rejects-initial.csv",
            rules=load_rules(),
            import_dir=args.work_dir / "initial-import",
        )
        seconds = time.perf_counter() - began
        files = settings.embedded_data_dir.rglob("*")
        store = sum(f.stat().st_size for f in files if f.is_file())
    finally:
        # The load leaves its server running, as the CLI does; a failed one too.
        for state in server.running_servers(settings):
            if Path(state.data_dir) == settings.embedded_data_dir.resolve():
                server.stop(state, settings)
        shutil.rmtree(settings.embedded_data_dir, ignore_errors=True)
    report = done.report
    rows = report.total("read")
    print(f"initial load (neo4j-admin import) of {args.orgs:,} organisations, {rows:,} rows")
    print(done.render_phases())
    convert = next(p for p in done.phases if p.name == "convert")
    print(
        f"convert: {rows / convert.seconds:,.0f} rows/s; import files "
        f"{done.import_bytes / 1e6:,.0f} MB, store after propagation {store / 1e6:,.0f} MB"
    )
    print(
        f"initial total: {seconds:.1f}s from canonical files to a served, propagated graph "
        f"(target at 1M: <= 300s); the online load of the same files: {online_seconds:.1f}s "
        f"= {online_seconds / seconds:.1f}x"
    )


def run_baseline(
    args: argparse.Namespace, province: Path, with_schema: bool
) -> tuple[float, float]:
    """The plain CREATE of the node rows: into an empty database, or into one holding the
    schema (constraints and indexes) our load maintains, which shows what they cost."""
    rows = 0
    with _scratch_server(args, "neo4j-baseline") as (repo, pid, _):
        if with_schema:
            apply_schema(repo)
        began, cpu = time.perf_counter(), _cpu_seconds(pid)
        for kind, statement in PLAIN_CREATE.items():
            for batch in _plain_batches(province / f"{kind}.csv", args.batch_size):
                repo.write(statement, rows=batch)
                rows += len(batch)
        seconds, cpu = time.perf_counter() - began, _cpu_seconds(pid) - cpu
    return rows / seconds, rows / cpu


def run_statements(args: argparse.Namespace, province: Path) -> tuple[float, float]:
    """Our node CREATE statements alone, into a fresh database holding our schema: every
    batch validated first (not timed) and kept in a file, then the writes back to back, as
    the loader's writer thread runs them. Timed between each other, with the server idle
    while the next batch was validated, the writes were credited with what the server does
    in the background (collecting garbage, flushing pages) during those pauses."""
    batches = args.work_dir / "statements.pickle"
    rows = 0
    with _scratch_server(args, "neo4j-statements") as (repo, pid, settings):
        loaded_at = datetime.now(UTC)
        with batches.open("wb") as out:
            _validated_batches(args, province, validation_context(settings, loaded_at), out)
        apply_schema(repo)
        drop_search_indexes(repo)  # as a first load does
        params = {"source": province.name, "batch_id": "statements", "loaded_at": loaded_at,
                  "province": settings.province_code}  # fmt: skip
        with batches.open("rb") as given:
            began, before = time.perf_counter(), _cpu_seconds(pid)
            while True:
                try:
                    kind, batch = pickle.load(given)
                except EOFError:
                    break
                repo.write(NODE_WRITES[kind].create, rows=batch, **params)
                rows += len(batch)
            seconds = time.perf_counter() - began
            cpu = _cpu_seconds(pid) - before
    batches.unlink()
    return rows / seconds, rows / cpu


def _validated_batches(
    args: argparse.Namespace, province: Path, ctx: Context, out: BinaryIO
) -> None:
    """The node files' rows validated as the loader does, each key once, in batches."""
    for kind in PLAIN_CREATE:
        valid = _first_of_each_key(
            kind,
            (
                result.params
                for _, raw in open_table(province / f"{kind}.csv").rows()
                if isinstance(result := validate(kind, raw, ctx), Valid)
            ),
        )
        while batch := list(islice(valid, args.batch_size)):
            pickle.dump((kind, batch), out, protocol=pickle.HIGHEST_PROTOCOL)


def _first_of_each_key(kind: Kind, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A key given twice is one node (the loader's upsert updates it): created once."""
    key, seen = NODE_WRITES[kind].key, set()
    for row in rows:
        if row[key] not in seen:
            seen.add(row[key])
            yield row


@contextmanager
def _scratch_server(
    args: argparse.Namespace, name: str
) -> Iterator[tuple[Repository, int, Settings]]:
    """A server of this run on an empty data directory, removed afterwards; yields its
    repository, its process id and its settings."""
    settings = fresh_settings(args, args.work_dir / name)
    state = server.start(settings)
    try:
        with open_driver(settings) as driver:
            yield (
                Repository(
                    driver,
                    settings.neo4j_database,
                    query_timeout_s=settings.query_timeout_s,
                    bulk_timeout_s=settings.bulk_timeout_s,
                ),
                state.pid,
                settings,
            )
    finally:
        server.stop(state, settings)
        shutil.rmtree(settings.embedded_data_dir, ignore_errors=True)


def _plain_batches(path: Path, size: int) -> Iterator[list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = (
            {k: v for k, v in row.items() if v and k not in NOT_WRITTEN}
            for row in csv.DictReader(f)
        )
        while batch := list(islice(rows, size)):
            yield batch


def _own_cpu_seconds() -> float:
    """User and system CPU time of this process (every thread) so far."""
    times = os.times()
    return times.user + times.system


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
