"""Resolution against the real Neo4j: candidates, a merge and what it changes, later loads
honouring it, and undo restoring the graph exactly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from api.cli import main
from graph.identifiers import surrogate_pid, validate_person_key
from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.resolution.candidates import candidates
from graph.resolution.decisions import decide, decisions, resolve_deterministic, undo
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.pipeline import load_paths
from tests.conftest import TEST_SECRETS
from tests.utils.canonical import TIMESTAMPS, small_province, snapshot, uscc, write

RULES = load_rules()
BOARD = "board"
BOARD_RECORD = "JS-SCJGJ-2025-000900"
# The board knows 赵一 (in traditional script) by name and board seat, not by ID number.
BOARD_KEY = "name=趙一;org=" + uscc(2, "320102")


def _load(repo: Repository, settings: Settings, directory: Path, source: str) -> None:
    report = load_paths(
        repo, settings, [directory], progress=False, rules=RULES, source=source,
        rejects_path=directory / "rejects.csv",
    )  # fmt: skip
    assert report.rejected_rows == 0


def _board(directory: Path, officer_at: str) -> Path:
    """A second source naming 赵一 in traditional script by its own key, with a record."""
    write(directory, Kind.PERSONS, [{"person_key": BOARD_KEY, "name": "趙一"}])
    write(
        directory,
        Kind.OFFICERS,
        [{"person_key": BOARD_KEY, "uscc": officer_at, "role": "director"}],
    )
    write(
        directory,
        Kind.RECORDS,
        [
            {"record_id": BOARD_RECORD, "subject_person_key": BOARD_KEY, "list": "black",
             "category": "judgment_debtor", "level": "severe", "authority": "JS-SCJGJ",
             "basis": "（2025）苏0102执9号", "decided_on": "2025-05-01"},
        ],
    )  # fmt: skip
    return directory


def _count(repo: Repository, query: str, **params: Any) -> int:
    row = repo.read_one(query, **params)
    assert row is not None
    return int(row["n"])


def _graph(repo: Repository) -> list[str]:
    # Decisions and the change log record that something happened; the graph is the rest.
    return [
        line
        for line in snapshot(repo, ignore=TIMESTAMPS)
        if not line.startswith(("['Resolution']", "['ChangeLog", "['LoadBatch']"))
    ]


@pytest.fixture
def board_person(repo: Repository, settings: Settings, tmp_path: Path) -> str:
    """The surrogate pid of the board's 趙一, loaded beside the small province."""
    province = small_province()
    _load(repo, settings, province.write(tmp_path / "a"), "a")
    _load(repo, settings, _board(tmp_path / BOARD, uscc(2, "320102")), BOARD)
    pid_key = settings.pid_key.get_secret_value().encode()
    return surrogate_pid(validate_person_key(BOARD_KEY), pid_key)


def _pid_of(repo: Repository) -> str:
    row = repo.read_one("MATCH (p:Person {name: '赵一'}) RETURN p.pid AS pid")
    assert row is not None
    return str(row["pid"])


