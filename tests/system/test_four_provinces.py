"""信用长三角 with four live provinces: each its own Neo4j and API on loopback, seeded with
the cross-border subjects the Delta shares (tests/system/delta.py)."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.system.delta import (
    CODES,
    OUT_OF_SCOPE,
    Delta,
    Instance,
    memory_table,
    registry_entry,
)


def shared_usccs(instance: Instance) -> list[str]:
    """The cross-border firms: the organisations every province's files hold."""
    with (instance.files / "organizations.csv").open(encoding="utf-8", newline="") as f:
        return [row["uscc"] for row in csv.DictReader(f)]


def test_the_four_come_up_and_know_the_shared_subjects(
    delta: Delta, record_property: Callable[[str, object], None]
) -> None:
    common = set.intersection(*(set(shared_usccs(instance)) for instance in delta))
    assert len(common) >= 20
    firm = sorted(common)[0]
    for instance in delta:
        with instance.client() as http:
            ready = http.get("/readyz")
            assert ready.status_code == 200, (instance.name, ready.text)
            found = http.get("/api/v1/subjects", params={"q": firm}).json()
            assert [s["key"] for s in found] == [firm], instance.name
    memory = delta.memory()
    record_property("memory_mib", {code: vars(m) for code, m in memory.items()})
    print(memory_table(memory))
    for code in CODES:
        assert memory[code].neo4j_rss > 0 and memory[code].api_rss > 0, code


# --------------------------------------------------------------------------- helpers


