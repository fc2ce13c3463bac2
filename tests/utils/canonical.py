"""Canonical input files for loader tests, built at test time.

ID numbers come from ``make_id_number`` and USCCs from ``make_uscc``, so no real identifier
is written into the repository; the files land in pytest's temporary directories.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.identifiers import make_id_number, make_uscc
from graph.ingest.layouts import LAYOUTS, Kind
from graph.store.repository import Repository

Rows = list[dict[str, Any]]


def uscc(n: int, region: str = "320505") -> str:
    return make_uscc(region, f"{n:08d}")


def id_number(n: int, region: str = "320102") -> str:
    return make_id_number(region, datetime.date(1960, 1, 1) + datetime.timedelta(days=n), n % 1000)


def columns_of(kind: Kind) -> list[str]:
    layout = LAYOUTS[kind]
    names: list[str] = []
    for r in layout.required:
        names += [r] if isinstance(r, str) else list(r)
    return names + [c for c in layout.optional if c not in names]


def write(
    directory: Path, kind: Kind, rows: Rows, fmt: str = "csv", encoding: str = "utf-8"
) -> Path:
    """One canonical file of ``kind`` in ``fmt``; missing cells are empty."""
    directory.mkdir(parents=True, exist_ok=True)
    names = columns_of(kind)
    path = directory / f"{kind}.{fmt}"
    cells = [[_cell(row.get(name)) for name in names] for row in rows]
    if fmt == "csv":
        with path.open("w", encoding=encoding, newline="") as f:
            writer = csv.writer(f)
            writer.writerow(names)
            writer.writerows(cells)
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(
                    json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False)
                )
                f.write("\n")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(names)
        for row in rows:
            sheet.append([row.get(name) for name in names])
        workbook.save(path)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: [_cell(row.get(name)) or None for row in rows] for name in names})
        pq.write_table(table, path)
    else:
        raise ValueError(fmt)
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Province:
    """A small province whose every row is valid, with what a test needs to check it."""

    rows: dict[Kind, Rows]
    id_numbers: list[str] = field(default_factory=list)

    def write(self, directory: Path, fmt: str = "csv", encoding: str = "utf-8") -> Path:
        for kind, rows in self.rows.items():
            write(directory, kind, rows, fmt, encoding)
        return directory


def small_province() -> Province:
    """Four organisations, three persons (one known only by a key), one of every relation,
    three records. Names are invented."""
    a, b, hub, branch = uscc(1), uscc(2, "320102"), uscc(3, "320000"), uscc(4, "320506")
    p1, p2 = id_number(1), id_number(2, "320505")
    rows: dict[Kind, Rows] = {
        Kind.DEPARTMENTS: [
            {"code": "JS-SCJGJ", "name": "江苏省市场监督管理局", "province": "32"},
            {"code": "JS-SWJ", "name": "国家税务总局江苏省税务局", "province": "32"},
        ],
        Kind.ORGANIZATIONS: [
            {"uscc": a, "name": "苏州甲乙科技有限公司", "region_code": "320505",
             "established_on": "2010-03-04", "registered_capital": "500"},
            {"uscc": b, "name": "南京丙丁贸易有限公司", "region_code": "320102",
             "kind": "enterprise", "status": "active"},
            {"uscc": hub, "name": "江苏省某国有资本投资公司", "region_code": "320000",
             "kind": "state_asset_holder", "hub": "true"},
            {"uscc": branch, "name": "苏州甲乙科技有限公司吴中分公司", "region_code": "320506"},
        ],
        Kind.PERSONS: [
            {"id_number": p1, "name": "赵一", "region_code": "320102"},
            {"id_number": p2, "name": "钱二", "region_code": "320505"},
            {"person_key": "name=孙三;born=1975", "name": "孙三"},
        ],
        Kind.LEGAL_REPS: [
            {"id_number": p1, "uscc": a, "since": "2010-03-04"},
            {"id_number": p2, "uscc": b, "since": "2015-01-01"},
        ],
        Kind.OFFICERS: [
            {"id_number": p1, "uscc": a, "role": "chairman", "since": "2010-03-04"},
            {"id_number": p1, "uscc": a, "role": "director", "since": "2010-03-04"},
            {"person_key": "name=孙三;born=1975", "uscc": b, "role": "supervisor"},
        ],
        Kind.SHAREHOLDINGS: [
            {"holder_uscc": hub, "uscc": a, "ratio": "0.51"},
            {"holder_id_number": p2, "uscc": b, "ratio": "0.3"},
            {"holder_uscc": a, "uscc": b, "ratio": "0.6", "since": "2018-06-01"},
        ],
        Kind.BRANCHES: [{"branch_uscc": branch, "head_uscc": a}],
        Kind.LICENCES: [
            {"id_number": p2, "occupation_code": "cpa", "licence_no": "320000123456",
             "valid_until": "2030-12-31", "practises_at_uscc": b},
        ],
        Kind.RECORDS: [
            {"record_id": "JS-SCJGJ-2025-000001", "subject_uscc": a, "list": "black",
             "category": "judgment_debtor", "level": "severe", "authority": "JS-SCJGJ",
             "basis": "（2025）苏0505执1号", "decided_on": "2025-04-01",
             "publish_from": "2025-04-01", "publish_until": "2027-03-31"},
            {"record_id": "JS-SWJ-2025-000001", "subject_id_number": p1, "list": "focus",
             "category": "tax", "level": "serious", "authority": "JS-SWJ",
             "basis": "苏税罚〔2025〕1号", "decided_on": "2025-06-01"},
            {"record_id": "JS-SCJGJ-2024-000007", "subject_uscc": b, "list": "red",
             "category": "honour", "authority": "JS-SCJGJ", "basis": "苏市监〔2024〕7号",
             "decided_on": "2024-12-01", "status": "active"},
        ],
    }  # fmt: skip
    return Province(rows, [p1, p2])


def bulk_province(orgs: int) -> Province:
    """``orgs`` organisations, each with a legal representative who is also its chairman,
    and a record on every tenth: enough rows to take many batches."""
    organizations: Rows = []
    persons: Rows = []
    legal_reps: Rows = []
    officers: Rows = []
    records: Rows = []
    ids = []
    for n in range(orgs):
        key, pid = uscc(1000 + n), id_number(1000 + n)
        ids.append(pid)
        organizations.append(
            {"uscc": key, "name": f"测试企业{n}号有限公司", "region_code": "320505"}
        )
        persons.append({"id_number": pid, "name": f"测试{n}", "region_code": "320102"})
        legal_reps.append({"id_number": pid, "uscc": key, "since": "2020-01-01"})
        officers.append({"id_number": pid, "uscc": key, "role": "chairman"})
        if n % 10 == 0:
            records.append(
                {"record_id": f"JS-SWJ-2025-{n:06d}", "subject_uscc": key, "list": "black",
                 "level": "general", "authority": "JS-SWJ", "basis": f"苏税罚〔2025〕{n}号",
                 "decided_on": "2025-05-05", "category": "tax"}
            )  # fmt: skip
    departments = [{"code": "JS-SWJ", "name": "国家税务总局江苏省税务局", "province": "32"}]
    return Province(
        {
            Kind.DEPARTMENTS: departments,
            Kind.ORGANIZATIONS: organizations,
            Kind.PERSONS: persons,
            Kind.LEGAL_REPS: legal_reps,
            Kind.OFFICERS: officers,
            Kind.RECORDS: records,
        },
        ids,
    )


# Provenance and clock properties: they say when, not what (`at`: when a change-log entry
# committed).
TIMESTAMPS = ("loaded_at", "started_at", "finished_at", "computed_at", "at")

_NODES = """
MATCH (n) WHERE NOT n:Region AND NOT n:Occupation AND NOT n:SchemaMeta
  // A load's propagation run is a log entry, named by a random id (as the lock stripes it
  // held name it); the flags it wrote stay.
  AND NOT (n:PropagationRun OR n:FlagChange OR n:PropagationLock)
  AND ($batches OR NOT (n:LoadBatch OR n:DataQuality))
