"""``credit-graph load --initial``: a province's first load through Neo4j's offline importer.

The end state equals an online load of the same files into an empty graph (the equivalence
test compares the two): the same rows are accepted and rejected (same readers, mappings,
validation and reference checks; :mod:`loaders.initial.convert`), the same nodes,
relationships, properties and provenance are written, then the same books (``LoadBatch``,
``DataQuality``), the schema and a full propagation.

1. **check**: the database holds no data (a first load replaces the store); one holding
   subjects is refused with a pointer to the online load;
2. **convert** the files into import CSVs (both cores);
3. **import**: the embedded server is stopped and ``neo4j-admin database import full``
   writes its store;
4. **start** the server again;
5. **schema**: constraints and indexes (Community's importer makes none), reference data,
   and the load's batch and data quality;
6. **propagate**: every record's flags, as of the load's day, while the server fills the
   name-search indexes;
7. **search**: what is left of filling them.

With ``NEO4J_URI`` set (a server this process does not run), steps 3–7 are the operator's:
the files are prepared and the one ``neo4j-admin`` command printed (README, "First load of
a province").
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import psutil

from graph.propagation.recompute import full_recompute
from graph.propagation.rules import RuleSet
from graph.resolution.decisions import merge_deterministic
from graph.services import open_services
from graph.settings import Settings
from graph.store.embedded import server
from graph.store.embedded.importer import (
    ImportFiles,
    import_arguments,
    run_import,
    shell_command,
)
from graph.store.queries import load_batches as q
from graph.store.repository import Repository
from graph.store.schema import apply_schema, create_search_indexes, ensure_search_indexes
from loaders.initial.convert import Converted, convert
from loaders.load_report import LoadReport
from loaders.mapping import Mapping
from loaders.pipeline import LoadError, _directory_name, plan_load, validation_context
from loaders.rejects import RejectsWriter


class NotEmpty(LoadError):
    """The database already holds data; an initial load would replace it."""


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    peak_mib: float = 0.0  # resident memory of this process, its children and the server


@dataclass
class InitialLoad:
    report: LoadReport
    phases: list[Phase] = field(default_factory=list)
    # With a server we do not run: the command to run beside it (in ``import_dir``).
    command: str | None = None
    import_dir: Path | None = None
    import_bytes: int = 0  # the import files' size on disk

    def render_phases(self) -> str:
        lines = [f"{'phase':<10} {'seconds':>8} {'peak MiB':>9}"]
        lines += [f"{p.name:<10} {p.seconds:>8.1f} {p.peak_mib:>9.0f}" for p in self.phases]
        return "\n".join(lines)


def initial_load(
    settings: Settings,
    paths: Sequence[Path],
    mapping: Mapping | None = None,
    rejects_path: Path | None = None,
    source: str | None = None,
    *,
    rules: RuleSet,
    as_of: date | None = None,
    import_dir: Path | None = None,
    workers: int | None = None,
    tied_to_pid: int | None = None,
) -> InitialLoad:
    """Load files into an empty database through the importer (see the module).

    ``import_dir`` (default ``initial-<batch id>`` in the working directory) holds the
    import files; it is removed after an embedded import. ``tied_to_pid``: the restarted
    embedded server stops when that process ends (test suites). Raises :class:`LoadError`
    (a file cannot be read) or :class:`NotEmpty` before anything is written.
    """
    began = time.perf_counter()
    source = source or (mapping.source if mapping else _directory_name(paths))
    plan = plan_load(paths, mapping, source)
    loaded_at = datetime.now(UTC)
    ctx = validation_context(settings, loaded_at)
    report = LoadReport(plan.batch_id, source, loaded_at, plan.files, plan.skipped)
    directory = (import_dir or Path(f"initial-{plan.batch_id}")).resolve()
    done = InitialLoad(report, import_dir=directory)
    provenance = {"source": source, "batch_id": plan.batch_id, "loaded_at": loaded_at}

    running = _our_server(settings)
    with _phase(done, "check", running):
        if settings.uses_embedded_neo4j and running is None and _store_exists(settings):
            running = server.start(settings, tied_to_pid=tied_to_pid)
        if running is not None or not settings.uses_embedded_neo4j:
            with open_services(settings) as services:
                refuse_unless_empty(services.repository)

    if directory.exists():
        shutil.rmtree(directory)
    rejects = RejectsWriter(
        rejects_path or Path(f"rejects-{plan.batch_id}.csv"), always=rejects_path is not None
    )
    with rejects, _phase(done, "convert", running):
        converted = convert(plan, ctx, provenance, directory, report, rejects, workers)
    report.rejects_path = rejects.path if rejects.written else None
    report.rejected_rows = rejects.rows
    done.import_bytes = sum(f.stat().st_size for f in directory.iterdir())

    if not settings.uses_embedded_neo4j:
        relative = _relative(converted, directory)
        done.command = shell_command(
            import_arguments(
                settings.neo4j_database,
                relative.nodes,
                relative.relationships,
                Path("import.report"),
                relative.multiline,
            )
        )
        report.seconds = time.perf_counter() - began
        return done

    with _phase(done, "import", running):
        if running is not None:
            server.stop(running, settings)
        arguments = import_arguments(
            settings.neo4j_database,
            converted.nodes,
            converted.relationships,
            directory / "import.report",
            converted.multiline,
        )
        run_import(settings, settings.embedded_data_dir, arguments, directory / "import.log")
    with _phase(done, "start", None) as phase:
        running = server.start(settings, tied_to_pid=tied_to_pid)
        phase.server = running
    with open_services(settings) as services:
        # Populating the indexes over a province and recomputing every flag are whole-graph
        # work: the bulk timeout, not a request's.
        repo = Repository(
            services.driver,
            settings.neo4j_database,
            query_timeout_s=settings.bulk_timeout_s,
            bulk_timeout_s=settings.bulk_timeout_s,
        )
        with _phase(done, "schema", running):
            # Indexes over a province's millions of nodes take minutes to populate. The
            # name-search ones are filled while the flags are computed, which never read them.
            apply_schema(repo, index_timeout_s=3600, search_indexes=False)
            create_search_indexes(repo)
            origin = mapping.origin if mapping else None
            write_books(repo, report, origin, provenance, settings.province_code, ctx.today)
        with _phase(done, "propagate", running):
            # Identifiers that agree are one party, as at the end of an online load.
            merge_deterministic(repo, settings.province_code)
            report.propagation = full_recompute(repo, rules, as_of or ctx.today)
        with _phase(done, "search", running):
            ensure_search_indexes(repo)
    shutil.rmtree(directory)
    report.seconds = time.perf_counter() - began
    return done


def refuse_unless_empty(repo: Repository) -> None:
    """An initial load replaces the whole store: refuse a database holding anything beyond
    the schema and the reference data."""
    if repo.read_one(q.ANY_SUBJECT) is not None:
        raise NotEmpty(
            "the database already holds subjects: an initial load is for an empty database; "
            "use the online load (`credit-graph load` without --initial)"
        )
    other = repo.read_one(q.ANY_DATA)
    if other is not None:
        raise NotEmpty(
            f"the database holds {':'.join(other['labels'])} nodes, which an initial load "
            "would erase (it replaces the store); load online, or start from an empty database"
        )


def write_books(
    repo: Repository,
    report: LoadReport,
    mapping: str | None,
    provenance: dict[str, object],
    province: str,
    today: date,
) -> None:
    """The load's ``LoadBatch`` and ``DataQuality``, through the statements the online load
    writes them with."""
    params = {**provenance, "province": province}
    repo.write(
        q.BEGIN_BATCH,
        mapping=mapping,
        files=[f.name for f in report.files],
        **params,
    )
    quality = [t.properties(report.batch_id, today) for t in report.quality.values()]
    repo.write(
        q.COMPLETE_BATCH,
        totals=report.totals(),
        quality=quality,
        finished_at=datetime.now(UTC),
        **params,
    )


def _our_server(settings: Settings) -> server.ServerState | None:
    if not settings.uses_embedded_neo4j:
        return None
    data_dir = settings.embedded_data_dir.resolve()
    return next((s for s in server.running_servers(settings) if Path(s.data_dir) == data_dir), None)


def _store_exists(settings: Settings) -> bool:
    databases = settings.embedded_data_dir / "data" / "databases" / settings.neo4j_database
    return databases.exists()


def _relative(converted: Converted, directory: Path) -> Converted:
    def rel(groups: list[ImportFiles]) -> list[ImportFiles]:
        return [
            ImportFiles(g.what, tuple(f.relative_to(directory) for f in g.files)) for g in groups
        ]

    return Converted(
        rel(converted.nodes),
        rel(converted.relationships),
        converted.multiline,
        converted.duplicates_dropped,
    )


# --------------------------------------------------------------------------- phases


@dataclass
class _Sampled:
    server: server.ServerState | None


@contextmanager
def _phase(done: InitialLoad, name: str, running: server.ServerState | None) -> Iterator[_Sampled]:
    """Time a phase and sample the resident memory of this process tree (workers, the
    importer) and of the server, every 0.2 s."""
    phase = Phase(name)
    sampled = _Sampled(running)
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while True:
            phase.peak_mib = max(phase.peak_mib, _rss(me, sampled.server) / (1 << 20))
            if stop.wait(0.2):
                return

    thread = threading.Thread(target=sample, name=f"memory-{name}", daemon=True)
    began = time.perf_counter()
    thread.start()
    try:
        yield sampled
    finally:
        stop.set()
        thread.join()
        phase.seconds = time.perf_counter() - began
        done.phases.append(phase)


def _rss(me: psutil.Process, running: server.ServerState | None) -> int:
    processes = [me, *me.children(recursive=True)]
    pids = {p.pid for p in processes}
    if running is not None and running.pid not in pids:
        with suppress(psutil.NoSuchProcess):
            processes.append(psutil.Process(running.pid))
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total