def test_merge_counts_flags_undo_and_later_loads(
    repo: Repository, settings: Settings, tmp_path: Path, board_person: str
) -> None:
    kept, merged = _pid_of(repo), board_person
    scan = candidates(repo, "person", settings.resolution_min_score, limit=10)
    assert [(c.kept, c.merged) for c in scan.candidates] == [(kept, merged)]
    # The name alone (no fact of the board's person to compare): the default threshold.
    assert scan.candidates[0].score == 0.8 and scan.candidates[0].merged_name == "趙一"

    before = _graph(repo)
    persons = _count(repo, "MATCH (p:Person) RETURN count(p) AS n")
    today = settings_today()
    applied = decide(
        repo, RULES, kind="person", kept=kept, merged=merged, verdict="same", by="tester",
        reason="same board member", province=settings.province_code, as_of=today,
    )  # fmt: skip
    assert applied.propagation is not None
    assert _count(repo, "MATCH (p:Person) RETURN count(p) AS n") == persons - 1
    assert _count(
        repo, "MATCH (m:MergedSubject {pid: $pid, merged_into: $kept}) RETURN count(m) AS n",
        pid=merged, kept=kept,
    ) == 1  # fmt: skip
    moved = repo.read(
        "MATCH (p:Person {pid: $kept})-[r]->(x) WHERE r.merged_from = $merged "
        "RETURN type(r) AS type ORDER BY type",
        kept=kept, merged=merged,
    )  # fmt: skip
    assert [row["type"] for row in moved] == ["HAS_RECORD", "OFFICER_OF"]
    # 赵一's own organisation (legal representative) is now reached by the board record.
    assert _count(
        repo,
        "MATCH (o:Organization {uscc: $a})-[:FLAGGED]->(:Record {record_id: $r}) "
        "RETURN count(*) AS n",
        a=uscc(1), r=BOARD_RECORD,
    ) == 1  # fmt: skip
    assert candidates(repo, "person", 0.5, limit=10).candidates == []

    undone = undo(
        repo, RULES, applied.decision.id, by="tester", reason="wrong person",
        province=settings.province_code, as_of=today,
    )  # fmt: skip
    assert undone.decision.undone_by == "tester"
    assert _graph(repo) == before

    # Not the same: never proposed again, until taken back.
    refused = decide(
        repo, RULES, kind="person", kept=kept, merged=merged, verdict="not_same", by="tester",
        reason="different birth years", province=settings.province_code, as_of=today,
    )  # fmt: skip
    assert candidates(repo, "person", 0.5, limit=10).candidates == []
    undo(repo, RULES, refused.decision.id, by="tester", reason="unsure",
         province=settings.province_code, as_of=today)  # fmt: skip
    assert len(candidates(repo, "person", 0.5, limit=10).candidates) == 1

    # Merged again, a later load of the board's key lands on the kept person.
    decide(
        repo, RULES, kind="person", kept=kept, merged=merged, verdict="same", by="tester",
        reason="same board member", province=settings.province_code, as_of=today,
    )  # fmt: skip
    later = tmp_path / "board-later"
    write(later, Kind.PERSONS, [{"person_key": BOARD_KEY, "name": "趙一"}])
    officer = {"person_key": BOARD_KEY, "uscc": uscc(3, "320000"), "role": "supervisor"}
    write(later, Kind.OFFICERS, [officer])
    _load(repo, settings, later, BOARD)
    assert _count(repo, "MATCH (p:Person {pid: $pid}) RETURN count(p) AS n", pid=merged) == 0
    landed = repo.read(
        "MATCH (:Person {pid: $kept})-[r:OFFICER_OF {role: 'supervisor'}]->(:Organization) "
        "RETURN r.merged_from AS merged_from",
        kept=kept,
    )
    assert landed == [{"merged_from": merged}]
    assert len(decisions(repo, kind="person")) == 3