RETURN labels(n) AS labels, properties(n) AS props
"""
_RELATIONSHIPS = """
MATCH (a)-[r]->(b) WHERE NOT type(r) IN ['PART_OF', 'CHANGED']
  AND ($batches OR type(r) <> 'OF_BATCH')
RETURN type(r) AS type, properties(r) AS props,
       coalesce(a.uscc, a.pid, a.code, a.record_id, a.quality_id, a.batch_id) AS start,
       coalesce(b.uscc, b.pid, b.code, b.record_id, b.batch_id) AS end
"""


def snapshot(repo: Repository, ignore: Sequence[str] = (), batches: bool = True) -> list[str]:
    """Every node and relationship a load can write (flags included, not the run logging
    them), as sorted text, without ``ignore``d
    properties (and without the LoadBatch and DataQuality nodes unless ``batches``): equal
    snapshots mean equal graphs."""
    out = []
    for row in repo.read(_NODES, batches=batches):
        props = {k: v for k, v in row["props"].items() if k not in ignore}
        out.append(f"{sorted(row['labels'])} {sorted(props.items())}")
    for row in repo.read(_RELATIONSHIPS, batches=batches):
        props = {k: v for k, v in row["props"].items() if k not in ignore}
        out.append(f"{row['start']}-{row['type']}->{row['end']} {sorted(props.items())}")
    return sorted(out)


def string_values(repo: Repository) -> list[str]:
    """Every string (and string in a list) held by any node or relationship property."""
    rows = repo.read(
        "MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p"
    )
    found: list[str] = []
    for row in rows:
        for value in row["p"].values():
            items = value if isinstance(value, list) else [value]
            found += [v for v in items if isinstance(v, str)]
    return found
