"""Two real public exports nobody here wrote load unedited through their mappings: EDINET's
major shareholders of Japanese listed companies (``jp-edinet-major-shareholders.yaml``) and the
US Consolidated Screening List (``us-consolidated-screening-list.yaml``).

The files sit beside the checkout, as the A-share data do (``../shared/data/real/<name>``, each
with a README naming its source, licence and subset rule; ``REAL_DATA_DIR`` points elsewhere).
Expected figures are computed here from the files themselves, so no personal data from them is
copied into the repository; the rules that decide a row's kind are read from the mappings.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from neo4j import Driver

from graph.identifiers import validate_org_key
from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.mapping import load_mapping
from loaders.pipeline import load_paths
from tests.conftest import WIPE_TEST_DATA
from tests.utils.real_data import REAL, ROOT

EDINET = REAL / "jp-edinet-major-shareholders"
CSL = REAL / "us-consolidated-screening-list"
MAPPINGS = ROOT / "loaders" / "mappings"
EDINET_MAPPING = MAPPINGS / "jp-edinet-major-shareholders.yaml"
CSL_MAPPING = MAPPINGS / "us-consolidated-screening-list.yaml"

Row = dict[str, str]


def read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(f)]


@cache
def outputs(mapping: Path, file: str) -> list[dict[str, Any]]:
    spec = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = spec["files"][file]["outputs"]
    return found


def rejects(path: Path) -> Counter[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return Counter((r["kind"], r["field"], r["reason"]) for r in csv.DictReader(f))


def load(
    repo: Repository, settings: Settings, folder: Path, mapping: Path, rejected: Path
) -> LoadReport:
    return load_paths(
        repo, settings, [folder], mapping=load_mapping(mapping), rejects_path=rejected,
        progress=False, rules=load_rules(),
    )  # fmt: skip


def counts(report: LoadReport) -> dict[Kind, tuple[int, int, int]]:
    return {k: (c.read, c.accepted, c.rejected) for k, c in report.kinds.items()}


def graph_size(repo: Repository) -> dict[str, Any]:
    return repo.read_one(
        "MATCH (n) OPTIONAL MATCH (n)-[r]->() "
        "RETURN count(DISTINCT n) AS nodes, count(r) AS relationships"
    )


@pytest.fixture(scope="module")
def repo(driver: Driver, settings: Settings) -> Repository:
    return Repository(
        driver,
        settings.neo4j_database,
        query_timeout_s=settings.query_timeout_s,
        bulk_timeout_s=settings.bulk_timeout_s,
    )


# --------------------------------------------------------------------------- EDINET


def organisation_holder(row: Row) -> bool:
    rule = outputs(EDINET_MAPPING, "shareholders.csv")[1]["where"]
    return re.search(rule["matches"], row[rule["column"]]) is not None


# The countries a holder's address is read for: a Japanese prefecture, or a country named in
# full (the mapping's list); any other address is no jurisdiction, and the row is rejected.
_PREFECTURE = re.compile(r"^(?:東京都|北海道|京都府|大阪府|\S{2,3}県)")
_COUNTRIES = ("UNITED KINGDOM", "英国", "U.S.A.", "LUXEMBOURG", "SAUDI ARABIA", "SINGAPORE")


def placed(row: Row) -> bool:
    address = unicodedata.normalize("NFKC", row["住所"])
    return bool(_PREFECTURE.match(address)) or any(c in address for c in _COUNTRIES)


@pytest.fixture(scope="module")
def edinet(
    repo: Repository, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LoadReport, Path]]:
    if not (EDINET / "shareholders.csv").exists():
        pytest.skip(f"the EDINET data is not at {EDINET}")
    repo.run_ddl(WIPE_TEST_DATA)
    rejected = tmp_path_factory.mktemp("edinet") / "rejects.csv"
    yield load(repo, settings, EDINET, EDINET_MAPPING, rejected), rejected


def test_edinet_rows_in_loaded_and_rejected(edinet: tuple[LoadReport, Path]) -> None:
    report, rejected = edinet
    rows = read_csv(EDINET / "shareholders.csv")
    holders = [r for r in rows if organisation_holder(r)]
    unplaced = [r for r in holders if not placed(r)]
    persons = len(rows) - len(holders)
    assert holders and unplaced and persons  # the subset shows each case
    assert counts(report) == {
        # Every row names its issuer; organisation holders are a second organisation each.
        Kind.ORGANIZATIONS: (
            len(rows) + len(holders),
            len(rows) + len(holders) - len(unplaced),
            len(unplaced),
        ),
        Kind.PERSONS: (persons, persons, 0),
        Kind.SHAREHOLDINGS: (len(rows), len(rows) - len(unplaced), len(unplaced)),
    }
    # A foreign holder whose address names no country: no jurisdiction is guessed.
    assert rejects(rejected) == {
        ("organizations", "uscc", "no_match"): len(unplaced),
        ("shareholdings", "holder_uscc", "no_match"): len(unplaced),
    }
    persons_of_file = report.rejections[("shareholders.csv", Kind.PERSONS)]
    assert persons_of_file.left_out == len(holders)  # organisation holders: a choice, not a loss
    assert report.over_limit(None) == []


def test_edinet_percentages_periods_and_keys(
    edinet: tuple[LoadReport, Path], repo: Repository
) -> None:
    rows = [
        r for r in read_csv(EDINET / "shareholders.csv") if not organisation_holder(r) or placed(r)
    ]
    for company in sorted({r["会社名"] for r in rows}):
        issued = [r for r in rows if r["会社名"] == company]
        key, kind = validate_org_key(f"name:JP:{company}")
        assert kind == "name"
        stored = repo.read_one(
            "MATCH (o:Organization {uscc: $key}) "
            "OPTIONAL MATCH (h)-[s:SHAREHOLDER_OF]->(o) "
            "OPTIONAL MATCH (h)-[p:SHAREHOLDER_IN_PERIOD]->(o) "
            "RETURN o.name AS name, count(DISTINCT s) AS holdings, sum(s.ratio) AS ratio, "
            "max(s.ratio) AS top, collect(DISTINCT toString(p.period)) AS periods",
            key=key,
        )
        # 割合 is a percentage: 11.86 is a ratio of 0.1186, never 11.86 (rejected) or 1186 %.
        assert stored["name"] == company
        assert stored["holdings"] == len(issued)
        assert stored["ratio"] == pytest.approx(sum(float(r["割合"]) for r in issued) / 100)
        assert stored["top"] == pytest.approx(max(float(r["割合"]) for r in issued) / 100)
        assert stored["periods"] == sorted({r["基準日"] for r in issued})


def test_edinet_persons_are_global_surrogates(
    edinet: tuple[LoadReport, Path], repo: Repository
) -> None:
    rows = read_csv(EDINET / "shareholders.csv")
    people = {(r["氏名又は名称"], r["会社名"]) for r in rows if not organisation_holder(r)}
    assert repo.read_one(
        "MATCH (p:Person) RETURN count(p) AS n, "
        "all(x IN collect(p.pid) WHERE x STARTS WITH 's:') AS surrogate, "
        "count(p.id_masked) AS masked"
    ) == {"n": len(people), "surrogate": True, "masked": 0}


def test_edinet_reload_changes_nothing(
    edinet: tuple[LoadReport, Path], repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    before = graph_size(repo)
    again = load(repo, settings, EDINET, EDINET_MAPPING, tmp_path / "rejects.csv")
    assert not again.first_load
    assert {k: (c.created, c.updated) for k, c in again.kinds.items()} == dict.fromkeys(
        again.kinds, (0, 0)
    )
    assert graph_size(repo) == before


# --------------------------------------------------------------------------- CSL


def _where(index: int) -> dict[str, Any]:
    found: dict[str, Any] = outputs(CSL_MAPPING, "csl.csv")[index]["where"]
    return found


def organisation_name(name: str) -> bool:
    rule = _where(1)["any"][1]["all"][1]  # the mapping's `&organisation_name`
    return re.search(rule["matches"], name) is not None


def party(row: Row) -> str | None:
    """What the mapping makes of a row's party: an organisation, a person, or nothing."""
    if row["type"] == "Entity" or (not row["type"] and organisation_name(row["name"])):
        return "organization"
    if row["type"] == "Individual" or (not row["type"] and not organisation_name(row["name"])):
        return "person"
    return None  # a vessel


