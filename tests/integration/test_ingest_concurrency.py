"""Several writers upserting the same subjects, relationships and records at once, against
the real Neo4j: nothing is duplicated and every writer finishes.

Each round introduces fresh keys and releases all writers together (a barrier), so they
all find the keys absent and race to create the same nodes and relationships — the case
a look-up-then-create upsert gets wrong. Two writers are loads (upserts in batches, then the
flag refresh), two also file the round's record through :func:`graph.ingest.file_record`,
as the API does. A second test runs two whole loads of the same subjects and an
authority's filings at once.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from graph.errors import DomainError
from graph.ingest import FlagRefresh, file_record, upsert
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Valid, validate
from graph.ingest.writes import KEYS
from graph.propagation.recompute import full_recompute
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.pipeline import load_paths
from tests.utils.canonical import bulk_province, id_number, uscc

WRITERS = 4
ROUNDS = 6
ORGS_PER_ROUND = 12
PERSONS_PER_ROUND = 12
DEPARTMENT = "JS-SCJGJ"
TODAY = date.today()
NODES = (Kind.ORGANIZATIONS, Kind.PERSONS)


def _context(settings: Settings) -> Context:
    return Context(
        pid_key=settings.pid_key.get_secret_value().encode(),
        province=settings.province_code,
        today=TODAY,
    )


def _round_rows(r: int) -> dict[Kind, list[dict[str, str]]]:
    """The canonical rows of round ``r``: fresh keys, every relation kind over them."""
    orgs = [uscc(1000 * (r + 1) + i) for i in range(ORGS_PER_ROUND)]
    persons = [id_number(1000 * (r + 1) + i) for i in range(PERSONS_PER_ROUND)]
    pairs = list(zip(persons, orgs, strict=True))
    return {
        Kind.ORGANIZATIONS: [{"uscc": o, "name": f"竞争测试公司{o[-6:]}"} for o in orgs],
        Kind.PERSONS: [{"id_number": p, "name": f"测试{i}"} for i, p in enumerate(persons)],
        Kind.LEGAL_REPS: [{"id_number": p, "uscc": o, "since": "2020-01-01"} for p, o in pairs],
        Kind.OFFICERS: [
            {"id_number": p, "uscc": orgs[(i + 1) % len(orgs)], "role": "director"}
            for i, p in enumerate(persons)
        ],
        Kind.SHAREHOLDINGS: [
            {"holder_uscc": orgs[0], "uscc": o, "ratio": "0.6"} for o in orgs[1:]
        ]
        + [{"holder_id_number": p, "uscc": o, "ratio": "0.3"} for p, o in pairs],
        Kind.BRANCHES: [{"branch_uscc": o, "head_uscc": orgs[0]} for o in orgs[-3:]],
        Kind.RECORDS: [
            {"record_id": f"RACE-{r}-{i}", "subject_uscc": o, "list": "black",
             "level": "severe", "category": "tax", "authority": DEPARTMENT,
             "basis": "苏税罚〔2026〕1号", "decided_on": "2025-06-01"}
            for i, o in enumerate(orgs[:4])
        ],
    }  # fmt: skip


def _params(kind: Kind, rows: list[dict[str, str]], ctx: Context) -> list[dict[str, Any]]:
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        result = validate(kind, row, ctx)
        assert isinstance(result, Valid), result
        by_key[tuple(result.params[k] for k in KEYS[kind])] = result.params
    return list(by_key.values())


def test_concurrent_writers_duplicate_nothing(repo: Repository, settings: Settings) -> None:
    ctx = _context(settings)
    rules = load_rules()
    provenance = {"source": "race", "batch_id": "race", "loaded_at": datetime.now(UTC),
                  "province": settings.province_code}  # fmt: skip
    upsert(
        repo, Kind.DEPARTMENTS, [{"code": DEPARTMENT, "props": {"name": "市场监管"}}], provenance
    )
    rounds = [
        {kind: _params(kind, rows, ctx) for kind, rows in _round_rows(r).items()}
        for r in range(ROUNDS)
    ]
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            for r, batches in enumerate(rounds):
                refresh = FlagRefresh(repo, rules, TODAY)
                start.wait(timeout=120)
                for kind, rows in batches.items():
                    # Differently ordered, overlapping batches. Each writer writes every
                    # subject its relationships name, as a load's reference check ensures.
                    mine = [row for row in rows if kind in NODES or rng.random() < 0.8]
                    rng.shuffle(mine)
                    refresh.add(upsert(repo, kind, mine, provenance))
                if n >= WRITERS // 2:
                    raw = _round_rows(r)[Kind.RECORDS][0]
                    file_record(repo, rules, raw, ctx, provenance, TODAY)
                refresh.finish()
        except BaseException as exc:  # reported below, with every other writer's
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    for label, key in (("Organization", "uscc"), ("Person", "pid"), ("Record", "record_id")):
        repeated = repo.read(
            f"MATCH (n:{label}) WITH n.{key} AS k, count(*) AS c WHERE c > 1 RETURN k"
        )
        assert repeated == [], label
    assert repo.read_one("MATCH (o:Organization) RETURN count(o) AS n") == {
        "n": ROUNDS * ORGS_PER_ROUND
    }
    assert repo.read_one("MATCH (r:Record) RETURN count(r) AS n") == {"n": ROUNDS * 4}
    duplicated = repo.read(
        """
        MATCH (a)-[r]->(b)
        WITH a, b, type(r) AS type, r.role AS role, count(*) AS c WHERE c > 1
        RETURN type, c
        """
    )
    assert duplicated == []
    # Every relationship of every round is there, once.
    expected = {
        "LEGAL_REP_OF": PERSONS_PER_ROUND,
        "OFFICER_OF": PERSONS_PER_ROUND,
        "SHAREHOLDER_OF": ORGS_PER_ROUND - 1 + PERSONS_PER_ROUND,
        "BRANCH_OF": 3,
        "HAS_RECORD": 4,
    }
    counts = repo.read(
        "MATCH ()-[r:LEGAL_REP_OF|OFFICER_OF|SHAREHOLDER_OF|BRANCH_OF|HAS_RECORD]->() "
        "RETURN type(r) AS type, count(*) AS n"
    )
    assert {row["type"]: row["n"] for row in counts} == {t: n * ROUNDS for t, n in expected.items()}
    # The lock property is never left behind.
    assert repo.read_one("MATCH (n) WHERE n._lock IS NOT NULL RETURN count(n) AS n") == {"n": 0}


def test_two_loads_and_filings_at_once(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    """Two departments load the same subjects at once (small batches, so their writes
    interleave) while an authority files records on them; every load finishes without a
    rejected row, nothing is duplicated, and the flags are what a full recompute gives."""
    province = bulk_province(120)
    directories = [province.write(tmp_path / name) for name in ("js-a", "js-b")]
    rules = load_rules()
    ctx = _context(settings)
    reports: list[LoadReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def load(directory: Path) -> None:
        try:
            start.wait(timeout=60)
            report = load_paths(
                repo, settings, [directory], batch_size=15, progress=False,
                rejects_path=directory / "rejects.csv", rules=rules,
            )  # fmt: skip
            reports.append(report)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def file_records() -> None:
        try:
            start.wait(timeout=60)
            for n in range(0, 40, 4):
                raw = {"record_id": f"FILED-{n}", "subject_uscc": uscc(1000 + n),
                       "list": "black", "level": "severe", "category": "tax",
                       "authority": "JS-SWJ", "basis": "苏税罚〔2026〕9号",
                       "decided_on": "2025-06-01"}  # fmt: skip
                provenance = {"source": "api:test", "batch_id": f"api-{n}",
                              "loaded_at": datetime.now(UTC),
                              "province": settings.province_code}  # fmt: skip
                deadline = time.monotonic() + 120
                while True:  # the subject (or the authority) may not be loaded yet
                    try:
                        file_record(repo, rules, raw, ctx, provenance, TODAY)
                        break
                    except DomainError:
                        assert time.monotonic() < deadline
                        time.sleep(0.05)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(d,)) for d in directories]
    threads.append(threading.Thread(target=file_records))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    assert [r.total("rejected") for r in reports] == [0, 0]

    for label, key in (("Organization", "uscc"), ("Person", "pid"), ("Record", "record_id")):
        repeated = repo.read(
            f"MATCH (n:{label}) WITH n.{key} AS k, count(*) AS c WHERE c > 1 RETURN k"
        )
        assert repeated == [], label
    assert (
        repo.read(
            "MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, r.role AS role, count(*) AS c "
            "WHERE c > 1 RETURN t"
        )
        == []
    )
    assert repo.read_one("MATCH (o:Organization) RETURN count(o) AS n") == {"n": 120}
    run = full_recompute(repo, rules, TODAY)
    assert (run.gained, run.lost, run.changed) == (0, 0, 0)
