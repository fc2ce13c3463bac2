"""Loading canonical files into a real Neo4j: every kind, idempotence, rejects, updates in
place, a killed load rerun, every format and encoding, and no raw ID number anywhere."""

from __future__ import annotations

import csv
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.identifiers import make_id_number, mask_id_number, pid_for, surrogate_pid
from graph.ingest.layouts import Kind
from graph.ingest.validate import contains_id_number
from graph.propagation.rules import load_rules
from graph.records import file_objection
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.mapping import load_mapping
from loaders.pipeline import LoadError, load_paths
from loaders.synthetic import generate_province
from tests.conftest import TEST_SECRETS, WIPE_TEST_DATA
from tests.utils.canonical import (
    TIMESTAMPS,
    Province,
    bulk_province,
    id_number,
    small_province,
    snapshot,
    string_values,
    uscc,
)

ROOT = Path(__file__).resolve().parents[2]
PROVENANCE = ("source", "batch_id", *TIMESTAMPS)
# What the files put in the graph: not the load's books, nor the flags it recomputed (with
# their run's lock stripes), nor the change log the linkage feed reads.
NOT_CHANGE_LOG = "NOT n:ChangeLog AND NOT n:ChangeLogEntry"
NOT_RUNS = "NOT n:PropagationRun AND NOT n:FlagChange AND NOT n:PropagationLock"
BOOKS = f"NOT n:LoadBatch AND NOT n:DataQuality AND {NOT_RUNS} AND {NOT_CHANGE_LOG}"
DATA_NODES = f"(n) WHERE {BOOKS}"
DATA_RELATIONSHIPS = "()-[r]->() WHERE NOT type(r) IN ['OF_BATCH', 'FLAGGED', 'CHANGED']"


def load(
    repo: Repository, settings: Settings, directory: Path, tmp_path: Path, **options: Any
) -> LoadReport:
    options.setdefault("rejects_path", tmp_path / "rejects.csv")
    return load_paths(repo, settings, [directory], progress=False, rules=load_rules(), **options)


def rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def count(repo: Repository, pattern: str) -> int:
    row = repo.read_one(f"MATCH {pattern} RETURN count(*) AS c")
    assert row is not None
    return int(row["c"])


def key_of(settings: Settings) -> bytes:
    return settings.pid_key.get_secret_value().encode()


# --------------------------------------------------------------------------- every kind


