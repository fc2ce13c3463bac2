"""`load --initial` (the offline importer) ends where an online load of the same files ends.

The Community edition serves one user database per server, so the initial load gets its
own embedded server (it stops and restarts it around the import) and the online load runs
on the session's; both graphs are dumped canonically (tests/utils/canonical.snapshot) and
compared: every node and relationship with its properties, flags included, provenance
included but for the load's timestamp.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.services import Services, open_services
from graph.settings import Settings
from graph.store.embedded import server
from graph.store.repository import Repository
from loaders.initial import convert
from loaders.initial.load import InitialLoad, NotEmpty, initial_load
from loaders.load_report import LoadReport
from loaders.pipeline import load_paths
from loaders.synthetic import generate_province
from tests.conftest import TEST_SECRETS, WIPE_TEST_DATA, _free_port
from tests.utils.canonical import TIMESTAMPS, id_number, snapshot, uscc

AS_OF = date(2026, 11, 1)
FTM = Path(__file__).parents[1] / "data" / "ftm" / "sanctions-graph.ftm.json"


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated province, plus rows the loads must treat alike: rejected ones, a key
    given twice (the last row wins), a holding reported for two periods; and a
    FollowTheMoney file (read by the main process, its unsupported entities rejected)."""
    out = tmp_path_factory.mktemp("initial") / "jiangsu"
    generate_province(out, 150, 5)
    shutil.copy(FTM, out / FTM.name)
    with (out / "organizations.csv").open(encoding="utf-8", newline="") as f:
        first, second = list(csv.DictReader(f))[:2]
    _append(
        out / "organizations.csv",
        [
            {"uscc": "91320000ABCDEFGHIJ", "name": "坏代码公司"},  # bad check characters
            {**first, "name": first["name"] + "（更名）"},  # the same key again
        ],
    )
    _append(
        out / "shareholdings.csv",
        [
            {"holder_uscc": uscc(999_001), "uscc": first["uscc"], "ratio": "0.1"},  # unknown
            {"holder_uscc": second["uscc"], "uscc": first["uscc"], "ratio": "0.2",
             "period": "2024-12-31"},
            {"holder_uscc": second["uscc"], "uscc": first["uscc"], "ratio": "0.3",
             "period": "2025-12-31"},
            {"holder_uscc": second["uscc"], "uscc": first["uscc"], "ratio": "1.5"},  # range
        ],
    )  # fmt: skip
    _append(
        out / "legal_reps.csv",
        [{"id_number": id_number(7_777), "uscc": first["uscc"]}],  # no such person
    )
    return out


@pytest.fixture(scope="module")
def own_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings.model_copy(
        update={
            "embedded_port": _free_port(),
            "embedded_data_dir": tmp_path_factory.mktemp("initial-db"),
        }
    )


@pytest.fixture(scope="module")
def initial(
    own_settings: Settings,
    services: Services,
    province: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[InitialLoad, list[str]]]:
    work = tmp_path_factory.mktemp("initial-work")
    with pytest.MonkeyPatch.context() as patch:
        # Small chunks: many parts per file group, keys given twice across chunks.
        patch.setattr(convert, "CHUNK_ROWS", 40)
        done = initial_load(
            own_settings,
            [province],
            rejects_path=work / "rejects.csv",
            rules=services.rules,
            as_of=AS_OF,
            import_dir=work / "import",
            tied_to_pid=os.getpid(),
        )
    try:
        with open_services(own_settings) as opened:
            dump = snapshot(opened.repository, ignore=TIMESTAMPS)
            with pytest.raises(NotEmpty, match="use the online load"):
                initial_load(own_settings, [province], rules=services.rules, as_of=AS_OF,
                             import_dir=work / "again")  # fmt: skip
            yield done, dump
    finally:
        for state in server.running_servers(own_settings):
            if state.port == own_settings.embedded_port:
                server.stop(state, own_settings)


@pytest.fixture(scope="module")
def online(
    services: Services, province: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[LoadReport, list[str]]:
    repo: Repository = services.repository
    repo.run_ddl(WIPE_TEST_DATA)
    work = tmp_path_factory.mktemp("online-work")
    report = load_paths(
        repo,
        services.settings,
        [province],
        rejects_path=work / "rejects.csv",
        progress=False,
        rules=services.rules,
        as_of=AS_OF,
    )
    dump = snapshot(repo, ignore=TIMESTAMPS)
    repo.run_ddl(WIPE_TEST_DATA)
    return report, dump


def test_an_initial_load_gives_the_graph_an_online_load_gives(
    initial: tuple[InitialLoad, list[str]], online: tuple[LoadReport, list[str]]
) -> None:
    (_, initial_dump), (_, online_dump) = initial, online
    assert len(initial_dump) > 1000
    assert initial_dump == online_dump
    assert any("FLAGGED" in line for line in initial_dump)
    assert any("ChangeLogEntry" in line for line in initial_dump)


def test_the_report_and_rejects_are_the_online_loads(
    initial: tuple[InitialLoad, list[str]], online: tuple[LoadReport, list[str]]
) -> None:
    (done, _), (report, _) = initial, online
    assert done.report.totals() == report.totals()
    assert done.report.rejected_rows == report.rejected_rows > 0
    assert done.report.rejects_path is not None and report.rejects_path is not None
    assert done.report.rejects_path.read_text() == report.rejects_path.read_text()
    assert done.report.propagation is not None and report.propagation is not None
    assert [p.name for p in done.phases] == [
        "check", "convert", "import", "start", "schema", "propagate", "search"
    ]  # fmt: skip


def test_beside_a_server_not_ours_the_files_and_the_command_are_prepared(
    services: Services, settings: Settings, province: Path, tmp_path: Path
) -> None:
    services.repository.run_ddl(WIPE_TEST_DATA)
    given = Settings(environment="test", neo4j_uri=settings.bolt_uri, **TEST_SECRETS)
    done = initial_load(
        given,
        [province],
        rejects_path=tmp_path / "rejects.csv",
        rules=services.rules,
        import_dir=tmp_path / "initial",
    )
    assert done.command is not None and done.import_dir == tmp_path / "initial"
    assert done.command.startswith("neo4j-admin database import full neo4j --nodes=")
    # Paths relative to the import directory, which the operator mounts beside the server.
    named = [a.split("=", 2)[2] for a in done.command.split() if a.startswith("--nodes=")]
    for files in named:
        assert all((done.import_dir / f).is_file() for f in files.split(","))
    assert "--relationships=SHAREHOLDER_OF=" in done.command
    # Nothing was written to the server.
    assert services.repository.read_one("MATCH (s:Subject) RETURN s LIMIT 1") is None
