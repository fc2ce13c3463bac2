"""Identifiers of the credit system: USCC and the other organisation keys, resident ID
numbers, region codes, person ids and person keys.

Pure functions, no I/O. Validation normalises and returns the canonical form, or raises
:class:`InvalidIdentifier` with the kind, a short machine ``reason`` and a human message.

Privacy rule: no message built here ever quotes an input verbatim. A resident ID number is
quoted only masked (:func:`mask_id_number`), and USCC or region-code messages quote single
characters only, because a mis-mapped column can put an ID number in any field.

Examples
--------
>>> validate_uscc(" 91320214745555318w ")
'91320214745555318W'
>>> mask_id_number(validate_id_number("11010519491231002x"))
'1101**********002X'
>>> validate_org_key("listed:000008.sz")
('listed:000008.SZ', 'listed')
>>> validate_person_key("gender=男;name=张 三;born=1960")
'name=张三;born=1960;gender=m'
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import time
import unicodedata
from collections.abc import Collection
from functools import lru_cache
from operator import getitem
from typing import Literal

from graph.errors import InvalidInput
from graph.reference import regions

IdentifierKind = Literal["uscc", "id_number", "region_code", "org_key", "person_key"]
OrgKeyKind = Literal["uscc", "orgcode", "reg", "listed", "foreign", "ftm", "name"]

# --- Unified Social Credit Code (GB 32100-2015).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# --- Organisation code (GB 11714-1997), positions 9–17 of a USCC.
_ORG_CODE_VALUE = {
    **{str(d): d for d in range(10)},
    **{chr(ord("A") + i): 10 + i for i in range(26)},
}
_ORG_CODE_CHARS = frozenset(_ORG_CODE_VALUE)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Indexed by the weighted sum mod 11: the check is 11 - sum mod 11, written X for 10, 0 for 11.
_ORG_CODE_CHECK = "0X987654321"

# --- Resident ID number (GB 11643-1999).
_DIGITS = frozenset("0123456789")
_ID_CHECK = "10X98765432"
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# GB/T 2260 province-level codes, plus 83: residence permits of Hong Kong, Macao and Taiwan
# residents carry address codes 810000/820000/830000 with the same check character, and
# Taiwanese legal representatives are common in Suzhou (Kunshan).
ID_PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {str(p) for p in range(31, 38)}
    | {str(p) for p in range(41, 47)}
    | {str(p) for p in range(50, 55)}
    | {str(p) for p in range(61, 66)}
    | {"71", "81", "82", "83"}
)

_SURROGATE_PREFIX = "s:"


def _weighted_tables(
    values: dict[str, int], weights: tuple[int, ...]
) -> tuple[dict[str, int], ...]:
    """Per position, each character's value already multiplied by that position's weight."""
    # Check characters are computed for every identifier of every row: with these tables a
    # weighted sum is ``sum(map(getitem, tables, chars))``, one lookup per character summed
    # in C, a quarter of the cost of a generator expression multiplying value and weight.
    return tuple({ch: value * weight for ch, value in values.items()} for weight in weights)


_USCC_TABLES = _weighted_tables(_USCC_VALUE, _USCC_WEIGHTS)
_ORG_CODE_TABLES = _weighted_tables(_ORG_CODE_VALUE, _ORG_CODE_WEIGHTS)


class InvalidIdentifier(InvalidInput):
    """An identifier failed validation.

    ``kind`` names the identifier ("uscc", "id_number", "region_code", "org_key",
    "person_key"); ``reason`` is a short machine code ("length", "alphabet", "check_char_17",
    "check_char_18", "birth_date", "region", "prefix", "exchange", …) that loaders put in
    their rejects report next to the human message.
    """

    def __init__(self, kind: IdentifierKind, reason: str, message: str) -> None:
        super().__init__(message, field=kind)
        self.kind: IdentifierKind = kind
        self.reason = reason

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[str, str, str]]:
        # The default pickling replays only the message; loaders hand errors across processes.
        return (type(self), (self.kind, self.reason, str(self)))


def _normalise(value: str) -> str:
    # NFKC folds the full-width digits and letters (９１３２…) common in Excel exports from
    # Chinese-language systems into ASCII before anything is checked.
    return unicodedata.normalize("NFKC", value).strip().upper()


# --------------------------------------------------------------------------- USCC


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character of a USCC from its first 17 characters.

    >>> uscc_check_char("91320214745555318")
    'W'
    """
    if len(first17) != 17:
        raise InvalidIdentifier(
            "uscc", "length", f"USCC body must be 17 characters, got {len(first17)}"
        )
    _require_uscc_alphabet(first17)
    return _uscc_check(first17)


