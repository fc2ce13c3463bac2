"""``credit-graph export --format ftm``: the graph as FollowTheMoney entities that the
`followthemoney` package accepts, persons as the audience may see them, and a round trip:
exported, then loaded into an empty graph, the same subjects and relationships."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from followthemoney import model

from api.cli import main
from graph.disclosure import ANALYST, PERSON_PLACEHOLDER, REGULATOR, Audience, person_alias
from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.ftm_export import ftm_entities, write_ftm
from loaders.pipeline import load_paths
from tests.conftest import TEST_SECRETS, WIPE_TEST_DATA
from tests.utils.canonical import id_number, uscc, write

AS_OF = date(2026, 6, 1)


def province(directory: Path) -> Path:
    """A small province in canonical files: two firms, a holding firm, three persons (two
    with ID numbers), posts, holdings, and records of every publicity state."""
    a, b, c = uscc(1), uscc(2), uscc(3)
    zhang, li = id_number(1), id_number(2)
    write(directory, Kind.DEPARTMENTS, [{"code": "JS-MSA", "name": "江苏省市场监督管理局",
                                         "province": "32"}])  # fmt: skip
    write(directory, Kind.ORGANIZATIONS, [
        {"uscc": a, "name": "甲公司", "established_on": "2001-02-03"},
        {"uscc": b, "name": "乙公司"},
        {"uscc": c, "name": "丙控股", "kind": "public_institution"},
        {"uscc": "foreign:GB:01234567", "name": "Orion Shipping Holdings Ltd"},
        {"uscc": "listed:600000.SH", "name": "浦发银行"},
        {"uscc": "reg:320200000012346", "name": "丁厂"},
    ])  # fmt: skip
    write(directory, Kind.PERSONS, [
        {"id_number": zhang, "name": "张三"},
        {"id_number": li, "name": "李四"},
        {"person_key": "name=王五;born=1970", "name": "王五", "birth_year": "1970"},
    ])  # fmt: skip
    write(directory, Kind.LEGAL_REPS, [{"id_number": zhang, "uscc": a, "since": "2010-01-01"}])
    write(directory, Kind.OFFICERS, [
        {"id_number": li, "uscc": a, "role": "chairman"},
        {"person_key": "name=王五;born=1970", "uscc": b, "role": "vice_chairman"},
    ])  # fmt: skip
    write(directory, Kind.SHAREHOLDINGS, [
        {"holder_uscc": c, "uscc": a, "ratio": "0.6", "since": "2015-06-30"},
        {"holder_id_number": zhang, "uscc": b, "ratio": "0.125"},
        {"holder_uscc": "foreign:GB:01234567", "uscc": b, "ratio": "0.3"},
    ])  # fmt: skip
    record = {"subject_uscc": a, "list": "black", "level": "severe", "authority": "JS-MSA",
              "basis": "《企业信息公示暂行条例》第十八条", "decided_on": "2025-01-02"}  # fmt: skip
    write(directory, Kind.RECORDS, [
        {**record, "record_id": "R-live"},
        {**record, "record_id": "R-over", "publish_until": "2025-12-31"},
        {**record, "record_id": "R-repaired", "status": "repaired"},
        {**record, "record_id": "R-red", "list": "red", "level": None},
        {**record, "record_id": "R-person", "subject_uscc": None, "subject_id_number": li},
    ])  # fmt: skip
    return directory


def load(repo: Repository, settings: Settings, path: Path, tmp_path: Path) -> None:
    load_paths(repo, settings, [path], rejects_path=tmp_path / f"rejects-{path.stem}.csv",
               source="export-test", progress=False, rules=load_rules(), as_of=AS_OF)  # fmt: skip


def exported(repo: Repository, settings: Settings, audience: Audience) -> list[dict[str, Any]]:
    out = io.StringIO()
    write_ftm(out, ftm_entities(repo, audience, settings.province_code, AS_OF))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def check_ftm(entities: list[dict[str, Any]]) -> None:
    """Every entity is valid FtM: a known schema, its properties, the required ones given,
    values its types accept, references to entities of the file."""
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract
        proxy = model.get_proxy(data, cleaned=False)
        for name, values in data["properties"].items():
            prop = schema.get(name)
            assert prop is not None, (data["schema"], name)
            for value in values:
                assert prop.type.clean(value) is not None, (data["id"], name, value)
                if prop.type.name == "entity":
                    assert value in ids, (data["id"], name)
        assert all(proxy.get(p) for p in schema.required), data


def subjects_and_relationships(repo: Repository) -> dict[str, Any]:
    """What a round trip keeps: subjects by key (organisations) and name (persons, whose
    keys are the source's), relationships by their ends so named."""
    name = "CASE WHEN {0}:Person THEN {0}.name ELSE {0}.uscc END"
    return {
        "orgs": repo.read("MATCH (o:Organization) RETURN o.uscc AS key, o.name AS name, "
                          "o.kind AS kind ORDER BY key"),
        "persons": sorted(r["name"] for r in repo.read("MATCH (p:Person) RETURN p.name AS name")),
        "holdings": repo.read(
            f"MATCH (h:Subject)-[s:SHAREHOLDER_OF]->(o) RETURN {name.format('h')} AS holder, "
            "o.uscc AS org, s.ratio AS ratio, toString(s.since) AS since ORDER BY holder, org"),
        "posts": repo.read(
            "MATCH (p:Person)-[r:OFFICER_OF|LEGAL_REP_OF]->(o) RETURN p.name AS person, "
            "type(r) AS type, r.role AS role, o.uscc AS org ORDER BY person, type"),
    }  # fmt: skip


def test_export_is_valid_ftm_and_shares_what_may_leave(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    load(repo, settings, province(tmp_path / "province"), tmp_path)
    entities = exported(repo, settings, ANALYST)
    check_ftm(entities)
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for e in entities:
        by_schema.setdefault(e["schema"], []).append(e)
    assert {s: len(es) for s, es in by_schema.items()} == {
        "Company": 5, "PublicBody": 1, "Person": 3, "Ownership": 3, "Directorship": 3,
        "Sanction": 2,
    }  # fmt: skip
    # Persons leave the province as aliases with the placeholder name, nothing else; no ID
    # number, masked or not, anywhere in the file.
    aliases = {person_alias(pid, ANALYST) for pid in repo.read_one(
        "MATCH (p:Person) RETURN collect(p.pid) AS pids")["pids"]}  # fmt: skip
    assert {p["id"] for p in by_schema["Person"]} == {"cg-" + a.replace("~", "-") for a in aliases}
    assert [p["properties"] for p in by_schema["Person"]] == [{"name": [PERSON_PLACEHOLDER]}] * 3
    text = json.dumps(entities, ensure_ascii=False)
    assert "张三" not in text and not re.search(r"\d{6}\*+|\d{17}[\dX]", text)
    # Black-list records in force only: not the expired, repaired or red one.
    sanctions = {s["id"]: s["properties"] for s in by_schema["Sanction"]}
    assert set(sanctions) == {"cg-sanction-R-live", "cg-sanction-R-person"}
    assert sanctions["cg-sanction-R-live"]["authority"] == ["江苏省市场监督管理局"]
    assert sanctions["cg-sanction-R-live"]["listingDate"] == ["2025-01-02"]
    percentages = sorted(o["properties"]["percentage"][0] for o in by_schema["Ownership"])
    assert percentages == ["12.5", "30", "60"]
    # The same graph writes the same file.
    assert exported(repo, settings, ANALYST) == entities


def test_round_trip_into_an_empty_graph(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    load(repo, settings, province(tmp_path / "province"), tmp_path)
    before = subjects_and_relationships(repo)
    path = tmp_path / "export.ftm.json"
    with path.open("w", encoding="utf-8") as f:
        write_ftm(f, ftm_entities(repo, REGULATOR, settings.province_code, AS_OF))
    check_ftm([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()])
    repo.run_ddl(WIPE_TEST_DATA)
    load(repo, settings, path, tmp_path)
    assert subjects_and_relationships(repo) == before
    # The records in force come back as FtM sanctions (their ids and authorities are FtM's).
    records = repo.read("MATCH (r:Record) RETURN r.record_id AS id, r.basis AS basis ORDER BY id")
    assert records == [
        {"id": "ftm:cg-sanction-R-live", "basis": "《企业信息公示暂行条例》第十八条"},
        {"id": "ftm:cg-sanction-R-person", "basis": "《企业信息公示暂行条例》第十八条"},
    ]


def test_the_command(
    repo: Repository, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(repo, settings, province(tmp_path / "province"), tmp_path)
    for name, value in {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_ENVIRONMENT": "test",
    }.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out.ftm.json"
    command = ["export", "--format", "ftm", "--out", str(out), "--as-of", "2026-06-01"]
    result = CliRunner().invoke(main, [*command, "--audience", "partner:33"])
    assert result.exit_code == 0, result.output
    assert "17 FtM entities written for partner:33" in result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 17
    refused = CliRunner().invoke(main, [*command, "--audience", "partner:11"])
    assert refused.exit_code == 2 and "--audience" in refused.output
