"""FollowTheMoney files load natively into a real Neo4j, through the one write path: the
sanctions graph written from the FtM schema (a sanctioned owner whose percentages carry
propagation) and a real public file nobody here wrote."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from graph.propagation.rules import load_rules
from graph.reads import subjects
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.pipeline import load_paths
from tests.utils.real_data import REAL, needs

DATA = Path(__file__).parents[1] / "data" / "ftm"
DONATIONS = REAL / "de-bundestag-donations-ftm" / "donations-de.ijson"


def load(repo: Repository, settings: Settings, path: Path, rejects: Path) -> LoadReport:
    return load_paths(
        repo, settings, [path], rejects_path=rejects, source="ftm-test", progress=False,
        rules=load_rules(),
    )  # fmt: skip


def rejected(path: Path) -> Counter[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return Counter((r["kind"], r["field"], r["reason"]) for r in csv.DictReader(f))


def test_a_sanctioned_owner_carries_its_flag_by_percentage(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    report = load(repo, settings, DATA / "sanctions-graph.ftm.json", tmp_path / "rejects.csv")
    counts = {str(k): (c.read, c.accepted) for k, c in report.kinds.items()}
    assert counts == {
        "departments": (3, 3), "organizations": (6, 6), "persons": (4, 3), "officers": (2, 2),
        "shareholdings": (5, 4), "records": (3, 3),
    }  # fmt: skip
    assert rejected(tmp_path / "rejects.csv") == {
        ("persons", "person_key", "person_key"): 1,  # a name alone
        ("shareholdings", "percentage", "out_of_range"): 1,  # "about half"
        ("Family", "schema", "unsupported_schema"): 1,
        ("Address", "schema", "unsupported_schema"): 1,
    }
    assert "entities of no loaded schema (Family ×1, Address ×1)" in report.render()

    holdings = repo.read(
        "MATCH (h:Subject)-[s:SHAREHOLDER_OF]->(o:Organization) "
        "RETURN h.ftm_id AS holder, o.ftm_id AS org, s.ratio AS ratio ORDER BY ratio DESC"
    )
    assert [(h["holder"], h["org"], h["ratio"]) for h in holdings] == [
        ("cg-orion-shipping", "cg-orion-maritime", pytest.approx(0.6)),
        ("cg-viktor-petrov", "cg-petrov-consulting", pytest.approx(0.3)),
        ("cg-orion-shipping", "cg-harbour-trading", pytest.approx(0.2)),
        ("cg-orion-shipping", "cg-jiangsu-ports", pytest.approx(0.0051)),
    ]
    # 60 %: the controlled company is flagged by R3, with the path and its legal basis.
    (controlled,) = subjects.flags_of(repo, "ftm:cg-orion-maritime")
    assert (controlled.rule, controlled.kind, controlled.score) == ("R3", "associated", 0.5)
    assert controlled.record_subject == "foreign:GB:01234567"
    assert [(s.source, s.rel, s.direction, s.target) for s in controlled.path] == [
        ("foreign:GB:01234567", "SHAREHOLDER_OF", "out", "ftm:cg-orion-maritime")
    ]
    assert "持股 ≥ 50%" in controlled.basis
    # 20 % and 0.51 % (FtM's "0.51" is a percent, not a ratio of 51 %) carry nothing.
    assert subjects.flags_of(repo, "ftm:cg-harbour-trading") == []
    assert subjects.flags_of(repo, "91320214123456788T") == []
    # A sanctioned person holding 30 % reaches the company (R2, ≥ 25 %); the chairman of the
    # sanctioned company is reached by R1.
    (held,) = subjects.flags_of(repo, "foreign:RU:1027700132195")
    assert (held.rule, held.kind) == ("R2", "associated")
    chairman = repo.read_one("MATCH (p:Person {ftm_id: 'cg-anna-smith'}) RETURN p.pid AS pid")
    assert chairman is not None
    assert [(f.rule, f.kind) for f in subjects.flags_of(repo, chairman["pid"])] == [
        ("R1", "extended")
    ]


def test_found_by_content_in_a_folder_and_loaded_once(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "from-a-partner"
    folder.mkdir()
    # Not named as any kind, not named .ftm: the content says what it is.
    (folder / "export.json").write_bytes((DATA / "sanctions-graph.ftm.json").read_bytes())
    (folder / "notes.json").write_text('{"note": "not an entity"}\n', encoding="utf-8")
    first = load(repo, settings, folder, tmp_path / "first.csv")
    assert [f.name for f in first.files] == ["export.json"]
    assert first.skipped == [("notes.json", "not a supported format (.json)")]
    assert first.total("created") == 21
    again = load(repo, settings, folder, tmp_path / "again.csv")
    assert again.total("created") == 0 and again.total("updated") == 0


@needs(DONATIONS)
def test_a_real_public_file(repo: Repository, settings: Settings, tmp_path: Path) -> None:
    report = load(repo, settings, DONATIONS, tmp_path / "rejects.csv")
    counts = {str(k): (c.read, c.accepted, c.rejected) for k, c in report.kinds.items()}
    print(report.render())  # the figures of the README beside the file
    assert counts == {"organizations": (33, 33, 0), "persons": (9, 0, 9)}
    assert rejected(tmp_path / "rejects.csv") == {
        ("persons", "person_key", "person_key"): 9,
        ("Payment", "schema", "unsupported_schema"): 79,
        ("Address", "schema", "unsupported_schema"): 29,
    }
