"""A relationship reported for several periods: its latest period's values, whatever the
order of the rows or the files, and every period's values kept beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.pipeline import load_paths
from tests.conftest import WIPE_TEST_DATA
from tests.utils.canonical import TIMESTAMPS, snapshot, uscc, write

HOLDER, HELD = uscc(1), uscc(2)
PERIODS: dict[str, list[dict[str, Any]]] = {
    "2016": [
        {"holder_uscc": HOLDER, "uscc": HELD, "ratio": 0.3, "since": "2015-01-01",
         "until": "2016-12-31", "period": "2016-12-31"},
    ],
    "2017": [
        {"holder_uscc": HOLDER, "uscc": HELD, "ratio": 0.25, "since": "2015-01-01",
         "period": "2017-12-31"},
    ],
}  # fmt: skip
WANG = "name=王五;born=1960"
OFFICERS = {
    "2016": [{"person_key": WANG, "uscc": HELD, "role": "chairman", "period": "2016-12-31",
              "since": "2014-05-01"}],
    "2017": [{"person_key": WANG, "uscc": HELD, "role": "chairman", "period": "2017-12-31",
              "since": "2014-05-01", "until": "2017-06-30"}],
}  # fmt: skip


def load(repo: Repository, settings: Settings, directory: Path) -> None:
    load_paths(
        repo, settings, [directory], source="cninfo", rejects_path=directory / "rejects.csv",
        progress=False, rules=load_rules(),
    )  # fmt: skip


def files(tmp_path: Path) -> dict[str, Path]:
    base = tmp_path / "base"
    write(base, Kind.ORGANIZATIONS, [{"uscc": HOLDER, "name": "甲"}, {"uscc": HELD, "name": "乙"}])
    write(base, Kind.PERSONS, [{"person_key": "name=王五;born=1960", "name": "王五"}])
    out = {"base": base}
    for year in PERIODS:
        write(tmp_path / year, Kind.SHAREHOLDINGS, PERIODS[year])
        write(tmp_path / year, Kind.OFFICERS, OFFICERS[year])
        out[year] = tmp_path / year
    return out


def current(repo: Repository) -> list[dict[str, Any]]:
    return repo.read(
        "MATCH ()-[r:SHAREHOLDER_OF|OFFICER_OF]->() "
        "RETURN type(r) AS type, r.ratio AS ratio, toString(r.period) AS period, "
        "toString(r.since) AS since, toString(r.until) AS until"
    )


def test_loading_the_periods_in_any_order_gives_the_same_graph(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    paths = files(tmp_path)
    dumps = []
    for order in (["2016", "2017"], ["2017", "2016"]):
        repo.run_ddl(WIPE_TEST_DATA)
        for name in ["base", *order]:
            load(repo, settings, paths[name])
        dumps.append(snapshot(repo, ignore=TIMESTAMPS, batches=False))
        # The latest period's values, exactly: the 2016 row's `until` is not carried over.
        assert sorted(current(repo), key=str) == sorted([
            {"type": "SHAREHOLDER_OF", "ratio": 0.25, "period": "2017-12-31",
             "since": "2015-01-01", "until": None},
            {"type": "OFFICER_OF", "ratio": None, "period": "2017-12-31",
             "since": "2014-05-01", "until": "2017-06-30"},
        ], key=str)  # fmt: skip
    assert dumps[0] == dumps[1]
    history = repo.read(
        "MATCH (:Organization {uscc: $holder})-[r:SHAREHOLDER_IN_PERIOD]->(:Organization) "
        "RETURN toString(r.period) AS period, r.ratio AS ratio, toString(r.until) AS until "
        "ORDER BY period",
        holder=HOLDER,
    )
    assert history == [
        {"period": "2016-12-31", "ratio": 0.3, "until": "2016-12-31"},
        {"period": "2017-12-31", "ratio": 0.25, "until": None},
    ]
    assert repo.read_one(
        "MATCH (:Person)-[r:OFFICER_IN_PERIOD {role: 'chairman'}]->() RETURN count(r) AS n"
    ) == {"n": 2}


def test_the_latest_period_wins_over_row_order_in_one_file(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    paths = files(tmp_path)
    load(repo, settings, paths["base"])
    both = tmp_path / "both"
    write(both, Kind.SHAREHOLDINGS, PERIODS["2017"] + PERIODS["2016"])  # newest first
    load(repo, settings, both)
    assert repo.read_one(
        "MATCH ()-[r:SHAREHOLDER_OF]->() RETURN r.ratio AS ratio, toString(r.period) AS period"
    ) == {"ratio": 0.25, "period": "2017-12-31"}
    assert repo.read_one("MATCH ()-[r:SHAREHOLDER_IN_PERIOD]->() RETURN count(r) AS n") == {"n": 2}
