"""Flags are never stale after a write: a load that adds, ends or moves a relationship
recomputes the flags it reaches before it returns, logged as a run in the change feed.

The data model removes a post by ending it (``until``): the relationship stays with its
dates, and propagation follows only the relationships in force on the as-of date. The one
deletion a load makes is a branch moving to another head office.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from graph.clock import Clock
from graph.ingest.layouts import Kind
from graph.propagation.recompute import full_recompute
from graph.propagation.rules import load_rules
from graph.propagation.runs import changes_of_run
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.pipeline import load_paths
from tests.utils.canonical import id_number, uscc, write

FIRM, HEAD, OTHER_HEAD, BRANCH = uscc(11), uscc(12), uscc(13), uscc(14)
DEPARTMENT = {"code": "JS-FY", "name": "江苏省高级人民法院", "province": "32"}


def _severe(record_id: str, subject: str) -> dict[str, str]:
    return {"record_id": record_id, "subject_uscc": subject, "list": "black", "level": "severe",
            "category": "judgment_debtor", "authority": "JS-FY", "basis": "（2025）苏01执1号",
            "decided_on": "2025-04-01"}  # fmt: skip


def _load(
    repo: Repository, settings: Settings, directory: Path, files: dict[Kind, Any]
) -> LoadReport:
    for kind, rows in files.items():
        write(directory, kind, rows)
    return load_paths(repo, settings, [directory], rejects_path=directory / "rejects.csv",
                      progress=False, rules=load_rules())  # fmt: skip


def _flagged(repo: Repository, record_id: str) -> list[str]:
    rows = repo.read(
        "MATCH (s:Subject)-[:FLAGGED]->(:Record {record_id: $id}) RETURN s.name AS name",
        id=record_id,
    )
    return sorted(row["name"] for row in rows)


def _assert_equals_full(repo: Repository) -> None:
    """What the load left is what a full recompute gives: it changes nothing."""
    run = full_recompute(repo, load_rules(), Clock().today())
    assert (run.gained, run.lost, run.changed) == (0, 0, 0)


def test_a_new_legal_rep_is_flagged_and_ending_the_post_unflags(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    first = _load(repo, settings, tmp_path / "firm" / "js-fy", {
        Kind.DEPARTMENTS: [DEPARTMENT],
        Kind.ORGANIZATIONS: [{"uscc": FIRM, "name": "无锡失信机械有限公司"}],
        Kind.RECORDS: [_severe("R-FIRM", FIRM)],
    })  # fmt: skip
    assert first.propagation is not None and first.propagation.mode == "full"
    assert _flagged(repo, "R-FIRM") == []

    rep = {"id_number": id_number(7), "uscc": FIRM, "since": "2024-01-01"}
    linked = _load(repo, settings, tmp_path / "rep" / "js-amr", {
        Kind.PERSONS: [{"id_number": id_number(7), "name": "周七"}],
        Kind.LEGAL_REPS: [rep],
    })  # fmt: skip
    run = linked.propagation
    assert run is not None and run.mode == "incremental" and run.gained == 1
    assert _flagged(repo, "R-FIRM") == ["周七"]
    assert [c.change for c in changes_of_run(repo, run.run_id)] == ["gained"]
    _assert_equals_full(repo)

    yesterday = Clock().today() - timedelta(days=1)
    ended = _load(repo, settings, tmp_path / "ended" / "js-amr", {
        Kind.LEGAL_REPS: [{**rep, "until": yesterday.isoformat()}],
    })  # fmt: skip
    assert ended.propagation is not None and ended.propagation.lost == 1
    assert _flagged(repo, "R-FIRM") == []
    _assert_equals_full(repo)


def test_a_branch_moving_to_another_head_office_leaves_the_old_ones_flags(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    _load(repo, settings, tmp_path / "v1" / "js-amr", {
        Kind.DEPARTMENTS: [DEPARTMENT],
        Kind.ORGANIZATIONS: [
            {"uscc": HEAD, "name": "苏州总公司"}, {"uscc": OTHER_HEAD, "name": "南京总公司"},
            {"uscc": BRANCH, "name": "苏州总公司吴中分公司"},
        ],
        Kind.BRANCHES: [{"branch_uscc": BRANCH, "head_uscc": HEAD}],
        Kind.RECORDS: [_severe("R-HEAD", HEAD)],
    })  # fmt: skip
    assert _flagged(repo, "R-HEAD") == ["苏州总公司吴中分公司"]

    moved = _load(repo, settings, tmp_path / "v2" / "js-amr", {
        Kind.BRANCHES: [{"branch_uscc": BRANCH, "head_uscc": OTHER_HEAD}],
    })  # fmt: skip
    assert moved.propagation is not None and moved.propagation.lost == 1
    assert _flagged(repo, "R-HEAD") == []
    _assert_equals_full(repo)


def test_a_load_that_changes_nothing_recomputes_nothing(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    files = {
        Kind.DEPARTMENTS: [DEPARTMENT],
        Kind.ORGANIZATIONS: [{"uscc": FIRM, "name": "无锡失信机械有限公司"}],
        Kind.RECORDS: [_severe("R-FIRM", FIRM)],
    }
    _load(repo, settings, tmp_path / "a" / "js-fy", files)
    again = _load(repo, settings, tmp_path / "b" / "js-fy", files)
    assert again.propagation is None