def today_in_china() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def cross_border_pair(delta: Delta, home: str, other: str) -> tuple[str, str]:
    """(a shared firm registered in ``home``, a shared firm registered in ``other``) with one
    legal representative: the person a sanction of the first reaches the second through."""
    files = delta[home].files
    with (files / "organizations.csv").open(encoding="utf-8", newline="") as f:
        region = {row["uscc"]: row["region_code"][:2] for row in csv.DictReader(f)}
    common = set.intersection(*(set(shared_usccs(instance)) for instance in delta))
    firms: dict[str, dict[str, str]] = {}
    with (files / "legal_reps.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["uscc"] in common:
                firms.setdefault(row["id_number"], {})[region[row["uscc"]]] = row["uscc"]
    pairs = sorted((by[home], by[other]) for by in firms.values() if {home, other} <= set(by))
    assert pairs, f"no shared legal representative across {home}/{other}"
    return pairs[0]


def file_severe_record(instance: Instance, record_id: str, uscc: str, category: str) -> None:
    body = {
        "record_id": record_id,
        "subject_uscc": uscc,
        "list": "black",
        "level": "severe",
        "category": category,
        "authority": f"{instance.abbr}-GYFY",
        "basis": "（2026）浙01执999号",
        "decided_on": str(today_in_china() - timedelta(days=1)),
    }
    with instance.client() as http:
        filed = http.post("/api/v1/records", json=body)
    assert filed.status_code == 200, filed.text


def review(instance: Instance, *keys: str) -> dict[str, dict[str, Any]]:
    with instance.client() as http:
        answer = http.post(
            "/api/v1/reviews", json={"subjects": list(keys), "context": "procurement"}
        )
    assert answer.status_code == 200, answer.text
    return {subject["key"]: subject for subject in answer.json()["subjects"]}


def sync(instance: Instance, *args: str, partners: dict[str, Any] | None = None) -> str:
    result = instance.cli("linkage", "sync", *args, partners=partners, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def records_from(instance: Instance, province: str) -> dict[str, str]:
    """record_id → status of the records ``instance`` synced from ``province`` (its own
    files hold records of partner departments too, which it did not get by linkage)."""
    rows = instance.query(
        "MATCH (r:Record {source_province: $province}) WHERE r.record_id STARTS WITH $prefix "
        "RETURN r.record_id AS id, r.status AS status",
        province=province,
        prefix=f"{province}:",
    )
    return {row["id"]: row["status"] for row in rows}


# --------------------------------------------------------------------------- scenarios


def test_a_severe_record_in_zhejiang_blocks_review_in_jiangsu_until_repaired(
    delta: Delta,
) -> None:
    zhejiang, jiangsu = delta["33"], delta["32"]
    firm, jiangsu_firm = cross_border_pair(delta, "33", "32")
    sync(jiangsu, "--partner", "33")
    assert review(jiangsu, firm)[firm]["decision"] == "pass"

    file_severe_record(zhejiang, "ZJ-GYFY-2026-90001", firm, "judgment_debtor")
    sync(jiangsu, "--partner", "33")
    decided = review(jiangsu, firm, jiangsu_firm)
    assert decided[firm]["decision"] == "block", decided[firm]
    reason = next(r for r in decided[firm]["reasons"] if r["decision"] == "block")
    assert reason["source_province"] == "33"
    assert reason["record_id"] == "33:ZJ-GYFY-2026-90001"
    # 一处失信、处处受限: through the legal representative they share, the Jiangsu firm
    # is reached by the Zhejiang record too.
    reached = {r.get("record_id") for r in decided[jiangsu_firm]["reasons"]}
    assert "33:ZJ-GYFY-2026-90001" in reached, decided[jiangsu_firm]

    with zhejiang.client() as http:
        repaired = http.post(
            "/api/v1/records/ZJ-GYFY-2026-90001/repair", json={"note": "已履行判决并作出信用承诺"}
        )
    assert repaired.status_code == 200, repaired.text
    sync(jiangsu, "--partner", "33")
    decided = review(jiangsu, firm, jiangsu_firm)
    assert decided[firm]["decision"] == "pass", decided[firm]
    assert decided[jiangsu_firm]["decision"] == "pass", decided[jiangsu_firm]
    assert records_from(jiangsu, "33")["33:ZJ-GYFY-2026-90001"] == "repaired"


def feed_of(publisher: Instance, reader: Instance) -> dict[str, str]:
    """record_id (as the reader stores it) → status, from the publisher's whole feed as the
    reader may see it: what the reader must end up holding."""
    state: dict[str, str] = {}
    cursor: str | None = None
    with publisher.partner_client(reader) as http:
        while True:
            params: dict[str, str | int] = {"limit": 1000}
            if cursor is not None:
                params["cursor"] = cursor
            page = http.get("/linkage/v1/feed", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            for entry in body["entries"]:
                record = entry["record"]
                state[f"{publisher.code}:{record['record_id']}"] = record["status"]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return state


def test_shanghai_killed_mid_sync_loses_nothing_and_catches_up(delta: Delta) -> None:
    shanghai, jiangsu = delta["31"], delta["32"]
    expected = feed_of(shanghai, jiangsu)
    assert len(expected) >= 5, "Shanghai publishes too little to be killed mid-sync"
    # One entry a page, so the sync is still reading Shanghai's feed when it dies.
    running = jiangsu.spawn("linkage", "sync", "--page-size", "1")
    deadline = time.monotonic() + 120
    while not records_from(jiangsu, "31") and time.monotonic() < deadline:
        time.sleep(0.05)
    shanghai.kill_api()
    try:
        output, _ = running.communicate(timeout=300)
        held = records_from(jiangsu, "31")
        assert 0 < len(held) < len(expected), f"not killed mid-sync: {len(held)}/{len(expected)}"
        assert running.returncode == 1, output  # Shanghai failed ...
        assert "partner 31" in output and "FAILED" in output, output
        assert records_from(jiangsu, "34"), output  # ... and the others went on
        assert partner_status(jiangsu, "31")["last_error"]
    finally:
        shanghai.start_api()

    sync(jiangsu, "--partner", "31")
    assert records_from(jiangsu, "31") == expected
    duplicates = jiangsu.query(
        "MATCH (r:Record) WHERE r.source_province = '31' "
        "WITH r.record_id AS id, count(*) AS n WHERE n > 1 RETURN id"
    )
    assert duplicates == []
    caught_up = partner_status(jiangsu, "31")
    assert caught_up["lag_records"] == 0 and caught_up["last_error"] is None, caught_up


def partner_status(instance: Instance, code: str) -> dict[str, Any]:
    """``credit-graph linkage status --json``, the line of one partner."""
    statuses = json.loads(instance.cli("linkage", "status", "--json").stdout)
    return next(s for s in statuses if s["province"] == code)


class _TamperingProxy(BaseHTTPRequestHandler):
    """Forwards to a partner and alters every feed page on the way: a record's level."""

    upstream = ""

    def do_GET(self) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        answer = httpx.get(self.upstream + self.path, headers=headers, timeout=30)
        body = answer.content
        if self.path.startswith("/linkage/v1/feed") and answer.status_code == 200:
            page = answer.json()
            for entry in page["entries"]:
                entry["record"]["level"] = "general"
            body = json.dumps(page, ensure_ascii=False).encode()
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def tampering_proxy(upstream: str) -> Iterator[str]:
    handler = type("Proxy", (_TamperingProxy,), {"upstream": upstream})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_a_tampered_page_is_refused_and_nothing_of_it_written(delta: Delta) -> None:
    zhejiang, jiangsu = delta["33"], delta["32"]
    sync(jiangsu, "--partner", "33")
    firm, _ = cross_border_pair(delta, "33", "34")
    file_severe_record(zhejiang, "ZJ-GYFY-2026-90002", firm, "judgment_debtor")
    before = records_from(jiangsu, "33")

    with tampering_proxy(zhejiang.url) as proxy:
        partners = {**jiangsu.partners, "33": registry_entry(jiangsu, zhejiang, url=proxy)}
        refused = jiangsu.cli("linkage", "sync", "--partner", "33", partners=partners, check=False)
    assert refused.returncode == 1, refused.stdout
    assert "FAILED" in refused.stdout and "signature" in refused.stdout.lower(), refused.stdout
    assert records_from(jiangsu, "33") == before

    # A partner configured with another province's public key is refused the same way.
    wrong = registry_entry(jiangsu, zhejiang, public_key=delta["34"].signing.public)
    partners = {**jiangsu.partners, "33": wrong}
    refused = jiangsu.cli("linkage", "sync", "--partner", "33", partners=partners, check=False)
    assert refused.returncode == 1, refused.stdout
    assert records_from(jiangsu, "33") == before

    # The refusal advanced nothing: the genuine page is read next time.
    sync(jiangsu, "--partner", "33")
    assert records_from(jiangsu, "33")["33:ZJ-GYFY-2026-90002"] == "active"


def test_a_partner_cannot_read_a_category_outside_its_scope(delta: Delta) -> None:
    publisher, reader, category = OUT_OF_SCOPE
    zhejiang, anhui = delta[publisher], delta[reader]
    with zhejiang.partner_client(anhui) as http:
        catalogue = http.get("/linkage/v1/catalogue")
        asked = http.get("/linkage/v1/feed", params={"category": category})
    assert catalogue.status_code == 200, catalogue.text
    assert category not in catalogue.json()["categories"]
    assert asked.status_code == 403, asked.text
    assert asked.headers["content-type"].startswith("application/problem+json")
    with zhejiang.client("admin") as http:
        trail = http.get("/api/v1/admin/audit", params={"key_id": zhejiang.key_ids[reader]})
    assert trail.status_code == 200, trail.text
    refusals = [e for e in trail.json() if e["status"] == 403]
    assert refusals, trail.json()
    assert refusals[0]["role"] == f"partner:{reader}"
    assert refusals[0]["purpose"] == "four-province system test"
    # Nothing of the category left Zhejiang in Anhui's feed either.
    feed = feed_of(zhejiang, anhui)
    tax = zhejiang.query(
        "MATCH (r:Record {category: $category}) WHERE r.source_province IS NULL "
        "OR r.source_province = '33' RETURN r.record_id AS id",
        category=category,
    )
    assert not {f"33:{row['id']}" for row in tax} & set(feed)


def test_the_catalogue_names_the_province_and_the_key_that_signs_its_feed(delta: Delta) -> None:
    for instance in delta:
        partner = next(other for other in delta if other.code != instance.code)
        with instance.partner_client(partner) as http:
            catalogue = http.get("/linkage/v1/catalogue").json()
        assert catalogue["province"] == instance.code
        assert catalogue["protocol"] == "credit-graph-linkage/1"
        keys = {k["key_id"]: k["public_key"] for k in catalogue["signing_keys"]}
        assert keys[instance.signing.key_id] == instance.signing.public