def test_loads_every_kind(repo: Repository, settings: Settings, tmp_path: Path) -> None:
    province = small_province()
    report = load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)

    for kind, rows in province.rows.items():
        counts = report.kinds[kind]
        assert (counts.read, counts.accepted, counts.rejected) == (len(rows), len(rows), 0), kind
        assert (counts.created, counts.updated) == (len(rows), 0), kind
    assert report.rejected_rows == 0 and report.rejects_path == tmp_path / "rejects.csv"
    assert report.source == "js-amr"

    assert {
        label: count(repo, f"(:{label})")
        for label in ("Organization", "Person", "Record", "Department", "Subject")
    } == {"Organization": 4, "Person": 3, "Record": 3, "Department": 2, "Subject": 7}
    assert {
        rel: count(repo, f"()-[:{rel}]->()")
        for rel in ("LEGAL_REP_OF", "OFFICER_OF", "SHAREHOLDER_OF", "BRANCH_OF", "LICENSED_AS",
                    "PRACTISES_AT", "HAS_RECORD", "ISSUED_BY", "IN_REGION")
    } == {"LEGAL_REP_OF": 2, "OFFICER_OF": 3, "SHAREHOLDER_OF": 3, "BRANCH_OF": 1,
          "LICENSED_AS": 1, "PRACTISES_AT": 1, "HAS_RECORD": 3, "ISSUED_BY": 3,
          "IN_REGION": 6}  # fmt: skip

    a = repo.read_one(
        "MATCH (o:Organization {uscc: $k})-[:IN_REGION]->(r:Region) "
        "RETURN o {.*} AS o, r.code AS region",
        k=uscc(1),
    )
    assert a is not None
    assert a["region"] == "3205"
    org = {k: v for k, v in a["o"].items() if k not in PROVENANCE}
    assert org == {
        "uscc": uscc(1), "key_kind": "uscc", "org_code": uscc(1)[8:17],
        "name": "苏州甲乙科技有限公司", "kind": "enterprise", "status": "active", "hub": False,
        "region_code": "320505", "province": "32",
        "established_on": datetime.date(2010, 3, 4), "registered_capital": 500.0,
    }  # fmt: skip
    hub = repo.read_one(
        "MATCH (o:Organization {uscc: $k})-[:IN_REGION]->(r) RETURN o.hub AS hub, r.code AS r",
        k=uscc(3, "320000"),
    )
    assert hub == {"hub": True, "r": "32"}

    p1, p2 = province.id_numbers
    person = repo.read_one(
        "MATCH (p:Person {pid: $pid}) RETURN p {.*} AS p", pid=pid_for(p1, key_of(settings))
    )
    assert person is not None
    assert person["p"]["id_masked"] == mask_id_number(p1)
    surrogate = surrogate_pid("name=孙三;born=1975", key_of(settings))
    keyed = repo.read_one("MATCH (p:Person {pid: $pid}) RETURN p {.*} AS p", pid=surrogate)
    assert keyed is not None and "id_masked" not in keyed["p"]

    roles = repo.read(
        "MATCH (:Person {pid: $pid})-[r:OFFICER_OF]->(:Organization {uscc: $org}) "
        "RETURN r.role AS role, r.since AS since ORDER BY role",
        pid=pid_for(p1, key_of(settings)),
        org=uscc(1),
    )
    assert roles == [
        {"role": "chairman", "since": datetime.date(2010, 3, 4)},
        {"role": "director", "since": datetime.date(2010, 3, 4)},
    ]
    licence = repo.read_one(
        "MATCH (p:Person {pid: $pid})-[l:LICENSED_AS]->(:Occupation {code: 'cpa'}), "
        "(p)-[:PRACTISES_AT]->(o:Organization) "
        "RETURN l.licence_no AS no, l.valid_until AS until, o.uscc AS at",
        pid=pid_for(p2, key_of(settings)),
    )
    assert licence == {
        "no": "320000123456",
        "until": datetime.date(2030, 12, 31),
        "at": uscc(2, "320102"),
    }
    record = repo.read_one(
        "MATCH (s)-[:HAS_RECORD]->(r:Record {record_id: 'JS-SWJ-2025-000001'})-[:ISSUED_BY]->(d) "
        "RETURN s.pid AS subject, r {.*} AS r, d.code AS department"
    )
    assert record is not None
    assert record["subject"] == pid_for(p1, key_of(settings))
    assert record["department"] == "JS-SWJ"
    assert {k: v for k, v in record["r"].items() if k not in PROVENANCE} == {
        "record_id": "JS-SWJ-2025-000001", "list": "focus", "category": "tax",
        "level": "serious", "authority": "JS-SWJ", "basis": "苏税罚〔2025〕1号",
        "decided_on": datetime.date(2025, 6, 1), "status": "active", "source_province": "32",
    }  # fmt: skip