def country(row: Row) -> str | None:
    """The two-letter code ending the party's first address."""
    first = row["addresses"].split(";")[0].strip()
    found = re.search(r"(?:^|,\s*)([A-Z]{2})$", first)
    return found.group(1) if found else None


def subject(row: Row) -> str | None:
    """The key the mapping can give the row's party, None when the list gives too little."""
    if party(row) == "organization":
        return f"{country(row)}:{row['name']}" if country(row) else None
    born = re.match(r"\d{4}(?:-\d{2}-\d{2})?", row["dates_of_birth"])
    facts = [born.group() if born else "", row["nationalities"]]
    return f"{row['name']};{';'.join(facts)}" if any(facts) else None


def record_id(row: Row) -> str:
    listing = re.search(r"\(([A-Z]+)\)", row["source"])
    assert listing is not None
    return f"{listing.group(1)}|{row['name']}|{row['start_date']}"


@pytest.fixture(scope="module")
def csl(
    repo: Repository, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LoadReport, Path]]:
    if not (CSL / "csl.csv").exists():
        pytest.skip(f"the Consolidated Screening List is not at {CSL}")
    repo.run_ddl(WIPE_TEST_DATA)
    rejected = tmp_path_factory.mktemp("csl") / "rejects.csv"
    yield load(repo, settings, CSL, CSL_MAPPING, rejected), rejected


