"""The partner endpoints over real HTTP (graph/linkage/PROTOCOL.md): signed feed and
snapshot pages, tamper-evident partner-bound cursors, 410 past the retained window, scope
(403, audited), batch check by USCC and linkage key, and a trace with persons masked. No
response holds a raw ID number or a pid."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from graph.access import create_key
from graph.identifiers import pid_for
from graph.ingest import upsert
from graph.ingest.layouts import Kind
from graph.ingest.validate import Context, Valid, validate
from graph.linkage import changelog
from graph.linkage.keys import linkage_key
from graph.linkage.signing import SignatureRefused, verify_page
from graph.propagation.recompute import full_recompute
from graph.records import repair
from graph.services import Services
from graph.settings import Partner, Settings, public_key_of
from tests.conftest import WIPE_TEST_DATA, LiveServer, _free_port
from tests.utils.canonical import id_number, uscc

TODAY = date.today()
SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
LINKAGE_SECRET = "test-shared-linkage-key"
ZJ_SCOPE = frozenset({"tax", "judgment_debtor"})
FIRM, OTHER, HOLDER = uscc(8101), uscc(8102), uscc(8103)
REP_ID, OWNER_ID = id_number(8101), id_number(8102)
DEPARTMENT = "JS-SW"


@dataclass(frozen=True)
class World:
    url: str
    services: Services
    settings: Settings
    zhejiang: dict[str, str]  # headers of a partner:33 key (scope: tax, judgment_debtor)
    shanghai: dict[str, str]  # partner:31 (every category)
    regulator: dict[str, str]

    @property
    def public_keys(self) -> dict[str, str]:
        return {"32-test": public_key_of(SIGNING_KEY)}


def _linkage_settings(settings: Settings) -> Settings:
    def partner(scope: frozenset[str] | None = None) -> Partner:
        fields: dict[str, Any] = {"url": "http://127.0.0.1:1", "api_key": "k"}
        return Partner(**fields, **({"scope": scope} if scope else {}))

    return settings.model_copy(
        update={
            "signing_key": SecretStr(SIGNING_KEY),
            "signing_key_id": "32-test",
            "linkage_keys": {"v1": SecretStr(LINKAGE_SECRET)},
            "linkage_key_current": "v1",
            "cursor_key": SecretStr("test-cursor-key"),
            "partners": {"33": partner(ZJ_SCOPE), "31": partner()},
            "rate_limit_per_s": 1000.0,
            "rate_limit_burst": 1000,
        }
    )


def _params(kind: Kind, rows: list[dict[str, str]], ctx: Context) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        result = validate(kind, row, ctx)
        assert isinstance(result, Valid), result
        out.append(result.params)
    return out


def _load(services: Services, settings: Settings) -> None:
    """A firm with a severe tax record (which reaches its legal representative), a food
    record outside Zhejiang's scope, a person's own tax record, and a partner's record."""
    repo = services.repository
    ctx = Context(
        pid_key=settings.pid_key.get_secret_value().encode(),
        province="32", today=TODAY, linkage_secrets=settings.linkage_secrets(),
        linkage_current="v1",
    )  # fmt: skip
    provenance = {"source": "linkage-test", "batch_id": "linkage-test",
                  "loaded_at": datetime.now(UTC), "province": "32"}  # fmt: skip
    decided = (TODAY - timedelta(days=30)).isoformat()
    record = {"list": "black", "level": "severe", "authority": DEPARTMENT,
              "basis": "苏税罚〔2026〕1号", "decided_on": decided}  # fmt: skip
    rows: dict[Kind, list[dict[str, str]]] = {
        Kind.DEPARTMENTS: [{"code": DEPARTMENT, "name": "江苏省税务局", "province": "32"}],
        Kind.ORGANIZATIONS: [
            {"uscc": FIRM, "name": "无锡链接测试有限公司", "region_code": "320205"},
            {"uscc": OTHER, "name": "苏州无记录有限公司", "region_code": "320505"},
            {"uscc": HOLDER, "name": "南京控股有限公司", "region_code": "320102"},
        ],
        Kind.PERSONS: [
            {"id_number": REP_ID, "name": "王小明", "region_code": "320102"},
            {"id_number": OWNER_ID, "name": "李四", "region_code": "320102"},
        ],
        Kind.LEGAL_REPS: [{"id_number": REP_ID, "uscc": FIRM, "since": "2020-01-01"}],
        Kind.SHAREHOLDINGS: [
            {"holder_uscc": HOLDER, "uscc": FIRM, "ratio": "0.7"},
            {"holder_id_number": OWNER_ID, "uscc": HOLDER, "ratio": "0.9"},
        ],
        Kind.RECORDS: [
            {**record, "record_id": "LK-TAX", "subject_uscc": FIRM, "category": "tax"},
            {**record, "record_id": "LK-FOOD", "subject_uscc": FIRM, "category": "food_drug"},
            {**record, "record_id": "LK-PERSON", "subject_id_number": OWNER_ID,
             "category": "judgment_debtor"},
            {**record, "record_id": "33:ZJ-1", "subject_uscc": OTHER, "category": "tax",
             "source_province": "33"},
        ],
    }  # fmt: skip
    for kind, kind_rows in rows.items():
        upsert(repo, kind, _params(kind, kind_rows, ctx), provenance)
    full_recompute(repo, services.rules, TODAY)


