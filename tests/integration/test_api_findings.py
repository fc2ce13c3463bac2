"""Findings, ownership, statistics and propagation endpoints over real HTTP: roles, masking,
audit, problem responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest

from graph.propagation.recompute import full_recompute
from graph.propagation.rules import load_rules
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder, pid

KeyMaker = Callable[[str], dict[str, str]]
TARGET = "91320214745555318W"
AS_OF = "2026-06-01"


@pytest.fixture
def graph(repo: Repository) -> GraphBuilder:
    """P holds 60% of HOLD-A, which holds 60% of the target; P also holds 10% directly.
    P is a dishonest judgment debtor and a director of the target; the target is red-listed
    and carries an active black record."""
    g = GraphBuilder(repo)
    g.org(TARGET, "无锡示例机械有限公司", region="320214")
    g.org("HOLD-A", "无锡示例控股有限公司", region="3202")
    p = g.person("王五", region="3202")
    g.rel(p, "SHAREHOLDER_OF", "HOLD-A", ratio=0.6)
    g.rel("HOLD-A", "SHAREHOLDER_OF", TARGET, ratio=0.6)
    g.rel(p, "SHAREHOLDER_OF", TARGET, ratio=0.1)
    g.rel(p, "OFFICER_OF", TARGET, role="director", since=date(2021, 3, 1))
    g.record(p, "JS-FY-P", category="judgment_debtor")
    g.record(TARGET, "RED-T", list_="red", level=None, category="honour", authority="JS-SW")
    g.record(TARGET, "BLK-T", category="environment", authority="JS-HB")
    return g


def _audited(http: httpx.Client, make_key: KeyMaker, subject: str) -> list[str]:
    events = http.get(
        "/api/v1/admin/audit", params={"subject": subject}, headers=make_key("admin")
    ).json()
    return [e["action"] for e in events]


def test_appointments_for_regulators_only_and_audited(
    http: httpx.Client, make_key: KeyMaker, graph: GraphBuilder
) -> None:
    url = "/api/v1/findings/appointments"
    response = http.get(url, params={"as_of": AS_OF}, headers=make_key("regulator"))
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["person"] == {"pid": pid("王五"), "name": "王五", "id_masked": "3201**********000X"}
    assert item["post"]["uscc"] == TARGET and item["post"]["role"] == "director"
    assert item["record"]["record_id"] == "JS-FY-P" and "第一百七十八条" in item["legal_basis"]
    assert "GET /api/v1/findings/appointments" in _audited(http, make_key, pid("王五"))
    assert http.get(url, headers=make_key("analyst")).status_code == 403
    assert http.get(url).status_code == 401


def test_red_list_conflicts(http: httpx.Client, make_key: KeyMaker, graph: GraphBuilder) -> None:
    url = "/api/v1/findings/red-list-conflicts"
    body = http.get(url, params={"as_of": AS_OF}, headers=make_key("regulator")).json()
    [conflict] = body["items"]
    assert conflict["key"] == TARGET
    assert [r["record_id"] for r in conflict["honours"]] == ["RED-T"]
    assert [r["record_id"] for r in conflict["records"]] == ["BLK-T"]
    assert "GET /api/v1/findings/red-list-conflicts" in _audited(http, make_key, TARGET)
    assert http.get(url, headers=make_key("analyst")).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"as_of": "2026-13-01"}, "query.as_of"),
    ],
)
def test_findings_refuse_bad_paging_naming_the_field(
    http: httpx.Client, make_key: KeyMaker, params: dict[str, object], field: str
) -> None:
    response = http.get(
        "/api/v1/findings/appointments", params=params, headers=make_key("regulator")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_ownership_for_regulators_names_persons(
    http: httpx.Client, make_key: KeyMaker, graph: GraphBuilder
) -> None:
    response = http.get(
        f"/api/v1/subjects/{TARGET}/ownership",
        params={"as_of": AS_OF},
        headers=make_key("regulator"),
    )
    assert response.status_code == 200
    body = response.json()
    [owner] = body["beneficial_owners"]
    assert owner["holder"]["key"] == pid("王五") and owner["holder"]["name"] == "王五"
    assert owner["ratio"] == 0.46
    assert body["actual_controller"]["voting_ratio"] == 0.7
    assert "GET /api/v1/subjects/{key}/ownership" in _audited(http, make_key, pid("王五"))


def test_ownership_for_analysts_masks_persons(
    http: httpx.Client, make_key: KeyMaker, graph: GraphBuilder
) -> None:
    response = http.get(
        f"/api/v1/subjects/{TARGET}/ownership",
        params={"as_of": AS_OF, "threshold": 0.5},
        headers=make_key("analyst"),
    )
    assert response.status_code == 200
    body = response.json()
    assert pid("王五") not in response.text and "王五" not in response.text
    assert "000X" not in response.text
    [owner] = body["other_owners"]  # 0.46 is under the 0.5 asked for
    assert owner["holder"]["key"].startswith("person~") and owner["holder"]["id_masked"] is None
    chain_keys = [n["key"] for c in owner["chains"] for n in c["nodes"]]
    assert "HOLD-A" in chain_keys and TARGET in chain_keys  # organisations stay as they are
    control = body["actual_controller"]
    assert control["holder"]["key"] == owner["holder"]["key"]  # the same alias throughout


@pytest.mark.parametrize(
    ("key", "params", "status", "field"),
    [
        (TARGET, {"threshold": 0}, 422, "query.threshold"),
        (TARGET, {"threshold": 1.5}, 422, "query.threshold"),
        (TARGET, {"as_of": "yesterday"}, 422, "query.as_of"),
        (pid("王五"), {}, 422, "key"),
        ("91320214745555318X", {}, 422, "org_key"),  # a wrong check character
        ("NO-SUCH-ORG", {}, 422, "org_key"),  # not an organisation key of any kind
        ("listed:600000.SH", {}, 404, "key"),
    ],
)
def test_ownership_refuses_bad_input_naming_the_field(
    http: httpx.Client,
    make_key: KeyMaker,
    graph: GraphBuilder,
    key: str,
    params: dict[str, object],
    status: int,
    field: str,
) -> None:
    response = http.get(
        f"/api/v1/subjects/{key}/ownership", params=params, headers=make_key("analyst")
    )
    assert response.status_code == status
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_statistics_for_analysts_without_personal_fields(
    http: httpx.Client, make_key: KeyMaker, graph: GraphBuilder
) -> None:
    response = http.get("/api/v1/statistics", params={"as_of": AS_OF}, headers=make_key("analyst"))
    assert response.status_code == 200
    body = response.json()
    assert body["active_records"] == 3
    assert {"key": "3202", "name": "无锡市", "count": 3} in body["by_region"]
    assert pid("王五") not in response.text and "王五" not in response.text
    assert len(body["by_decision_month"]) == 24
    bad = http.get("/api/v1/statistics", params={"as_of": "x"}, headers=make_key("analyst"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.as_of"
    assert http.get("/api/v1/statistics").status_code == 401


def test_propagation_runs_and_changes(
    http: httpx.Client, make_key: KeyMaker, graph: GraphBuilder, repo: Repository
) -> None:
    summary = full_recompute(repo, load_rules(), date(2026, 6, 1))
    headers = make_key("regulator")
    runs = http.get("/api/v1/propagation/runs", headers=headers).json()
    assert [r["run_id"] for r in runs] == [summary.run_id]
    assert runs[0]["status"] == "completed" and runs[0]["gained"] == summary.gained
    changes = http.get(f"/api/v1/propagation/runs/{summary.run_id}/changes", headers=headers)
    assert changes.status_code == 200
    gained = changes.json()
    assert len(gained) == summary.gained > 0
    assert all(c["change"] == "gained" and c["before"] is None for c in gained)
    assert {c["after"]["rule"] for c in gained} <= {"R1", "R2", "R3", "R4"}
    paged = http.get(
        f"/api/v1/propagation/runs/{summary.run_id}/changes",
        params={"offset": 1, "limit": 1},
        headers=headers,
    ).json()
    assert paged == gained[1:2]
    missing = http.get("/api/v1/propagation/runs/0123abcd/changes", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["errors"] == [
        {"field": "run_id", "reason": "no propagation run with id 0123abcd"}
    ]
    assert http.get("/api/v1/propagation/runs", headers=make_key("analyst")).status_code == 403
    bad = http.get("/api/v1/propagation/runs", params={"limit": 0}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.limit"
