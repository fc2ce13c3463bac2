"""The API takes requests exactly as its document describes them: dates in ISO form only, no
query parameter a route does not declare, and a refusal that says whether the request's
shape (INVALID_REQUEST) or its values (the domain) were wrong."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from api.problems import INVALID_REQUEST

KeyMaker = Callable[[str], dict[str, str]]
PURPOSE = {"X-Purpose": "automated test"}


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/statistics", {"as_of": "0"}),
        ("/api/v1/findings/appointments", {"as_of": "20260501"}),
        ("/api/v1/findings/red-list-conflicts", {"as_of": "1.5"}),
        ("/api/v1/admin/audit", {"until": "0.5"}),
        ("/api/v1/admin/audit", {"since": "2026-05-01"}),
    ],
)
def test_a_date_not_in_iso_form_is_refused(
    http: httpx.Client, make_key: KeyMaker, path: str, query: dict[str, str]
) -> None:
    response = http.get(path, params=query, headers={**make_key("admin"), **PURPOSE})

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["title"] == INVALID_REQUEST
    assert [e["field"] for e in problem["errors"]] == [f"query.{next(iter(query))}"]


def test_iso_dates_are_taken(http: httpx.Client, make_key: KeyMaker) -> None:
    headers = {**make_key("admin"), **PURPOSE}

    assert http.get(
        "/api/v1/statistics", params={"as_of": "2026-05-01"}, headers=headers
    ).is_success
    audit = http.get(
        "/api/v1/admin/audit", params={"since": "2026-05-01T08:00:00+08:00"}, headers=headers
    )
    assert audit.is_success, audit.text


@pytest.mark.parametrize(("name", "value"), [("as_of", 0), ("federated", 0)])
def test_a_body_field_takes_only_its_own_type(
    http: httpx.Client, make_key: KeyMaker, name: str, value: object
) -> None:
    body = {"subjects": ["91320214745555318W"], "context": "procurement", name: value}

    response = http.post("/api/v1/reviews", json=body, headers={**make_key("regulator"), **PURPOSE})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == f"body.{name}"


@pytest.mark.parametrize("query", ["asof=2026-05-01", "=null", "as_of=2026-05-01&limit=1"])
def test_a_query_parameter_the_route_does_not_take_is_refused(
    http: httpx.Client, make_key: KeyMaker, query: str
) -> None:
    response = http.get(f"/api/v1/statistics?{query}", headers=make_key("analyst"))

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["title"] == INVALID_REQUEST
    assert "not a parameter of this route" in problem["detail"]


def test_a_black_record_without_a_level_is_malformed_by_the_document(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()["components"]["schemas"]["RecordIn"]

    assert schema["if"]["properties"]["list"]["enum"] == ["black", "focus"]
    assert schema["then"]["required"] == ["level"]


def test_a_well_formed_id_number_with_a_wrong_check_digit_is_refused_by_the_domain(
    http: httpx.Client, make_key: KeyMaker
) -> None:
    response = http.post(
        "/api/v1/subjects/by-id-number",
        json={"id_number": "110105194912310021"},
        headers={**make_key("regulator"), **PURPOSE},
    )

    assert response.status_code == 422, response.text
    assert response.json()["title"] not in {INVALID_REQUEST, None}


def test_a_method_a_path_does_not_take_names_every_one_it_does(
    http: httpx.Client, make_key: KeyMaker
) -> None:
    """GET and POST /resolution/decisions are two routes: the 405's Allow names both."""
    response = http.request(
        "OPTIONS", "/api/v1/resolution/decisions", headers={**make_key("regulator"), **PURPOSE}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