@pytest.fixture(scope="module")
def world(services: Services) -> Iterator[World]:
    services.repository.run_ddl(WIPE_TEST_DATA)
    settings = _linkage_settings(services.settings)
    _load(services, settings)

    def key(role: str) -> dict[str, str]:
        _, secret = create_key(services.repository, role, f"test {role}", own_province="32")
        return {"Authorization": f"Bearer {secret}", "X-Purpose": "linkage test"}

    app_services = replace(services, settings=settings)
    with LiveServer(create_app(app_services), _free_port()) as live:
        yield World(
            live.url, app_services, settings, key("partner:33"), key("partner:31"),
            key("regulator"),
        )  # fmt: skip


@pytest.fixture
def http(world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.url, timeout=30) as client:
        yield client


def _no_personal_data(text: str, world: World) -> None:
    pid_key = world.settings.pid_key.get_secret_value().encode()
    for number in (REP_ID, OWNER_ID):
        assert number not in text
        assert pid_for(number, pid_key) not in text
    assert "王小明" not in text and "李四" not in text


def _feed(http: httpx.Client, headers: dict[str, str], **params: Any) -> httpx.Response:
    return http.get("/linkage/v1/feed", params=params, headers=headers)


def test_the_catalogue_names_scope_key_and_versions(http: httpx.Client, world: World) -> None:
    response = http.get("/linkage/v1/catalogue", headers=world.zhejiang)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["protocol"] == "credit-graph-linkage/1" and body["province"] == "32"
    assert body["categories"] == sorted(ZJ_SCOPE)
    assert body["signing_keys"] == [
        {"key_id": "32-test", "algorithm": "Ed25519", "public_key": public_key_of(SIGNING_KEY)}
    ]
    assert body["linkage_key_versions"] == ["v1"]


def test_a_feed_page_is_signed_scoped_and_verifies(http: httpx.Client, world: World) -> None:
    response = _feed(http, world.zhejiang)

    assert response.status_code == 200, response.text
    page = response.json()
    verify_page(page, world.public_keys)
    ids = [e["record"]["record_id"] for e in page["entries"]]
    # Scope: no food record; never a partner's record.
    assert ids == ["LK-TAX", "LK-PERSON"]
    assert [e["seq"] for e in page["entries"]] == sorted(e["seq"] for e in page["entries"])
    person = page["entries"][1]["subject"]
    assert person["kind"] == "person" and person["name_masked"] == "李*"
    assert person["linkage_keys"] == [linkage_key(OWNER_ID, "v1", LINKAGE_SECRET.encode())]
    assert person["id_masked"].startswith(OWNER_ID[:4]) and "*" in person["id_masked"]
    _no_personal_data(response.text, world)

    tampered = {**page, "entries": [{**page["entries"][0], "op": "revocation"}]}
    with pytest.raises(SignatureRefused):
        verify_page(tampered, world.public_keys)


def test_the_feed_pages_on_and_resumes_after_a_change(http: httpx.Client, world: World) -> None:
    first = _feed(http, world.shanghai, limit=1).json()
    assert first["has_more"] and len(first["entries"]) == 1
    rest = _feed(http, world.shanghai, cursor=first["next_cursor"], limit=1000).json()
    assert not rest["has_more"]
    seen = [e["seq"] for e in first["entries"] + rest["entries"]]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 3  # tax, food, person

    head = _feed(http, world.zhejiang).json()["next_cursor"]
    repair(world.services.repository, world.services.rules, "LK-TAX", "credit restored",
           "test", TODAY, province="32")  # fmt: skip
    after = _feed(http, world.zhejiang, cursor=head).json()
    assert [(e["op"], e["record"]["record_id"], e["record"]["status"])
            for e in after["entries"]] == [("repair", "LK-TAX", "repaired")]  # fmt: skip
    assert _feed(http, world.zhejiang, cursor=after["next_cursor"]).json()["entries"] == []


def test_a_tampered_or_foreign_cursor_answers_400(http: httpx.Client, world: World) -> None:
    cursor = _feed(http, world.zhejiang).json()["next_cursor"]
    body, mac = cursor.split(".")
    forged = ("A" if body[0] != "A" else "B") + body[1:] + "." + mac

    assert _feed(http, world.zhejiang, cursor=forged).status_code == 400
    foreign = _feed(http, world.shanghai, cursor=cursor)
    assert foreign.status_code == 400
    assert foreign.headers["content-type"].startswith("application/problem+json")


