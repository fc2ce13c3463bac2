"""USCC, resident ID, region code and pid rules, from domain.md's worked examples outward.

No raw ID number appears here except domain.md's published example; every other one is
built with make_id_number or derived from the example.
"""

from __future__ import annotations

import datetime
import doctest
import hashlib
import hmac
import pickle
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graph.identifiers
from graph.identifiers import (
    ID_PROVINCE_CODES,
    USCC_ALPHABET,
    InvalidIdentifier,
    id_check_char,
    linkage_surrogate_pid,
    make_id_number,
    make_uscc,
    mask_id_number,
    normalise_org_name,
    org_code_check_char,
    person_key_parts,
    pid_and_mask,
    pid_for,
    scrub,
    surrogate_pid,
    uscc_check_char,
    validate_id_number,
    validate_listed_code,
    validate_org_key,
    validate_person_key,
    validate_region_code,
    validate_uscc,
)

PUBLISHED_ID = "11010519491231002X"  # domain.md's example (GB 11643's own)
FUJIAN_PILOT = "91350100M0001TGQXM"
VALID_USCCS = [
    "91320214745555318W",
    "91110000600037341L",
    "91310115MA1K3BTP2B",
    "91340600MA2PBM9HXD",
    "121200004013590816",
]
KEY = b"test-pid-key"
TODAY = datetime.date.today()

bounded = settings(max_examples=200, deadline=None)


def rejects(
    validate: Callable[[str], str], value: str, kind: str, reason: str, *fragments: str
) -> InvalidIdentifier:
    """Assert ``validate(value)`` raises with this kind and reason and a message naming each
    fragment; for ID numbers, also that the message hides the number's middle."""
    with pytest.raises(InvalidIdentifier) as caught:
        validate(value)
    error = caught.value
    assert (error.kind, error.reason) == (kind, reason), str(error)
    for fragment in fragments:
        assert fragment in str(error)
    if kind == "id_number" and len(value) == 18:
        assert value[4:14] not in str(error)
    return error


# --------------------------------------------------------------------------- USCC examples


@pytest.mark.parametrize("code", VALID_USCCS)
def test_domain_examples_are_valid_usccs(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("first16", "authority", "category", "code"),
    [(c[2:16], c[0], c[1], c) for c in VALID_USCCS],
)
def test_make_uscc_rebuilds_domain_examples(
    first16: str, authority: str, category: str, code: str
) -> None:
    assert make_uscc(first16[:6], first16[6:], authority, category) == code


def test_char_17_uses_gb11714_letter_values_not_the_uscc_alphabet() -> None:
    # MA1K3BTP: with USCC-alphabet values (M=21, K=19, T=26, P=23) the check would be '9'.
    assert org_code_check_char("MA1K3BTP") == "2"
    assert org_code_check_char("MA2PBM9H") == "X"
    assert org_code_check_char("74555531") == "8"


def test_org_code_check_maps_eleven_to_zero() -> None:
    # 8 * 2 = 16 → 11 - 16 mod 11 = 6; 2 * 3 = 6 → 11 - 6 = 5; 0 → 11 → '0'.
    assert org_code_check_char("00000008") == "6"
    assert org_code_check_char("20000000") == "5"
    assert org_code_check_char("00000000") == "0"


def test_uscc_is_normalised() -> None:
    assert validate_uscc("  91310115ma1k3btp2b\n") == "91310115MA1K3BTP2B"
    # Full-width forms, as exported by Chinese-language spreadsheets.
    assert validate_uscc("９１３２０２１４７４５５５５３１８Ｗ") == "91320214745555318W"


def test_fujian_pilot_code_needs_the_allow_list() -> None:
    rejects(validate_uscc, FUJIAN_PILOT, "uscc", "check_char_18", "18", "'M'", "'1'")
    assert validate_uscc(FUJIAN_PILOT, allow_list=[FUJIAN_PILOT]) == FUJIAN_PILOT
    assert validate_uscc(FUJIAN_PILOT.lower(), allow_list={f" {FUJIAN_PILOT.lower()}"}) == (
        FUJIAN_PILOT
    )


def test_allow_list_does_not_excuse_length_or_alphabet() -> None:
    short = FUJIAN_PILOT[:17]
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(short, allow_list=[short])
    assert caught.value.reason == "length"


# The check characters as the standards define them, term by term, against the lookup
# tables the module computes them with.


