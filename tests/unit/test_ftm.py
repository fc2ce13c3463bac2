"""FollowTheMoney files turned into canonical rows: detection, keys, percentages, and the
fixtures checked against FtM's own schema (the `followthemoney` package)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model

from graph.ingest.layouts import Kind
from loaders.ftm import Entity, is_ftm, org_key, person_key, ratio_of_percentage, scan

DATA = Path(__file__).parents[1] / "data" / "ftm"
SANCTIONS = DATA / "sanctions-graph.ftm.json"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.*json")), ids=lambda p: p.name)
def test_fixtures_follow_the_ftm_schema(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        schema = model.get(data["schema"])
        assert schema is not None, data["schema"]
        unknown = [p for p in data["properties"] if schema.get(p) is None]
        assert not unknown, (data["id"], unknown)
        proxy = model.get_proxy(data, cleaned=False)
        missing = [p for p in schema.required if not proxy.get(p)]
        assert not missing, (data["id"], missing)


@pytest.mark.parametrize(
    ("text", "ratio"),
    [("51%", "0.51"), ("51", "0.51"), ("51.0", "0.51"), ("0.51", "0.0051"), ("100", "1"),
     ("12,5 %", "0.125")],
)  # fmt: skip
def test_percentage_is_a_percent_as_ftm_documents_it(text: str, ratio: str) -> None:
    assert ratio_of_percentage(text) == ratio


@pytest.mark.parametrize("text", ["146", "-1", "about half", "nan", ""])
def test_a_percentage_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        ratio_of_percentage(text)


def test_detected_by_content_not_by_name(tmp_path: Path) -> None:
    renamed = tmp_path / "export.json"
    renamed.write_bytes(SANCTIONS.read_bytes())
    canonical = tmp_path / "persons.jsonl"
    canonical.write_text('{"person_key": "k", "name": "张三"}\n', encoding="utf-8")
    text = tmp_path / "notes.json"
    text.write_text("not json\n", encoding="utf-8")
    assert is_ftm(renamed)
    assert not is_ftm(canonical) and not is_ftm(text)


def test_person_key_needs_more_than_a_name() -> None:
    assert person_key({"name": "A", "born": "1961"}) == "name=A;born=1961"
    assert person_key({"name": "A"}) is None
    assert person_key({"name": "A"}, "foreign:GB:1") == "name=A;org=foreign:GB:1"
    # An organisation is a last resort: with a birth date it is not part of the key.
    assert person_key({"name": "A", "born": "1961"}, "foreign:GB:1") == "name=A;born=1961"


def test_rows_of_the_sanctions_graph() -> None:
    ftm = scan(SANCTIONS)
    assert ftm.kinds == (
        Kind.DEPARTMENTS, Kind.ORGANIZATIONS, Kind.PERSONS, Kind.OFFICERS, Kind.SHAREHOLDINGS,
        Kind.RECORDS,
    )  # fmt: skip
    assert dict(ftm.unsupported) == {"Family": 1, "Address": 1}
    orgs = {row["ftm_id"]: row["uscc"] for _, (row, _) in ftm.rows(Kind.ORGANIZATIONS, "32")}
    assert orgs == {
        "cg-orion-shipping": "foreign:GB:01234567",  # jurisdiction + registration number
        "cg-orion-maritime": "ftm:cg-orion-maritime",  # neither
        "cg-harbour-trading": "ftm:cg-harbour-trading",
        "cg-jiangsu-ports": "91320214123456788T",  # a valid USCC wins
        "cg-petrov-consulting": "foreign:RU:1027700132195",
        "cg-delta-supplies": "ftm:cg-delta-supplies",
    }
    holdings = [(row.get("uscc"), row["ratio"], [e.reason for e in errors])
                for _, (row, errors) in ftm.rows(Kind.SHAREHOLDINGS, "32")]  # fmt: skip
    assert holdings == [
        ("ftm:cg-orion-maritime", "0.6", []),
        ("ftm:cg-harbour-trading", "0.2", []),
        ("91320214123456788T", "0.0051", []),
        ("foreign:RU:1027700132195", "0.3", []),
        ("ftm:cg-harbour-trading", None, ["out_of_range"]),
    ]
    (_, (anna, _)), _ = list(ftm.rows(Kind.OFFICERS, "32"))
    assert anna == {
        "person_key": "name=Anna Smith;org=foreign:GB:01234567",
        "uscc": "foreign:GB:01234567",
        "role": "chairman",
        "since": "2018-01-01",
        "until": None,
    }
    records = {row["record_id"]: (row["level"], row["decided_on"], row["basis"])
               for _, (row, _) in ftm.rows(Kind.RECORDS, "32")}  # fmt: skip
    assert records["ftm:cg-sanction-orion"] == ("severe", "2022-02-24", "UKRAINE-EO13662")
    assert records["ftm:cg-risk-delta"] == ("serious", "2021-06-01", "Fraudulent practice")
    assert [r["name"] for _, (r, _) in ftm.rows(Kind.DEPARTMENTS, "32")] == [
        "Office of Foreign Assets Control", "HM Treasury", "World Bank",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("properties", "key"),
    [({"jurisdiction": ["cn"], "registrationNumber": ["320200000012346"]}, "reg:320200000012346"),
     ({"jurisdiction": ["cn"], "registrationNumber": ["74555531-8"]}, "orgcode:745555318"),
     ({"jurisdiction": ["cn"], "ticker": ["600000"]}, "listed:600000.SH"),
     ({"jurisdiction": ["cn"], "registrationNumber": ["12345"]}, "ftm:x"),  # no Chinese kind
     ({"jurisdiction": ["gb"], "registrationNumber": ["0123 4567"]}, "foreign:GB:01234567"),
     ({"jurisdiction": ["zz"], "registrationNumber": ["1"]}, "ftm:x"),  # no such jurisdiction
     ({"registrationNumber": ["1"]}, "ftm:x"),
     ({"taxNumber": ["foreign:GB:1"]}, "ftm:x")],  # a colon is never read as a key prefix
)  # fmt: skip
def test_organisation_keys(properties: dict[str, list[str]], key: str) -> None:
    assert org_key(Entity(1, "x", "Company", properties)) == key