def _uscc_check(first17: str) -> str:
    total = sum(map(getitem, _USCC_TABLES, first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character of an organisation code body (USCC positions 9–16).

    Letters take GB 11714's own values, A=10 … Z=35, not their index in the USCC alphabet.
    The two differ from ``J`` on (``M`` is 22 here, 21 in the USCC alphabet), and only
    GB 11714's values reproduce char 17 of the valid codes ``91310115MA1K3BTP2B`` and
    ``91340600MA2PBM9HXD``; with USCC-alphabet values both fail (they compute 9 and 8).
    Character 17 predates the USCC: it is the check of the organisation code that was
    embedded whole, and the USCC alphabet only restricts which letters may appear.

    >>> org_code_check_char("MA1K3BTP")
    '2'
    """
    if len(body8) != 8:
        raise InvalidIdentifier(
            "uscc", "length", f"organisation code body must be 8 characters, got {len(body8)}"
        )
    if (bad := _first_outside(body8, _ORG_CODE_CHARS, start=9)) is not None:
        position, ch = bad
        raise InvalidIdentifier(
            "uscc", "alphabet", f"USCC character {position} {ch!r} is not a digit or letter A–Z"
        )
    return _org_code_check(body8)


def _org_code_check(body8: str) -> str:
    return _ORG_CODE_CHECK[sum(map(getitem, _ORG_CODE_TABLES, body8)) % 11]


def _require_uscc_alphabet(code: str) -> None:
    if (bad := _first_outside(code, _USCC_CHARS)) is not None:
        position, ch = bad
        raise InvalidIdentifier(
            "uscc", "alphabet", f"USCC character {position} {ch!r} is not in the USCC alphabet"
        )


def _first_outside(text: str, allowed: frozenset[str], start: int = 1) -> tuple[int, str] | None:
    """The first character of ``text`` not in ``allowed``, with its position (counted from
    ``start``); None if there is none, found by one set operation in the common case."""
    if allowed.issuperset(text):
        return None
    return next((position, ch) for position, ch in enumerate(text, start) if ch not in allowed)


def _uscc_check_failure(code: str) -> InvalidIdentifier | None:
    """The first check character of an 18-character USCC-alphabet code that fails, if any."""
    # The USCC alphabet lies within GB 11714's, so the body needs no second alphabet check.
    expected_17 = _org_code_check(code[8:16])
    if code[16] != expected_17:
        return InvalidIdentifier(
            "uscc",
            "check_char_17",
            f"USCC check character 17 is {code[16]!r}, expected {expected_17!r}",
        )
    expected_18 = _uscc_check(code[:17])
    if code[17] != expected_18:
        return InvalidIdentifier(
            "uscc",
            "check_char_18",
            f"USCC check character 18 is {code[17]!r}, expected {expected_18!r}",
        )
    return None


def validate_uscc(code: str, allow_list: Collection[str] = ()) -> str:
    """Validate a Unified Social Credit Code and return it normalised.

    Codes on ``allow_list`` (genuine early pilot codes such as ``91350100M0001TGQXM``) are
    accepted although a check character fails; they must still be 18 characters of the
    USCC alphabet.
    """
    normalised = _normalise(code)
    if len(normalised) != 18:
        raise InvalidIdentifier(
            "uscc", "length", f"USCC must be 18 characters, got {len(normalised)}"
        )
    _require_uscc_alphabet(normalised)
    failure = _uscc_check_failure(normalised)
    # The allow-list is normalised only on failure, so the common path costs nothing.
    if failure is not None and normalised not in {_normalise(c) for c in allow_list}:
        raise failure
    return normalised


def make_uscc(region6: str, org_body8: str, authority: str = "9", category: str = "1") -> str:
    """Build a valid USCC for synthetic data, computing characters 17 and 18.

    >>> make_uscc("320214", "74555531")
    '91320214745555318W'
    """
    if len(region6) != 6 or not set(region6) <= _DIGITS:
        raise InvalidIdentifier("uscc", "region", "USCC region must be 6 digits")
    if len(authority) != 1 or len(category) != 1:
        raise InvalidIdentifier(
            "uscc", "length", "USCC authority and category must be one character each"
        )
    first16 = authority + category + region6 + org_body8
    _require_uscc_alphabet(first16)
    first17 = first16 + org_code_check_char(org_body8)
    return validate_uscc(first17 + uscc_check_char(first17))


# --------------------------------------------------------------------------- organisation keys

# An organisation is keyed by its USCC where it has one, else by one of these typed keys
# (loaders/LAYOUTS.md, "Keys"). Everything but a bare USCC carries its prefix, so no value is
# ever guessed at: a bare 15-digit value could as well be an old-style ID number.
ORG_KEY_PREFIXES: dict[str, OrgKeyKind] = {
    "orgcode": "orgcode",
    "reg": "reg",
    "listed": "listed",
    "foreign": "foreign",
    "ftm": "ftm",
    "name": "name",
}
ORG_CODE_PREFIX = "orgcode:"
REG_PREFIX = "reg:"
LISTED_PREFIX = "listed:"

# ISO 3166-1 alpha-2, plus XK (Kosovo: user-assigned, but what FollowTheMoney and the
# sanctions lists write).
_ALPHA_2 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
JURISDICTIONS = frozenset(_ALPHA_2.split())

# The codes of the companies (A and B shares) each exchange lists. Disjoint, so a bare
# 6-digit code names its exchange: Shanghai 600/601/603/605 (main board), 688/689 (STAR),
# 900 (B); Shenzhen 000–003 (main board), 300/301 (ChiNext), 200 (B); Beijing 43/83/87/88
# (from the NEEQ) and 920 (since 2024); Hong Kong five digits, written zero-filled.
EXCHANGE_CODES: dict[str, re.Pattern[str]] = {
    "SH": re.compile(r"(?:60[0135]|68[89]|900)\d{3}"),
    "SZ": re.compile(r"(?:00[0-3]|30[01]|200)\d{3}"),
    "BJ": re.compile(r"(?:43\d|8[378]\d|920)\d{3}"),
    "HK": re.compile(r"\d{5}"),
}
_LISTED_FORMS = (
    re.compile(r"(?P<code>\d{1,6})(?:\.(?P<exchange>[A-Z]{2}))?"),  # 600000, 600000.SH
    re.compile(r"(?P<exchange>[A-Z]{2})(?P<code>\d{1,6})"),  # SH600000, as many exports write
)
_FOREIGN_NUMBER = re.compile(r"[A-Z0-9./-]{1,64}")
_FTM_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_ORG_NAME_LENGTH = (2, 200)
_PERSON_NAME_MAX = 200

# Characters of the CJK scripts and their punctuation: a space beside one separates nothing
# (Chinese is written without spaces; exports insert them at random).
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")
_SPACES = re.compile(r"\s+")
_BRACKETS = str.maketrans({**{c: "(" for c in "[{【〔〖"}, **{c: ")" for c in "]}】〕〗"}})
# Variants of one legal form, written the conservative way round: 有限责任公司 (Company Law
# art. 3's full name) and 有限公司 name the same form.
_LEGAL_FORMS = (("有限责任公司", "有限公司"),)


def _fold_name(text: str) -> str:
    """A name for comparison: NFKC (full-width letters, digits and brackets to ASCII),
    case-folded, spaces beside CJK characters dropped and other runs collapsed to one."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", _SPACE_BY_CJK.sub("", folded)).strip()


def normalise_org_name(name: str) -> str:
    """An organisation name as ``name:`` keys hold it, so that one firm written two ways is
    one key. Conservative: only differences that never tell two firms apart are removed
    (width, case, spacing, bracket shapes, 有限责任公司/有限公司); traditional and simplified
    characters, and transliterations, are left to resolution.

    >>> normalise_org_name("某某（上海） 有限责任公司")
    '某某(上海)有限公司'
    >>> normalise_org_name("  ACME   Trading  LTD ")
    'acme trading ltd'
    """
    folded = _fold_name(name).translate(_BRACKETS)
    for variant, canonical in _LEGAL_FORMS:
        folded = folded.replace(variant, canonical)
    return folded


def _org_key_error(reason: str, message: str) -> InvalidIdentifier:
    return InvalidIdentifier("org_key", reason, message)


def validate_org_key(raw: str, allow_list: Collection[str] = ()) -> tuple[str, OrgKeyKind]:
    """The canonical form and kind of an organisation key, or :class:`InvalidIdentifier`
    (kind ``org_key``) with the reason. A bare value is a USCC (``allow_list`` as for
    :func:`validate_uscc`); anything else names its kind by a prefix.

    >>> validate_org_key("orgcode:74555531-8")
    ('orgcode:745555318', 'orgcode')
    >>> validate_org_key("listed:0700.hk")
    ('listed:00700.HK', 'listed')
    >>> validate_org_key("foreign:gb:0123 4567")
    ('foreign:GB:01234567', 'foreign')
    >>> validate_org_key("name:CN:某某（上海）有限责任公司")
    ('name:CN:某某(上海)有限公司', 'name')
    """
    value = unicodedata.normalize("NFKC", raw).strip()
    prefix, colon, rest = value.partition(":")
    if not colon:
        try:
            return validate_uscc(value, allow_list), "uscc"
        except InvalidIdentifier as exc:
            raise _org_key_error(exc.reason, str(exc)) from None
    kind = ORG_KEY_PREFIXES.get(prefix.strip().lower())
    if kind is None:
        # The prefix is not quoted: a mis-mapped column may hold anything before a colon.
        raise _org_key_error(
            "prefix",
            "an organisation key is a USCC or one of "
            + ", ".join(f"{p}:…" for p in ORG_KEY_PREFIXES),
        )
    rest = rest.strip()
    if kind == "orgcode":
        return ORG_CODE_PREFIX + validate_org_code(rest), kind
    if kind == "reg":
        return REG_PREFIX + validate_registration_number(rest), kind
    if kind == "listed":
        code, exchange = validate_listed_code(rest)
        return f"{LISTED_PREFIX}{code}.{exchange}", kind
    if kind == "ftm":
        if not _FTM_ID.fullmatch(rest):
            raise _org_key_error(
                "format", "a FollowTheMoney id is 1–128 letters, digits, '.', '_' or '-'"
            )
        return f"ftm:{rest}", kind
    jurisdiction, colon, body = rest.partition(":")
    jurisdiction = jurisdiction.strip().upper()
    if not colon or jurisdiction not in JURISDICTIONS:
        raise _org_key_error(
            "jurisdiction",
            f"a {kind}: key is {kind}:<ISO 3166-1 alpha-2 jurisdiction>:<…>, and the "
            "jurisdiction is not a known one",
        )
    if kind == "foreign":
        number = _SPACES.sub("", body).upper()
        if not _FOREIGN_NUMBER.fullmatch(number):
            raise _org_key_error(
                "format", "a registry number is 1–64 letters, digits, '.', '/' or '-'"
            )
        return f"foreign:{jurisdiction}:{number}", kind
    name = normalise_org_name(body)
    low, high = _ORG_NAME_LENGTH
    if not low <= len(name) <= high:
        raise _org_key_error(
            "length", f"an organisation name is {low}–{high} characters, got {len(name)}"
        )
    if scrub(name) != name:
        raise _org_key_error("contains_id_number", "the name holds a resident ID number")
    return f"name:{jurisdiction}:{name}", kind


def validate_org_code(code: str) -> str:
    """A 9-character organisation code (组织机构代码, GB 11714) without its hyphen, checked.
    A USCC embeds it as characters 9–17 (:func:`org_code_of_uscc`).

    >>> validate_org_code("74555531-8")
    '745555318'
    """
    normalised = _normalise(code)
    if len(normalised) == 10 and normalised[8] == "-":
        normalised = normalised[:8] + normalised[9]
    if len(normalised) != 9:
        raise _org_key_error(
            "length", f"an organisation code is 9 characters, got {len(normalised)}"
        )
    if (bad := _first_outside(normalised[:8], _ORG_CODE_CHARS)) is not None:
        position, ch = bad
        raise _org_key_error(
            "alphabet", f"organisation code character {position} {ch!r} is not a digit or A–Z"
        )
    expected = _org_code_check(normalised[:8])
    if normalised[8] != expected:
        raise _org_key_error(
            "check_char",
            f"organisation code check character is {normalised[8]!r}, expected {expected!r}",
        )
    return normalised


def org_code_of_uscc(uscc: str) -> str:
    """The organisation code a (valid) USCC embeds: characters 9–17.

    >>> org_code_of_uscc("91320214745555318W")
    '745555318'
    """
    return uscc[8:17]


def validate_registration_number(number: str) -> str:
    """A 15-digit registration number (注册号, GS 15—2006) checked: its last digit is the
    ISO 7064 MOD 11,10 check of the first 14. Real ones from public company pages:

    >>> [validate_registration_number(n) for n in ("330106000129004", "110108000000016")]
    ['330106000129004', '110108000000016']
    """
    normalised = _normalise(number)
    if len(normalised) != 15:
        raise _org_key_error(
            "length", f"a registration number is 15 digits, got {len(normalised)} characters"
        )
    if (bad := _first_outside(normalised, _DIGITS)) is not None:
        position, ch = bad
        raise _org_key_error(
            "alphabet", f"registration number character {position} {ch!r} is not a digit"
        )
    # Never quoted, not even the check digit: a 15-digit number may be an old ID number.
    if _mod_11_10(normalised[:14]) != normalised[14]:
        raise _org_key_error(
            "check_char", "the registration number's check digit (15th) does not match"
        )
    return normalised


def _mod_11_10(body: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of a digit string."""
    product = 10
    for digit in body:
        product = 2 * ((product + int(digit)) % 10 or 10) % 11
    return str((11 - product) % 10)


def validate_listed_code(raw: str) -> tuple[str, str]:
    """A listed company's stock code and its exchange (SH, SZ, BJ, HK), from ``600000``,
    ``600000.SH`` or ``SH600000``. A 6-digit code without exchange names its own; a Hong
    Kong code needs ``.HK`` and is zero-filled to 5.

    >>> validate_listed_code("600000"), validate_listed_code("sz000008")
    (('600000', 'SH'), ('000008', 'SZ'))
    """
    value = _normalise(raw)
    found = next((m for form in _LISTED_FORMS if (m := form.fullmatch(value))), None)
    if found is None:
        raise _org_key_error(
            "stock_code", "a listed code is digits, with its exchange: 600000.SH, 0700.HK"
        )
    code, exchange = found.group("code"), found.group("exchange")
    if exchange == "HK":
        code = code.zfill(5)
    if exchange is None:
        inferred = [ex for ex, pattern in EXCHANGE_CODES.items() if pattern.fullmatch(code)]
        if len(code) != 6 or len(inferred) != 1:
            raise _org_key_error(
                "exchange",
                f"a listed code of {len(code)} digits follows no exchange's pattern; write "
                "it with its exchange (.SH, .SZ, .BJ, .HK)",
            )
        exchange = inferred[0]
    pattern = EXCHANGE_CODES.get(exchange)
    if pattern is None:
        raise _org_key_error("exchange", "the exchange is not one of SH, SZ, BJ, HK")
    if not pattern.fullmatch(code):
        raise _org_key_error(
            "stock_code", f"the code follows none of the patterns {exchange} lists companies under"
        )
    return code, exchange


# --------------------------------------------------------------------------- ID numbers


def mask_id_number(id_number: str) -> str:
    """The displayable form of a resident ID number: first 4, ten ``*``, last 4.

    >>> mask_id_number("11010519491231002X")
    '1101**********002X'
    """
    normalised = _normalise(id_number)
    if len(normalised) != 18:
        raise InvalidIdentifier(
            "id_number", "length", f"ID number must be 18 characters, got {len(normalised)}"
        )
    return _mask(normalised)


def _mask(id_number: str) -> str:
    # First 4 and last 4 kept, every character between starred: an 18-character number
    # keeps its shape (4 + 10 + 4), a 15-digit old-style one too (4 + 7 + 4).
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def id_check_char(first17: str) -> str:
    """The 18th (check) character of a resident ID number from its first 17 digits.

    >>> id_check_char("11010519491231002")
    'X'
    """
    if len(first17) != 17:
        raise InvalidIdentifier(
            "id_number", "length", f"ID number body must be 17 digits, got {len(first17)}"
        )
    if (bad := _first_outside(first17, _DIGITS)) is not None:
        position, ch = bad
        raise InvalidIdentifier(
            "id_number", "alphabet", f"ID number character {position} {ch!r} is not a digit"
        )
    return _id_check(first17)


def _id_check(first17: str) -> str:
    # GB 11643 weights the digit i places left of the check character by 2^i mod 11
    # (7, 9, 10, … 4, 2). As 13 ≡ 2 (mod 11), the 17 digits read as a base-13 number give
    # that weighted sum halved, mod 11: one C call where the sum would take 17 lookups.
    return _ID_CHECK[2 * int(first17, 13) % 11]


# A row asks about its ID number several times (its pid, linkage keys, the day its holder
# turns 18): checked once. A valid number stays valid, so the cache never misleads.
@lru_cache(maxsize=256)
def validate_id_number(id_number: str) -> str:
    """Validate an 18-character resident ID number and return it normalised (``x`` → ``X``).

    Checks, in order: length, characters, province prefix, birth date (a calendar date
    from 1900 up to today), check character. Messages show the number masked only.
    """
    normalised = _normalise(id_number)
    if len(normalised) != 18:
        # Not even the masked form: a wrong-length string may be an ID number with a typo.
        raise InvalidIdentifier(
            "id_number", "length", f"ID number must be 18 characters, got {len(normalised)}"
        )
    first17 = normalised[:17]
    if (bad := _first_outside(first17, _DIGITS)) is not None:
        position, ch = bad
        raise InvalidIdentifier(
            "id_number",
            "alphabet",
            f"ID number {_mask(normalised)}: character {position} {ch!r} is not a digit",
        )
    if normalised[17] not in _ID_CHECK:
        raise InvalidIdentifier(
            "id_number",
            "alphabet",
            f"ID number {_mask(normalised)}: character 18 {normalised[17]!r} is not a digit or 'X'",
        )
    if normalised[:2] not in ID_PROVINCE_CODES:
        raise InvalidIdentifier(
            "id_number",
            "region",
            f"ID number {_mask(normalised)}: {normalised[:2]!r} is not a province code",
        )
    _require_birth_date(normalised)
    expected = _id_check(first17)
    if normalised[17] != expected:
        raise InvalidIdentifier(
            "id_number",
            "check_char_18",
            f"ID number {_mask(normalised)}: check character 18 is {normalised[17]!r}, "
            f"expected {expected!r}",
        )
    return normalised


def _require_birth_date(id18: str) -> None:
    # The date itself is never quoted: it sits in the masked middle of the number.
    try:
        # Characters 7–14 are digits by now, which fromisoformat reads as YYYYMMDD.
        birth = datetime.date.fromisoformat(id18[6:14])
    except ValueError:
        raise InvalidIdentifier(
            "id_number",
            "birth_date",
            f"ID number {_mask(id18)}: characters 7–14 are not a calendar date",
        ) from None
    # date.today() is defined as this, and costs twice as much: it looks the time module up
    # anew on every call.
    if not _EARLIEST_BIRTH <= birth <= datetime.date.fromtimestamp(time.time()):
        raise InvalidIdentifier(
            "id_number",
            "birth_date",
            f"ID number {_mask(id18)}: birth date in characters 7–14 is before 1900 or in the "
            "future",
        )


# Minors are never listed (法释〔2017〕7号); the Civil Code (art. 17) makes a person of full
# 18 years an adult.
ADULT_AGE = 18


def adult_on(birth: datetime.date) -> datetime.date:
    """The day a person born on ``birth`` turns 18 (born on 29 February: 1 March).

    >>> adult_on(datetime.date(2008, 2, 29))
    datetime.date(2026, 3, 1)
    """
    try:
        return birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:
        return datetime.date(birth.year + ADULT_AGE, 3, 1)


def adult_on_of_id_number(id_number: str) -> datetime.date:
    """The day the holder of a resident ID number turns 18, from its birth date (characters
    7–14); the birth date itself goes no further than this function."""
    valid = validate_id_number(id_number)
    return adult_on(datetime.date.fromisoformat(valid[6:14]))


def make_id_number(region6: str, birth: datetime.date, sequence: int) -> str:
    """Build a valid resident ID number for synthetic data (``sequence`` 0–999, odd = male)."""
    if len(region6) != 6 or not set(region6) <= _DIGITS:
        raise InvalidIdentifier("id_number", "region", "ID number region must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be in 0–999, got {sequence}")
    first17 = f"{region6}{birth:%Y%m%d}{sequence:03d}"
    return validate_id_number(first17 + id_check_char(first17))


# --------------------------------------------------------------------------- free text

# Candidates, left to right: a pid (already a keyed hash; kept whole, as a run of digits inside
# one is no ID number), then an 18-character ID shape, then a 15-digit old-style one. Digit
# runs longer than either (a trailing X counts, as in an ID number) are something else, an
# account number, and stay whole; letters around a number do not protect it
# ("ID11010519491231002X" is still an ID number).
_FREE_TEXT_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z:])(?:s:)?[0-9a-f]{64}(?![0-9A-Za-z])"
    r"|(?<!\d)(?P<id18>\d{17}[\dXx])(?![\dXx])"
    r"|(?<!\d)(?P<id15>\d{15})(?![\dXx])"
)


def scrub(text: str) -> str:
    """``text`` with everything shaped like a resident ID number masked as :func:`mask_id_number`
    masks: for whatever is stored or logged from free text, headers, paths and queries.

    An 18-character shape (17 digits and a digit or ``X``) is masked whether its check
    character is valid or not: a typo does not make a number less personal. The only 18s
    left whole are valid USCCs that cannot be a person's number (an all-digit USCC such as
    ``121200004013590816`` carries a registration-authority code where an ID number has its
    province, and no birth date in characters 7–14). Where both readings fit, the number is
    masked: a mangled code costs less than a leaked person. A 15-digit number is an old-style
    ID number when it starts with a province code and characters 7–12 are a date (YYMMDD);
    registration numbers (GS15) that look so are masked too, for the same reason.

    >>> scrub("异议人身份证 11010519491231002x，原号码 110105491231002")
    '异议人身份证 1101**********002X，原号码 1101*******1002'
    >>> scrub("统一社会信用代码 121200004013590816 / 91320214745555318W")
    '统一社会信用代码 121200004013590816 / 91320214745555318W'
    """
    return _FREE_TEXT_CANDIDATE.sub(_scrub_match, text)


def _scrub_match(match: re.Match[str]) -> str:
    if (id18 := match.group("id18")) is not None:
        normalised = _normalise(id18)
        person = _could_be_id18(normalised)
        if not person and _uscc_check_failure(normalised) is None:
            return id18
        return _mask(normalised)
    if (id15 := match.group("id15")) is not None:
        normalised = _normalise(id15)
        if normalised[:2] in ID_PROVINCE_CODES and _is_date("19" + normalised[6:12]):
            return _mask(normalised)
    return match.group()


def _could_be_id18(normalised: str) -> bool:
    return normalised[:2] in ID_PROVINCE_CODES and _is_date(normalised[6:14])


def _is_date(yyyymmdd: str) -> bool:
    try:
        born = datetime.date.fromisoformat(yyyymmdd)
    except ValueError:
        return False
    # Generous bounds: free text may carry a number typed wrong in its year.
    return 1800 <= born.year <= 2099


# --------------------------------------------------------------------------- person ids


@lru_cache(maxsize=16)
def _keyed_hmac(key: bytes) -> hmac.HMAC:
    # Keying HMAC hashes the padded key twice; a copy of a keyed object skips that per pid.
    return hmac.new(key, digestmod=hashlib.sha256)


def _hmac_hex(key: bytes, message: str) -> str:
    if not key:
        # An empty key degrades HMAC to a plain hash, and the ID space is small enough to
        # brute-force a plain hash.
        raise ValueError("the pid key must not be empty")
    mac = _keyed_hmac(key).copy()
    mac.update(message.encode("utf-8"))
    return mac.hexdigest()


def pid_for(id_number: str, key: bytes) -> str:
    """The person id: HMAC-SHA256 (hex) of the validated, normalised ID number.

    The Delta provinces share ``key``, so the same person gets the same pid everywhere.
    """
    return _hmac_hex(key, validate_id_number(id_number))


def pid_and_mask(id_number: str, key: bytes) -> tuple[str, str]:
    """The person id and the masked form of an ID number, validating and normalising it once.

    >>> pid_and_mask("11010519491231002x", b"k")[1]
    '1101**********002X'
    """
    normalised = validate_id_number(id_number)
    return _hmac_hex(key, normalised), _mask(normalised)


# The parts of a person key, in canonical order (loaders/LAYOUTS.md, "Keys").
PERSON_KEY_PARTS = ("name", "born", "gender", "nationality", "org")
_GENDERS = {"男": "m", "女": "f", "m": "m", "f": "f", "male": "m", "female": "f"}
_YEAR = re.compile(r"\d{4}")


def validate_person_key(raw: str) -> str:
    """The canonical person key of a person known without an ID number: its parts
    (``name=…;born=…;gender=…;nationality=…;org=…``, given in any order) normalised and
    written in that order. ``name`` and at least one other part are required.

    >>> validate_person_key("org=listed:600000;name=John  SMITH;gender=male")
    'name=john smith;gender=m;org=listed:600000.SH'
    """
    return ";".join(f"{k}={v}" for k, v in _person_key_parts(raw))


def person_key_parts(raw: str) -> dict[str, str]:
    """The canonical parts of a person key, in canonical order (:func:`validate_person_key`);
    :class:`InvalidIdentifier` (kind ``person_key``) names what is wrong, never a value.

    >>> person_key_parts("name=李四;born=1970-05-01")["born"]
    '1970-05-01'
    """
    return dict(_person_key_parts(raw))


# Keys repeat on every row naming the person (their own, their posts, their holdings).
@lru_cache(maxsize=1 << 16)
def _person_key_parts(raw: str) -> tuple[tuple[str, str], ...]:
    parts: dict[str, str] = {}
    for position, part in enumerate(raw.split(";"), 1):
        name, equals, value = part.partition("=")
        name = name.strip().lower()
        if not equals or name not in PERSON_KEY_PARTS:
            raise _person_key_error(
                "part",
                f"part {position} is not one of {', '.join(PERSON_KEY_PARTS)} followed by '='",
            )
        if name in parts:
            raise _person_key_error("duplicate", f"part {name} is given twice")
        if "=" in value:
            raise _person_key_error("reserved_character", f"part {name} holds '='")
        parts[name] = _person_key_part(name, value)
    if "name" not in parts:
        raise _person_key_error("missing_name", "a person key needs a name= part")
    if len(parts) < 2:
        raise _person_key_error(
            "too_few_parts",
            "a name alone does not tell people apart: add born, gender, nationality or org",
        )
    return tuple((name, parts[name]) for name in PERSON_KEY_PARTS if name in parts)


def _person_key_error(reason: str, message: str) -> InvalidIdentifier:
    return InvalidIdentifier("person_key", reason, message)


def _person_key_part(name: str, value: str) -> str:
    # No message quotes a value: a person key is personal data (a name, a birth date).
    if name == "name":
        folded = _fold_name(value)
        if not 1 <= len(folded) <= _PERSON_NAME_MAX:
            raise _person_key_error(
                "length", f"the name is 1–{_PERSON_NAME_MAX} characters, got {len(folded)}"
            )
        if scrub(folded) != folded:
            raise _person_key_error("contains_id_number", "the name holds a resident ID number")
        return folded
    value = _normalise(value)
    if name == "born":
        return _born(value)
    if name == "gender":
        gender = _GENDERS.get(value.lower())
        if gender is None:
            raise _person_key_error("gender", "gender is one of 男, 女, m, f, male, female")
        return gender
    if name == "nationality":
        if value not in JURISDICTIONS:
            raise _person_key_error("nationality", "nationality is an ISO 3166-1 alpha-2 code")
        return value
    try:
        return validate_org_key(value)[0]
    except InvalidIdentifier as exc:
        raise _person_key_error(exc.reason, f"org: {exc}") from None


def _born(value: str) -> str:
    today = datetime.date.fromtimestamp(time.time())
    if _YEAR.fullmatch(value):
        if _EARLIEST_BIRTH.year <= int(value) <= today.year:
            return value
    else:
        try:
            day = datetime.date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        if day is not None and _EARLIEST_BIRTH <= day <= today:
            return day.isoformat()
    raise _person_key_error("born", "born is a year or a date YYYY-MM-DD, from 1900 up to today")


def surrogate_pid(person_key: str, key: bytes) -> str:
    """The person id of a person known without an ID number, from their person key
    (:func:`validate_person_key`): the same facts give the same person whichever source
    states them, so a board member and the same person as a shareholder are one node.

    The ``s:`` prefix keeps surrogates apart from ID-bearing pids (64 hex digits, no colon).
    """
    return _SURROGATE_PREFIX + _hmac_hex(key, "person|" + validate_person_key(person_key))


def linkage_surrogate_pid(linkage_key: str, key: bytes) -> str:
    """The person id of a partner province's person we do not know (graph/linkage/sync.py):
    all the partner sends is a linkage key, so the surrogate is the key's own, in a message
    space apart from :func:`surrogate_pid`'s (``surrogate|linkage|`` versus ``person|``).
    The message is the one such persons have always been stored under."""
    return _SURROGATE_PREFIX + _hmac_hex(key, "surrogate|linkage|" + linkage_key)


# --------------------------------------------------------------------------- regions


def validate_region_code(code: str) -> str:
    """Validate a GB/T 2260 region code of the Delta and return it normalised.

    Accepted: a code listed in :func:`graph.reference.regions` (province, prefecture,
    Shanghai district); a 6-digit code whose 4-digit prefecture is listed (``320505`` →
    ``3205``, which covers city codes such as ``320500``); and the 6-digit province form
    ``XX0000`` of a listed province (``320000``, the region of firms registered by the
    province itself).
    """
    normalised = _normalise(code)
    # The input is quoted only once it is known to be a short digit string.
    if len(normalised) not in (2, 4, 6):
        raise InvalidIdentifier(
            "region_code",
            "length",
            f"region code must be 2, 4 or 6 digits, got {len(normalised)} characters",
        )
    if not _DIGITS.issuperset(normalised):
        raise InvalidIdentifier("region_code", "alphabet", "region code must be digits only")
    known = regions()
    if (
        normalised in known
        or (len(normalised) == 6 and normalised[:4] in known)
        or (len(normalised) == 6 and normalised[2:] == "0000" and normalised[:2] in known)
    ):
        return normalised
    raise InvalidIdentifier(
        "region_code", "region", f"region code {normalised!r} is not a known region"
    )