@bounded
@given(st.text(USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_is_gb32100s_weighted_sum(first17: str) -> None:
    total = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    assert uscc_check_char(first17) == USCC_ALPHABET[(31 - total % 31) % 31]


@bounded
@given(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_org_code_check_char_is_gb11714s_weighted_sum(body8: str) -> None:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(body8, weights, strict=True))
    check = 11 - total % 11
    assert org_code_check_char(body8) == {10: "X", 11: "0"}.get(check, str(check))


# --------------------------------------------------------------------------- USCC failures


def test_uscc_length() -> None:
    error = rejects(validate_uscc, "9132021474555531W", "uscc", "length")
    assert str(error) == "USCC must be 18 characters, got 17"


def test_uscc_alphabet_names_position_and_character() -> None:
    error = rejects(validate_uscc, "9132I214745555318W", "uscc", "alphabet")
    assert str(error) == "USCC character 5 'I' is not in the USCC alphabet"


def test_uscc_char_17() -> None:
    error = rejects(validate_uscc, "91320214745555319W", "uscc", "check_char_17")
    assert str(error) == "USCC check character 17 is '9', expected '8'"


def test_uscc_char_18() -> None:
    error = rejects(validate_uscc, "91320214745555318X", "uscc", "check_char_18")
    assert str(error) == "USCC check character 18 is 'X', expected 'W'"


def test_uscc_message_never_quotes_an_id_number_put_in_the_wrong_column() -> None:
    rejects(validate_uscc, PUBLISHED_ID, "uscc", "check_char_17")
    assert PUBLISHED_ID not in str(rejects(validate_uscc, PUBLISHED_ID + "0", "uscc", "length"))


def test_uscc_check_char_refuses_bad_input() -> None:
    with pytest.raises(InvalidIdentifier, match="17 characters"):
        uscc_check_char("9132021474555531")
    with pytest.raises(InvalidIdentifier, match="character 3 'O'"):
        uscc_check_char("91O20214745555318")


# --------------------------------------------------------------------------- USCC properties


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    return make_uscc(
        draw(st.text("0123456789", min_size=6, max_size=6)),
        draw(st.text(USCC_ALPHABET, min_size=8, max_size=8)),
        draw(st.sampled_from(USCC_ALPHABET)),
        draw(st.sampled_from(USCC_ALPHABET)),
    )


@bounded
@given(valid_usccs())
def test_generated_usccs_are_valid(code: str) -> None:
    assert len(code) == 18
    assert validate_uscc(code) == code


# The alphabet, its five excluded letters, lower case and punctuation.
USCC_SUBSTITUTES = USCC_ALPHABET + "IOSVZ" + "abcioz" + " -*/."


@bounded
@given(valid_usccs(), st.integers(0, 17), st.sampled_from(USCC_SUBSTITUTES))
def test_any_single_substitution_breaks_a_uscc(code: str, position: int, new: str) -> None:
    if new.upper() == code[position]:
        new = "I"  # never in a valid code, so still a substitution
    changed = code[:position] + new + code[position + 1 :]
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(changed)
    assert caught.value.kind == "uscc"


# --------------------------------------------------------------------------- ID numbers


def _with_check_char(first17: str) -> str:
    """Complete a body with its correct check character, so only the body's flaw shows."""
    return first17 + id_check_char(first17)


def test_published_example_is_valid() -> None:
    assert validate_id_number(PUBLISHED_ID) == PUBLISHED_ID
    assert validate_id_number(f" {PUBLISHED_ID.lower()} ") == PUBLISHED_ID
    assert id_check_char(PUBLISHED_ID[:17]) == "X"


def test_make_id_number_rebuilds_published_example() -> None:
    assert make_id_number("110105", datetime.date(1949, 12, 31), 2) == PUBLISHED_ID


@pytest.mark.parametrize("province", ["31", "32", "33", "34"])
def test_delta_provinces_pass(province: str) -> None:
    number = make_id_number(province + "0101", datetime.date(1990, 1, 1), 11)
    assert validate_id_number(number) == number


def test_id_length_never_quotes_the_input() -> None:
    error = rejects(validate_id_number, PUBLISHED_ID[:17], "id_number", "length", "got 17")
    assert PUBLISHED_ID[:17] not in str(error)


def test_id_alphabet() -> None:
    number = PUBLISHED_ID[:6] + "A" + PUBLISHED_ID[7:]
    rejects(validate_id_number, number, "id_number", "alphabet", "character 7 'A'")


def test_id_check_character_must_be_digit_or_x() -> None:
    rejects(validate_id_number, PUBLISHED_ID[:17] + "Y", "id_number", "alphabet", "'Y'")


def test_id_unknown_province() -> None:
    number = _with_check_char("99" + PUBLISHED_ID[2:17])
    rejects(validate_id_number, number, "id_number", "region", "'99'")


@pytest.mark.parametrize(
    "birth",
    [
        "19491331",  # month 13
        "19490230",  # 30 February
        "18991231",  # before 1900
        f"{TODAY + datetime.timedelta(days=1):%Y%m%d}",  # tomorrow
    ],
)
def test_id_birth_date(birth: str) -> None:
    number = _with_check_char("320102" + birth + "123")
    rejects(validate_id_number, number, "id_number", "birth_date", "characters 7–14")


def test_id_check_char_names_position_and_expected_and_masks() -> None:
    number = PUBLISHED_ID[:17] + "1"
    error = rejects(validate_id_number, number, "id_number", "check_char_18")
    assert str(error) == "ID number 1101**********0021: check character 18 is '1', expected 'X'"


def test_make_id_number_refuses_what_it_cannot_build() -> None:
    with pytest.raises(ValueError, match="0–999"):
        make_id_number("320102", datetime.date(1990, 1, 1), 1000)
    with pytest.raises(InvalidIdentifier) as caught:
        make_id_number("320102", TODAY + datetime.timedelta(days=1), 1)
    assert caught.value.reason == "birth_date"


@bounded
@given(st.text("0123456789", min_size=17, max_size=17))
def test_id_check_char_is_gb11643s_weighted_sum(first17: str) -> None:
    total = sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(first17))
    assert id_check_char(first17) == "10X98765432"[total % 11]


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    return make_id_number(
        draw(st.sampled_from(sorted(ID_PROVINCE_CODES)))
        + draw(st.text("0123456789", min_size=4, max_size=4)),
        draw(st.dates(datetime.date(1900, 1, 1), TODAY)),
        draw(st.integers(0, 999)),
    )


@bounded
@given(valid_id_numbers())
def test_generated_id_numbers_are_valid(number: str) -> None:
    assert validate_id_number(number) == number


@bounded
@given(valid_id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_substitution_breaks_an_id_number(number: str, position: int, new: str) -> None:
    if position < 17 and new == "X":
        new = "0"
    if new == number[position]:
        new = "1" if new == "0" else "0"
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(InvalidIdentifier) as caught:
        validate_id_number(changed)
    assert caught.value.kind == "id_number"
    assert changed[4:14] not in str(caught.value)


# --------------------------------------------------------------------------- masking, pids


def test_mask_matches_domain_form() -> None:
    assert mask_id_number(PUBLISHED_ID) == "1101**********002X"
    assert mask_id_number(PUBLISHED_ID.lower()) == "1101**********002X"
    with pytest.raises(InvalidIdentifier):
        mask_id_number(PUBLISHED_ID[:17])


@bounded
@given(valid_id_numbers())
def test_mask_never_reveals_the_middle(number: str) -> None:
    masked = mask_id_number(number)
    assert masked == number[:4] + "*" * 10 + number[14:]


def test_pid_is_hmac_sha256_of_the_normalised_number() -> None:
    expected = hmac.new(KEY, PUBLISHED_ID.encode(), hashlib.sha256).hexdigest()
    assert pid_for(PUBLISHED_ID, KEY) == expected
    assert pid_for(PUBLISHED_ID.lower(), KEY) == expected


def test_pid_and_mask_validate_once_and_agree_with_pid_for_and_mask() -> None:
    raw = f" {PUBLISHED_ID.lower()} "
    assert pid_and_mask(raw, KEY) == (pid_for(raw, KEY), mask_id_number(raw))
    assert pid_and_mask(raw, KEY) == pid_and_mask(PUBLISHED_ID, KEY)  # the keyed HMAC is reused
    with pytest.raises(InvalidIdentifier):
        pid_and_mask(PUBLISHED_ID[:17] + "1", KEY)
    with pytest.raises(ValueError, match="empty"):
        pid_and_mask(PUBLISHED_ID, b"")


def test_pid_refuses_invalid_numbers_and_empty_keys() -> None:
    with pytest.raises(InvalidIdentifier):
        pid_for(PUBLISHED_ID[:17] + "1", KEY)
    with pytest.raises(ValueError, match="empty"):
        pid_for(PUBLISHED_ID, b"")
    with pytest.raises(ValueError, match="empty"):
        surrogate_pid("name=张三;born=1970", b"")


@bounded
@given(valid_id_numbers(), st.binary(min_size=1, max_size=64), st.binary(min_size=1))
def test_pid_is_deterministic_and_key_dependent(number: str, key: bytes, other: bytes) -> None:
    pid = pid_for(number, key)
    assert pid == pid_for(number, key)
    assert len(pid) == 64 and set(pid) <= set("0123456789abcdef")
    if other != key:
        assert pid_for(number, other) != pid


def test_surrogate_pid_is_global_over_the_canonical_person_key() -> None:
    message = "person|name=张三;born=1970;gender=m".encode()
    expected = "s:" + hmac.new(KEY, message, hashlib.sha256).hexdigest()
    # The same facts, in any order and spelling, from any source: the same person.
    assert surrogate_pid("name=张三;born=1970;gender=m", KEY) == expected
    assert surrogate_pid(" gender=男 ; name=张 三;born=1970", KEY) == expected
    assert surrogate_pid("name=张三;born=1971;gender=m", KEY) != expected


def test_linkage_surrogates_keep_their_stored_form_apart_from_person_keys() -> None:
    message = b"surrogate|linkage|v1:abc"
    expected = "s:" + hmac.new(KEY, message, hashlib.sha256).hexdigest()
    assert linkage_surrogate_pid("v1:abc", KEY) == expected


@bounded
@given(
    valid_id_numbers(),
    st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=10),
    st.integers(1900, 2000),
)
def test_surrogate_never_equals_an_id_pid(number: str, name: str, year: int) -> None:
    surrogate = surrogate_pid(f"name={name};born={year}", KEY)
    assert surrogate.startswith("s:")
    assert surrogate != pid_for(number, KEY)


# --------------------------------------------------------------------------- organisation keys

# Real registration numbers (注册号) printed on public company web pages; each passes the
# ISO 7064 MOD 11,10 check of GS 15—2006.
REGISTRATION_NUMBERS = ["330106000129004", "330104000299976", "331127000009583", "110108000000016"]


@pytest.mark.parametrize(
    ("raw", "key", "kind"),
    [
        (" 91320214745555318w ", "91320214745555318W", "uscc"),
        ("orgcode:74555531-8", "orgcode:745555318", "orgcode"),
        ("ORGCODE:745555318", "orgcode:745555318", "orgcode"),
        ("orgcode:MA1K3BTP2", "orgcode:MA1K3BTP2", "orgcode"),  # a USCC's characters 9–17
        *[(f"reg:{n}", f"reg:{n}", "reg") for n in REGISTRATION_NUMBERS],
        ("listed:600000.SH", "listed:600000.SH", "listed"),
        ("listed:600000.sh", "listed:600000.SH", "listed"),
        ("listed:600000", "listed:600000.SH", "listed"),
        ("listed:688981", "listed:688981.SH", "listed"),
        ("listed:000008.SZ", "listed:000008.SZ", "listed"),
        ("listed:300750", "listed:300750.SZ", "listed"),
        ("listed:sz000008", "listed:000008.SZ", "listed"),
        ("listed:830799", "listed:830799.BJ", "listed"),
        ("listed:920118.BJ", "listed:920118.BJ", "listed"),
        ("listed:0700.HK", "listed:00700.HK", "listed"),
        ("listed:00700.hk", "listed:00700.HK", "listed"),
        ("foreign:GB:01234567", "foreign:GB:01234567", "foreign"),
        ("foreign:us: 12-34 56 ", "foreign:US:12-3456", "foreign"),
        ("foreign:XK:70123", "foreign:XK:70123", "foreign"),
        ("ftm:NK-a1b2C3", "ftm:NK-a1b2C3", "ftm"),
        ("name:CN:某某（上海） 有限责任公司", "name:CN:某某(上海)有限公司", "name"),
        ("name:gb:ACME  Trading Ltd", "name:GB:acme trading ltd", "name"),
    ],
)
def test_org_keys_of_every_kind(raw: str, key: str, kind: str) -> None:
    assert validate_org_key(raw) == (key, kind)
    assert validate_org_key(key) == (key, kind)  # canonical forms are fixed points


def test_the_orgcode_of_a_uscc_is_its_characters_9_to_17() -> None:
    for uscc in VALID_USCCS:
        assert validate_org_key(f"orgcode:{uscc[8:17]}") == (f"orgcode:{uscc[8:17]}", "orgcode")


def test_the_uscc_allow_list_applies_to_bare_keys() -> None:
    assert validate_org_key(FUJIAN_PILOT, [FUJIAN_PILOT]) == (FUJIAN_PILOT, "uscc")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("91320214745555318X", "check_char_18"),
        ("330106000129004", "length"),  # a bare 15-digit value is never taken as a key
        ("id:11010519491231002X", "prefix"),
        ("orgcode:74555531-9", "check_char"),
        ("orgcode:7455553", "length"),
        ("orgcode:7455553#8", "alphabet"),
        ("reg:330106000129005", "check_char"),
        ("reg:33010600012900", "length"),
        ("reg:33010600012900A", "alphabet"),
        ("listed:123456", "exchange"),
        ("listed:0700", "exchange"),  # a Hong Kong code names no exchange by itself
        ("listed:600000.SZ", "stock_code"),
        ("listed:600000.NY", "exchange"),
        ("listed:60000a", "stock_code"),
        ("foreign:ZZ:123", "jurisdiction"),
        ("foreign:123", "jurisdiction"),
        ("foreign:GB:12#4", "format"),
        ("foreign:GB:" + "1" * 65, "format"),
        ("ftm:a b", "format"),
        ("name:CN:某", "length"),
        ("name:CN:" + "某" * 201, "length"),
        ("name:XX:某某公司", "jurisdiction"),
        (f"name:CN:某某公司{PUBLISHED_ID}", "contains_id_number"),
    ],
)
def test_org_key_rejections_name_a_reason_and_never_the_value(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_org_key(raw)
    assert (caught.value.kind, caught.value.reason) == ("org_key", reason)
    body = raw.split(":")[-1]
    # Single characters may be quoted (a wrong check character), never the value or a run.
    assert body[:6] not in str(caught.value) or len(body) < 2


def test_listed_codes_infer_their_exchange_only_from_six_digits() -> None:
    assert validate_listed_code("600000") == ("600000", "SH")
    assert validate_listed_code("SH600000") == ("600000", "SH")
    assert validate_listed_code("5.HK") == ("00005", "HK")


def test_org_names_normalise_conservatively() -> None:
    assert normalise_org_name("ＡＢＣ　科技 有限公司") == "abc科技有限公司"
    assert normalise_org_name("某某【集团】股份有限公司") == "某某(集团)股份有限公司"
    # Traditional characters are resolution's business, not the key's.
    assert normalise_org_name("广东发展有限公司") != normalise_org_name("廣東發展有限公司")


# --------------------------------------------------------------------------- person keys


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("name=张三;born=1970", "name=张三;born=1970"),
        ("born=1970-05-01;name= 张 三 ", "name=张三;born=1970-05-01"),
        ("gender=女;name=李四", "name=李四;gender=f"),
        ("name=John  SMITH;gender=Male;nationality=gb", "name=john smith;gender=m;nationality=GB"),
        ("org=listed:000008;name=王五", "name=王五;org=listed:000008.SZ"),
        (
            "org=91320214745555318W;nationality=CN;gender=F;born=1980;name=赵六",
            "name=赵六;born=1980;gender=f;nationality=CN;org=91320214745555318W",
        ),
    ],
)
def test_person_keys_are_canonical_whatever_order_and_spelling(raw: str, canonical: str) -> None:
    assert validate_person_key(raw) == canonical
    assert validate_person_key(canonical) == canonical


