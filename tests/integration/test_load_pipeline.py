"""The loader's pipeline: batch n+1 is read, validated and looked up while batch n commits.

What must hold regardless: each batch sees what the batches before it wrote (a key or a
record filed again in the next batch, references to the last batch of the kind before), a
first load's name-search indexes (built while the relationships load) are online at its end,
and a failure on either side of the overlap stops the load with whole batches only, which a
rerun completes to the end state of a clean load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.queries import ingest as q
from graph.store.repository import Repository, WriteCounts
from loaders.load_report import LoadReport
from loaders.pipeline import load_paths
from tests.conftest import WIPE_TEST_DATA
from tests.utils.canonical import TIMESTAMPS, bulk_province, small_province, snapshot, uscc

BATCH = 20
ORGS = 100


def load(repo: Repository, settings: Settings, directory: Path, **options: Any) -> LoadReport:
    options.setdefault("rejects_path", directory.parent / "rejects.csv")
    return load_paths(repo, settings, [directory], progress=False, rules=load_rules(), **options)


def organizations(repo: Repository) -> int:
    row = repo.read_one("MATCH (o:Organization) RETURN count(o) AS c")
    assert row is not None
    return int(row["c"])


class Crash(Exception):
    """The fault below: a server lost in the middle of a load."""


class FailingRepository(Repository):
    """A repository whose ``nth`` run of ``query`` fails. A stand-in for a server that dies
    at a chosen point of a load, which a test cannot cause on a real one at that point."""

    def __init__(self, driver: Driver, settings: Settings, query: str, nth: int) -> None:
        super().__init__(
            driver,
            settings.neo4j_database,
            query_timeout_s=settings.query_timeout_s,
            bulk_timeout_s=settings.bulk_timeout_s,
        )
        self._query, self._left = query, nth

    def _fail(self, query: str) -> None:
        if query == self._query:
            self._left -= 1
            if self._left == 0:
                raise Crash(query.split()[0])

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        self._fail(query)
        return super().read(query, **params)

    def write(self, query: str, **params: Any) -> WriteCounts:
        self._fail(query)
        return super().write(query, **params)


@pytest.mark.parametrize(
    ("query", "nth", "committed"),
    [
        # Batch 3's commit fails while batch 4 commits beside it: batch 4 is written whole,
        # batch 5 never.
        (q.CREATE_ORGANIZATIONS, 3, 3 * BATCH),
        # Batch 4's look-up fails while batch 3 commits: that commit is waited for, whole.
        (q.EXISTING_ORGANIZATIONS, 4, 3 * BATCH),
    ],
    ids=["commit", "look-up"],
)
def test_a_failure_on_either_side_stops_the_load_with_whole_batches(
    repo: Repository,
    driver: Driver,
    settings: Settings,
    tmp_path: Path,
    query: str,
    nth: int,
    committed: int,
) -> None:
    directory = bulk_province(ORGS).write(tmp_path / "js-bulk")
    with pytest.raises(Crash):
        load(FailingRepository(driver, settings, query, nth), settings, directory, batch_size=BATCH)
    assert organizations(repo) == committed
    assert repo.read_one("MATCH (b:LoadBatch) RETURN b.status AS s") == {"s": "running"}

    rerun = load(repo, settings, directory, batch_size=BATCH)
    assert rerun.total("rejected") == 0
    after_rerun = snapshot(repo, ignore=TIMESTAMPS)
    repo.run_ddl(WIPE_TEST_DATA)
    clean = load(repo, settings, directory, batch_size=BATCH)
    assert clean.batch_id == rerun.batch_id
    assert snapshot(repo, ignore=TIMESTAMPS) == after_rerun
    assert organizations(repo) == ORGS


def test_each_batch_sees_the_writes_of_the_batch_before(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    organizations_rows = province.rows[Kind.ORGANIZATIONS]
    organizations_rows.append({**organizations_rows[0], "name": "苏州甲乙科技股份有限公司"})
    records = province.rows[Kind.RECORDS]
    records.append({**records[0], "list": "focus"})  # another identity, one batch later
    directory = province.write(tmp_path / "js-amr")

    # One row a batch: every row's look-ups run beside the commit of the row before.
    report = load(repo, settings, directory, batch_size=1)

    assert [
        (kind, counts.rejected) for kind, counts in report.kinds.items() if counts.rejected
    ] == [(Kind.RECORDS, 1)]
    assert report.kinds[Kind.RECORDS].created == len(records) - 1
    counts = report.kinds[Kind.ORGANIZATIONS]
    assert (counts.created, counts.updated) == (len(organizations_rows) - 1, 1)
    name = repo.read_one("MATCH (o:Organization {uscc: $k}) RETURN o.name AS n", k=uscc(1))
    assert name == {"n": "苏州甲乙科技股份有限公司"}  # the later row won
    one_at_a_time = snapshot(repo, ignore=TIMESTAMPS, batches=False)
    # A first load: its name-search indexes, built once the names were written, are online.
    indexes = repo.read("SHOW INDEXES YIELD name, state WHERE name ENDS WITH '_name_text'")
    assert sorted((r["name"], r["state"]) for r in indexes) == [
        ("organization_name_text", "ONLINE"),
        ("person_name_text", "ONLINE"),
    ]

    repo.run_ddl(WIPE_TEST_DATA)
    load(repo, settings, directory)  # one batch a kind
    assert snapshot(repo, ignore=TIMESTAMPS, batches=False) == one_at_a_time
