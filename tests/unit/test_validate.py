"""Validation: raw canonical rows in, write parameters or named reasons out. Pure, no graph."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.identifiers import make_id_number, mask_id_number, pid_for, surrogate_pid
from graph.ingest.layouts import LAYOUTS, Kind
from graph.ingest.validate import (
    Context,
    Invalid,
    Ref,
    Target,
    Valid,
    contains_id_number,
    quote,
    validate,
)
from graph.linkage.keys import linkage_key
from tests.utils.canonical import id_number, small_province, uscc

KEY = b"test-pid-key"
CTX = Context(pid_key=KEY, province="32", today=datetime.date(2026, 11, 1))
K = "name=张三;gender=m"  # a person known by key
ORG = uscc(1)
BROKEN_ORG = ORG[:-1] + ("0" if ORG[-1] != "0" else "1")


def valid(kind: Kind, row: dict[str, str | None]) -> Valid:
    result = validate(kind, row, CTX)
    assert isinstance(result, Valid), result
    return result


def reasons(kind: Kind, row: dict[str, str | None]) -> list[tuple[str, str]]:
    result = validate(kind, row, CTX)
    assert isinstance(result, Invalid), result
    return [(e.field, e.reason) for e in result.errors]


def test_every_row_of_the_small_province_is_valid() -> None:
    for kind, rows in small_province().rows.items():
        for row in rows:
            valid(kind, row)


# --------------------------------------------------------------------------- organizations


def test_organization_params() -> None:
    result = valid(
        Kind.ORGANIZATIONS,
        {"uscc": f" {ORG.lower()} ", "name": "某公司", "region_code": "320505",
         "established_on": "2010-03-04", "registered_capital": "500", "hub": "TRUE"},
    )  # fmt: skip
    assert result.params == {
        "uscc": ORG,
        "props": {"name": "某公司", "key_kind": "uscc", "org_code": ORG[8:17],
                  "registered_capital": 500.0, "hub": True, "region_code": "320505",
                  "province": "32"},
        "established_on": datetime.date(2010, 3, 4),
        "region": "3205",
    }  # fmt: skip
    assert result.refs == ()


def test_broken_uscc_is_rejected_by_check_character() -> None:
    assert reasons(Kind.ORGANIZATIONS, {"uscc": BROKEN_ORG, "name": "x"}) == [
        ("uscc", "check_char_18")
    ]


def test_allow_listed_pilot_code_passes() -> None:
    ctx = Context(KEY, "32", CTX.today, frozenset({"91350100M0001TGQXM"}))
    result = validate(Kind.ORGANIZATIONS, {"uscc": "91350100M0001TGQXM", "name": "x"}, ctx)
    assert isinstance(result, Valid)


def test_region_is_taken_from_the_uscc_when_absent() -> None:
    params = valid(Kind.ORGANIZATIONS, {"uscc": uscc(9, "320214"), "name": "x"}).params
    assert (params["props"]["region_code"], params["region"]) == ("320214", "3202")


@pytest.mark.parametrize(
    ("code", "node"),
    [("3205", "3205"), ("320000", "32"), ("310115", "310115"), ("110105", None)],
)
def test_region_nodes(code: str, node: str | None) -> None:
    params = valid(Kind.ORGANIZATIONS, {"uscc": ORG, "name": "x", "region_code": code}).params
    assert params["region"] == node
    assert params["props"]["province"] == code[:2]


def test_listed_company_key() -> None:
    params = valid(Kind.ORGANIZATIONS, {"uscc": "listed:000001", "name": "某银行"}).params
    assert params["uscc"] == "listed:000001.SZ"
    assert params["props"]["key_kind"] == "listed"
    assert (params["props"]["stock_code"], params["props"]["exchange"]) == ("000001", "SZ")
    assert "region_code" not in params["props"] and "org_code" not in params["props"]
    assert reasons(Kind.ORGANIZATIONS, {"uscc": "listed:1", "name": "x"}) == [("uscc", "exchange")]
    assert reasons(
        Kind.ORGANIZATIONS, {"uscc": "listed:000001", "name": "x", "stock_code": "000002"}
    ) == [("stock_code", "mismatch")]
    same = {"uscc": "listed:000001.SZ", "name": "x", "stock_code": "SZ000001"}
    assert valid(Kind.ORGANIZATIONS, same).params["props"]["stock_code"] == "000001"


def test_a_uscc_organisation_with_a_stock_code_gets_its_exchange() -> None:
    row = {"uscc": ORG, "name": "某银行", "stock_code": "0700.HK"}
    props = valid(Kind.ORGANIZATIONS, row).params["props"]
    assert (props["stock_code"], props["exchange"]) == ("00700", "HK")
    assert reasons(Kind.ORGANIZATIONS, {**row, "stock_code": "12"}) == [("stock_code", "exchange")]


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("orgcode:74555531-8", "orgcode"),
        ("reg:330106000129004", "reg"),
        ("foreign:GB:01234567", "foreign"),
        ("ftm:NK-abc", "ftm"),
        ("name:CN:某某有限责任公司", "name"),
    ],
)
def test_organisations_of_every_key_kind(key: str, kind: str) -> None:
    params = valid(Kind.ORGANIZATIONS, {"uscc": key, "name": "某公司"}).params
    assert params["props"]["key_kind"] == kind and "org_code" not in params["props"]
    holding = {"holder_uscc": key, "uscc": ORG, "ratio": "0.2"}
    assert valid(Kind.SHAREHOLDINGS, holding).params["holder"] == params["uscc"]


def test_an_organisation_key_rejection_names_its_reason() -> None:
    assert reasons(Kind.ORGANIZATIONS, {"uscc": "reg:330106000129005", "name": "x"}) == [
        ("uscc", "check_char")
    ]
    assert reasons(Kind.ORGANIZATIONS, {"uscc": "tax:123", "name": "x"}) == [("uscc", "prefix")]


def test_a_person_key_is_global_and_its_birth_gives_adult_on() -> None:
    one = valid(Kind.PERSONS, {"person_key": "name=周某;born=2009-06-01", "name": "周某"}).params
    two = valid(Kind.OFFICERS, {"person_key": " born=2009-06-01;name=周 某", "uscc": ORG,
                                "role": "director"}).params  # fmt: skip
    assert one["pid"] == two["pid"] == surrogate_pid("name=周某;born=2009-06-01", KEY)
    assert one["props"]["adult_on"] == datetime.date(2027, 6, 1)
    year = valid(Kind.PERSONS, {"person_key": "name=周某;born=2009", "name": "周某"}).params
    assert year["props"]["adult_on"] == datetime.date(2027, 12, 31)
    assert reasons(Kind.PERSONS, {"person_key": "周某|男|50", "name": "周某"}) == [
        ("person_key", "part")
    ]
    assert reasons(Kind.PERSONS, {"person_key": "name=周某", "name": "周某"}) == [
        ("person_key", "too_few_parts")
    ]


def test_every_problem_of_a_row_is_named() -> None:
    row = {"uscc": BROKEN_ORG, "name": None, "kind": "company", "status": "dead",
           "established_on": "2030-01-01", "registered_capital": "-5", "hub": "是",
           "region_code": "99"}  # fmt: skip
    assert sorted(reasons(Kind.ORGANIZATIONS, row)) == [
        ("established_on", "future_date"),
        ("hub", "boolean"),
        ("kind", "not_allowed"),
        ("name", "missing"),
        ("region_code", "region"),
        ("registered_capital", "out_of_range"),
        ("status", "not_allowed"),
        ("uscc", "check_char_18"),
    ]


@pytest.mark.parametrize("value", ["2020-13-01", "2020/01/01", "20200101", "1899-12-31"])
def test_bad_dates(value: str) -> None:
    assert reasons(Kind.ORGANIZATIONS, {"uscc": ORG, "name": "x", "established_on": value}) == [
        ("established_on", "date")
    ]


# --------------------------------------------------------------------------- persons


def test_id_number_becomes_pid_and_mask_at_once() -> None:
    raw = id_number(5)
    params = valid(Kind.PERSONS, {"id_number": raw.lower(), "name": "赵一"}).params
    assert params["pid"] == pid_for(raw, KEY)
    # Born 1960-01-06: only the day the person turns 18 is kept (minors are never listed).
    assert params["props"] == {
        "name": "赵一", "id_masked": mask_id_number(raw), "adult_on": datetime.date(1978, 1, 6),
    }  # fmt: skip
    assert raw not in repr(params)


def test_an_id_number_gives_the_linkage_keys_of_every_configured_version() -> None:
    ctx = dataclasses.replace(
        CTX, linkage_secrets=(("v1", b"one"), ("v2", b"two")), linkage_current="v2"
    )
    raw = id_number(5)
    result = validate(Kind.PERSONS, {"id_number": raw, "name": "赵一"}, ctx)
    assert isinstance(result, Valid), result

    props = result.params["props"]
    assert props["linkage_keys"] == [
        linkage_key(raw, "v1", b"one"),
        linkage_key(raw, "v2", b"two"),
    ]
    assert props["linkage_key"] == linkage_key(raw, "v2", b"two")  # the looked-up one
    assert raw not in repr(result.params)
    surrogate = validate(Kind.PERSONS, {"person_key": "name=孙三;born=1975", "name": "孙三"}, ctx)
    assert isinstance(surrogate, Valid) and "linkage_keys" not in surrogate.params["props"]


def test_person_key_becomes_a_surrogate_in_its_own_namespace() -> None:
    params = valid(Kind.PERSONS, {"person_key": "name=孙三;born=1975", "name": "孙三"}).params
    assert params["pid"] == surrogate_pid("name=孙三;born=1975", KEY)
    assert params["pid"].startswith("s:")
    assert "id_masked" not in params["props"]


def test_adult_on_without_an_id_number() -> None:
    # A surrogate-keyed person with a birth year only is a minor until the last day of the
    # year they turn 18 (no one who may be a minor counts as an adult); with neither an ID
    # number nor a birth year, the age is unknown and the person counts as an adult.
    keyed = {"person_key": "name=钱四;gender=f", "name": "钱四"}
    props = valid(Kind.PERSONS, {**keyed, "birth_year": "2009"}).params["props"]
    assert props["adult_on"] == datetime.date(2027, 12, 31) and "birth_year" not in props
    assert "adult_on" not in valid(Kind.PERSONS, keyed).params["props"]
    assert reasons(Kind.PERSONS, {**keyed, "birth_year": "20x9"}) == [
        ("birth_year", "out_of_range")
    ]
    # Born on 29 February: adult on 1 March of a common year.
    leap = make_id_number("320102", datetime.date(2008, 2, 29), 3)
    assert valid(Kind.PERSONS, {"id_number": leap, "name": "x"}).params["props"]["adult_on"] == (
        datetime.date(2026, 3, 1)
    )


def test_person_needs_exactly_one_of_id_number_and_key() -> None:
    assert reasons(Kind.PERSONS, {"name": "x"}) == [("id_number", "missing")]
    assert reasons(Kind.PERSONS, {"id_number": id_number(1), "person_key": K, "name": "x"}) == [
        ("id_number", "ambiguous")
    ]


def test_invalid_id_number_is_named_masked() -> None:
    raw = id_number(7)
    broken = raw[:17] + ("0" if raw[17] != "0" else "1")
    result = validate(Kind.PERSONS, {"id_number": broken, "name": "x"}, CTX)
    assert isinstance(result, Invalid)
    [error] = result.errors
    assert (error.field, error.reason) == ("id_number", "check_char_18")
    assert broken not in error.message
    assert broken[:4] + "*" * 10 + broken[14:] in error.message


@pytest.mark.parametrize("field", ["name", "person_key"])
def test_an_id_number_in_a_text_field_is_refused(field: str) -> None:
    row = {"person_key": K, "name": "x", field: f"备注{id_number(3)}"}
    assert reasons(Kind.PERSONS, row) == [(field, "contains_id_number")]


# --------------------------------------------------------------------------- relationships


def test_relationship_rows_list_their_references() -> None:
    raw = id_number(1)
    result = valid(Kind.OFFICERS, {"id_number": raw, "uscc": ORG, "role": "chairman"})
    pid = pid_for(raw, KEY)
    assert result.params == {"pid": pid, "uscc": ORG, "role": "chairman", "since": None,
                             "until": None, "period": None}  # fmt: skip
    assert result.refs == (
        Ref("id_number", Target.PERSON, pid),
        Ref("uscc", Target.ORGANIZATION, ORG),
    )


def test_officer_role_is_from_the_value_set() -> None:
    row = {"person_key": K, "uscc": ORG, "role": "董事长"}
    assert reasons(Kind.OFFICERS, row) == [("role", "not_allowed")]


def test_period_must_not_end_before_it_starts() -> None:
    row = {"person_key": K, "uscc": ORG, "since": "2020-01-02", "until": "2020-01-01"}
    assert reasons(Kind.LEGAL_REPS, row) == [("until", "before_start")]


@pytest.mark.parametrize(("ratio", "reason"), [("1.7", "out_of_range"), ("-0.1", "out_of_range"),
                                               ("30%", "number"), ("nan", "number"),
                                               (None, "missing")])  # fmt: skip
def test_ratio_in_unit_interval(ratio: str | None, reason: str) -> None:
    row = {"holder_uscc": uscc(2), "uscc": ORG, "ratio": ratio}
    assert reasons(Kind.SHAREHOLDINGS, row) == [("ratio", reason)]


def test_holder_is_exactly_one_subject_and_not_the_firm_itself() -> None:
    assert reasons(Kind.SHAREHOLDINGS, {"uscc": ORG, "ratio": "0.2"}) == [
        ("holder_uscc", "missing")
    ]
    both = {"holder_uscc": uscc(2), "holder_person_key": K, "uscc": ORG, "ratio": "0.2"}
    assert reasons(Kind.SHAREHOLDINGS, both) == [("holder_uscc", "ambiguous")]
    itself = {"holder_uscc": ORG, "uscc": ORG, "ratio": "0.2"}
    assert reasons(Kind.SHAREHOLDINGS, itself) == [("holder_uscc", "self_reference")]


def test_person_holder() -> None:
    params = valid(Kind.SHAREHOLDINGS, {"holder_person_key": K, "uscc": ORG, "ratio": "1"}).params
    assert params["holder"] == surrogate_pid(K, KEY)
    assert params["ratio"] == 1.0


def test_branch_is_not_its_own_head() -> None:
    assert reasons(Kind.BRANCHES, {"branch_uscc": ORG, "head_uscc": ORG}) == [
        ("head_uscc", "self_reference")
    ]


def test_licence_occupation_from_reference_data() -> None:
    row = {"person_key": K, "occupation_code": "astronaut"}
    assert reasons(Kind.LICENCES, row) == [("occupation_code", "not_allowed")]
    ok = valid(Kind.LICENCES, {"person_key": K, "occupation_code": "lawyer"})
    assert [r.target for r in ok.refs] == [Target.PERSON]


# --------------------------------------------------------------------------- records

RECORD = {"record_id": "R1", "subject_uscc": ORG, "list": "black", "level": "severe",
          "authority": "JS-SWJ", "basis": "苏税罚〔2025〕1号",
          "decided_on": "2025-06-01"}  # fmt: skip


def test_record_params_and_references() -> None:
    result = valid(Kind.RECORDS, RECORD)
    assert result.params["props"] == {"list": "black", "level": "severe", "authority": "JS-SWJ",
                                      "basis": "苏税罚〔2025〕1号"}  # fmt: skip
    assert result.decided_on == datetime.date(2025, 6, 1)
    assert {r.target for r in result.refs} == {Target.ORGANIZATION, Target.DEPARTMENT}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"level": "extreme"}, [("level", "not_allowed")]),
        ({"level": None}, [("level", "missing")]),
        ({"list": "red"}, [("level", "not_allowed")]),
        ({"list": "grey"}, [("list", "not_allowed")]),
        ({"decided_on": "2027-01-01"}, [("decided_on", "future_date")]),
        ({"publish_from": "2025-06-01", "publish_until": "2025-05-01"},
         [("publish_until", "before_start")]),
        ({"status": "deleted"}, [("status", "not_allowed")]),
        ({"source_province": "11"}, [("source_province", "not_allowed")]),
        ({"basis": None, "authority": None}, [("authority", "missing"), ("basis", "missing")]),
        ({"subject_uscc": None}, [("subject_uscc", "missing")]),
    ],
)  # fmt: skip
def test_record_rules(change: dict[str, str | None], expected: list[tuple[str, str]]) -> None:
    assert sorted(reasons(Kind.RECORDS, {**RECORD, **change})) == expected


def test_red_record_without_level() -> None:
    params = valid(Kind.RECORDS, {**RECORD, "list": "red", "level": None}).params
    assert "level" not in params["props"]


# --------------------------------------------------------------------------- privacy


def test_quote_masks_long_digit_runs() -> None:
    raw = id_number(3)
    assert raw not in quote(f"x{raw}y")
    assert quote("1.7") == "'1.7'"
    assert len(quote("长" * 100)) < 50


def test_contains_id_number_finds_overlapping_windows() -> None:
    raw = id_number(4)
    assert contains_id_number("1" + raw)
    assert not contains_id_number("320000123456")
    assert not contains_id_number(raw[:17] + ("0" if raw[17] != "0" else "1"))


ID_FIELDS = st.sampled_from(
    sorted({c for layout in LAYOUTS.values() for c in layout.columns} - {"gender", "birth_year"})
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(Kind)),
    field=ID_FIELDS,
    n=st.integers(0, 20_000),
    mangle=st.sampled_from(["as is", "check", "prefix", "suffix"]),
)
def test_no_message_quotes_an_id_number(kind: Kind, field: str, n: int, mangle: str) -> None:
    """Whatever field an ID number lands in, and however mangled, no message shows it."""
    raw = id_number(n % 20_000)
    value = {
        "as is": raw,
        "check": raw[:17] + ("0" if raw[17] != "0" else "1"),
        "prefix": "A" + raw,
        "suffix": raw + "0",
    }[mangle]
    result = validate(kind, {field: value}, CTX)
    if isinstance(result, Invalid):
        for error in result.errors:
            assert raw[6:14] not in error.message, error
            assert value not in error.message, error
    else:
        assert value not in repr(result.params)