def test_pairs_no_decision_may_join_are_refused(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    from graph.errors import InvalidInput

    province = small_province()
    _load(repo, settings, province.write(tmp_path / "a"), "a")
    rows = repo.read("MATCH (p:Person) WHERE NOT p.pid STARTS WITH 's:' RETURN p.pid AS pid")
    first, second = sorted(row["pid"] for row in rows)
    with pytest.raises(InvalidInput):
        decide(
            repo, RULES, kind="person", kept=first, merged=second, verdict="same", by="t",
            reason="x", province=settings.province_code, as_of=settings_today(),
        )  # fmt: skip


def test_a_listed_key_and_the_uscc_with_its_stock_code_merge_at_load(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "listed"
    write(
        directory,
        Kind.ORGANIZATIONS,
        [
            {"uscc": uscc(10), "name": "上海示例银行股份有限公司", "stock_code": "600999"},
            {"uscc": "listed:600999", "name": "示例银行"},
            # Another code, the same name but for its legal form: only a candidate.
            {"uscc": "listed:600998", "name": "上海示例银行（股份有限公司）"},
        ],
    )
    _load(repo, settings, directory, "exchange")
    made = decisions(repo, kind="organization")
    assert [(d.keys, d.rule, d.by) for d in made] == [
        ((uscc(10), "listed:600999.SH"), "listed_code", "rule")
    ]
    assert _count(repo, "MATCH (o:Organization) RETURN count(o) AS n") == 2
    [pair] = candidates(repo, "organization", 0.8, limit=10).candidates
    assert (pair.kept, pair.merged, pair.score) == (uscc(10), "listed:600998.SH", 0.8)
    # An old organisation code loaded before the USCC embedding it: merged when it comes.
    code = uscc(20)[8:17]
    write(tmp_path / "old", Kind.ORGANIZATIONS, [{"uscc": f"orgcode:{code}", "name": "旧码企业"}])
    _load(repo, settings, tmp_path / "old", "old-registry")
    write(tmp_path / "new", Kind.ORGANIZATIONS, [{"uscc": uscc(20), "name": "旧码企业有限公司"}])
    _load(repo, settings, tmp_path / "new", "registry")
    newest = decisions(repo, kind="organization")[0]
    assert (newest.keys, newest.rule) == ((uscc(20), f"orgcode:{code}"), "org_code")
    # Nothing left to merge: the command finds nothing more.
    assert resolve_deterministic(repo, RULES, settings.province_code, settings_today())[0] == []


def settings_today() -> Any:
    from graph.clock import Clock

    return Clock().today()


def test_the_api_lists_decides_and_undoes_for_regulators_only(
    repo: Repository,
    settings: Settings,
    board_person: str,
    http: httpx.Client,
    make_key: Callable[[str], dict[str, str]],
) -> None:
    regulator, analyst = make_key("regulator"), make_key("analyst")
    assert http.get("/api/v1/resolution/candidates", headers=analyst).status_code == 403

    listed = http.get("/api/v1/resolution/candidates", headers=regulator)
    assert listed.status_code == 200, listed.text
    [pair] = listed.json()["candidates"]
    assert pair["merged"] == {"key": board_person, "name": "趙一"}
    body = {
        "kind": "person", "kept": pair["kept"]["key"], "merged": pair["merged"]["key"],
        "verdict": "same", "reason": "same board member", "score": pair["score"],
    }  # fmt: skip
    made = http.post("/api/v1/resolution/decisions", headers=regulator, json=body)
    assert made.status_code == 201, made.text
    decision = made.json()
    assert decision["by"].startswith("api:") and decision["flags_recomputed"] is True
    # The merged key is answered by the subject it was merged into.
    profile = http.get(f"/api/v1/subjects/{board_person}", headers=regulator)
    assert profile.status_code == 200, profile.text
    assert profile.json()["person"]["pid"] == body["kept"]
    again = http.post("/api/v1/resolution/decisions", headers=regulator, json=body)
    assert again.status_code == 409
    assert [d["id"] for d in http.get(
        "/api/v1/resolution/decisions", headers=regulator).json()] == [decision["id"]]  # fmt: skip

    undone = http.post(
        f"/api/v1/resolution/decisions/{decision['id']}/undo",
        headers=regulator,
        json={"reason": "namesake"},
    )
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    refused = http.post(
        "/api/v1/resolution/decisions",
        headers=regulator,
        json={**body, "kept": body["merged"], "merged": body["kept"]},
    )
    assert refused.status_code == 422  # the ID-bearing person is the one kept
    audited = repo.read(
        "MATCH (e:AuditEvent) WHERE e.action STARTS WITH 'POST /api/v1/resolution' "
        "RETURN e.subjects AS subjects"
    )
    assert audited and all(board_person in row["subjects"] for row in audited)


def test_the_cli_decides_and_undoes(
    repo: Repository, settings: Settings, board_person: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_ENVIRONMENT": "test",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    listed = runner.invoke(main, ["resolve", "candidates", "--json"])
    assert listed.exit_code == 0, listed.output
    pair = json.loads(listed.stdout.splitlines()[0])
    decided = runner.invoke(
        main,
        ["resolve", "decide", pair["kept"], pair["merged"], "--kind", "person",
         "--verdict", "same", "--by", "tester", "--reason", "same person"],
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    decision_id = decided.stdout.split()[1].rstrip(":")
    undone = runner.invoke(
        main, ["resolve", "undo", decision_id, "--by", "tester", "--reason", "namesake"]
    )
    assert undone.exit_code == 0, undone.output
    bad = runner.invoke(
        main, ["resolve", "undo", decision_id, "--by", "tester", "--reason", "again"]
    )
    assert bad.exit_code == 1 and "already undone" in bad.output