def test_a_cursor_past_the_retained_window_answers_410_naming_the_snapshot(
    http: httpx.Client, world: World
) -> None:
    old = _feed(http, world.shanghai, limit=1).json()["next_cursor"]
    repo = world.services.repository
    # A change after the cursor, then everything older than tomorrow pruned.
    repair(repo, world.services.rules, "LK-PERSON", "paid", "test", TODAY, province="32")
    changelog.prune(repo, datetime.now(UTC) + timedelta(days=1))

    response = _feed(http, world.shanghai, cursor=old)

    assert response.status_code == 410, response.text
    assert "/linkage/v1/snapshot" in response.json()["detail"]
    fresh = _feed(http, world.shanghai)
    assert fresh.status_code == 200 and fresh.json()["entries"] == []


def test_a_snapshot_is_signed_paged_and_resumes_the_feed(http: httpx.Client, world: World) -> None:
    pages, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = http.get("/linkage/v1/snapshot", params=params, headers=world.zhejiang)
        assert response.status_code == 200, response.text
        page = response.json()
        verify_page(page, world.public_keys)
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break

    ids = [e["record"]["record_id"] for p in pages for e in p["entries"]]
    assert ids == ["LK-PERSON", "LK-TAX"]
    assert len({p["resume_cursor"] for p in pages}) == 1
    resumed = _feed(http, world.zhejiang, cursor=pages[0]["resume_cursor"])
    assert resumed.status_code == 200 and resumed.json()["entries"] == []
    _no_personal_data(str(pages), world)


def test_scope_is_enforced_and_the_refusal_audited(http: httpx.Client, world: World) -> None:
    refused = _feed(http, world.zhejiang, category="food_drug")
    assert refused.status_code == 403, refused.text
    check = http.post(
        "/linkage/v1/check",
        json={"subjects": [{"uscc": FIRM}], "category": ["food_drug"]},
        headers=world.zhejiang,
    )
    assert check.status_code == 403
    assert _feed(http, world.regulator).status_code == 403  # not a partner

    events = world.services.repository.read(
        "MATCH (e:AuditEvent) WHERE e.role = 'partner:33' AND e.status = 403 "
        "RETURN e.action AS action, e.purpose AS purpose, e.query AS query"
    )
    assert {"action": "GET /linkage/v1/feed", "purpose": "linkage test",
            "query": "category=food_drug"} in events  # fmt: skip
    assert any(e["action"] == "POST /linkage/v1/check" for e in events)


def test_a_batch_check_by_uscc_and_linkage_key(http: httpx.Client, world: World) -> None:
    rep_key = linkage_key(REP_ID, "v1", LINKAGE_SECRET.encode())
    owner_key = linkage_key(OWNER_ID, "v1", LINKAGE_SECRET.encode())
    subjects = [{"uscc": FIRM}, {"linkage_key": rep_key}, {"linkage_key": owner_key},
                {"uscc": OTHER}, {"linkage_key": "v1:" + "0" * 64}]  # fmt: skip

    response = http.post("/linkage/v1/check", json={"subjects": subjects}, headers=world.shanghai)

    assert response.status_code == 200, response.text
    firm, rep, owner, other, unknown = response.json()
    assert firm["found"] and firm["subject"]["uscc"] == FIRM
    # Every category for Shanghai; the tax record was repaired above only if that test ran.
    assert "LK-FOOD" in {r["record_id"] for r in firm["records"]}
    assert rep["found"] and rep["subject"]["kind"] == "person"
    assert rep["subject"]["linkage_keys"] == [rep_key]
    assert rep["flags"], rep  # reached by the firm's severe records, as legal representative
    assert all(f["record_id"] in ("LK-TAX", "LK-FOOD") for f in rep["flags"])
    for flag in rep["flags"]:
        assert flag["rule"] and flag["basis"] and flag["path"]
        assert all(step["source"].startswith(("person~", "9")) for step in flag["path"])
    assert owner["found"]
    # A partner's record is never re-published, nor checked.
    assert other["found"] and other["records"] == []
    assert unknown == {"key": "v1:" + "0" * 64, "found": False, "subject": None,
                       "records": [], "flags": []}  # fmt: skip
    _no_personal_data(response.text, world)

    scoped = http.post("/linkage/v1/check", json={"subjects": subjects}, headers=world.zhejiang)
    assert "LK-FOOD" not in scoped.text


