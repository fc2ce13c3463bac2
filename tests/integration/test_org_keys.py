"""Organisation keys of every kind and global person keys, loaded into a real Neo4j: the
orgcode join (a row naming an organisation by its old organisation code finds the one whose
USCC embeds it), and the version-6 migration of stored keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.identifiers import surrogate_pid
from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.queries import schema as schema_queries
from graph.store.repository import Repository
from graph.store.schema import SCHEMA_VERSION, apply_schema, schema_version
from loaders.load_report import LoadReport
from loaders.pipeline import load_paths
from tests.utils.canonical import uscc, write

HELD = uscc(1)
OWNER = uscc(2)  # its organisation code: characters 9–17


def load(
    repo: Repository, settings: Settings, tmp_path: Path, name: str, **rows: Any
) -> LoadReport:
    directory = tmp_path / name
    for kind, kind_rows in rows.items():
        write(directory, Kind(kind), kind_rows)
    return load_paths(
        repo, settings, [directory], rejects_path=tmp_path / f"{name}-rejects.csv",
        progress=False, rules=load_rules(),
    )  # fmt: skip


def test_an_orgcode_key_joins_the_uscc_organisation_that_embeds_it(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    load(repo, settings, tmp_path, "amr", organizations=[
        {"uscc": HELD, "name": "被持股公司"}, {"uscc": OWNER, "name": "某投资有限公司"},
    ])  # fmt: skip
    # A department that still writes the old 9-character code, with its hyphen.
    code = OWNER[8:16] + "-" + OWNER[16]
    report = load(repo, settings, tmp_path, "old", shareholdings=[
        {"holder_uscc": f"orgcode:{code}", "uscc": HELD, "ratio": "0.3"},
    ])  # fmt: skip
    assert report.kinds[Kind.SHAREHOLDINGS].accepted == 1
    owners = repo.read(
        "MATCH (o:Organization) WHERE o.org_code = $code OR o.uscc STARTS WITH 'orgcode:' "
        "RETURN o.uscc AS key",
        code=OWNER[8:17],
    )
    assert owners == [{"key": OWNER}]  # one node: no orgcode: node beside the USCC one
    assert repo.read(
        "MATCH (h)-[s:SHAREHOLDER_OF]->(o) RETURN h.uscc AS holder, o.uscc AS held, s.ratio AS r"
    ) == [{"holder": OWNER, "held": HELD, "r": 0.3}]
    # An organisations row keyed by the code updates that organisation, keeping its kind.
    load(repo, settings, tmp_path, "rename", organizations=[
        {"uscc": f"orgcode:{OWNER[8:17]}", "name": "某投资集团有限公司"},
    ])  # fmt: skip
    assert repo.read(
        "MATCH (o:Organization) WHERE o.name STARTS WITH '某投资' "
        "RETURN o.uscc AS key, o.key_kind AS kind, o.name AS name"
    ) == [{"key": OWNER, "kind": "uscc", "name": "某投资集团有限公司"}]


def test_an_orgcode_without_a_uscc_organisation_is_a_node_of_its_own(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    report = load(repo, settings, tmp_path, "old",
        organizations=[{"uscc": "orgcode:74555531-8", "name": "老代码公司"},
                       {"uscc": HELD, "name": "被持股公司"}],
        shareholdings=[{"holder_uscc": "orgcode:745555318", "uscc": HELD, "ratio": "0.3"}],
    )  # fmt: skip
    assert report.kinds[Kind.SHAREHOLDINGS].accepted == 1
    assert repo.read_one(
        "MATCH (o:Organization {uscc: 'orgcode:745555318'})-[:SHAREHOLDER_OF]->() "
        "RETURN o.key_kind AS kind, o.org_code AS code"
    ) == {"kind": "orgcode", "code": None}


def test_every_key_kind_loads_and_a_person_key_is_global(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    keys = {
        "listed:000008": "listed:000008.SZ",
        "reg:330106000129004": "reg:330106000129004",
        "foreign:GB:0123 4567": "foreign:GB:01234567",
        "ftm:NK-abc123": "ftm:NK-abc123",
        "name:CN:某某（上海）有限责任公司": "name:CN:某某(上海)有限公司",
    }
    person = "name=张三;born=1970;gender=m"
    report = load(repo, settings, tmp_path, "board",
        organizations=[{"uscc": HELD, "name": "被持股公司"},
                       *({"uscc": key, "name": f"股东{i}"} for i, key in enumerate(keys))],
        persons=[{"person_key": person, "name": "张三"}],
        shareholdings=[{"holder_uscc": key, "uscc": HELD, "ratio": "0.01"} for key in keys],
    )  # fmt: skip
    assert report.kinds[Kind.SHAREHOLDINGS].accepted == len(keys)
    holders = repo.read(
        "MATCH (h:Organization)-[:SHAREHOLDER_OF]->() RETURN h.uscc AS key, h.key_kind AS kind"
    )
    assert sorted(r["key"] for r in holders) == sorted(keys.values())
    assert repo.read_one(
        "MATCH (o:Organization {uscc: 'listed:000008.SZ'}) RETURN o.stock_code AS code, "
        "o.exchange AS exchange"
    ) == {"code": "000008", "exchange": "SZ"}
    # Another source naming the same person the same facts in another order: the same node.
    load(repo, settings, tmp_path, "court",
        officers=[{"person_key": "gender=男;born=1970;name=张三", "uscc": "listed:000008.SZ",
                   "role": "director"}],
    )  # fmt: skip
    pid = surrogate_pid(person, settings.pid_key.get_secret_value().encode())
    assert repo.read("MATCH (p:Person)-[:OFFICER_OF]->(o) RETURN p.pid AS pid, o.uscc AS org") == [
        {"pid": pid, "org": "listed:000008.SZ"}
    ]
    assert repo.read_one("MATCH (p:Person) RETURN count(p) AS n") == {"n": 1}


def test_version_6_names_the_exchange_of_listed_keys_and_backfills_org_codes(
    repo: Repository,
) -> None:
    repo.write(
        "CREATE (:Subject:Organization {uscc: 'listed:000001', key_kind: 'listed', "
        "stock_code: '000001'}), "
        "(:Subject:Organization {uscc: 'listed:600000', key_kind: 'listed'}), "
        "(:Subject:Organization {uscc: 'listed:600000.SH', key_kind: 'listed'}), "
        "(:Subject:Organization {uscc: $uscc, key_kind: 'uscc'}) "
        "MERGE (m:SchemaMeta {id: 'schema'}) SET m.version = 5",
        uscc=OWNER,
    )
    apply_schema(repo)
    assert schema_version(repo) == SCHEMA_VERSION == 6
    rows = repo.read(
        "MATCH (o:Organization) RETURN o.uscc AS key, o.exchange AS exchange, "
        "o.org_code AS code ORDER BY key"
    )
    assert rows == [
        {"key": OWNER, "exchange": None, "code": OWNER[8:17]},
        {"key": "listed:000001.SZ", "exchange": "SZ", "code": None},
        # Its new key was taken: left for resolution to merge, not overwritten.
        {"key": "listed:600000", "exchange": None, "code": None},
        {"key": "listed:600000.SH", "exchange": None, "code": None},
    ]
    # Applied again (same version), the migration does not run, and would change nothing.
    before = repo.read(schema_queries.BARE_LISTED_KEYS)
    apply_schema(repo)
    assert repo.read(schema_queries.BARE_LISTED_KEYS) == before
