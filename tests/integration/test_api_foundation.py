"""Health, readiness, keys, roles, rate limit and audit, over real HTTP against real Neo4j."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from api.app import create_app
from graph.clock import FixedClock
from graph.services import open_services
from graph.settings import Settings
from graph.store.repository import Repository
from tests.conftest import LiveServer, _free_port

KeyMaker = Callable[[str], dict[str, str]]


def test_healthz_and_readyz(http: httpx.Client, repo: Repository) -> None:
    # `repo` wipes the graph: flags other tests derived under other rules make /readyz 503.
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_is_503_with_retry_after_when_neo4j_is_down(settings: Settings) -> None:
    dead = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{_free_port()}"})
    with open_services(dead) as services, LiveServer(create_app(services), _free_port()) as live:
        began = time.monotonic()
        response = httpx.get(f"{live.url}/readyz", timeout=30)
        took = time.monotonic() - began
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert took < 30  # bounded by the driver's timeouts: an answer, never a hang


def test_no_key_is_401_problem(http: httpx.Client) -> None:
    response = http.get("/api/v1/admin/audit")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-API-Key" in response.json()["detail"]


def test_unknown_key_is_401(http: httpx.Client) -> None:
    bogus = {"X-API-Key": "cg_0123456789abcdef_" + "A" * 43}
    assert http.get("/api/v1/admin/audit", headers=bogus).status_code == 401


def test_wrong_role_is_403(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.get("/api/v1/admin/audit", headers=make_key("analyst"))
    assert response.status_code == 403
    assert "analyst" in response.json()["detail"]


def test_admin_reads_the_audit(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.get("/api/v1/admin/audit", headers=make_key("admin"))
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_invalid_query_names_the_field(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.get("/api/v1/admin/audit?limit=5000", headers=make_key("admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.limit"


def test_rate_limit_answers_429_with_retry_after(settings: Settings, make_key: KeyMaker) -> None:
    # The buckets refill by the app's clock: fixed, so how long the requests take is moot.
    clock = FixedClock(datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    strict = settings.model_copy(update={"rate_limit_per_s": 0.5, "rate_limit_burst": 3})
    headers = make_key("admin")
    with (
        open_services(strict, clock) as services,
        LiveServer(create_app(services), _free_port()) as live,
    ):
        audit = f"{live.url}/api/v1/admin/audit?limit=1"
        responses = [httpx.get(audit, headers=headers, timeout=30) for _ in range(5)]
        clock.advance(1.9)
        still_empty = httpx.get(audit, headers=headers, timeout=30)
        clock.advance(0.1)  # 2 s at 0.5 per second: one token
        refilled = httpx.get(audit, headers=headers, timeout=30)
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert responses[-1].headers["content-type"] == "application/problem+json"
    assert int(responses[-1].headers["Retry-After"]) >= 1
    assert responses[-1].headers["Retry-After"] == "2"
    assert (still_empty.status_code, refilled.status_code) == (429, 200)


def test_metrics_are_prometheus_text_by_route_template(http: httpx.Client) -> None:
    http.get("/healthz")
    body = http.get("/metrics")
    assert body.headers["content-type"].startswith("text/plain")
    assert (
        'credit_graph_http_requests_total{method="GET",route="/healthz",status="200"}' in body.text
    )


def test_audit_accepts_any_offset_python_does(http: httpx.Client, make_key: KeyMaker) -> None:
    # Found by schemathesis: Neo4j refuses offsets beyond ±18:00, Python does not.
    response = http.get(
        "/api/v1/admin/audit",
        params={"since": "2000-01-01T00:00:00+18:01"},
        headers=make_key("admin"),
    )
    assert response.status_code == 200
