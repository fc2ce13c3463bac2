"""信用长三角 with four live provinces: each its own Neo4j and API on loopback, seeded with
the cross-border subjects the Delta shares (tests/system/delta.py)."""

from __future__ import annotations

import csv

import pytest

from tests.system.delta import CODES, Delta, Instance, memory_table


def shared_usccs(instance: Instance) -> list[str]:
    """The cross-border firms: the organisations every province's files hold."""
    with (instance.files / "organizations.csv").open(encoding="utf-8", newline="") as f:
        return [row["uscc"] for row in csv.DictReader(f)]


def test_the_four_come_up_and_know_the_shared_subjects(
    delta: Delta, record_property: pytest.RecordProperty
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
