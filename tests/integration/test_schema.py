"""`schema apply` creates the vocabulary's constraints, indexes and reference data, idempotently."""

from __future__ import annotations

from graph.store.repository import Repository
from graph.store.schema import SCHEMA_VERSION, UNIQUE_KEYS, apply_schema, schema_version


def _snapshot(repo: Repository) -> dict[str, object]:
    return {
        "constraints": sorted(r["name"] for r in repo.read("SHOW CONSTRAINTS YIELD name")),
        "indexes": sorted(r["name"] for r in repo.read("SHOW INDEXES YIELD name")),
        "nodes": repo.read_one("MATCH (n) RETURN count(n) AS c"),
        "rels": repo.read_one("MATCH ()-[r]->() RETURN count(r) AS c"),
    }


def test_unique_constraint_per_natural_key(repo: Repository) -> None:
    rows = repo.read("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type")
    unique = {
        (r["labelsOrTypes"][0], r["properties"][0]) for r in rows if r["type"] == "UNIQUENESS"
    }
    assert {(str(label), key) for label, key in UNIQUE_KEYS.items()} <= unique


def test_indexes_are_online(repo: Repository) -> None:
    states = {r["name"]: r["state"] for r in repo.read("SHOW INDEXES YIELD name, state")}
    assert "organization_name_text" in states
    assert "record_status" in states
    assert set(states.values()) == {"ONLINE"}


def test_reference_regions_and_occupations(repo: Repository) -> None:
    by_level = {
        r["level"]: r["c"]
        for r in repo.read("MATCH (r:Region) RETURN r.level AS level, count(*) AS c")
    }
    assert by_level == {"province": 4, "prefecture": 40, "district": 16}
    suzhou = repo.read_one(
        "MATCH (:Region {code: '3205'})-[:PART_OF]->(p:Region) "
        "RETURN p.code AS code, p.name AS name"
    )
    assert suzhou == {"code": "32", "name": "江苏省"}
    occupations = repo.read_one("MATCH (o:Occupation) RETURN count(o) AS c")
    assert occupations == {"c": 23}


def test_apply_twice_changes_nothing(repo: Repository) -> None:
    before = _snapshot(repo)
    apply_schema(repo)
    assert _snapshot(repo) == before
    assert schema_version(repo) == SCHEMA_VERSION


def test_reference_data_carries_provenance(repo: Repository) -> None:
    missing = repo.read_one(
        "MATCH (n) WHERE (n:Region OR n:Occupation) "
        "AND (n.source IS NULL OR n.batch_id IS NULL OR n.loaded_at IS NULL) RETURN count(n) AS c"
    )
    assert missing == {"c": 0}
