"""The subscriber against partners over real HTTP, writing into a real Neo4j.

Each partner is :class:`tests.utils.partner_feed.PartnerFeed` served by uvicorn: it signs
pages as PROTOCOL.md says and can be made to misbehave on demand (tampered, garbage, down,
pruned). The four-province system test does the same against real instances.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from graph.access import create_key
from graph.identifiers import make_id_number, make_uscc
from graph.linkage.federated import federated_review
from graph.linkage.keys import linkage_key
from graph.linkage.status import partner_flag_reach, partner_statuses, records_exchanged
from graph.linkage.sync import observe_heads, sync_partners
from graph.services import Services
from graph.settings import Partner, Settings, public_key_of
from graph.store.repository import Repository
from tests.conftest import WIPE_TEST_DATA, LiveServer, _free_port
from tests.integration import test_linkage_publish as publish
from tests.utils.factories import CREATE_ORG, CREATE_PERSON, GraphBuilder
from tests.utils.partner_feed import Fault, PartnerFeed

LINKAGE_SECRET = "test-linkage-secret"
ZJ_ORG = make_uscc("330100", "30000001")
AH_ORG = make_uscc("340100", "40000001")
SHARED_ORG = make_uscc("320100", "20000001")  # one of ours, sanctioned in Zhejiang
PERSON_ID = make_id_number("320102", date(1980, 1, 2), 7)
PERSON_KEY = linkage_key(PERSON_ID, "v1", LINKAGE_SECRET.encode())
STRANGER_KEY = linkage_key(
    make_id_number("330102", date(1975, 3, 4), 9), "v1", LINKAGE_SECRET.encode()
)
LOCAL_PID = "a" * 64
CLI = str(Path(sys.executable).parent / "credit-graph")

RECORDS = """
MATCH (s:Subject)-[h:HAS_RECORD]->(r:Record) WHERE r.source_province = $province
RETURN r.record_id AS record_id, r.status AS status, r.level AS level,
       r.source_page AS source_page, coalesce(s.uscc, s.pid) AS subject, count(h) AS links
