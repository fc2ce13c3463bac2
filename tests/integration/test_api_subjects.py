"""Subject endpoints over real HTTP: roles, masking, audit, input errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest

from graph.identifiers import make_id_number
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder, pid

KeyMaker = Callable[[str], dict[str, str]]
USCC_A = "91320214745555318W"


@pytest.fixture
def firm(repo: Repository) -> GraphBuilder:
    g = GraphBuilder(repo)
    g.org(USCC_A, "无锡示例机械有限公司")
    g.org("91110000600037341L", "北京示例有限公司")
    p = g.person("李四")
    g.rel(p, "LEGAL_REP_OF", USCC_A)
    g.rel(p, "OFFICER_OF", "91110000600037341L", role="director")
    g.record(USCC_A, "JS-FY-2026-1")
    return g


def test_search_profile_network_as_regulator(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    headers = make_key("regulator")
    found = http.get("/api/v1/subjects", params={"q": "无锡"}, headers=headers).json()
    assert [s["key"] for s in found] == [USCC_A]
    prof = http.get(f"/api/v1/subjects/{USCC_A}", headers=headers).json()
    assert prof["records"][0]["record_id"] == "JS-FY-2026-1"
    net = http.get(f"/api/v1/subjects/{USCC_A}/network", params={"hops": 2}, headers=headers)
    assert net.status_code == 200
    names = {n["name"] for n in net.json()["nodes"]}
    assert "李四" in names
    paths = http.get(
        "/api/v1/paths",
        params={"source": USCC_A, "target": "91110000600037341L"},
        headers=headers,
    ).json()
    assert len(paths) == 1 and len(paths[0]["edges"]) == 2


def test_analyst_sees_the_network_with_persons_masked(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    headers = make_key("analyst")
    net = http.get(f"/api/v1/subjects/{USCC_A}/network", headers=headers).json()
    person = next(n for n in net["nodes"] if n["label"] == "Person")
    assert person["name"] != "李四" and person["key"].startswith("person~")
    assert pid("李四") not in str(net)
    assert http.get(f"/api/v1/subjects/{pid('李四')}", headers=headers).status_code == 403
    search = http.get("/api/v1/subjects", params={"q": "李"}, headers=headers).json()
    assert search == []


def test_find_by_id_number_hashes_and_never_echoes(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder, repo: Repository
) -> None:
    id_number = make_id_number("320102", date(1980, 5, 17), 123)
    response = http.post(
        "/api/v1/subjects/by-id-number",
        json={"id_number": id_number},
        headers=make_key("regulator"),
    )
    assert response.status_code == 200 and response.json() == []  # nobody with that ID
    assert id_number not in response.text
    audit = http.get("/api/v1/admin/audit", headers=make_key("admin")).text
    assert id_number not in audit
    bad = http.post(
        "/api/v1/subjects/by-id-number",
        json={"id_number": id_number[:-1] + ("0" if id_number[-1] != "0" else "1")},
        headers=make_key("regulator"),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "id_number"
    assert id_number[:-1] not in bad.text  # the message masks what it quotes


def test_analyst_may_not_search_by_id_number(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.post(
        "/api/v1/subjects/by-id-number", json={"id_number": "x"}, headers=make_key("analyst")
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/subjects/91320214745555318X", "org_key"),  # wrong check character 18
        ("/api/v1/subjects/91320214745555318W/network?hops=9", "query.hops"),
        ("/api/v1/subjects/91320214745555318W/network?types=LOVES", "types"),
        ("/api/v1/subjects?q=", "query.q"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    http: httpx.Client, make_key: KeyMaker, path: str, field: str
) -> None:
    response = http.get(path, headers=make_key("regulator"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_unknown_subject_is_404(http: httpx.Client, make_key: KeyMaker) -> None:
    response = http.get("/api/v1/subjects/91110000600037341L", headers=make_key("regulator"))
    assert response.status_code == 404


def test_purpose_is_required_and_audited(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    headers = make_key("regulator")
    no_purpose = {"X-API-Key": headers["X-API-Key"]}
    missing = http.get(f"/api/v1/subjects/{USCC_A}", headers=no_purpose)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "header.X-Purpose"
    http.get(f"/api/v1/subjects/{USCC_A}", headers={**headers, "X-Purpose": "case 2026-7"})
    events = http.get(
        "/api/v1/admin/audit", params={"subject": USCC_A}, headers=make_key("admin")
    ).json()
    assert events[0]["purpose"] == "case 2026-7"
    assert events[0]["role"] == "regulator"
    assert events[0]["action"] == "GET /api/v1/subjects/{key}"
    assert events[0]["result_size"] == 1


def test_analyst_never_resolves_a_person_key(
    http: httpx.Client, make_key: KeyMaker, firm: GraphBuilder
) -> None:
    headers = make_key("analyst")
    person = pid("李四")
    assert http.get("/api/v1/subjects", params={"q": person}, headers=headers).json() == []
    # Whether the person exists or not, the analyst gets the same answer as for an unknown
    # key: the response confirms nothing.
    absent = pid("nobody")
    known = http.get(f"/api/v1/subjects/{person}/network", headers=headers)
    unknown = http.get(f"/api/v1/subjects/{absent}/network", headers=headers)
    assert known.status_code == unknown.status_code == 404
    assert known.text.replace(person, absent) == unknown.text
    # A regulator still resolves the same key.
    regulator = make_key("regulator")
    found = http.get("/api/v1/subjects", params={"q": person}, headers=regulator).json()
    assert [s["key"] for s in found] == [person]
    assert http.get(f"/api/v1/subjects/{person}/network", headers=regulator).status_code == 200
