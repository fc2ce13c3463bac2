"""Filing, disputing, deciding, repairing and revoking records over real HTTP: each write
recomputes the record's flags within the same request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest

from graph.propagation.recompute import full_recompute
from graph.propagation.rules import load_rules
from graph.services import Services
from graph.store.repository import Repository
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
