"""The linkage change log on a real Neo4j: every change of a record of this province is
logged in its own transaction, with no gap and no reordering under concurrent writers."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graph.ingest import upsert
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Valid, validate
from graph.linkage import changelog
from graph.propagation.rules import load_rules
from graph.records import file_objection, repair, revoke
from graph.settings import Settings
from graph.store.repository import Repository
from tests.utils.canonical import uscc

DEPARTMENT = "JS-SW"
TODAY = date(2026, 6, 1)
WRITERS = 4
BATCHES = 8
PER_BATCH = 5
ALL_SEQS = "MATCH (e:ChangeLogEntry) RETURN e.seq AS seq ORDER BY seq"


def _context(settings: Settings) -> Context:
    return Context(
        pid_key=settings.pid_key.get_secret_value().encode(),
        province=settings.province_code,
        today=TODAY,
    )


def _provenance(settings: Settings) -> dict[str, Any]:
    return {"source": "changelog", "batch_id": "changelog", "loaded_at": datetime.now(UTC),
            "province": settings.province_code}  # fmt: skip


def _record(record_id: str, org: str, **extra: str) -> dict[str, str]:
    return {"record_id": record_id, "subject_uscc": org, "list": "black", "level": "severe",
            "category": "tax", "authority": DEPARTMENT, "basis": "苏税罚〔2026〕1号",
            "decided_on": "2026-01-05", **extra}  # fmt: skip


def _params(kind: Kind, rows: list[dict[str, str]], ctx: Context) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        result = validate(kind, row, ctx)
        assert isinstance(result, Valid), result
        out.append(result.params)
    return out


def _orgs(repo: Repository, settings: Settings, count: int) -> list[str]:
    ctx, provenance = _context(settings), _provenance(settings)
    upsert(repo, Kind.DEPARTMENTS, [{"code": DEPARTMENT, "props": {"name": "税务"}}], provenance)
    orgs = [uscc(7000 + i) for i in range(count)]
    rows = [{"uscc": o, "name": f"日志测试{i}"} for i, o in enumerate(orgs)]
    upsert(repo, Kind.ORGANIZATIONS, _params(Kind.ORGANIZATIONS, rows, ctx), provenance)
    return orgs


def _log(repo: Repository) -> list[tuple[int, str, str, str]]:
    rows = repo.read(
        "MATCH (e:ChangeLogEntry) RETURN e.seq AS seq, e.op AS op, e.record_id AS record_id,"
        " e.status AS status ORDER BY seq"
    )
    return [(r["seq"], r["op"], r["record_id"], r["status"]) for r in rows]


def test_each_change_of_an_own_record_is_logged_with_its_op(
    repo: Repository, settings: Settings
) -> None:
    ctx, provenance, rules = _context(settings), _provenance(settings), load_rules()
    org = _orgs(repo, settings, 1)[0]
    rows = [_record("CL-1", org), _record("CL-2", org), _record("CL-3", org)]
    # A partner's record, as the sync stores it: never logged, never re-published.
    rows.append(_record("33:ZJ-1", org, source_province="33"))
    upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, rows, ctx), provenance)
    # Filing again unchanged writes (and logs) nothing; a new period is an upsert.
    upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, rows[:1], ctx), provenance)
    longer = _record("CL-1", org, publish_until="2030-01-05")
    upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, [longer], ctx), provenance)
    own = settings.province_code
    file_objection(repo, rules, "CL-2", "not ours", "test", 5, TODAY, province=own)
    repair(repo, rules, "CL-2", "credit restored", "test", TODAY, province=own)
    revoke(repo, rules, "CL-3", "decided in error", "test", TODAY, province=own)
    revoke(repo, rules, "33:ZJ-1", "decided in error", "test", TODAY, province=own)

    assert _log(repo) == [
        (1, "upsert", "CL-1", "active"),
        (2, "upsert", "CL-2", "active"),
        (3, "upsert", "CL-3", "active"),
        (4, "upsert", "CL-1", "active"),
        (5, "upsert", "CL-2", "under_objection"),
        (6, "repair", "CL-2", "repaired"),
        (7, "revocation", "CL-3", "revoked"),
    ]
    assert changelog.state(repo).head == 7


def test_expiries_are_swept_once_and_old_entries_pruned(
    repo: Repository, settings: Settings
) -> None:
    ctx, provenance = _context(settings), _provenance(settings)
    org = _orgs(repo, settings, 1)[0]
    rows = [
        _record("EX-1", org, publish_until="2026-06-10"),
        _record("EX-2", org, publish_until="2026-07-10"),
    ]
    upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, rows, ctx), provenance)
    own = settings.province_code
    # The first sweep starts the window; nothing has expired since the log began.
    assert changelog.sweep_expiries(repo, own, TODAY) == 0
    assert changelog.sweep_expiries(repo, own, date(2026, 6, 20)) == 1
    assert changelog.sweep_expiries(repo, own, date(2026, 6, 20)) == 0  # once a day
    assert changelog.sweep_expiries(repo, own, date(2026, 8, 1)) == 1
    assert [(op, rid, status) for _, op, rid, status in _log(repo)][2:] == [
        ("expiry", "EX-1", "expired"),
        ("expiry", "EX-2", "expired"),
    ]

    pruned = changelog.prune(repo, datetime.now(UTC) + timedelta(days=1))

    after = changelog.state(repo)
    assert pruned == 4 and after.pruned_through == 4 and after.head == 4
    assert _log(repo) == []


def test_concurrent_writers_leave_no_gap_and_commit_in_seq_order(
    repo: Repository, settings: Settings
) -> None:
    """Writers upsert batches of records at once while a reader watches the log: whenever
    the reader sees seq n it sees every seq before it (a reordered commit would show a
    hole), and at the end the seqs are exactly 1..N, one per change."""
    ctx, provenance = _context(settings), _provenance(settings)
    orgs = _orgs(repo, settings, WRITERS)
    start = threading.Barrier(WRITERS + 1)
    done = threading.Event()
    errors: list[BaseException] = []
    holes: list[list[int]] = []
    observations = 0

    def writer(n: int) -> None:
        try:
            start.wait(timeout=60)
            for b in range(BATCHES):
                rows = [_record(f"W{n}-{b}-{i}", orgs[n]) for i in range(PER_BATCH)]
                upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, rows, ctx), provenance)
                # And a change of an earlier record: an update draws seqs too.
                if b:
                    again = _record(f"W{n}-{b - 1}-0", orgs[n], publish_until=f"20{30 + b}-01-01")
                    upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, [again], ctx), provenance)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def reader() -> None:
        nonlocal observations
        start.wait(timeout=60)
        while not done.is_set():
            seqs = [row["seq"] for row in repo.read(ALL_SEQS)]
            observations += 1
            if seqs != list(range(1, len(seqs) + 1)):
                holes.append(seqs)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    watcher.join(timeout=60)

    assert not errors, errors
    assert not holes, holes[:3]
    changes = WRITERS * (BATCHES * PER_BATCH + BATCHES - 1)
    log = _log(repo)
    assert [seq for seq, *_ in log] == list(range(1, changes + 1))
    assert changelog.state(repo).head == changes
    assert observations > 1