ORDER BY record_id
"""


def _org(uscc: str, name: str = "某某有限公司") -> dict[str, Any]:
    return {"kind": "organization", "uscc": uscc, "name": name, "region_code": uscc[2:8]}


def _person(key: str) -> dict[str, Any]:
    return {"kind": "person", "linkage_keys": [key], "id_masked": "3301**********123X",
            "name_masked": "张*", "region_code": "330102"}  # fmt: skip


def _record(record_id: str, status: str = "active", level: str = "severe") -> dict[str, Any]:
    return {"record_id": record_id, "list": "black", "category": "tax", "level": level,
            "authority": "ZJTAX", "authority_name": "浙江省税务局", "basis": "税收征管法",
            "decided_on": "2026-01-01", "publish_from": "2026-01-01",
            "publish_until": "2029-01-01", "status": status}  # fmt: skip


@pytest.fixture
def partners() -> Iterator[dict[str, tuple[PartnerFeed, str]]]:
    feeds = {"33": PartnerFeed("33"), "34": PartnerFeed("34")}
    with (
        LiveServer(feeds["33"].app(), _free_port()) as zj,
        LiveServer(feeds["34"].app(), _free_port()) as ah,
    ):
        yield {"33": (feeds["33"], zj.url), "34": (feeds["34"], ah.url)}


@pytest.fixture
def linked(settings: Settings, partners: dict[str, tuple[PartnerFeed, str]]) -> Settings:
    registry = {
        code: Partner(
            url=url,
            api_key=SecretStr(f"key-{code}"),
            public_keys={feed.key_id: feed.public_key},
            timeout_s=1.0,
        )
        for code, (feed, url) in partners.items()
    }
    return settings.model_copy(
        update={
            "partners": registry,
            "linkage_keys": {"v1": SecretStr(LINKAGE_SECRET)},
            "linkage_key_current": "v1",
        }
    )


@pytest.fixture
def graph(repo: Repository) -> Repository:
    """Ours: the organisation Zhejiang sanctions, and its legal representative, a person
    whose ID number we loaded."""
    repo.write(CREATE_ORG, key=SHARED_ORG, name="共享有限公司", region="320100", kind="enterprise",
               hub=False)  # fmt: skip
    repo.write(CREATE_PERSON, key=LOCAL_PID, name="张三", region="320102")
    GraphBuilder(repo).rel(LOCAL_PID, "LEGAL_REP_OF", SHARED_ORG, since=date(2020, 1, 1))
    repo.write(
        "MATCH (p:Person {pid: $pid}) SET p.linkage_key = $key, p.linkage_keys = [$key]",
        pid=LOCAL_PID,
        key=PERSON_KEY,
    )
    return repo


def _sync(services: Services, repo: Repository, linked: Settings, **options: Any) -> Any:
    return sync_partners(repo, services.rules, linked, services.clock, **options)


def test_partner_records_land_with_their_province_and_signed_page(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    zj, _ = partners["33"]
    zj.add("upsert", _record("R1"), _org(SHARED_ORG))
    zj.add("upsert", _record("R2"), _org(ZJ_ORG))
    zj.add("upsert", _record("R3", level="serious"), _person(PERSON_KEY))
    zj.add("upsert", _record("R4"), _person(STRANGER_KEY))

    runs = _sync(services, graph, linked, only="33", page_size=2)

    # A first sync: two snapshot pages, then the feed from the cursor they fixed, at its head.
    assert [(r.code, r.pages, r.records, r.snapshot, r.error) for r in runs] == [
        ("33", 3, 4, True, None)
    ]
    rows = graph.read(RECORDS, province="33")
    assert [(r["record_id"], r["links"]) for r in rows] == [
        ("33:R1", 1), ("33:R2", 1), ("33:R3", 1), ("33:R4", 1)
    ]  # fmt: skip
    by_id = {r["record_id"]: r for r in rows}
    assert by_id["33:R1"]["subject"] == SHARED_ORG  # matched by USCC to ours
    assert by_id["33:R3"]["subject"] == LOCAL_PID  # matched by linkage key to ours
    stranger = graph.read_one(
        "MATCH (p:Person {linkage_key: $key}) RETURN p {.*} AS p",
        key=STRANGER_KEY,
    )
    assert stranger is not None
    assert stranger["p"]["pid"].startswith("s:") and stranger["p"]["province"] == "33"
    assert stranger["p"]["id_masked"] == "3301**********123X"
    pages = {r["source_page"] for r in rows}
    stored = graph.read("MATCH (p:LinkagePage {province: '33'}) RETURN p.source_page AS page")
    assert pages <= {r["page"] for r in stored} and len(pages) == 2  # and the empty head
    # The severe record of our organisation reaches its people through propagation.
    reached = graph.read(
        "MATCH (s:Subject)-[f:FLAGGED]->(:Record {record_id: '33:R1'}) RETURN s.pid AS pid"
    )
    assert [r["pid"] for r in reached] == [LOCAL_PID]
    # A second sync finds nothing new and changes nothing.
    again = _sync(services, graph, linked, only="33")
    assert (again[0].records, again[0].error) == (0, None)
    assert graph.read(RECORDS, province="33") == rows
    [status] = [
        s for s in partner_statuses(graph, linked, services.clock.now()) if s.province == "33"
    ]
    assert (status.records, status.lag_records, status.last_error) == (4, 0, None)
    assert status.last_success_at is not None
    since = status.last_success_at - timedelta(days=1)
    assert sum(e.records for e in records_exchanged(graph, since)) == 4
    reach = partner_flag_reach(graph, linked)
    assert [(r.province, r.subjects) for r in reach] == [("33", 1)]
    # Without a sync, the status asks the heads: one new entry pending; Anhui not answering.
    zj.add("upsert", _record("R5"), _org(ZJ_ORG))
    partners["34"][0].fault = "down"
    assert list(observe_heads(graph, linked, services.clock)) == ["34"]
    [status] = [
        s for s in partner_statuses(graph, linked, services.clock.now()) if s.province == "33"
    ]
    assert status.lag_records == 1 and status.lag_seconds is not None


def test_repair_and_revocation_stop_a_partner_record_counting(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    zj, _ = partners["33"]
    zj.add("upsert", _record("R1"), _org(SHARED_ORG))
    zj.add("upsert", _record("R2"), _org(ZJ_ORG))
    _sync(services, graph, linked, only="33")
    zj.add("repair", _record("R1", status="repaired"), _org(SHARED_ORG))
    zj.add("revocation", _record("R2", status="active"), _org(ZJ_ORG))  # the op decides

    _sync(services, graph, linked, only="33")

    rows = {r["record_id"]: r["status"] for r in graph.read(RECORDS, province="33")}
    assert rows == {"33:R1": "repaired", "33:R2": "revoked"}
    flags = graph.read_one(
        "MATCH (:Subject)-[f:FLAGGED]->(r:Record) WHERE r.source_province = '33' "
        "RETURN count(f) AS n"
    )
    assert flags == {"n": 0}


def test_tampered_page_is_refused_and_a_partner_down_stops_no_other(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    zj, _ = partners["33"]
    ah, _ = partners["34"]
    zj.add("upsert", _record("R1"), _org(ZJ_ORG))
    zj.fault = "tamper"
    ah.add("upsert", _record("A1"), _org(AH_ORG))

    runs = {r.code: r for r in _sync(services, graph, linked)}

    assert runs["33"].error is not None and "signature" in runs["33"].error
    assert graph.read(RECORDS, province="33") == []
    assert runs["34"].error is None
    assert [r["record_id"] for r in graph.read(RECORDS, province="34")] == ["34:A1"]
    [status] = [
        s for s in partner_statuses(graph, linked, services.clock.now()) if s.province == "33"
    ]
    assert status.last_error is not None and status.cursor is None

    zj.fault = None
    ah.fault = "down"
    ah.add("upsert", _record("A2"), _org(AH_ORG))
    runs = {r.code: r for r in _sync(services, graph, linked)}
    assert runs["33"].error is None and runs["33"].records == 1
    assert runs["34"].error is not None and "503" in runs["34"].error


@pytest.mark.parametrize("fault", ["garbage", "bad_shape", "slow"])
def test_a_partner_answering_garbage_or_slowly_is_an_error_not_a_crash(
    services: Services, graph: Repository, linked: Settings, partners: Any, fault: Fault
) -> None:
    zj, _ = partners["33"]
    ah, _ = partners["34"]
    zj.add("upsert", _record("R1"), _org(ZJ_ORG))
    ah.add("upsert", _record("A1"), _org(AH_ORG))
    zj.fault = fault

    runs = {r.code: r for r in _sync(services, graph, linked)}

    assert runs["33"].error is not None
    assert graph.read(RECORDS, province="33") == []
    assert runs["34"].error is None and runs["34"].records == 1


def test_a_cursor_older_than_the_window_resyncs_from_the_snapshot(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    zj, _ = partners["33"]
    zj.add("upsert", _record("R1"), _org(ZJ_ORG))
    _sync(services, graph, linked, only="33")
    for n in range(2, 6):
        zj.add("upsert", _record(f"R{n}"), _org(ZJ_ORG))
    zj.add("repair", _record("R1", status="repaired"), _org(ZJ_ORG))
    zj.retained_from = 4  # R2, R3 pruned before we saw them

    [run] = _sync(services, graph, linked, only="33", page_size=2)

    assert run.snapshot and run.error is None
    rows = {r["record_id"]: r["status"] for r in graph.read(RECORDS, province="33")}
    assert rows == {"33:R1": "repaired", **{f"33:R{n}": "active" for n in range(2, 6)}}
    zj.add("upsert", _record("R6"), _org(ZJ_ORG))
    [run] = _sync(services, graph, linked, only="33")
    assert (run.snapshot, run.records) == (False, 1)


def test_sync_killed_at_random_points_loses_and_duplicates_nothing(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    """``credit-graph linkage sync`` run as a process and SIGKILLed after a random number of
    pages (mid-page or between pages), three times, then run to the end."""
    zj, _ = partners["33"]
    zj.add("upsert", _record("R0"), _org(ZJ_ORG))
    _sync(services, graph, linked, only="33")  # from the snapshot; the kills are in the feed
    for n in range(1, 41):
        op = "repair" if n % 10 == 0 else "upsert"
        target = n - 1 if op == "repair" else n
        status = "repaired" if op == "repair" else "active"
        subject = (
            _person(PERSON_KEY) if target % 7 == 0 else _org(ZJ_ORG if target % 2 else SHARED_ORG)
        )
        zj.add(op, _record(f"R{target}", status=status), subject)
    zj.page_delay_s = 0.15
    env = _cli_env(linked, {"33": linked.partners["33"]})  # type: ignore[index]
    rng = random.Random(14)
    for _ in range(3):
        before = _pages(graph)
        process = subprocess.Popen(
            [CLI, "linkage", "sync", "--page-size", "3"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        target = before + rng.randint(1, 3)
        deadline = time.monotonic() + 60
        while _pages(graph) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.15))  # anywhere in the next page: fetch, write or refresh
        process.send_signal(signal.SIGKILL)
        process.wait()
    done = subprocess.run(
        [CLI, "linkage", "sync", "--page-size", "3"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    expected: dict[str, str] = {}
    for entry in zj.entries:
        expected[f"33:{entry['record']['record_id']}"] = entry["record"]["status"]
    rows = graph.read(RECORDS, province="33")
    assert {r["record_id"]: r["status"] for r in rows} == expected
    assert all(r["links"] == 1 for r in rows)
    state = graph.read_one("MATCH (s:PartnerSync {province: '33'}) RETURN s {.*} AS s")
    assert state is not None
    # Each entry counted once: a replayed page was one whose transaction never committed.
    assert state["s"]["records"] == len(zj.entries)
    assert state["s"]["pending_refresh"] == []
    assert _surrogates(graph) == 0  # the person entries all matched our person
    table = subprocess.run(
        [CLI, "linkage", "status"], env=env, capture_output=True, text=True, check=True
    )
    [line] = [line for line in table.stdout.splitlines() if line.startswith("33")]
    assert f"{len(zj.entries)} in" in line and " 0 " in line  # all applied, no lag


def _pages(repo: Repository) -> int:
    row = repo.read_one("MATCH (p:LinkagePage) RETURN count(p) AS n")
    return int(row["n"]) if row else 0


def _surrogates(repo: Repository) -> int:
    row = repo.read_one("MATCH (p:Person) WHERE p.pid STARTS WITH 's:' RETURN count(p) AS n")
    return int(row["n"]) if row else 0


def _cli_env(settings: Settings, partners: dict[str, Partner]) -> dict[str, str]:
    registry = {
        code: {
            "url": p.url,
            "api_key": p.api_key.get_secret_value(),
            "public_keys": p.public_keys,
            "timeout_s": p.timeout_s,
        }
        for code, p in partners.items()
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDIT_GRAPH_", "NEO4J_"))}
    env.update(
        CREDIT_GRAPH_ENVIRONMENT="test",
        NEO4J_URI=settings.bolt_uri,
        NEO4J_PASSWORD=settings.neo4j_password.get_secret_value(),
        NEO4J_DATABASE=settings.neo4j_database,
        CREDIT_GRAPH_PID_KEY=settings.pid_key.get_secret_value(),
        CREDIT_GRAPH_PROVINCE_CODE=settings.province_code,
        CREDIT_GRAPH_PARTNERS=json.dumps(registry),
        CREDIT_GRAPH_LINKAGE_KEYS=json.dumps({"v1": LINKAGE_SECRET}),
    )
    return env


def test_federated_review_merges_live_answers_and_names_the_silent_partner(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    zj, _ = partners["33"]
    ah, _ = partners["34"]
    zj.add("upsert", _record("R1"), _org(SHARED_ORG))
    zj.add("upsert", _record("R2", level="serious"), _person(PERSON_KEY))
    ah.fault = "slow"  # answers after its 1 s timeout
    step = {"source": "33-alias-1", "rel": "LEGAL_REP_OF", "direction": "out",
            "target": ZJ_ORG, "rule": "R3"}  # fmt: skip
    zj.flags[ZJ_ORG] = [
        {"record_id": "R9", "record_subject": "33-alias-1", "rule": "R3", "kind": "associated",
         "score": 0.5, "hops": 1, "path": [step], "basis": "备忘录", "category": "tax"}
    ]  # fmt: skip

    result = federated_review(
        graph, linked, [SHARED_ORG, LOCAL_PID, ZJ_ORG], "procurement",
        services.clock.today(), services.policy, "automated test",
    )  # fmt: skip

    assert result.partners is not None
    assert (result.partners.asked, result.partners.answered) == (["33", "34"], ["33"])
    assert list(result.partners.not_answered) == ["34"]
    by_key = {review.key: review for review in result.subjects}
    org = by_key[SHARED_ORG]
    assert org.decision == "block"
    [reason] = [r for r in org.reasons if r.source_province == "33"]
    assert reason.record_id == "33:R1" and "Zhejiang" in reason.summary
    person = by_key[LOCAL_PID]
    assert [r.record_id for r in person.reasons if r.source_province == "33"] == ["33:R2"]
    # A flag the partner derived through its own graph, for a firm we do not hold.
    firm = by_key[ZJ_ORG]
    [flag] = [r for r in firm.reasons if r.finding == "flag"]
    assert (flag.record_id, flag.kind, flag.source_province) == ("33:R9", "associated", "33")
    assert firm.decision == "review" and "Zhejiang" in flag.summary
    # Asked by linkage key and USCC only: no pid crosses the border.
    asked = zj.checks[-1]["subjects"]
    assert asked == [{"uscc": SHARED_ORG}, {"linkage_key": PERSON_KEY}, {"uscc": ZJ_ORG}]
    assert zj.checks[-1]["purpose"] == "automated test"
    # A record already synced from the feed is not counted twice.
    _sync(services, graph, linked, only="33")
    again = federated_review(
        graph, linked, [SHARED_ORG], "procurement", services.clock.today(), services.policy,
        "automated test",
    )  # fmt: skip
    reasons = [r for r in again.subjects[0].reasons if r.record_id == "33:R1"]
    assert len(reasons) == 1 and reasons[0].source_page is not None


def test_the_review_route_takes_the_federated_flag(
    http: httpx.Client, make_key: Callable[[str], dict[str, str]]
) -> None:
    body = {"subjects": [SHARED_ORG], "context": "procurement", "federated": True}
    answer = http.post("/api/v1/reviews", json=body, headers=make_key("regulator"))
    assert answer.status_code == 200, answer.text
    # The session's app has no partners: asked none, so nothing is missing either.
    assert answer.json()["partners"] == {"asked": [], "answered": [], "not_answered": {}}
    plain = http.post(
        "/api/v1/reviews", json={**body, "federated": False}, headers=make_key("regulator")
    )
    assert plain.json()["partners"] is None


def test_a_surrogate_person_joins_ours_once_its_id_number_is_loaded(
    services: Services, graph: Repository, linked: Settings, partners: Any
) -> None:
    zj, _ = partners["33"]
    zj.add("upsert", _record("R4"), _person(STRANGER_KEY))
    _sync(services, graph, linked, only="33")
    assert _surrogates(graph) == 1
    stranger = "b" * 64  # loaded here later, with the ID number behind STRANGER_KEY
    graph.write(CREATE_PERSON, key=stranger, name="李四", region="320102")
    graph.write("MATCH (p:Person {pid: $pid}) SET p.linkage_key = $key", pid=stranger,
                key=STRANGER_KEY)  # fmt: skip

    [run] = _sync(services, graph, linked, only="33")

    assert run.error is None and run.refreshed == 1
    assert _surrogates(graph) == 0
    assert [(r["record_id"], r["subject"]) for r in graph.read(RECORDS, province="33")] == [
        ("33:R4", stranger)
    ]


def test_the_subscriber_reads_the_real_publisher(services: Services) -> None:
    """Wire compatibility with the real partner endpoints (api/routers/linkage.py): the
    publisher's world of tests/integration/test_linkage_publish.py served as Jiangsu, and
    the subscriber configured as Zhejiang syncing from it. Both share the session's one
    database (Neo4j Community holds one), so subjects match trivially here; what is shown is
    that real pages verify, parse, page on by the real cursors and land, and that the status
    reaches the real head. Four separate instances are the system test's."""
    services.repository.run_ddl(WIPE_TEST_DATA)
    publisher = publish._linkage_settings(services.settings)
    publish._load(services, publisher)
    _, secret = create_key(services.repository, "partner:33", "test zj", own_province="32")
    with LiveServer(create_app(replace(services, settings=publisher)), _free_port()) as live:
        zhejiang = publisher.model_copy(
            update={
                "province_code": "33",
                "partners": {
                    "32": Partner(
                        url=live.url,
                        api_key=SecretStr(secret),
                        public_keys={"32-test": public_key_of(publish.SIGNING_KEY)},
                    )
                },
            }
        )
        [run] = sync_partners(
            services.repository, services.rules, zhejiang, services.clock, page_size=1
        )
        [status] = partner_statuses(services.repository, zhejiang, services.clock.now())

    assert run.error is None, run.error
    assert (run.pages, run.records) == (3, 2)  # the snapshot a record a page, the feed's head
    rows = services.repository.read(RECORDS, province="32")
    landed = {r["record_id"]: r for r in rows if r["record_id"].startswith("32:")}
    assert sorted(landed) == ["32:LK-PERSON", "32:LK-TAX"]  # in Zhejiang's scope only
    assert all(r["source_page"] for r in landed.values())
    assert (status.lag_records, status.last_error) == (0, None)
