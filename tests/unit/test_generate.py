"""The synthetic province: deterministic, valid, self-consistent, and shaped like the real one.

The generated files hold synthetic raw ID numbers by design (they are loader input, like a
department's export), so every test writes to a temporary directory and nothing is kept.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from graph.identifiers import validate_id_number, validate_region_code, validate_uscc
from graph.ingest.layouts import LAYOUTS, Kind
from graph.ingest.validate import Context, Invalid, validate
from graph.reference import occupations
from graph.vocabulary import (
    DELTA_PROVINCES,
    OFFICER_ROLES,
    ORGANIZATION_KINDS,
    ORGANIZATION_STATUSES,
    RECORD_CATEGORIES,
    RECORD_LEVELS,
    RECORD_LISTS,
    RECORD_STATUSES,
)
from loaders.synthetic import generate_province

AS_OF = date(2026, 11, 1)
ORGS = 2000
SEED = 20261101

# (file, column prefix) of every person reference: exactly one of <prefix>id_number and
# <prefix>person_key, or for shareholdings and records of those and <prefix>uscc.
PERSON_REFERENCES = [
    ("persons", ""),
    ("legal_reps", ""),
    ("officers", ""),
    ("licences", ""),
    ("shareholdings", "holder_"),
    ("records", "subject_"),
]

Rows = list[dict[str, str]]


@dataclass
class Province:
    out: Path
    counts: dict[str, int]
    rows: dict[str, Rows]

    def __getitem__(self, kind: str) -> Rows:
        return self.rows[kind]


def read(out: Path) -> dict[str, Rows]:
    rows = {}
    for kind in Kind:
        with (out / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
            rows[kind] = list(csv.DictReader(handle))
    return rows


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Province:
    out = tmp_path_factory.mktemp("province")
    counts = generate_province(out, ORGS, SEED)
    return Province(out, counts, read(out))


def person_ref(row: dict[str, str], prefix: str = "") -> str:
    return row[f"{prefix}id_number"] or row[f"{prefix}person_key"]


def current(row: dict[str, str]) -> bool:
    return not row["until"] or date.fromisoformat(row["until"]) > AS_OF


# --------------------------------------------------------------------------- determinism


def file_bytes(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.glob("*.csv"))}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate_province(tmp_path / "a", 300, seed=5)
    generate_province(tmp_path / "b", 300, seed=5)
    assert file_bytes(tmp_path / "a") == file_bytes(tmp_path / "b")


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate_province(tmp_path / "a", 300, seed=5)
    generate_province(tmp_path / "b", 300, seed=6)
    first, second = file_bytes(tmp_path / "a"), file_bytes(tmp_path / "b")
    assert first["organizations.csv"] != second["organizations.csv"]
    assert first["persons.csv"] != second["persons.csv"]


# --------------------------------------------------------------------------- layout


def test_one_file_per_kind_with_the_canonical_columns(province: Province) -> None:
    assert sorted(path.stem for path in province.out.glob("*.csv")) == sorted(Kind)
    for kind in Kind:
        with (province.out / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        # Every canonical column but the FtM id, which only a FollowTheMoney source has.
        assert len(header) == len(set(header)), kind
        assert set(header) == LAYOUTS[kind].columns - {"ftm_id"}, kind


def test_every_row_passes_the_loaders_validation(province: Province) -> None:
    context = Context(pid_key=b"test", province="32", today=AS_OF)
    for kind in Kind:
        for number, row in enumerate(province[kind], start=2):
            result = validate(kind, {k: v or None for k, v in row.items()}, context)
            assert not isinstance(result, Invalid), (kind, number, result.errors)


def test_counts_are_the_rows_written_and_orgs_exact(province: Province) -> None:
    assert province.counts == {kind: len(rows) for kind, rows in province.rows.items()}
    assert province.counts["organizations"] == ORGS


@pytest.mark.parametrize("orgs", [1, 7, 60, 150])
def test_small_provinces_have_exactly_the_organisations_asked(tmp_path: Path, orgs: int) -> None:
    assert generate_province(tmp_path, orgs, seed=1)["organizations"] == orgs


@pytest.mark.parametrize(
    ("orgs", "province", "partner_share"), [(0, "32", 0.05), (10, "11", 0.05), (10, "32", 1.5)]
)
def test_bad_arguments_are_refused(
    tmp_path: Path, orgs: int, province: str, partner_share: float
) -> None:
    with pytest.raises(ValueError):
        generate_province(tmp_path, orgs, 1, province=province, partner_share=partner_share)


# --------------------------------------------------------------------------- identifiers


def test_every_uscc_is_valid_and_unique(province: Province) -> None:
    usccs = [row["uscc"] for row in province["organizations"]]
    assert all(validate_uscc(code) == code for code in usccs)
    assert len(set(usccs)) == len(usccs)


def test_every_id_number_is_valid_and_unique(province: Province) -> None:
    numbers = [row["id_number"] for row in province["persons"] if row["id_number"]]
    assert all(validate_id_number(number) == number for number in numbers)
    assert len(set(numbers)) == len(numbers)
    keys = [row["person_key"] for row in province["persons"] if row["person_key"]]
    assert len(set(keys)) == len(keys)


def test_every_person_reference_has_exactly_one_of_id_number_and_key(province: Province) -> None:
    for kind, prefix in PERSON_REFERENCES:
        for row in province[kind]:
            present = [row[f"{prefix}id_number"], row[f"{prefix}person_key"]]
            if kind in ("shareholdings", "records"):
                present.append(row[f"{prefix}uscc"])
            assert sum(bool(value) for value in present) == 1, (kind, row)


def test_region_codes_are_valid(province: Province) -> None:
    for kind in ("organizations", "persons"):
        for row in province[kind]:
            assert validate_region_code(row["region_code"]) == row["region_code"]


# --------------------------------------------------------------------------- references


def test_every_reference_resolves(province: Province) -> None:
    usccs = {row["uscc"] for row in province["organizations"]}
    persons = {person_ref(row) for row in province["persons"]}
    departments = {row["code"]: row["province"] for row in province["departments"]}

    def check(kind: str, column: str, known: set[str] | dict[str, str]) -> None:
        values = {row[column] for row in province[kind] if row[column]}
        assert values <= set(known), (kind, column, sorted(set(values) - set(known))[:3])

    for kind in ("legal_reps", "officers", "shareholdings"):
        check(kind, "uscc", usccs)
    check("shareholdings", "holder_uscc", usccs)
    check("branches", "branch_uscc", usccs)
    check("branches", "head_uscc", usccs)
    check("licences", "practises_at_uscc", usccs)
    check("licences", "occupation_code", set(occupations()))
    check("records", "subject_uscc", usccs)
    check("records", "authority", departments)
    for kind, prefix in PERSON_REFERENCES:
        refs = {person_ref(row, prefix) for row in province[kind]} - {""}
        assert refs <= persons, kind
    for row in province["records"]:
        assert row["source_province"] == departments[row["authority"]], row["record_id"]


# --------------------------------------------------------------------------- values


def test_value_sets_and_every_record_value_appears(province: Province) -> None:
    records = province["records"]
    assert {row["kind"] for row in province["organizations"]} == ORGANIZATION_KINDS
    assert {row["status"] for row in province["organizations"]} == ORGANIZATION_STATUSES
    assert {row["role"] for row in province["officers"]} == OFFICER_ROLES
    assert {row["list"] for row in records} == RECORD_LISTS
    assert {row["level"] for row in records} - {""} == RECORD_LEVELS
    assert {row["status"] for row in records} == RECORD_STATUSES
    assert {row["category"] for row in records} == RECORD_CATEGORIES
    sources = {row["source_province"] for row in records}
    assert "32" in sources and len(sources) > 1 and sources <= DELTA_PROVINCES


def test_red_records_are_honours_without_a_level(province: Province) -> None:
    for row in province["records"]:
        if row["list"] == "red":
            assert (row["level"], row["category"]) == ("", "honour")
        else:
            assert row["level"] in RECORD_LEVELS and row["category"] != "honour"


def test_record_ids_are_unique_and_name_department_and_year(province: Province) -> None:
    ids = [row["record_id"] for row in province["records"]]
    assert len(set(ids)) == len(ids)
    for row in province["records"]:
        assert row["record_id"] == (
            f"{row['authority']}-{row['decided_on'][:4]}-{row['record_id'][-6:]}"
        )


def test_ratios_are_fractions_and_current_stakes_sum_to_at_most_one(province: Province) -> None:
    held: dict[str, float] = defaultdict(float)
    for row in province["shareholdings"]:
        ratio = float(row["ratio"])
        assert 0 < ratio <= 1
        if current(row):
            held[row["uscc"]] += ratio
    assert max(held.values()) <= 1 + 1e-9


def test_individual_businesses_are_owned_and_represented_by_their_operator(
    province: Province,
) -> None:
    individual = {
        r["uscc"] for r in province["organizations"] if r["kind"] == "individual_business"
    }
    reps = {r["uscc"]: person_ref(r) for r in province["legal_reps"] if r["uscc"] in individual}
    stakes = [r for r in province["shareholdings"] if r["uscc"] in individual]
    assert set(reps) == individual
    assert all(r["ratio"] == "1" and person_ref(r, "holder_") == reps[r["uscc"]] for r in stakes)
    assert len(stakes) == len(individual)


# --------------------------------------------------------------------------- dates


def day(value: str) -> date:
    return date.fromisoformat(value)


def test_relationship_dates_are_ordered_and_not_in_the_future(province: Province) -> None:
    for row in province["organizations"]:
        assert day(row["established_on"]) < AS_OF
    for kind in ("legal_reps", "officers", "shareholdings"):
        for row in province[kind]:
            assert day(row["since"]) <= AS_OF, (kind, row)
            assert not row["until"] or day(row["since"]) < day(row["until"]), (kind, row)
    for row in province["licences"]:
        assert not row["valid_until"] or day(row["valid_until"]) > date(2010, 1, 1)


def test_record_dates_follow_publicity_rules(province: Province) -> None:
    for row in province["records"]:
        decided, start, until = (
            day(row["decided_on"]),
            day(row["publish_from"]),
            day(row["publish_until"]),
        )
        assert AS_OF.replace(year=AS_OF.year - 5) <= decided <= start <= AS_OF, row
        window = (until - start).days
        if row["level"] == "general":
            assert 90 <= window <= 365
        elif row["level"] == "severe" or row["list"] == "red":
            assert 365 <= window <= 1095
        if row["status"] == "expired":
            assert until < AS_OF
        if row["status"] in ("active", "under_objection"):
            assert until >= AS_OF


# --------------------------------------------------------------------------- shape


def test_the_province_looks_like_jiangsu(province: Province) -> None:
    orgs, persons, records = province["organizations"], province["persons"], province["records"]
    kinds = Counter(row["kind"] for row in orgs)
    assert 0.62 <= kinds["individual_business"] / ORGS <= 0.78
    assert 0.2 <= kinds["enterprise"] / ORGS <= 0.35
    prefectures = Counter(row["region_code"][:4] for row in orgs if row["region_code"][:2] == "32")
    assert {code for code, _ in prefectures.most_common(3)} == {"3205", "3201", "3202"}
    assert 0.02 <= sum(row["region_code"][:2] != "32" for row in orgs) / ORGS <= 0.09
    assert 1.0 <= len(persons) / ORGS <= 1.4
    assert 0.03 <= sum(bool(row["person_key"]) for row in persons) / len(persons) <= 0.08
    licensed = {person_ref(row) for row in province["licences"]}
    assert 0.005 <= len(licensed) / len(persons) <= 0.025
    sanctioned = {r["subject_uscc"] for r in records if r["subject_uscc"] and r["list"] != "red"}
    honoured = {r["subject_uscc"] for r in records if r["subject_uscc"] and r["list"] == "red"}
    assert 0.02 <= len(sanctioned) / ORGS <= 0.05
    assert 0.004 <= len(honoured) / ORGS <= 0.02
    debtors = [r for r in records if r["subject_id_number"] and r["category"] == "judgment_debtor"]
    assert debtors and all(r["level"] == "severe" for r in debtors)


def test_some_persons_represent_several_firms(province: Province) -> None:
    firms = Counter(person_ref(row) for row in province["legal_reps"] if not row["until"])
    assert any(2 <= count <= 5 for count in firms.values())
    assert max(firms.values()) >= 4  # a shell-cluster nominee


def test_listed_companies_are_joint_stock_with_unique_stock_codes(province: Province) -> None:
    listed = {row["uscc"]: row for row in province["organizations"] if row["stock_code"]}
    codes = [row["stock_code"] for row in listed.values()]
    assert codes and len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"(60[0135]|688|00[012]|30[01])\d{3}", code) for code in codes)
    assert all(row["name"].endswith("股份有限公司") for row in listed.values())
    executives = [
        r for r in province["licences"] if r["occupation_code"] == "listed_company_executive"
    ]
    assert executives and all(r["practises_at_uscc"] in listed for r in executives)


def test_branches_belong_to_head_offices_that_are_not_branches(province: Province) -> None:
    branches = {row["branch_uscc"]: row["head_uscc"] for row in province["branches"]}
    assert branches and not set(branches.values()) & set(branches)


# --------------------------------------------------------------------------- tricky cases


def ownership_graph(province: Province) -> nx.DiGraph:
    return nx.DiGraph(
        (row["holder_uscc"], row["uscc"])
        for row in province["shareholdings"]
        if row["holder_uscc"] and current(row)
    )


def test_ownership_has_cycles_and_deep_chains(province: Province) -> None:
    graph = ownership_graph(province)
    cycles = list(nx.simple_cycles(graph))
    assert any(len(c) == 2 for c in cycles) and any(len(c) == 3 for c in cycles)
    assert nx.dag_longest_path_length(nx.condensation(graph)) >= 4


def test_hubs_are_flagged_state_asset_holders_with_many_holdings(province: Province) -> None:
    hubs = [row for row in province["organizations"] if row["hub"]]
    assert hubs and all(r["hub"] == "true" and r["kind"] == "state_asset_holder" for r in hubs)
    holdings = Counter(e[0] for e in ownership_graph(province).edges)
    assert max(holdings[row["uscc"]] for row in hubs) >= 5
    assert hubs[0]["region_code"] == "320000"


def active_severe_subjects(province: Province, *statuses: str) -> set[str]:
    return {
        row["subject_uscc"]
        for row in province["records"]
        if row["level"] == "severe" and row["status"] in (statuses or ("active",))
    }


def test_legal_rep_of_a_severely_sanctioned_firm_is_a_director_elsewhere(
    province: Province,
) -> None:
    severe = active_severe_subjects(province)
    reps = {person_ref(r): r["uscc"] for r in province["legal_reps"] if r["uscc"] in severe}
    directors = [
        r for r in province["officers"] if r["role"] == "director" and person_ref(r) in reps
    ]
    assert any(reps[person_ref(r)] != r["uscc"] for r in directors)


def test_a_severely_sanctioned_firm_has_a_legal_rep_without_id_number(province: Province) -> None:
    severe = active_severe_subjects(province)
    assert any(r["person_key"] for r in province["legal_reps"] if r["uscc"] in severe)


def test_a_severe_record_is_under_objection(province: Province) -> None:
    assert active_severe_subjects(province, "under_objection")


def test_another_home_province(tmp_path: Path) -> None:
    counts = generate_province(tmp_path, 300, seed=3, province="31")
    rows = read(tmp_path)
    assert counts["organizations"] == 300
    homes = Counter(row["region_code"][:2] for row in rows["organizations"])
    assert homes.most_common(1)[0][0] == "31"
    assert {row["code"][:3] for row in rows["departments"]} == {"SH-", "JS-", "ZJ-", "AH-"}
    assert all(validate_region_code(row["region_code"]) for row in rows["organizations"])