def test_a_check_refuses_bad_keys(http: httpx.Client, world: World) -> None:
    for subject in ({"uscc": "91320214745555318X"}, {"linkage_key": "v9:" + "0" * 64},
                    {"uscc": FIRM, "linkage_key": "v1:" + "0" * 64}, {}):  # fmt: skip
        response = http.post(
            "/linkage/v1/check", json={"subjects": [subject]}, headers=world.zhejiang
        )
        assert response.status_code == 422, (subject, response.text)
    # A raw ID number where a USCC belongs is refused without being quoted back.
    for response in (
        http.post("/linkage/v1/check", json={"subjects": [{"uscc": REP_ID}]},
                  headers=world.zhejiang),
        http.get(f"/linkage/v1/trace/{REP_ID}", headers=world.zhejiang),
    ):  # fmt: skip
        assert response.status_code == 422, response.text
        _no_personal_data(response.text, world)
    too_many = {"subjects": [{"uscc": FIRM}] * 1001}
    assert http.post("/linkage/v1/check", json=too_many, headers=world.zhejiang).status_code == 422


def test_a_trace_masks_persons(http: httpx.Client, world: World) -> None:
    response = http.get(f"/linkage/v1/trace/{FIRM}", params={"hops": 2}, headers=world.zhejiang)

    assert response.status_code == 200, response.text
    trace = response.json()
    persons = [n for n in trace["nodes"] if n["label"] == "Person"]
    assert {n["key"] for n in trace["nodes"] if n["label"] == "Organization"} >= {FIRM, HOLDER}
    assert len(persons) == 2
    assert all(n["key"].startswith("person~") and n["name"] == "自然人 (person)" for n in persons)
    assert not any("sanctioned" in n or "flagged" in n for n in trace["nodes"])
    _no_personal_data(response.text, world)

    by_key = http.get(
        f"/linkage/v1/trace/{linkage_key(REP_ID, 'v1', LINKAGE_SECRET.encode())}",
        headers=world.zhejiang,
    )
    assert by_key.status_code == 200, by_key.text
    assert FIRM in {n["key"] for n in by_key.json()["nodes"]}
    _no_personal_data(by_key.text, world)
    assert http.get(
        "/linkage/v1/trace/" + OTHER[:-1] + "1", headers=world.zhejiang
    ).status_code in (
        404,
        422,
    )
    assert http.get(f"/linkage/v1/trace/{FIRM}", params={"hops": 3},
                    headers=world.zhejiang).status_code == 422  # fmt: skip


def test_a_subject_no_partner_can_match_is_passed_over(http: httpx.Client, world: World) -> None:
    """A person known here only by a person key has no linkage key, and an organisation keyed
    otherwise than by USCC has no USCC: the protocol cannot name them across the border, so
    their records are left out of the feed and the snapshot, and the pages still advance past
    them (a partner's sync would otherwise refuse the page forever)."""
    settings = world.services.settings
    ctx = Context(
        pid_key=settings.pid_key.get_secret_value().encode(),
        province="32", today=TODAY, linkage_secrets=settings.linkage_secrets(),
        linkage_current="v1",
    )  # fmt: skip
    provenance = {"source": "linkage-test", "batch_id": "linkage-test-2",
                  "loaded_at": datetime.now(UTC), "province": "32"}  # fmt: skip
    head = _feed(http, world.zhejiang).json()["next_cursor"]
    repo = world.services.repository
    upsert(
        repo,
        Kind.PERSONS,
        _params(Kind.PERSONS, [{"person_key": "name=赵六;born=1970", "name": "赵六"}], ctx),
        provenance,
    )
    upsert(repo, Kind.ORGANIZATIONS, _params(Kind.ORGANIZATIONS, [
        {"uscc": "listed:000008.SZ", "name": "神州高铁"}], ctx), provenance)  # fmt: skip
    upsert(repo, Kind.RECORDS, _params(Kind.RECORDS, [
        {"record_id": "LK-NOKEY", "subject_person_key": "name=赵六;born=1970", "list": "black",
         "level": "severe", "authority": DEPARTMENT, "basis": "苏税罚〔2026〕2号",
         "decided_on": (TODAY - timedelta(days=3)).isoformat(), "category": "tax"},
        {"record_id": "LK-LISTED", "subject_uscc": "listed:000008.SZ", "list": "black",
         "level": "severe", "authority": DEPARTMENT, "basis": "苏税罚〔2026〕3号",
         "decided_on": (TODAY - timedelta(days=3)).isoformat(), "category": "tax"}], ctx),
        provenance)  # fmt: skip

    after = _feed(http, world.zhejiang, cursor=head).json()
    assert after["entries"] == [] and after["next_cursor"] != head
    snapshot = http.get("/linkage/v1/snapshot", headers=world.zhejiang).json()
    assert "LK-NOKEY" not in str(snapshot["entries"])
    assert "LK-LISTED" not in str(snapshot["entries"])