def test_provenance_on_everything_written(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    report = load(repo, settings, small_province().write(tmp_path / "js-amr"), tmp_path)
    # The flags a load recomputes, and the run that logs them, are derived, not loaded: they
    # carry their run's computed_at and rules_version instead.
    unmarked = count(
        repo,
        "(n) WHERE NOT n:Region AND NOT n:Occupation AND NOT n:SchemaMeta "
        f"AND {NOT_RUNS} AND {NOT_CHANGE_LOG} "
        "AND NOT (n.source = 'js-amr' AND n.batch_id = $b AND n.loaded_at IS NOT NULL)".replace(
            "$b", f"'{report.batch_id}'"
        ),
    )
    assert unmarked == 0
    unmarked_rels = count(
        repo,
        "()-[r]->() WHERE NOT type(r) IN ['PART_OF', 'FLAGGED', 'CHANGED'] "
        f"AND NOT (r.source = 'js-amr' AND r.batch_id = '{report.batch_id}' "
        "AND r.loaded_at IS NOT NULL)",
    )
    assert unmarked_rels == 0


def test_batch_and_data_quality_are_stored(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    province.rows[Kind.ORGANIZATIONS].append({"uscc": uscc(50), "name": None})
    province.rows[Kind.RECORDS].append(
        {**province.rows[Kind.RECORDS][0], "record_id": "JS-SCJGJ-X", "level": "extreme"}
    )
    report = load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)
    batch = repo.read_one(
        "MATCH (b:LoadBatch {batch_id: $id}) RETURN b {.*} AS b", id=report.batch_id
    )
    assert batch is not None
    stored = {k: batch["b"][k] for k in ("status", "source", "rows_read", "accepted", "rejected")}
    assert stored == {
        "status": "complete", "source": "js-amr", "rows_read": 24, "accepted": 22, "rejected": 2,
    }  # fmt: skip
    measures = {
        (r["q"]["department"], r["q"]["kind"]): r["q"]
        for r in repo.read(
            "MATCH (q:DataQuality)-[:OF_BATCH]->(:LoadBatch {batch_id: $id}) RETURN q {.*} AS q",
            id=report.batch_id,
        )
    }
    organizations = measures[("js-amr", "organizations")]
    assert (organizations["rows_read"], organizations["rejected"]) == (5, 1)
    assert organizations["completeness"] == pytest.approx(9 / 10)
    assert organizations["validity"] == pytest.approx(4 / 5)
    assert "timeliness_median_days" not in organizations  # records only
    # The one rejected organisation, by what was wrong with it.
    assert len(organizations["reject_reasons"]) == len(organizations["reject_counts"]) >= 1
    assert set(organizations["reject_counts"]) == {1}
    market = measures[("JS-SCJGJ", "records")]
    assert (market["rows_read"], market["accepted"], market["validity"]) == (
        3,
        2,
        pytest.approx(2 / 3),
    )
    today = report.loaded_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    delays = sorted(
        (today - d).days for d in (datetime.date(2025, 4, 1), datetime.date(2024, 12, 1))
    )
    assert market["timeliness_median_days"] == delays[0]
    assert market["timeliness_p90_days"] == delays[1]


# --------------------------------------------------------------------------- idempotence


def test_second_load_changes_nothing(repo: Repository, settings: Settings, tmp_path: Path) -> None:
    directory = small_province().write(tmp_path / "js-amr")
    first = load(repo, settings, directory, tmp_path)
    before = snapshot(repo)
    second = load(repo, settings, directory, tmp_path)
    assert snapshot(repo) == before  # every property, provenance and timestamps included
    assert second.batch_id == first.batch_id
    assert not second.first_load and first.first_load
    assert second.total("created") == 0 and second.total("updated") == 0
    assert second.total("accepted") == first.total("accepted")


def test_changed_rows_update_in_place(repo: Repository, settings: Settings, tmp_path: Path) -> None:
    province = small_province()
    first = load(repo, settings, province.write(tmp_path / "v1" / "js-amr"), tmp_path)
    nodes, rels = count(repo, DATA_NODES), count(repo, DATA_RELATIONSHIPS)

    records = province.rows[Kind.RECORDS]
    records[0] = {**records[0], "status": "repaired"}
    shareholdings = province.rows[Kind.SHAREHOLDINGS]
    shareholdings[0] = {**shareholdings[0], "ratio": "0.55"}
    organizations = province.rows[Kind.ORGANIZATIONS]
    organizations[1] = {
        **organizations[1],
        "name": "南京丙丁贸易集团有限公司",
        "region_code": "320205",
    }
    second = load(repo, settings, province.write(tmp_path / "v2" / "js-amr"), tmp_path)

    assert (count(repo, DATA_NODES), count(repo, DATA_RELATIONSHIPS)) == (nodes, rels)
    changes = {k: (c.created, c.updated) for k, c in second.kinds.items() if c.created or c.updated}
    assert changes == {
        Kind.RECORDS: (0, 1), Kind.SHAREHOLDINGS: (0, 1), Kind.ORGANIZATIONS: (0, 1),
    }  # fmt: skip
    record = repo.read_one(
        "MATCH (r:Record {record_id: 'JS-SCJGJ-2025-000001'}) RETURN r.status AS s, r.batch_id AS b"
    )
    assert record == {"s": "repaired", "b": second.batch_id}
    stake = repo.read_one(
        "MATCH (:Organization {uscc: $h})-[s:SHAREHOLDER_OF]->() "
        "RETURN s.ratio AS r, s.batch_id AS b",
        h=uscc(3, "320000"),
    )
    assert stake == {"r": 0.55, "b": second.batch_id}
    moved = repo.read(
        "MATCH (o:Organization {uscc: $k})-[:IN_REGION]->(r) RETURN o.name AS name, r.code AS r",
        k=uscc(2, "320102"),
    )
    assert moved == [{"name": "南京丙丁贸易集团有限公司", "r": "3202"}]
    # What did not change keeps its first provenance.
    unchanged = repo.read_one("MATCH (o:Organization {uscc: $k}) RETURN o.batch_id AS b", k=uscc(1))
    assert unchanged == {"b": first.batch_id}
    # Into an empty graph every record's flags were computed; the change, incrementally.
    assert first.propagation is not None and first.propagation.mode == "full"
    assert second.propagation is not None and second.propagation.mode == "incremental"

    # The first files again: a missing status does not make the repaired record active again
    # (defaults apply on creation only), while the ratio and name they state come back.
    load(repo, settings, tmp_path / "v1" / "js-amr", tmp_path)
    assert repo.read_one(
        "MATCH (r:Record {record_id: 'JS-SCJGJ-2025-000001'}) RETURN r.status AS s"
    ) == {"s": "repaired"}
    assert repo.read_one(
        "MATCH (:Organization {uscc: $h})-[s:SHAREHOLDER_OF]->() RETURN s.ratio AS r",
        h=uscc(3, "320000"),
    ) == {"r": 0.51}


def test_a_reload_never_moves_a_status_back(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    first = province.write(tmp_path / "v1" / "js-amr")
    load(repo, settings, first, tmp_path)
    record = "JS-SCJGJ-2025-000001"
    status = f"MATCH (r:Record {{record_id: '{record}'}}) RETURN r.status AS s"
    # An objection filed through the API since the department sent its file.
    file_objection(
        repo, load_rules(), record, "not ours", by="test", deadline_working_days=5,
        today=datetime.date(2026, 6, 1), province=settings.province_code,
    )  # fmt: skip

    again = load(repo, settings, first, tmp_path)  # the same file, still saying `active`
    assert repo.read_one(status) == {"s": "under_objection"}
    assert again.kinds[Kind.RECORDS].updated == 0

    records = province.rows[Kind.RECORDS]
    records[0] = {**records[0], "status": "repaired"}  # the department repairs it: forward
    load(repo, settings, province.write(tmp_path / "v2" / "js-amr"), tmp_path)
    assert repo.read_one(status) == {"s": "repaired"}


def test_two_licences_at_one_place_practise_there_once(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    licence = province.rows[Kind.LICENCES][0]
    province.rows[Kind.LICENCES].append(
        {**licence, "occupation_code": "lawyer", "licence_no": "13201200000001"}
    )
    load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)  # one batch
    assert count(repo, "(:Person)-[:LICENSED_AS]->(:Occupation)") == 2
    assert count(repo, "(:Person)-[:PRACTISES_AT]->(:Organization)") == 1


def test_a_record_resent_with_another_identity_is_rejected(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    # Until the identity of a record was immutable, this file moved the record to the other
    # subject and authority (and the old test asserted exactly that).
    province = small_province()
    load(repo, settings, province.write(tmp_path / "v1" / "js-amr"), tmp_path)
    records = province.rows[Kind.RECORDS]
    first = records[0]
    records[0] = {**first, "subject_uscc": uscc(2, "320102"), "authority": "JS-SWJ"}
    records[1] = {**records[1], "decided_on": "2025-02-02"}
    records[2] = {**records[2], "publish_until": "2030-12-31"}  # an amendment: applied
    records.append({**first, "record_id": "JS-SCJGJ-2025-000050"})  # a new record: loaded
    records.append({**first, "record_id": "JS-SCJGJ-2025-000050", "list": "focus"})
    report = load(repo, settings, province.write(tmp_path / "v2" / "js-amr"), tmp_path)

    assert [(r["source_file"], r["row"], r["field"], r["reason"])
            for r in rejects(tmp_path / "rejects.csv")] == [
        ("records.csv", "2", "subject_uscc", "identity_changed"),
        ("records.csv", "2", "authority", "identity_changed"),
        ("records.csv", "3", "decided_on", "identity_changed"),
        ("records.csv", "6", "list", "identity_changed"),
    ]  # fmt: skip
    counts = report.kinds[Kind.RECORDS]
    assert (counts.rejected, counts.created, counts.updated) == (3, 1, 1)
    links = repo.read(
        "MATCH (s)-[:HAS_RECORD]->(:Record {record_id: 'JS-SCJGJ-2025-000001'})-[:ISSUED_BY]->(d) "
        "RETURN s.uscc AS s, d.code AS d"
    )
    assert links == [{"s": uscc(1), "d": "JS-SCJGJ"}]
    assert repo.read_one(
        "MATCH (r:Record {record_id: 'JS-SCJGJ-2025-000050'}) RETURN r.list AS list"
    ) == {"list": "black"}


def test_minors_are_never_listed_and_only_their_adult_date_is_kept(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    # 法释〔2017〕7号. A 15-year-old (born 2010-05-05) is legal representative of the firm
    # with the black severe record (R1 would reach her), and a record names her directly.
    province = small_province()
    teen = make_id_number("320102", datetime.date(2010, 5, 5), 12)
    province.rows[Kind.PERSONS].append({"id_number": teen, "name": "少年", "birth_year": "2010"})
    province.rows[Kind.LEGAL_REPS].append({"id_number": teen, "uscc": uscc(1)})
    province.rows[Kind.RECORDS].append(
        {**province.rows[Kind.RECORDS][1], "record_id": "JS-SWJ-2025-000009",
         "subject_id_number": teen}
    )  # fmt: skip
    report = load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)

    assert [(r["source_file"], r["row"], r["field"], r["reason"])
            for r in rejects(tmp_path / "rejects.csv")] == [
        ("records.csv", "5", "subject_id_number", "minor"),
    ]  # fmt: skip
    assert "under 18" in rejects(tmp_path / "rejects.csv")[0]["message"]
    assert report.kinds[Kind.RECORDS].created == 3
    minor = pid_for(teen, key_of(settings))
    person = repo.read_one("MATCH (p:Person {pid: $pid}) RETURN p {.*} AS p", pid=minor)
    assert person is not None and person["p"]["adult_on"] == datetime.date(2028, 5, 5)
    adult = pid_for(province.id_numbers[0], key_of(settings))
    assert repo.read_one("MATCH (p:Person {pid: $pid}) RETURN p.adult_on AS a", pid=adult) == {
        "a": datetime.date(1978, 1, 2)
    }
    # The graph keeps the day a person turns 18, never the birth date or year.
    for row in repo.read("MATCH (p:Person) RETURN p {.*} AS p"):
        assert not any("birth" in name for name in row["p"]), row
        assert datetime.date(2010, 5, 5) not in row["p"].values()
    # R1 reaches the firm's adult representative, not the minor.
    flagged = {r["pid"] for r in repo.read("MATCH (p:Person)-[:FLAGGED]->() RETURN p.pid AS pid")}
    assert minor not in flagged and flagged


# --------------------------------------------------------------------------- rejects


def test_bad_rows_are_rejected_and_good_rows_load(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    good = uscc(60)
    broken = good[:-1] + ("0" if good[-1] != "0" else "1")
    province.rows[Kind.ORGANIZATIONS].append({"uscc": broken, "name": "坏码有限公司"})
    province.rows[Kind.SHAREHOLDINGS].append({"holder_uscc": uscc(2, "320102"), "uscc": uscc(1),
                                             "ratio": "1.7"})  # fmt: skip
    province.rows[Kind.RECORDS].append(
        {**province.rows[Kind.RECORDS][0], "record_id": "JS-SCJGJ-2025-000099", "level": "extreme"}
    )
    report = load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)

    assert {k: c.rejected for k, c in report.kinds.items() if c.rejected} == {
        Kind.ORGANIZATIONS: 1, Kind.SHAREHOLDINGS: 1, Kind.RECORDS: 1,
    }  # fmt: skip
    for kind, rows in small_province().rows.items():
        assert report.kinds[kind].created == len(rows), kind
    assert [
        (r["source_file"], r["row"], r["kind"], r["field"], r["reason"])
        for r in rejects(tmp_path / "rejects.csv")
    ] == [
        ("organizations.csv", "6", "organizations", "uscc", "check_char_18"),
        ("shareholdings.csv", "5", "shareholdings", "ratio", "out_of_range"),
        ("records.csv", "5", "records", "level", "not_allowed"),
    ]
    assert count(repo, "(:Organization {name: '坏码有限公司'})") == 0
    assert count(repo, "(:Record {record_id: 'JS-SCJGJ-2025-000099'})") == 0
    assert count(repo, "()-[:SHAREHOLDER_OF {ratio: 1.7}]->()") == 0


def test_references_to_unknown_subjects_are_rejected(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    stranger = id_number(400)
    province.rows[Kind.OFFICERS] += [
        {"id_number": stranger, "uscc": uscc(1), "role": "director"},
        {"person_key": "name=孙三;born=1975", "uscc": uscc(70), "role": "director"},
    ]
    province.rows[Kind.RECORDS].append(
        {**province.rows[Kind.RECORDS][0], "record_id": "X-1", "authority": "JS-NOBODY"}
    )
    report = load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)
    assert report.kinds[Kind.OFFICERS].rejected == 2
    lines = rejects(tmp_path / "rejects.csv")
    assert [(r["field"], r["reason"]) for r in lines] == [
        ("id_number", "unknown_reference"),
        ("uscc", "unknown_reference"),
        ("authority", "unknown_reference"),
    ]
    assert "with this ID number or key" in lines[0]["message"]
    # An all-digit USCC is quoted masked, like anything that could be an ID number.
    assert uscc(70)[-4:] in lines[1]["message"] and "'JS-NOBODY'" in lines[2]["message"]


def test_subjects_loaded_earlier_are_found(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    subjects = {
        k: v
        for k, v in province.rows.items()
        if k in (Kind.DEPARTMENTS, Kind.ORGANIZATIONS, Kind.PERSONS)
    }
    Province(subjects).write(tmp_path / "subjects" / "js-amr")
    load(repo, settings, tmp_path / "subjects" / "js-amr", tmp_path)
    relations = {k: v for k, v in province.rows.items() if k not in subjects}
    report = load(
        repo, settings, Province(relations).write(tmp_path / "relations" / "js-amr"), tmp_path
    )
    assert report.total("rejected") == 0
    assert report.total("created") == sum(len(v) for v in relations.values())


def test_unparseable_file_writes_nothing(
    repo: Repository, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = small_province().write(tmp_path / "js-amr")
    with (directory / "records.csv").open("a", encoding="utf-8") as f:
        f.write('X-9,"unterminated,black\n')
    before = count(repo, "(n)")
    with pytest.raises(LoadError, match=r"records.csv: row \d+"):
        load(repo, settings, directory, tmp_path)
    assert count(repo, "(n)") == before
    assert not (tmp_path / "rejects.csv").exists()

    _use_test_server(monkeypatch, settings)
    result = CliRunner().invoke(main, ["load", str(directory)])
    assert result.exit_code == 1
    assert "records.csv" in result.output and "nothing was loaded" in result.output
    assert count(repo, "(n)") == before


def test_a_missing_required_column_stops_the_load(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "js-amr"
    directory.mkdir()
    (directory / "organizations.csv").write_text("uscc,title\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"organizations\.csv: missing column"):
        load(repo, settings, directory, tmp_path)


# --------------------------------------------------------------------------- formats


def test_gb18030_csv(repo: Repository, settings: Settings, tmp_path: Path) -> None:
    report = load(
        repo, settings, small_province().write(tmp_path / "js-amr", encoding="gb18030"), tmp_path
    )
    encodings = {f.name: f.encoding for f in report.files}
    assert encodings["organizations.csv"] == encodings["persons.csv"] == "gb18030"
    assert encodings["branches.csv"] == "utf-8-sig"  # ASCII only: UTF-8 as much as GB18030
    assert report.total("rejected") == 0
    assert count(repo, "(:Organization {name: '苏州甲乙科技有限公司吴中分公司'})") == 1
    assert count(repo, "(:Department {name: '国家税务总局江苏省税务局'})") == 1


@pytest.mark.parametrize("fmt", ["xlsx", "jsonl", "parquet"])
def test_every_format_loads_the_same_graph(
    repo: Repository, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    province = small_province()
    load(repo, settings, province.write(tmp_path / "csv" / "js-amr"), tmp_path)
    expected = snapshot(repo, ignore=PROVENANCE, batches=False)
    repo.run_ddl(WIPE_TEST_DATA)
    report = load(repo, settings, province.write(tmp_path / fmt / "js-amr", fmt=fmt), tmp_path)
    assert {f.format for f in report.files} == {fmt}
    assert report.total("rejected") == 0
    assert snapshot(repo, ignore=PROVENANCE, batches=False) == expected


def test_a_department_export_loads_through_its_mapping(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    """Chinese headers, GB18030, 是/否 and Chinese levels, as a department sends them."""
    mapping_path = tmp_path / "js-credit.yaml"
    mapping_path.write_text(
        """
source: js-credit-office
files:
  "失信名单*.csv":
    prepare:
      统一社会信用代码: {missing: ["无"]}
    outputs:
      - kind: organizations
        columns:
          uscc: 统一社会信用代码
          name: 单位名称
          hub: {column: 国资平台, map: {是: true, 否: false}}
      - kind: records
        columns:
          record_id: 决定文号
          subject_uscc: 统一社会信用代码
          list: {value: black}
          level: {column: 失信程度, map: {一般: general, 较重: serious, 严重: severe}}
          authority: {value: JS-SCJGJ}
          basis: 决定文号
          decided_on: 决定日期
""",
        encoding="utf-8",
    )
    load(
        repo,
        settings,
        Province({Kind.DEPARTMENTS: small_province().rows[Kind.DEPARTMENTS]}).write(
            tmp_path / "d" / "js"
        ),
        tmp_path,
    )
    export = tmp_path / "export" / "失信名单2025.csv"
    export.parent.mkdir(parents=True)
    export.write_text(
        "统一社会信用代码,单位名称,国资平台,决定文号,失信程度,决定日期\n"
        f"{uscc(80)},某某食品有限公司,否,苏市监罚〔2025〕8号,严重,2025-03-03\n"
        f"{uscc(81)},某某国资公司,是,苏市监罚〔2025〕9号,较重,2025-03-04\n"
        "无,某个体户,否,苏市监罚〔2025〕10号,一般,2025-03-05\n",
        encoding="gb18030",
    )
    report = load_paths(
        repo,
        settings,
        [export.parent],
        mapping=load_mapping(mapping_path),
        rejects_path=tmp_path / "r.csv",
        progress=False,
        rules=load_rules(),
    )
    assert report.source == "js-credit-office"
    assert (report.kinds[Kind.ORGANIZATIONS].accepted, report.kinds[Kind.RECORDS].accepted) == (
        2,
        2,
    )
    assert [(r["row"], r["field"], r["reason"]) for r in rejects(tmp_path / "r.csv")] == [
        ("4", "uscc", "missing"),
        ("4", "subject_uscc", "missing"),
    ]
    rows = repo.read(
        "MATCH (o:Organization)-[:HAS_RECORD]->(r:Record) "
        "RETURN o.hub AS hub, r.level AS level ORDER BY r.record_id"
    )
    assert rows == [{"hub": False, "level": "severe"}, {"hub": True, "level": "serious"}]


def test_generated_province_loads_without_rejects(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    counts = generate_province(tmp_path / "js-generated", orgs=300, seed=3)
    report = load(repo, settings, tmp_path / "js-generated", tmp_path)
    assert report.total("rejected") == 0
    assert {k: report.kinds[Kind(k)].read for k in counts} == counts


# --------------------------------------------------------------------------- privacy


def test_no_raw_id_number_in_the_graph_or_the_rejects(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    province = small_province()
    misplaced, broken_source, stranger = id_number(500), id_number(501), id_number(502)
    broken = broken_source[:17] + ("0" if broken_source[17] != "0" else "1")
    province.rows[Kind.PERSONS] += [
        {"person_key": "name=某人;born=1980", "name": f"备注{misplaced}"},
        {"id_number": broken, "name": "某人"},
        {"person_key": misplaced, "name": "某人"},
    ]
    province.rows[Kind.OFFICERS].append(
        {"id_number": stranger, "uscc": uscc(1), "role": "director"}
    )
    report = load(repo, settings, province.write(tmp_path / "js-amr"), tmp_path)
    assert report.kinds[Kind.PERSONS].rejected == 3
    assert report.kinds[Kind.OFFICERS].rejected == 1

    raw = [*province.id_numbers, misplaced, broken, stranger]
    values = string_values(repo)
    assert values, "the graph holds strings"
    for value in values:
        assert not contains_id_number(value), "a resident ID number is stored in the graph"
        assert not any(r in value for r in raw)
    text = (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert not any(r in text for r in raw)
    assert not any(r[6:14] in text for r in raw)  # not even the birth date
    assert not any(r in report.render() for r in raw)


# --------------------------------------------------------------------------- killed load


def _use_test_server(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> dict[str, str]:
    env = {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_ENVIRONMENT": "test",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_killed_load_reruns_to_the_clean_end_state(
    repo: Repository, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    province = bulk_province(800)
    directory = province.write(tmp_path / "js-bulk")
    env = {**os.environ, **_use_test_server(monkeypatch, settings)}
    command = [sys.executable, "-m", "api.cli", "load", str(directory), "--batch-size", "20",
               "--rejects", str(tmp_path / "killed-rejects.csv")]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while count(repo, "(:Organization)") < 100:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the load wrote nothing"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    assert repo.read_one("MATCH (b:LoadBatch) RETURN b.status AS s") == {"s": "running"}
    assert count(repo, "(:Organization)") < 800  # killed half-way

    # Batch sizes differ on purpose: the end state does not depend on them.
    rerun = load(repo, settings, directory, tmp_path, batch_size=300)
    assert rerun.total("rejected") == 0
    # What the killed run wrote is unchanged now, so only a full recompute knows its flags.
    assert rerun.propagation is not None and rerun.propagation.mode == "full"
    after_rerun = snapshot(repo, ignore=TIMESTAMPS)

    repo.run_ddl(WIPE_TEST_DATA)
    clean = load(repo, settings, directory, tmp_path)
    assert clean.batch_id == rerun.batch_id
    assert snapshot(repo, ignore=TIMESTAMPS) == after_rerun
    assert count(repo, "(:Organization)") == 800
