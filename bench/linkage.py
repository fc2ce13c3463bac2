"""Linkage benchmark: Zhejiang publishes, Jiangsu syncs, two live provinces on loopback.

    .venv/bin/python bench/linkage.py                    # 100k partner records
    .venv/bin/python bench/linkage.py --records 20000    # a quicker look

Starts Zhejiang (33) and Jiangsu (32) as the four-province system test does
(tests/system/delta.py: each its own embedded Neo4j and ``credit-graph serve``), loads
``--records`` records of Zhejiang's organisations into Zhejiang through its one write path,
then prints:
- feed throughput: records/s from Zhejiang's API into Jiangsu's graph, flags included, by
  one ``credit-graph linkage sync`` over the whole backlog, and its lag (records and time)
  before and after as ``credit-graph linkage status`` reports it;
- head lag: from a record filed at Zhejiang's API to its being in Jiangsu's graph, by one
  sync, which is the lag a sync run every minute adds to at most a minute;
- the batch check: p50/p99 of ``POST /linkage/v1/check`` with 1,000 subject keys (USCCs
  and persons' linkage keys) as Jiangsu asks Zhejiang.
Figures are printed, never asserted; what else runs on the machine moves them.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives in tests/

from graph.linkage.keys import linkage_key
from tests.system.delta import Delta, Instance, memory_table

# (list, level, category, authority suffix, share of the records)
MIX = (
    ("black", "severe", "judgment_debtor", "GYFY", 0.15),
    ("black", "serious", "tax", "SWJ", 0.10),
    ("focus", "general", "product_quality", "SCJGJ", 0.45),
    ("focus", "serious", "environment", "STHJT", 0.20),
    ("red", "", "honour", "FGW", 0.10),
)
CHECK_KEYS = 1000
# A load recomputes the flags of all its records in one statement, which a 100k-record load
# does not finish within the query timeout: the backlog is loaded in parts.
LOAD_CHUNK = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=500, help="Own organisations of each.")
    parser.add_argument("--checks", type=int, default=200, help="Batch checks measured.")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--pagecache", default="512m")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-linkage-") as work:
        delta = Delta(
            Path(work),
            ("32", "33"),
            orgs=args.orgs,
            shared_orgs=args.orgs // 4,
            heap=args.heap,
            pagecache=args.pagecache,
        )
        began = time.perf_counter()
        try:
            delta.start()
            up = time.perf_counter() - began
            print(f"two provinces of {args.orgs} organisations up in {up:.0f}s")
            zhejiang, jiangsu = delta["33"], delta["32"]
            publish(zhejiang, args.records, Path(work))
            bench_feed(jiangsu, args.records, args.page_size)
            bench_head_lag(zhejiang, jiangsu)
            bench_check(zhejiang, jiangsu, args.checks)
            print(memory_table(delta.memory(), args.heap, args.pagecache))
        finally:
            delta.stop()


def publish(zhejiang: Instance, count: int, work: Path) -> None:
    """``count`` records of Zhejiang's firms and of the cross-border ones Jiangsu knows too
    (so that they reach persons and firms there), loaded by ``credit-graph load``."""
    with (zhejiang.files / "organizations.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    shared = rows[-zhejiang.shared_orgs :]
    usccs = [row["uscc"] for row in rows[: -zhejiang.shared_orgs] if row["region_code"][:2] == "33"]
    usccs += [row["uscc"] for row in shared] * max(1, len(usccs) // len(shared))
    rng = random.Random(33)
    kinds = [m[:4] for m in MIX]
    weights = [m[4] for m in MIX]
    today = date.today()
    began = time.perf_counter()
    for first in range(0, count, LOAD_CHUNK):
        out = work / f"records-{first:07d}"
        out.mkdir()
        with (out / "records.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(
                ["record_id", "subject_uscc", "list", "category", "level", "authority",
                 "basis", "decided_on", "publish_from", "publish_until", "status"]
            )  # fmt: skip
            for n in range(first, min(first + LOAD_CHUNK, count)):
                list_name, level, category, suffix = rng.choices(kinds, weights)[0]
                decided = today - timedelta(days=rng.randrange(2, 700))
                writer.writerow(
                    [f"ZJ-{suffix}-B-{n:07d}", rng.choice(usccs), list_name, category, level,
                     f"ZJ-{suffix}", f"浙罚〔2026〕{n}号", decided, decided,
                     decided + timedelta(days=3 * 365), "active"]
                )  # fmt: skip
        zhejiang.cli("load", str(out), timeout=7200)
    seconds = time.perf_counter() - began
    print(f"Zhejiang: {count} records loaded (and its own flags derived) in {seconds:.0f}s")


def bench_feed(jiangsu: Instance, count: int, page_size: int) -> None:
    before = partner_status(jiangsu)
    began = time.perf_counter()
    output = jiangsu.cli(
        "linkage", "sync", "--partner", "33", "--page-size", str(page_size), timeout=7200
    ).stdout
    seconds = time.perf_counter() - began
    after = partner_status(jiangsu)
    held = jiangsu.query(
        "MATCH (r:Record) WHERE r.record_id STARTS WITH '33:' "
        "RETURN count(r) AS records, sum(COUNT { (r)<-[:FLAGGED]-() }) AS flags"
    )[0]
    print(f"\nfeed: {output.strip()}")
    print(
        f"feed throughput: {held['records']} partner records (+ {held['flags']} flags) into "
        f"Jiangsu's graph in {seconds:.1f}s: {held['records'] / seconds:.0f} records/s "
        f"(page size {page_size}; the sync's own start-up included)"
    )
    print(
        f"lag before the sync: {_records(before.get('lag_records'))}; after: "
        f"{_records(after.get('lag_records'))}, {_seconds(after.get('lag_seconds'))}; "
        f"a backlog of {count} records is caught up in {seconds:.0f}s"
    )


def bench_head_lag(zhejiang: Instance, jiangsu: Instance, runs: int = 3) -> None:
    """From the filing at Zhejiang's API to the record in Jiangsu's graph, one sync."""
    firm = jiangsu.query(
        "MATCH (o:Organization) WHERE o.region_code STARTS WITH '33' RETURN o.uscc AS uscc "
        "ORDER BY uscc LIMIT 1"
    )[0]["uscc"]
    lags = []
    with zhejiang.client() as http:
        for n in range(runs):
            record_id = f"ZJ-GYFY-LAG-{n}-{time.time_ns()}"
            body = {
                "record_id": record_id, "subject_uscc": firm, "list": "black",
                "level": "severe", "category": "judgment_debtor", "authority": "ZJ-GYFY",
                "basis": "（2026）浙01执1号", "decided_on": str(date.today() - timedelta(days=1)),
            }  # fmt: skip
            began = time.perf_counter()
            http.post("/api/v1/records", json=body).raise_for_status()
            jiangsu.cli("linkage", "sync", "--partner", "33")
            arrived = jiangsu.query(
                "MATCH (r:Record {record_id: $id}) RETURN count(r) AS n", id=f"33:{record_id}"
            )[0]["n"]
            if arrived:
                lags.append(time.perf_counter() - began)
    print(
        f"\nhead lag (file at Zhejiang, one `linkage sync` at Jiangsu, in its graph): "
        f"median {statistics.median(lags):.2f}s over {len(lags)} of {runs} records "
        f"(most of it the command's start-up)"
    )


def bench_check(zhejiang: Instance, jiangsu: Instance, batches: int) -> None:
    """1,000 keys a batch: Zhejiang's firms by USCC and its persons by linkage key."""
    with (zhejiang.files / "organizations.csv").open(encoding="utf-8", newline="") as f:
        firms = [{"uscc": row["uscc"]} for row in csv.DictReader(f)]
    with (zhejiang.files / "persons.csv").open(encoding="utf-8", newline="") as f:
        secret = zhejiang.shared_secret.encode()
        persons = [
            {"linkage_key": linkage_key(row["id_number"], "v1", secret)}
            for row in csv.DictReader(f)
            if row["id_number"]
        ]
    rng = random.Random(32)
    keys = firms + persons
    latencies = []
    with zhejiang.partner_client(jiangsu) as http:
        for n in range(batches + 10):
            subjects = [rng.choice(keys) for _ in range(CHECK_KEYS)]
            began = time.perf_counter()
            answer = http.post("/linkage/v1/check", json={"subjects": subjects})
            elapsed = time.perf_counter() - began
            answer.raise_for_status()
            if n >= 10:  # the first are the JIT's and the page cache's
                latencies.append(elapsed)
    found = sum(1 for subject in answer.json() if subject["found"])
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"\nbatch check of {CHECK_KEYS} keys ({len(firms)} firms, {len(persons)} persons to "
        f"draw from; {found} found in the last): p50 {cuts[49] * 1000:.0f} ms, "
        f"p99 {cuts[98] * 1000:.0f} ms over {len(latencies)} batches"
    )


def partner_status(instance: Instance) -> dict[str, object]:
    statuses = json.loads(instance.cli("linkage", "status", "--json").stdout)
    return next((s for s in statuses if s["province"] == "33"), {})


def _records(value: object) -> str:
    return "unknown (no head seen yet)" if value is None else f"{value} records"


def _seconds(value: object) -> str:
    return "?" if value is None else f"{float(str(value)):.0f}s"


if __name__ == "__main__":
    try:
        main()
    except httpx.HTTPError as exc:
        sys.exit(f"bench: {exc}")