def test_person_key_parts_give_the_birth_for_adult_on() -> None:
    assert person_key_parts("name=李四;born=1970-05-01") == {"name": "李四", "born": "1970-05-01"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("emp-007", "part"),  # a source's own opaque key is no global key
        ("name=张三", "too_few_parts"),
        ("born=1970;gender=m", "missing_name"),
        ("name=张三;name=李四", "duplicate"),
        ("name=张三;age=50", "part"),
        ("name=a=b;born=1970", "reserved_character"),
        ("name=张三;born=1899", "born"),
        ("name=张三;born=1970-02-30", "born"),
        (f"name=张三;born={TODAY.year + 1}", "born"),
        ("name=张三;born=70", "born"),
        ("name=张三;gender=x", "gender"),
        ("name=张三;nationality=ZZ", "nationality"),
        ("name=张三;org=listed:123456", "exchange"),
        ("name=;born=1970", "length"),
        (f"name=张三{PUBLISHED_ID};born=1970", "contains_id_number"),
    ],
)
def test_person_key_rejections_name_a_reason_and_never_a_value(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_person_key(raw)
    assert (caught.value.kind, caught.value.reason) == ("person_key", reason)
    for value in ("张三", "1970", "a=b", PUBLISHED_ID[4:-4], "emp-007"):
        assert value not in str(caught.value)


def test_invalid_identifier_survives_pickling() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc("91320214745555318X")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.kind, copy.reason, str(copy)) == ("uscc", "check_char_18", str(caught.value))


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    "code",
    [
        "32",  # Jiangsu
        "3205",  # Suzhou
        "320505",  # a county of Suzhou, via its prefecture
        "320500",  # Suzhou's city code
        "320000",  # Jiangsu's six-digit form
        "310115",  # Pudong, a listed Shanghai district
        "3418",  # Xuancheng
    ],
)
def test_known_regions_pass(code: str) -> None:
    assert validate_region_code(f" {code} ") == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("3214", "region"),  # Jiangsu has 13 prefectures
        ("3409", "region"),  # unused in Anhui
        ("341405", "region"),  # under the unused 3414
        ("310108", "region"),  # not a listed Shanghai district
        ("110105", "region"),  # Beijing is outside the Delta reference
        ("35", "region"),
        ("320", "length"),
        ("32A5", "alphabet"),
    ],
)
def test_unknown_regions_are_named(code: str, reason: str) -> None:
    error = rejects(validate_region_code, code, "region_code", reason)
    if reason == "region":
        assert repr(code) in str(error)


