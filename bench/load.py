"""Load benchmark: a synthetic province through the full loader, against a plain baseline.

    .venv/bin/python bench/load.py                 # 100k organisations
    .venv/bin/python bench/load.py --orgs 1000000  # 1M

1. Generates the province's canonical CSVs once (``credit-graph generate`` in a child
   process, so this process's peak memory is the loader's), cached under the work dir.
2. Starts its own embedded Neo4j on a fresh data directory with a larger heap and page
   cache, loads the province with :func:`loaders.pipeline.load_paths` (read, validate,
   reference checks, MERGE, provenance) and prints rows/s per kind, the total time and the
   peak memory of this process and of the JVM.
3. Starts a second server on another fresh (empty) data directory and writes the same node
   rows with the plainest ``UNWIND $rows AS row CREATE (n:Label) SET n = row`` (no validation,
   no MERGE, no constraint), reading the same files; prints our node rate as a ratio of it.

Figures are printed, never asserted. Targets (issue #3): >= 20k node rows/s, >= 0.5 of the
baseline.
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from graph.driver import open_driver
from graph.embedded import server
from graph.repository import Repository
from graph.settings import Settings
from loaders.layouts import NODE_KINDS, Kind
from loaders.pipeline import DEFAULT_BATCH_SIZE, load_paths

ROOT = Path(__file__).resolve().parents[1]

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--work-dir", type=Path, default=ROOT / ".credit-graph" / "bench")
    args = parser.parse_args()

    province = generate(args.work_dir / f"province-{args.orgs}-{args.seed}", args.orgs, args.seed)
    ours = run_ours(args, province)
    baseline = run_baseline(args, province)

    print(f"\nbaseline (UNWIND … CREATE into an empty database): {baseline:,.0f} node rows/s")
    print(f"ours / baseline: {ours / baseline:.2f}  (target >= 0.5)")


def generate(directory: Path, orgs: int, seed: int) -> Path:
    stamp = directory / ".complete"
    if stamp.exists():
        print(f"province: {directory} (cached)")
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    began = time.perf_counter()
    command = [sys.executable, "-m", "api.cli", "generate", "--orgs", str(orgs),
               "--seed", str(seed), "--out", str(directory)]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    stamp.touch()
    print(f"province: {directory} generated in {time.perf_counter() - began:.0f}s")
    return directory


def bench_settings(args: argparse.Namespace, name: str) -> Settings:
    data_dir = args.work_dir / name
    shutil.rmtree(data_dir, ignore_errors=True)
    return Settings(
        embedded_port=_free_port(),
        embedded_data_dir=data_dir,
        embedded_heap=args.heap,
        embedded_pagecache=args.pagecache,
    )


def run_ours(args: argparse.Namespace, province: Path) -> float:
    settings = bench_settings(args, "neo4j-ours")
    state = server.start(settings)
    try:
        with open_driver(settings) as driver:
            repo = Repository(driver, settings.neo4j_database)
            report = load_paths(
                repo,
                settings,
                [province],
                batch_size=args.batch_size,
                rejects_path=args.work_dir / "rejects.csv",
            )
        jvm_peak = _peak_mb(state.pid)
    finally:
        server.stop(state, settings)
        shutil.rmtree(settings.embedded_data_dir, ignore_errors=True)

    print(f"\nload of {args.orgs:,} organisations, batch size {args.batch_size}")
    print(f"{'kind':<15}{'rows':>10}{'rejected':>10}{'seconds':>10}{'rows/s':>10}")
    for kind, counts in report.kinds.items():
        print(
            f"{kind:<15}{counts.read:>10,}{counts.rejected:>10,}{counts.seconds:>10.1f}"
            f"{counts.rate:>10,.0f}"
        )
    node_seconds = sum(c.seconds for k, c in report.kinds.items() if k in NODE_KINDS)
    node_rate = report.node_rows / node_seconds
    total_rows = report.total("read")
    overall = total_rows / report.seconds
    print(f"total: {total_rows:,} rows in {report.seconds:.1f}s = {overall:,.0f} rows/s")
    print(f"node rows: {report.node_rows:,} at {node_rate:,.0f} rows/s  (target >= 20,000)")
    loader_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: loader {loader_peak:,.0f} MB, Neo4j JVM {jvm_peak:,.0f} MB")
    return node_rate


def run_baseline(args: argparse.Namespace, province: Path) -> float:
    settings = bench_settings(args, "neo4j-baseline")
    state = server.start(settings)
    rows = 0
    try:
        with open_driver(settings) as driver:
            repo = Repository(driver, settings.neo4j_database)
            began = time.perf_counter()
            for kind, statement in PLAIN_CREATE.items():
                for batch in _plain_batches(province / f"{kind}.csv", args.batch_size):
                    repo.write(statement, rows=batch)
                    rows += len(batch)
            seconds = time.perf_counter() - began
    finally:
        server.stop(state, settings)
        shutil.rmtree(settings.embedded_data_dir, ignore_errors=True)
    return rows / seconds


def _plain_batches(path: Path, size: int) -> Iterator[list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = (
            {k: v for k, v in row.items() if v and k not in NOT_WRITTEN}
            for row in csv.DictReader(f)
        )
        while batch := list(islice(rows, size)):
            yield batch


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
