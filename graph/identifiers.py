"""Identifiers of the credit system: USCC, resident ID numbers, region codes, person ids.

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

IdentifierKind = Literal["uscc", "id_number", "region_code"]

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

    ``kind`` names the identifier ("uscc", "id_number", "region_code"); ``reason`` is a short
    machine code ("length", "alphabet", "check_char_17", "check_char_18", "birth_date",
    "region") that loaders put in their rejects report next to the human message.
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


def surrogate_pid(source: str, person_key: str, key: bytes) -> str:
    """The person id of a person a source knows without an ID number.

    The ``s:`` prefix keeps surrogates apart from ID-bearing pids (64 hex digits, no colon).
    """
    if "|" in source:
        # With a '|' in source, ("a|b", "c") and ("a", "b|c") would hash the same message.
        raise ValueError(f"source must not contain '|', got {source!r}")
    return _SURROGATE_PREFIX + _hmac_hex(key, f"surrogate|{source}|{person_key}")


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