def test_region_message_never_quotes_an_id_number() -> None:
    error = rejects(validate_region_code, PUBLISHED_ID, "region_code", "length")
    assert PUBLISHED_ID not in str(error)


# --------------------------------------------------------------------------- scrubbing


def _uscc_shaped_like_an_id() -> str:
    """A valid, all-digit USCC whose characters also read as an ID number (province 11, born
    1949-12-31): both readings fit."""
    for tail in range(100):
        code = make_uscc("010519", f"491231{tail:02d}", authority="1", category="1")
        if code[:17].isdigit() and code[17] in "0123456789X":
            return code
    raise AssertionError("no such USCC in the range tried")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PUBLISHED_ID, "1101**********002X"),
        (PUBLISHED_ID.lower(), "1101**********002X"),
        (f"异议人{PUBLISHED_ID}称", "异议人1101**********002X称"),
        (f"ID{PUBLISHED_ID}.", "ID1101**********002X."),  # letters do not protect a number
        (PUBLISHED_ID[:17] + "5", "1101**********0025"),  # wrong check character
        ("１１０１０５１９４９１２３１００２Ｘ"[:17] + "X", "1101**********002X"),  # full width
        ("old 110105491231002 id", "old 1101*******1002 id"),  # 15 digits, 1949-12-31
        (f"/s/{PUBLISHED_ID}?q=110105491231002", "/s/1101**********002X?q=1101*******1002"),
    ],
)
def test_scrub_masks_id_shapes(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "121200004013590816",  # all-digit USCC: authority code 1, no birth date in 7–14
        "代码91320214745555318W与91310115MA1K3BTP2B",
        "6222021101051949123100",  # a longer digit run (an account number) stays whole
        "1" + PUBLISHED_ID,
        "320200000012345",  # a registration number: characters 7–12 are no date
        "a" * 64,
        "s:" + "1" * 18 + "a" * 46,  # a pid with a long digit run inside
        "phone 13912345678, amount 1500000",
    ],
)
def test_scrub_keeps_what_is_no_id_number(text: str) -> None:
    assert scrub(text) == text


def test_scrub_masks_a_uscc_that_also_reads_as_an_id_number() -> None:
    code = _uscc_shaped_like_an_id()
    assert validate_uscc(code) == code
    assert scrub(code) == code[:4] + "*" * 10 + code[14:]


@given(
    st.dates(datetime.date(1900, 1, 1), datetime.date(2025, 12, 31)),
    st.integers(0, 999),
    st.text(alphabet="，。 abc:/=&一二", max_size=5),
)
def test_scrub_never_leaves_a_valid_id_number(
    birth: datetime.date, sequence: int, around: str
) -> None:
    number = make_id_number("320102", birth, sequence)
    scrubbed = scrub(around + number + around)
    assert number not in scrubbed and mask_id_number(number) in scrubbed


def test_the_examples_in_the_docstrings_hold() -> None:
    assert doctest.testmod(graph.identifiers).failed == 0
