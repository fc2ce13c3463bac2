"""Secure by default, over real HTTP: body limits, failed authentication limited per address,
problem documents for every error, no caching of API answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from api.app import create_app
from graph.clock import FixedClock
from graph.identifiers import make_uscc
from graph.services import Services
from tests.conftest import LiveServer, _free_port

KeyMaker = Callable[[str], dict[str, str]]
PROBLEM_JSON = "application/problem+json"
SMALL_LIMIT = 2_000
BOGUS_KEY = {"X-API-Key": "cg_0123456789abcdef_" + "A" * 43}


@pytest.fixture(scope="module")
def strict(services: Services) -> Iterator[tuple[str, FixedClock]]:
    """An app with a small body limit and a small rate limit, on a clock that moves only when
    the test moves it."""
    clock = FixedClock(datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    settings = services.settings.model_copy(
        update={"max_body_bytes": SMALL_LIMIT, "rate_limit_per_s": 0.5, "rate_limit_burst": 3}
    )
    app = create_app(replace(services, settings=settings, clock=clock))
    with LiveServer(app, _free_port()) as live:
        yield live.url, clock


def _review_body(size: int) -> bytes:
    subjects = [make_uscc("320214", f"{n:08d}") for n in range(size)]
    return json.dumps({"subjects": subjects, "context": "procurement"}).encode()


def _assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status


def test_a_body_over_the_declared_limit_is_413_unread(
    strict: tuple[str, FixedClock], make_key: KeyMaker
) -> None:
    url, _ = strict
    body = _review_body(200)
    assert len(body) > SMALL_LIMIT

    response = httpx.post(
        f"{url}/api/v1/reviews",
        content=body,
        headers={**make_key("regulator"), "Content-Type": "application/json"},
        timeout=30,
    )

    _assert_problem(response, 413)
    assert str(SMALL_LIMIT) in response.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413(
    strict: tuple[str, FixedClock], make_key: KeyMaker
) -> None:
    url, _ = strict
    body = _review_body(200)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    response = httpx.post(
        f"{url}/api/v1/reviews",
        content=chunks(),
        headers={**make_key("regulator"), "Content-Type": "application/json"},
        timeout=30,
    )

    _assert_problem(response, 413)


def test_a_chunked_body_within_the_limit_reaches_the_route(
    strict: tuple[str, FixedClock], make_key: KeyMaker
) -> None:
    url, _ = strict
    body = _review_body(5)
    assert len(body) < SMALL_LIMIT

    response = httpx.post(
        f"{url}/api/v1/reviews",
        content=iter([body[:40], body[40:]]),
        headers={**make_key("regulator"), "Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert len(response.json()["subjects"]) == 5


def test_a_review_of_1000_subjects_fits_the_default_limit(
    http: httpx.Client, make_key: KeyMaker
) -> None:
    response = http.post(
        "/api/v1/reviews",
        content=_review_body(1000),
        headers={**make_key("regulator"), "Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert len(response.json()["subjects"]) == 1000


def test_unknown_keys_are_rate_limited_per_address(strict: tuple[str, FixedClock]) -> None:
    url, clock = strict
    statuses = [
        httpx.get(f"{url}/api/v1/statistics", headers=BOGUS_KEY, timeout=30).status_code
        for _ in range(5)
    ]
    no_key = httpx.get(f"{url}/api/v1/statistics", timeout=30)

    assert statuses == [401, 401, 401, 429, 429]
    _assert_problem(no_key, 429)
    assert int(no_key.headers["Retry-After"]) >= 1
    clock.advance(2)  # one token back at 0.5 per second
    assert httpx.get(f"{url}/api/v1/statistics", timeout=30).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/no-such-route", 404),
        ("GET", "/no-such-page", 404),
        ("DELETE", "/api/v1/subjects/91320214745555318W", 405),
        ("PUT", "/api/v1/reviews", 405),
    ],
)
def test_framework_refusals_are_problem_documents(
    http: httpx.Client, make_key: KeyMaker, method: str, path: str, status: int
) -> None:
    response = http.request(method, path, headers=make_key("regulator"))

    _assert_problem(response, status)
    if status == 405:
        assert "Allow" in response.headers


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"subjects": [', b"\xff\xfe", b'"a string"', b"[]"]
)
def test_an_unparsable_body_is_a_problem_document(
    http: httpx.Client, make_key: KeyMaker, body: bytes
) -> None:
    response = http.post(
        "/api/v1/reviews",
        content=body,
        headers={**make_key("regulator"), "Content-Type": "application/json"},
    )

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == PROBLEM_JSON


def test_every_documented_error_is_a_problem_document(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and path != "/readyz":
                    assert list(response["content"]) == [PROBLEM_JSON], (method, path, status)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("regulator", "/api/v1/subjects/91320214745555318W"),  # 404, quoting the key
        ("regulator", "/api/v1/subjects?q=无锡"),
        ("analyst", "/api/v1/statistics"),
        ("admin", "/api/v1/admin/audit?limit=1"),
    ],
)
def test_api_answers_are_never_cached(
    http: httpx.Client, make_key: KeyMaker, role: str, path: str, repo: object
) -> None:
    response = http.get(path, headers=make_key(role))

    assert response.status_code < 500
    assert response.headers["Cache-Control"] == "no-store"
