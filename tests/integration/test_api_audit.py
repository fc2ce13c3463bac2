"""The audit over real HTTP: every call to an audited route leaves an event with the status
the client got, refusals included, and reading the audit is audited too."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from api.app import create_app
from graph.services import Services, open_services
from graph.settings import Settings
from graph.store.repository import Repository
from tests.conftest import LiveServer, _free_port
from tests.utils.factories import GraphBuilder, pid

KeyMaker = Callable[[str], dict[str, str]]
FIRM, ABSENT = "91320214745555318W", "91110000600037341L"


@pytest.fixture
def firm(repo: Repository) -> GraphBuilder:
    g = GraphBuilder(repo)
    g.org(FIRM, "无锡示例机械有限公司")
    rep = g.person("王五")
    g.rel(rep, "LEGAL_REP_OF", FIRM)
    g.record(FIRM, "R-1", status="revoked")
    return g


def _events(http: httpx.Client, make_key: KeyMaker, **params: str) -> list[dict[str, Any]]:
    response = http.get("/api/v1/admin/audit", params=params, headers=make_key("admin"))
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def test_not_found_is_audited_as_404(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    response = http.get(f"/api/v1/subjects/{ABSENT}", headers=make_key("regulator"))
    assert response.status_code == 404
    [event] = _events(http, make_key, subject=ABSENT)
    assert (event["action"], event["status"]) == ("GET /api/v1/subjects/{key}", 404)
    assert event["result_size"] == 0


def test_denied_profile_is_audited_as_403(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    person = pid("王五")
    response = http.get(f"/api/v1/subjects/{person}", headers=make_key("analyst"))
    assert response.status_code == 403
    [event] = _events(http, make_key, subject=person)
    assert (event["role"], event["status"]) == ("analyst", 403)


def test_role_refusal_is_audited_as_403(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    response = http.get(
        "/api/v1/paths", params={"source": FIRM, "target": ABSENT}, headers=make_key("analyst")
    )
    assert response.status_code == 403
    [event] = _events(http, make_key, action="GET /api/v1/paths")
    assert (event["role"], event["status"]) == ("analyst", 403)


def test_refused_repair_is_audited_as_409(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    response = http.post(
        "/api/v1/records/R-1/repair", json={"note": "已履行义务"}, headers=make_key("regulator")
    )
    assert response.status_code == 409, response.text
    [event] = _events(http, make_key, subject=FIRM)
    assert (event["action"], event["status"]) == ("POST /api/v1/records/{record_id}/repair", 409)


def test_reading_the_audit_is_audited(http: httpx.Client, make_key: KeyMaker) -> None:
    _events(http, make_key, subject=FIRM)
    [event] = _events(http, make_key, subject=FIRM)  # the first read, found by the second
    assert (event["action"], event["role"], event["status"]) == (
        "GET /api/v1/admin/audit",
        "admin",
        200,
    )
    assert event["query"] == f"subject={FIRM}"


def test_search_text_is_audited_scrubbed(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    text = "无锡 11010519491231002X"
    response = http.get("/api/v1/subjects", params={"q": text}, headers=make_key("regulator"))
    assert response.status_code == 200
    [event] = _events(http, make_key, action="GET /api/v1/subjects")
    assert event["query"] == "q=无锡 1101**********002X"
    assert "11010519491231002X" not in str(_events(http, make_key))


def test_an_answer_that_cannot_be_audited_does_not_leave(
    services: Services, settings: Settings, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    # The audit is written to a Neo4j that is not there; everything else to the real one.
    dead = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{_free_port()}"})
    with open_services(dead) as unreachable:
        broken = dataclasses.replace(services, audit_writer=unreachable.audit_writer)
        with LiveServer(create_app(broken), _free_port()) as live:
            response = httpx.get(
                f"{live.url}/api/v1/subjects/{FIRM}", headers=make_key("regulator"), timeout=60
            )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "Retry-After" in response.headers
    assert "无锡示例" not in response.text
