"""The A-share board data (real, read from ../shared beside the checkout) loads unedited through
``loaders/mappings/cn-ashare-executives.yaml``.

Expected figures are computed here from the files themselves, so no personal data from the
dataset is copied into the repository.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from neo4j import Driver

from api.cli import main
from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.mapping import load_mapping
from loaders.pipeline import load_paths
from tests.conftest import TEST_SECRETS, WIPE_TEST_DATA
from tests.utils.canonical import id_number, write
from tests.utils.real_data import REAL, ROOT, needs

DATA = REAL / "cn-ashare-executives"
MAPPING = ROOT / "loaders" / "mappings" / "cn-ashare-executives.yaml"

pytestmark = needs(DATA / "executive_prep.csv")


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def roles() -> dict[str, str]:
    spec = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    columns = spec["files"]["executive_prep.csv"]["outputs"][1]["columns"]
    return {str(k): str(v) for k, v in columns["role"]["map"].items()}


def people(executives: list[dict[str, str]]) -> set[tuple[str, ...]]:
    """The persons the mapping makes: one per name, gender and age, as upstream had them;
    where gender and age are both unknown, one per name and company (a name alone tells no
    one apart)."""
    return {
        (r["name"], r["code"]) if (r["gender"], r["age"]) == ("null", "-1")
        else (r["name"], r["gender"], r["age"])
        for r in executives
    }  # fmt: skip


def posts(row: dict[str, str]) -> list[str]:
    mapped = [roles()[job.strip()] for job in row["jobs"].split("/") if job.strip()]
    return list(dict.fromkeys(mapped))


@pytest.fixture(scope="module")
def loaded(
    driver: Driver, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Repository, LoadReport, Path]]:
    repo = Repository(
        driver,
        settings.neo4j_database,
        query_timeout_s=settings.query_timeout_s,
        bulk_timeout_s=settings.bulk_timeout_s,
    )
    repo.run_ddl(WIPE_TEST_DATA)
    rejects = tmp_path_factory.mktemp("ashare") / "rejects.csv"
    report = load_paths(
        repo, settings, [DATA], mapping=load_mapping(MAPPING), rejects_path=rejects,
        progress=False, rules=load_rules(),
    )  # fmt: skip
    yield repo, report, rejects


def test_every_row_is_accepted(loaded: tuple[Repository, LoadReport, Path]) -> None:
    _, report, rejects = loaded
    stocks, executives = read_csv("stock.csv"), read_csv("executive_prep.csv")
    officer_rows = sum(len(posts(row)) for row in executives)
    assert {k: (c.read, c.accepted, c.rejected, c.created) for k, c in report.kinds.items()} == {
        Kind.ORGANIZATIONS: (len(stocks), len(stocks), 0, len(stocks)),
        Kind.PERSONS: (len(executives), len(executives), 0, len(people(executives))),
        Kind.OFFICERS: (officer_rows, officer_rows, 0, officer_rows),
    }
    assert report.source == "cn-ashare-executives"
    assert ("stock_industry_prep.csv", f"not named in the mapping {MAPPING}") in report.skipped
    assert rejects.read_text(encoding="utf-8-sig").splitlines() == [
        "source_file,row,kind,field,reason,message"
    ]


def test_listed_companies_are_keyed_by_zero_filled_stock_code_and_exchange(
    loaded: tuple[Repository, LoadReport, Path],
) -> None:
    repo, _, _ = loaded
    rows = repo.read(
        "MATCH (o:Organization) RETURN o.uscc AS key, o.key_kind AS kind, o.stock_code AS code, "
        "o.exchange AS exchange"
    )
    assert len(rows) == len(read_csv("stock.csv"))
    assert all(
        r["kind"] == "listed" and r["key"] == f"listed:{r['code']}.{r['exchange']}" for r in rows
    )
    assert all(len(r["code"]) == 6 and r["code"].isdigit() for r in rows)
    assert {r["exchange"] for r in rows} == {"SH", "SZ"}
    short = next(s["code"] for s in read_csv("stock.csv") if len(s["code"]) < 6)
    shenzhen = {"kind": "listed", "code": short.zfill(6), "exchange": "SZ"}
    assert {"key": f"listed:{short.zfill(6)}.SZ", **shenzhen} in rows


def test_board_members_are_surrogate_persons_with_one_post_per_role(
    loaded: tuple[Repository, LoadReport, Path],
) -> None:
    repo, _, _ = loaded
    persons = repo.read_one(
        "MATCH (p:Person) RETURN count(p) AS n, all(x IN collect(p.pid) WHERE x STARTS WITH 's:') "
        "AS surrogate, count(p.id_masked) AS masked"
    )
    executives = read_csv("executive_prep.csv")
    assert persons == {"n": len(people(executives)), "surrogate": True, "masked": 0}

    stored = {
        r["role"]: r["n"]
        for r in repo.read("MATCH ()-[r:OFFICER_OF]->() RETURN r.role AS role, count(*) AS n")
    }
    expected: dict[str, int] = {}
    for row in executives:
        for post in posts(row):
            expected[post] = expected.get(post, 0) + 1
    assert stored == expected
    # 董事长/董事 is two relationships between the same two nodes.
    both = sum(1 for row in executives if {"chairman", "director"} <= set(posts(row)))
    assert both > 0
    assert repo.read_one(
        "MATCH (p:Person)-[:OFFICER_OF {role: 'chairman'}]->(o), "
        "(p)-[:OFFICER_OF {role: 'director'}]->(o) RETURN count(*) AS n"
    ) == {"n": both}


def test_a_person_with_an_id_number_is_never_merged_by_name(
    loaded: tuple[Repository, LoadReport, Path], settings: Settings, tmp_path: Path
) -> None:
    repo, _, _ = loaded
    name = read_csv("executive_prep.csv")[0]["name"]
    write(tmp_path / "js-amr", Kind.PERSONS, [{"id_number": id_number(9), "name": name}])
    load_paths(
        repo, settings, [tmp_path / "js-amr"], rejects_path=tmp_path / "r.csv", progress=False,
        rules=load_rules(),
    )  # fmt: skip
    found = repo.read("MATCH (p:Person {name: $name}) RETURN p.pid AS pid", name=name)
    assert len(found) >= 2
    assert sum(1 for r in found if not r["pid"].startswith("s:")) == 1


def test_cli_reload_changes_nothing(
    loaded: tuple[Repository, LoadReport, Path],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, first, _ = loaded
    before = repo.read_one("MATCH (n) RETURN count(n) AS nodes")
    for name, value in {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_ENVIRONMENT": "test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["load", str(DATA), "--mapping", str(MAPPING)])
    assert result.exit_code == 0, result.output
    assert f"batch {first.batch_id}" in result.output
    assert "these files were loaded before" in result.output
    assert "no row rejected" in result.output
    organizations = next(line for line in result.output.splitlines() if line.startswith("organ"))
    assert organizations.split()[4:6] == ["0", "0"]  # created, updated
    assert repo.read_one("MATCH (n) RETURN count(n) AS nodes") == before
    assert not list(tmp_path.glob("rejects-*.csv"))