def test_csl_rows_in_loaded_and_rejected(csl: tuple[LoadReport, Path]) -> None:
    report, rejected = csl
    rows = read_csv(CSL / "csl.csv")
    organisations = [r for r in rows if party(r) == "organization"]
    persons = [r for r in rows if party(r) == "person"]
    dated = [r for r in rows if r["start_date"] and party(r)]
    # One listing, one record: a second row of the same listing naming its party in another
    # country is another subject, which a record's identity does not allow.
    first_subject: dict[str, str] = {}
    for row in dated:
        if subject(row):
            first_subject.setdefault(record_id(row), subject(row) or "")
    moved = [r for r in dated if subject(r) and first_subject[record_id(r)] != subject(r)]
    keyless = [r for r in dated if not subject(r)]
    placed_organisations = [r for r in organisations if subject(r)]
    keyed_persons = [r for r in persons if subject(r)]
    assert moved and keyless and len(placed_organisations) < len(organisations)
    assert counts(report) == {
        Kind.DEPARTMENTS: (len(rows), len(rows), 0),
        Kind.ORGANIZATIONS: (
            len(organisations),
            len(placed_organisations),
            len(organisations) - len(placed_organisations),
        ),
        Kind.PERSONS: (len(persons), len(keyed_persons), len(persons) - len(keyed_persons)),
        Kind.RECORDS: (
            len(dated),
            len(dated) - len(keyless) - len(moved),
            len(keyless) + len(moved),
        ),
    }
    assert report.counts(Kind.DEPARTMENTS).created == len(
        {r["source"].split(" - ")[1] for r in rows}
    )
    reasons = rejects(rejected)
    assert reasons[("records", "subject_uscc", "identity_changed")] == len(moved)
    # The Treasury's lists date no listing: their parties load as subjects only (`where`).
    undated = report.rejections[("csl.csv", Kind.RECORDS)]
    assert undated.left_out == len(rows) - len(dated)
    by_kind = Counter(kind for kind, _, _ in reasons.elements())
    assert by_kind["organizations"] == len(organisations) - len(placed_organisations)
    assert by_kind["persons"] == len(persons) - len(keyed_persons)


def test_csl_records_are_issued_by_their_department(
    csl: tuple[LoadReport, Path], repo: Repository
) -> None:
    rows = read_csv(CSL / "csl.csv")
    listings = {
        record_id(r): r for r in reversed(rows) if r["start_date"] and party(r) and subject(r)
    }
    stored = repo.read(
        "MATCH (s:Subject)-[:HAS_RECORD]->(r:Record)-[:ISSUED_BY]->(d:Department) "
        "RETURN r.list AS list, r.level AS level, toString(r.decided_on) AS decided_on, "
        "r.basis AS basis, d.code AS authority, d.name AS department"
    )
    assert len(stored) == len(listings)
    assert {r["list"] for r in stored} == {"focus"} and {r["level"] for r in stored} == {"general"}
    expected = Counter(
        (r["start_date"], r["federal_register_notice"], r["source"].split(" - ")[1])
        for r in listings.values()
    )
    assert Counter((r["decided_on"], r["basis"], r["department"]) for r in stored) == expected
    assert {r["authority"] for r in stored} <= {"US-BIS", "US-STATE", "US-TREASURY"}


def test_csl_reload_changes_nothing(
    csl: tuple[LoadReport, Path], repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    before = graph_size(repo)
    again = load(repo, settings, CSL, CSL_MAPPING, tmp_path / "rejects.csv")
    assert {k: (c.created, c.updated) for k, c in again.kinds.items()} == dict.fromkeys(
        again.kinds, (0, 0)
    )
    assert graph_size(repo) == before
