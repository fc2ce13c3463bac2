"""What the benchmarks share: a generated province, and a Neo4j that holds it loaded.

Generating 1M organisations takes minutes and loading them longer, so both are kept under
the work directory (``.credit-graph/bench``) and reused by later runs: the canonical files in
``province-<orgs>-<seed>/``, the loaded store in ``neo4j-loaded-<orgs>-<seed>/``. Each is
marked complete only when it is, so an interrupted run starts that step again.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.services import Services, open_services
from graph.settings import Settings
from graph.store.embedded import server
from graph.store.schema import apply_schema
from loaders.pipeline import load_paths

ROOT = Path(__file__).resolve().parents[1]
COMPLETE = ".complete"


def arguments(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument("--work-dir", type=Path, default=ROOT / ".credit-graph" / "bench")
    return parser


def generate(args: argparse.Namespace) -> Path:
    """The province's canonical files, generated once (in a child process, so this
    process's peak memory stays the benchmark's own)."""
    directory = args.work_dir / f"province-{args.orgs}-{args.seed}"
    if (directory / COMPLETE).exists():
        print(f"province: {directory} (cached)")
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    began = time.perf_counter()
    command = [sys.executable, "-m", "api.cli", "generate", "--orgs", str(args.orgs),
               "--seed", str(args.seed), "--out", str(directory)]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    (directory / COMPLETE).touch()
    print(f"province: {directory} generated in {time.perf_counter() - began:.0f}s")
    return directory


def fresh_settings(args: argparse.Namespace, data_dir: Path) -> Settings:
    """Settings for a server of this run on ``data_dir``, emptied first."""
    shutil.rmtree(data_dir, ignore_errors=True)
    return _settings(args, data_dir)


def loaded_dir(args: argparse.Namespace) -> Path:
    """Where the province's loaded store is kept; bench/load.py leaves its load there."""
    return args.work_dir / f"neo4j-loaded-{args.orgs}-{args.seed}"


@contextmanager
def loaded_province(args: argparse.Namespace) -> Iterator[Services]:
    """A running server holding the generated province, loaded by the real loader once and
    kept for later runs. Benchmarks may write to it (flags, a record's status) but leave it
    in a state a next run can start from."""
    province = generate(args)
    data_dir = loaded_dir(args)
    loaded = (data_dir / COMPLETE).exists()
    if not loaded:
        shutil.rmtree(data_dir, ignore_errors=True)
    settings = _settings(args, data_dir)
    state = server.start(settings)
    try:
        with open_services(settings) as services:
            repo = services.repository
            if loaded:
                # A store kept by older code gets this code's indexes (idempotent).
                apply_schema(repo, index_timeout_s=3600)
                print(f"database: {data_dir} (cached)")
            else:
                began = time.perf_counter()
                load_paths(
                    repo, settings, [province], rejects_path=args.work_dir / "rejects.csv",
                    rules=services.rules,
                )  # fmt: skip
                (data_dir / COMPLETE).touch()
                print(f"database: loaded in {time.perf_counter() - began:.0f}s")
            yield services
    finally:
        server.stop(state, settings)


def _settings(args: argparse.Namespace, data_dir: Path) -> Settings:
    return Settings(
        embedded_port=_free_port(),
        embedded_data_dir=data_dir,
        embedded_heap=args.heap,
        embedded_pagecache=args.pagecache,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
