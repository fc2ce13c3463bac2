"""Review and report endpoints over real HTTP: roles, limits, audit, problem details."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from graph.clock import Clock
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder

KeyMaker = Callable[[str], dict[str, str]]
BLOCKED = "91320214745555318W"
CLEAR = "91110000600037341L"
UNKNOWN = "91310115MA1K3BTP2B"
AS_OF = "2026-06-01"


@pytest.fixture
def firms(repo: Repository) -> GraphBuilder:
    g = GraphBuilder(repo)
    g.org(BLOCKED, "无锡示例机械有限公司")
    g.org(CLEAR, "北京示例有限公司")
    g.record(BLOCKED, "JS-FY-2026-1")
    return g


def test_regulator_reviews_a_batch_and_it_is_audited(
    http: httpx.Client, make_key: KeyMaker, firms: GraphBuilder
) -> None:
    headers = {**make_key("regulator"), "X-Purpose": "procurement 2026-118"}
    body = {"subjects": [BLOCKED, CLEAR, UNKNOWN], "context": "procurement", "as_of": AS_OF}
    response = http.post("/api/v1/reviews", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["context"], result["as_of"]) == ("procurement", AS_OF)
    assert [(s["key"], s["decision"]) for s in result["subjects"]] == [
        (BLOCKED, "block"), (CLEAR, "pass"), (UNKNOWN, "review"),
    ]  # fmt: skip
    assert result["subjects"][0]["reasons"][0]["record_id"] == "JS-FY-2026-1"
    assert result["subjects"][2]["reasons"][0]["summary"] == "subject not found in the credit graph"
    assert result["decisions"] == {"block": 1, "review": 1, "pass": 1}

    events = http.get(
        "/api/v1/admin/audit", params={"subject": UNKNOWN}, headers=make_key("admin")
    ).json()
    assert events[0]["action"] == "POST /api/v1/reviews"
    assert events[0]["purpose"] == "procurement 2026-118"
    assert sorted(events[0]["subjects"]) == sorted([BLOCKED, CLEAR, UNKNOWN])
    assert events[0]["result_size"] == 3


def test_as_of_defaults_to_today(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.post(
        "/api/v1/reviews",
        json={"subjects": [CLEAR], "context": "general"},
        headers=make_key("regulator"),
    )
    assert response.status_code == 200
    # China's today, not the server's.
    assert response.json()["as_of"] == Clock().today().isoformat()


def test_analyst_may_not_review_or_read_reports(
    http: httpx.Client, make_key: KeyMaker, firms: GraphBuilder
) -> None:
    headers = make_key("analyst")
    body = {"subjects": [BLOCKED], "context": "procurement"}
    assert http.post("/api/v1/reviews", json=body, headers=headers).status_code == 403
    assert http.get(f"/api/v1/subjects/{BLOCKED}/report", headers=headers).status_code == 403
    assert http.get(f"/api/v1/subjects/{BLOCKED}/report.html", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subjects": [f"ORG-{i}" for i in range(1001)], "context": "general"}, "body.subjects"),
        ({"subjects": [], "context": "general"}, "body.subjects"),
        ({"subjects": [CLEAR], "context": "lottery"}, "body.context"),
        ({"subjects": [CLEAR], "context": "general", "as_of": "yesterday"}, "body.as_of"),
        ({"subjects": [CLEAR], "context": "general", "asof": AS_OF}, "body.asof"),
        ({"subjects": [CLEAR, "91320214745555318X"], "context": "general"}, "body.subjects.1"),
    ],
)
def test_bad_review_request_is_422_naming_the_field(
    http: httpx.Client, make_key: KeyMaker, body: dict[str, object], field: str
) -> None:
    response = http.post("/api/v1/reviews", json=body, headers=make_key("regulator"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_report_json_and_html(http: httpx.Client, make_key: KeyMaker, firms: GraphBuilder) -> None:
    headers = make_key("regulator")
    report = http.get(
        f"/api/v1/subjects/{BLOCKED}/report", params={"as_of": AS_OF}, headers=headers
    )
    assert report.status_code == 200, report.text
    data = report.json()
    assert (data["key"], data["as_of"]) == (BLOCKED, AS_OF)
    assert [(r["record_id"], r["active"]) for r in data["records"]] == [("JS-FY-2026-1", True)]

    page = http.get(
        f"/api/v1/subjects/{BLOCKED}/report.html", params={"as_of": AS_OF}, headers=headers
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    for text in ("JS-FY-2026-1", "信用报告", "主体信息", "信用记录", "关联标记", "数据来源"):
        assert text in page.text

    events = http.get(
        "/api/v1/admin/audit", params={"subject": BLOCKED}, headers=make_key("admin")
    ).json()
    assert {e["action"] for e in events} >= {
        "GET /api/v1/subjects/{key}/report",
        "GET /api/v1/subjects/{key}/report.html",
    }


@pytest.mark.parametrize("suffix", ["report", "report.html"])
def test_report_on_unknown_subject_is_404_problem(
    http: httpx.Client, make_key: KeyMaker, suffix: str
) -> None:
    response = http.get(f"/api/v1/subjects/{UNKNOWN}/{suffix}", headers=make_key("regulator"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "key"


def test_openapi_documents_an_example_for_each_endpoint(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    review = paths["/api/v1/reviews"]["post"]
    assert review["requestBody"]["content"]["application/json"]["examples"]
    assert review["responses"]["200"]["content"]["application/json"]["example"]
    report = paths["/api/v1/subjects/{key}/report"]["get"]
    assert report["responses"]["200"]["content"]["application/json"]["example"]
    page = paths["/api/v1/subjects/{key}/report.html"]["get"]
    assert page["responses"]["200"]["content"]["text/html"]["example"]
    assert "404" in report["responses"] and "404" in page["responses"]
