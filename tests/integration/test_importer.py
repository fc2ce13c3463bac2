"""The offline importer from the cached jars writes a store the embedded server opens."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from graph.settings import Settings
from graph.store.driver import create_driver
from graph.store.embedded import server
from graph.store.embedded.importer import ImportFiles, import_arguments, run_import
from graph.store.repository import Repository
from tests.conftest import _free_port


def test_a_tiny_csv_set_imports_and_the_embedded_server_opens_it(
    settings: Settings, tmp_path: Path
) -> None:
    files = tmp_path / "import"
    files.mkdir()
    (files / "orgs.csv").write_text(
        "uscc:ID(Organization),name,registered_capital:double,established_on:date,hub:boolean\n"
        'A1,"甲,乙公司",1.5,2020-01-02,true\n'
        "A2,丙公司,,,false\n",
        encoding="utf-8",
    )
    (files / "holdings.csv").write_text(
        ":START_ID(Organization),:END_ID(Organization),ratio:double\nA1,A2,0.25\n"
    )
    own = settings.model_copy(
        update={"embedded_port": _free_port(), "embedded_data_dir": tmp_path / "db"}
    )
    arguments = import_arguments(
        own.neo4j_database,
        [ImportFiles("Subject:Organization", (files / "orgs.csv",))],
        [ImportFiles("SHAREHOLDER_OF", (files / "holdings.csv",))],
        files / "import.report",
        multiline=False,
    )
    run_import(own, own.embedded_data_dir, arguments, files / "import.log")

    state = server.start(own, tied_to_pid=os.getpid())
    driver = create_driver(own)
    try:
        repo = Repository(
            driver,
            own.neo4j_database,
            query_timeout_s=own.query_timeout_s,
            bulk_timeout_s=own.bulk_timeout_s,
        )
        orgs = {
            row["uscc"]: row
            for row in repo.read(
                "MATCH (o:Subject:Organization) RETURN o.uscc AS uscc, o.name AS name, "
                "o.registered_capital AS capital, o.established_on AS on, o.hub AS hub"
            )
        }
        held = repo.read(
            "MATCH (a:Organization)-[r:SHAREHOLDER_OF]->(b) RETURN a.uscc AS a, b.uscc AS b, "
            "r.ratio AS ratio"
        )
    finally:
        driver.close()
        server.stop(state, own)
    assert orgs["A1"]["name"] == "甲,乙公司"
    assert orgs["A1"]["capital"] == 1.5
    assert orgs["A1"]["on"] == date(2020, 1, 2)
    assert orgs["A1"]["hub"] is True
    # An empty cell is a missing value, not an empty string.
    assert orgs["A2"]["capital"] is None and orgs["A2"]["on"] is None
    assert held == [{"a": "A1", "b": "A2", "ratio": 0.25}]
