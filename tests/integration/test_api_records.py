"""Filing, disputing, deciding, repairing and revoking records over real HTTP: each write
recomputes the record's flags within the same request."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from graph.identifiers import make_id_number, pid_for, surrogate_pid
from graph.ingest import upsert
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Valid, validate
from graph.propagation.recompute import full_recompute
from graph.propagation.rules import load_rules
from graph.services import Services
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.pipeline import load_paths
from tests.utils.canonical import write
from tests.utils.factories import GraphBuilder, pid

KeyMaker = Callable[[str], dict[str, str]]
FIRM, OTHER = "91320214745555318W", "91110000600037341L"


@pytest.fixture
def today(services: Services) -> date:
    """Today as the app dates it: by its clock, in China (UTC+8), which is not the server's
    UTC date for eight hours of every day."""
    return services.clock.today()


@pytest.fixture
def firm(repo: Repository, today: date) -> GraphBuilder:
    g = GraphBuilder(repo)
    g.org(FIRM, "无锡示例机械有限公司")
    g.org(OTHER, "北京示例有限公司")
    rep = g.person("王五")
    g.rel(rep, "LEGAL_REP_OF", FIRM)
    g.rel(rep, "OFFICER_OF", OTHER, role="director")
    g.record(FIRM, "R-1", decided_on=date(today.year - 1, 1, 10), publish_until=None)
    g.record(OTHER, "R-2", decided_on=date(today.year - 1, 1, 10), publish_until=None)
    full_recompute(repo, load_rules(), today)
    return g


def _flags(http: httpx.Client, headers: dict[str, str], key: str) -> list[dict[str, object]]:
    return http.get(f"/api/v1/subjects/{key}", headers=headers).json()["flags"]


def test_file_a_record_and_its_flags_exist_at_once(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, today: date
) -> None:
    headers = make_key("regulator")
    body = {
        "record_id": "R-NEW",
        "subject_uscc": FIRM,
        "list": "black",
        "level": "severe",
        "category": "tax",
        "authority": "JS-FY",
        "basis": "苏税稽罚〔2026〕1号",
        "decided_on": str(today),
    }
    filed = http.post("/api/v1/records", json=body, headers=headers)
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "active"
    rep_flags = _flags(http, headers, pid("王五"))
    assert {f["record_id"] for f in rep_flags} >= {"R-NEW"}


def test_objection_marks_and_turns_flags_pending_then_decision(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, today: date
) -> None:
    headers = make_key("regulator")
    response = http.post(
        "/api/v1/records/R-1/objection", json={"reason": "已履行判决"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "under_objection"
    assert date.fromisoformat(body["objection_deadline"]) > today
    assert {f["kind"] for f in _flags(http, headers, pid("王五"))} == {"pending"}
    rejected = http.post(
        "/api/v1/records/R-1/objection/decision",
        json={"upheld": False, "note": "异议不成立"},
        headers=headers,
    )
    assert rejected.json()["status"] == "active"
    assert {f["kind"] for f in _flags(http, headers, pid("王五"))} == {"extended"}


def test_repair_removes_every_flag_in_the_same_request(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    headers = make_key("regulator")
    assert any(f["record_id"] == "R-1" for f in _flags(http, headers, pid("王五")))
    repaired = http.post(
        "/api/v1/records/R-1/repair", json={"note": "已作出信用承诺"}, headers=headers
    )
    assert repaired.status_code == 200
    assert repaired.json()["propagation"]["lost"] >= 1
    assert not any(f["record_id"] == "R-1" for f in _flags(http, headers, pid("王五")))
    again = http.post("/api/v1/records/R-1/repair", json={"note": "again"}, headers=headers)
    assert again.status_code == 409


def test_bad_records_are_refused_with_the_field(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, today: date
) -> None:
    headers = make_key("regulator")
    base = {
        "record_id": "R-X", "subject_uscc": OTHER, "list": "black", "level": "severe",
        "authority": "JS-FY", "basis": "x", "decided_on": str(today),
    }  # fmt: skip
    bad_uscc = http.post("/api/v1/records", json={**base, "subject_uscc": OTHER[:-1] + "X"},
                         headers=headers)  # fmt: skip
    assert bad_uscc.status_code == 422
    assert bad_uscc.json()["errors"][0]["field"] == "subject_uscc"
    red_with_level = http.post("/api/v1/records", json={**base, "list": "red"}, headers=headers)
    assert red_with_level.status_code == 422
    assert red_with_level.json()["errors"][0]["field"] == "level"
    unknown_authority = http.post(
        "/api/v1/records", json={**base, "authority": "NOPE"}, headers=headers
    )
    assert unknown_authority.status_code == 422
    assert http.post("/api/v1/records/NOPE/repair", json={"note": "abc"},
                     headers=headers).status_code == 404  # fmt: skip
    assert http.post("/api/v1/records", json=base, headers=make_key("analyst")).status_code == 403


def _record_row(repo: Repository, record_id: str) -> dict[str, object]:
    row = repo.read_one(
        "MATCH (s:Subject)-[:HAS_RECORD]->(r:Record {record_id: $id})-[:ISSUED_BY]->(d) "
        "RETURN s.uscc AS subject, d.code AS authority, r.list AS list, r.level AS level, "
        "r.batch_id AS batch_id, r.loaded_at AS loaded_at, r.publish_until AS publish_until, "
        "r.status_history AS history",
        id=record_id,
    )
    assert row is not None
    return row


def _runs(repo: Repository) -> int:
    row = repo.read_one("MATCH (r:PropagationRun) RETURN count(r) AS c")
    assert row is not None
    return int(row["c"])


def test_a_filed_record_keeps_its_identity(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, repo: Repository, today: date
) -> None:
    headers = make_key("regulator")
    firm.record(OTHER, "R-3", authority="JS-SWJ")  # a second issuing authority
    body = {
        "record_id": "R-NEW", "subject_uscc": FIRM, "list": "black", "level": "severe",
        "category": "judgment_debtor", "authority": "JS-FY", "basis": "(2026)苏02执1号",
        "decided_on": str(today),
    }  # fmt: skip
    assert http.post("/api/v1/records", json=body, headers=headers).status_code == 200
    filed, runs = _record_row(repo, "R-NEW"), _runs(repo)

    # The same filing again: accepted, and nothing written (no property, no recompute).
    again = http.post("/api/v1/records", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["propagation"] is None
    assert _record_row(repo, "R-NEW") == filed and _runs(repo) == runs

    # Another subject, authority and list (a red record would keep level=severe): refused,
    # every differing field named, nothing applied, the flags stay.
    moved = http.post(
        "/api/v1/records",
        json={**body, "subject_uscc": OTHER, "authority": "JS-SWJ", "list": "red", "level": None},
        headers=headers,
    )
    assert moved.status_code == 409, moved.text
    problem = moved.json()
    assert problem["errors"][0]["field"] == "subject_uscc"
    for name in ("subject_uscc", "authority", "list"):
        assert name in problem["detail"]
    assert _record_row(repo, "R-NEW") == filed
    assert "R-NEW" in {f["record_id"] for f in _flags(http, headers, pid("王五"))}
    for change in ({"decided_on": str(date(today.year - 1, 5, 5))}, {"level": "general"},
                   {"basis": "另一文书"}):  # fmt: skip
        refused = http.post("/api/v1/records", json={**body, **change}, headers=headers)
        assert refused.status_code == 409, change
        assert refused.json()["errors"][0]["field"] == next(iter(change))
    assert _record_row(repo, "R-NEW") == filed

    # The issuing authority may amend the publicity period.
    until = date(today.year + 3, 1, 1)
    amended = http.post(
        "/api/v1/records", json={**body, "publish_until": str(until)}, headers=headers
    )
    assert amended.status_code == 200 and amended.json()["propagation"] is not None
    assert _record_row(repo, "R-NEW")["publish_until"] == until


def test_transitions_keep_the_status_before_and_after(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, repo: Repository
) -> None:
    headers = make_key("regulator")
    http.post("/api/v1/records/R-1/objection", json={"reason": "已履行判决"}, headers=headers)
    decided = http.post(
        "/api/v1/records/R-1/objection/decision",
        json={"upheld": True, "note": "异议成立"},
        headers=headers,
    )
    assert decided.json()["status"] == "revoked"
    history = [json.loads(entry) for entry in _record_row(repo, "R-1")["history"]]  # type: ignore[union-attr]
    assert [(h["step"], h["before"], h["after"], h["note"]) for h in history] == [
        ("objection", "active", "under_objection", "已履行判决"),
        ("objection_decision", "under_objection", "revoked", "异议成立"),
    ]
    audit = http.get(
        "/api/v1/admin/audit", params={"subject": FIRM}, headers=make_key("admin")
    ).json()
    details = {event["detail"] for event in audit}
    assert {"R-1: active -> under_objection", "R-1: under_objection -> revoked"} <= details


def test_a_record_against_a_minor_is_refused(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, repo: Repository,
    settings: Settings,
    today: date,
) -> None:  # fmt: skip
    # The person enters the graph the way every person does, through the write path.
    teen = make_id_number("320102", date(today.year - 17, 1, 1), 12)
    ctx = Context(
        pid_key=settings.pid_key.get_secret_value().encode(), province="32",
        today=today,
    )  # fmt: skip
    person = validate(Kind.PERSONS, {"id_number": teen, "name": "少年"}, ctx)
    assert isinstance(person, Valid)
    provenance = {"source": "test", "batch_id": "test", "loaded_at": datetime.now(UTC)}
    upsert(repo, Kind.PERSONS, [person.params], provenance)
    body = {
        "record_id": "R-MINOR", "subject_id_number": teen, "list": "black", "level": "severe",
        "authority": "JS-FY", "basis": "(2026)苏02执9号", "decided_on": str(today),
    }  # fmt: skip
    refused = http.post("/api/v1/records", json=body, headers=make_key("regulator"))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "subject_id_number"
    assert "under 18" in problem["detail"] and teen not in refused.text
    assert repo.read_one("MATCH (r:Record {record_id: 'R-MINOR'}) RETURN r") is None


def test_a_record_against_a_minor_loaded_before_adult_on_was_kept_is_refused(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, repo: Repository,
    settings: Settings,
    today: date,
) -> None:  # fmt: skip
    # A Person node written before adult_on was kept: the ID number in the filing says it.
    teen = make_id_number("320102", date(today.year - 16, 6, 1), 14)
    key = pid_for(teen, settings.pid_key.get_secret_value().encode())
    repo.write("CREATE (:Subject:Person {pid: $pid, name: '少年'})", pid=key)
    body = {
        "record_id": "R-MINOR-2", "subject_id_number": teen, "list": "focus",
        "level": "general", "authority": "JS-FY", "basis": "x", "decided_on": str(today),
    }  # fmt: skip
    refused = http.post("/api/v1/records", json=body, headers=make_key("regulator"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "subject_id_number"


def test_a_record_can_be_filed_against_every_key_kind_and_a_person_known_by_key(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, repo: Repository,
    settings: Settings, today: date, tmp_path: Path,
) -> None:  # fmt: skip
    # Loaded from files, as a department's export would bring them (this 404'd before: the
    # person's key was scoped by the load's source, and only USCCs fit `subject_uscc`).
    organizations = {
        "listed:000008": "listed:000008.SZ",
        "reg:330106000129004": "reg:330106000129004",
        "foreign:GB:0123 4567": "foreign:GB:01234567",
        "name:CN:某某（上海）有限责任公司": "name:CN:某某(上海)有限公司",
    }
    write(
        tmp_path / "amr",
        Kind.ORGANIZATIONS,
        [{"uscc": key, "name": f"某公司{i}"} for i, key in enumerate(organizations)],
    )
    write(tmp_path / "amr", Kind.PERSONS, [{"person_key": "name=张三;born=1970", "name": "张三"}])
    load_paths(
        repo,
        settings,
        [tmp_path / "amr"],
        rejects_path=tmp_path / "r.csv",
        progress=False,
        rules=load_rules(),
    )
    headers = make_key("regulator")
    base = {
        "list": "black",
        "level": "serious",
        "authority": "JS-FY",
        "basis": "x",
        "decided_on": str(today),
    }
    subjects = [{"subject_uscc": key} for key in organizations]
    subjects.append({"subject_person_key": "born=1970;name=张 三"})  # another spelling
    for i, subject in enumerate(subjects):
        filed = http.post(
            "/api/v1/records", json={**base, **subject, "record_id": f"K-{i}"}, headers=headers
        )
        assert filed.status_code == 200, filed.text
    person = surrogate_pid("name=张三;born=1970", settings.pid_key.get_secret_value().encode())
    # Every subject route takes the key in any accepted form, read canonically.
    for i, key in enumerate([*organizations, person]):
        profile = http.get(f"/api/v1/subjects/{key}", headers=headers)
        assert profile.status_code == 200, profile.text
        assert [r["record_id"] for r in profile.json()["records"]] == [f"K-{i}"]
    malformed = http.get("/api/v1/subjects/listed:123456", headers=headers)
    assert malformed.status_code == 422
    assert malformed.json()["title"] == "Invalid identifier"
    assert "exchange" in malformed.json()["detail"]
    assert http.get("/api/v1/subjects/listed:600000", headers=headers).status_code == 404
