"""Validation: one canonical row in, the parameters of one write (or the reasons not to) out.

Pure: no I/O, no graph. :func:`validate` checks identifiers (with :mod:`graph.identifiers`),
value sets, dates, numbers and the internal consistency of a row, and turns a raw resident ID
number into ``pid`` and ``id_masked`` at once, so the number goes no further than this
module. Whether a referenced subject exists is the one check left to the writer (it needs
the graph: :func:`graph.ingest.writes.check_in_graph`, which also refuses records against
minors); :class:`Valid` lists those references.

No message built here quotes an ID number: values are quoted through :func:`quote`, which
masks anything shaped like one (a mis-mapped column can put an ID number in any field).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from graph.identifiers import (
    ADULT_AGE,
    ID_PROVINCE_CODES,
    InvalidIdentifier,
    OrgKeyKind,
    adult_on,
    adult_on_of_id_number,
    org_code_of_uscc,
    person_key_parts,
    pid_and_mask,
    scrub,
    surrogate_pid,
    validate_id_number,
    validate_listed_code,
    validate_org_key,
    validate_region_code,
)
from graph.ingest.layouts import Kind
from graph.linkage.keys import linkage_key
from graph.reference import occupations, prefecture_of, regions
from graph.vocabulary import (
    DELTA_PROVINCES,
    NEGATIVE_LISTS,
    OFFICER_ROLES,
    ORGANIZATION_KINDS,
    ORGANIZATION_STATUSES,
    RECORD_CATEGORIES,
    RECORD_LEVELS,
    RECORD_LISTS,
    RECORD_STATUSES,
)

RawRow = Mapping[str, str | None]

EARLIEST_DATE = date(1900, 1, 1)
MAX_TEXT = 500
FTM_ID_MAX = 128  # a FollowTheMoney entity id, kept beside our key (loaders/ftm.py)
_ID_CANDIDATE = re.compile(r"(?=(\d{17}[\dXx]))")
_LONG_DIGITS = re.compile(r"\d{15,}[\dXx]?")


class Target(StrEnum):
    """What a reference points at; the writer looks these up in the graph."""

    ORGANIZATION = "organization"
    PERSON = "person"
    DEPARTMENT = "department"


class FieldError(NamedTuple):
    field: str
    reason: str  # short machine code, e.g. "missing", "check_char_18", "out_of_range"
    message: str


class Ref(NamedTuple):
    field: str
    target: Target
    key: str


@dataclass(frozen=True, slots=True)
class Valid:
    params: dict[str, Any]  # one element of the write query's $rows
    refs: tuple[Ref, ...] = ()
    decided_on: date | None = None  # records only: the data-quality timeliness measure
    # Records naming their person subject by ID number: the day that person turns 18, known
    # from the row itself even where the stored Person has none (loaded before it was kept).
    subject_adult_on: date | None = None


@dataclass(frozen=True, slots=True)
class Invalid:
    errors: tuple[FieldError, ...]


@dataclass(frozen=True)
class Context:
    """What validation needs to know beyond the row."""

    pid_key: bytes
    province: str  # this instance's province, for records' source_province
    today: date  # no decision or establishment lies after the load date
    uscc_allow_list: frozenset[str] = frozenset()
    # The Delta's shared linkage keys, (version, secret) sorted by version, and the version
    # looked up by (graph/linkage/PROTOCOL.md); none when linkage is not configured.
    linkage_secrets: tuple[tuple[str, bytes], ...] = ()
    linkage_current: str | None = None


def quote(value: str) -> str:
    """A value fit for a message: shortened, and any long digit run masked."""
    shown = value if len(value) <= 40 else value[:37] + "..."
    return repr(_LONG_DIGITS.sub(lambda m: m.group()[:4] + "*" * 10 + m.group()[-4:], shown))


def contains_id_number(text: str) -> bool:
    """Whether ``text`` holds a valid resident ID number anywhere (windows may overlap)."""
    if len(text) < 18:
        return False  # most names and codes: no window to scan
    for candidate in _ID_CANDIDATE.finditer(text):
        try:
            validate_id_number(candidate.group(1))
        except InvalidIdentifier:
            continue
        return True
    return False


# Identifiers repeat across kinds (an organisation is named by its own row, its officers,
# shareholdings and records); the checks are pure, so their results are cached.
@lru_cache(maxsize=1 << 17)
def _org_key(value: str, allow_list: frozenset[str]) -> tuple[str, OrgKeyKind]:
    return validate_org_key(value, allow_list)


@lru_cache(maxsize=1 << 17)
def _surrogate_pid(person_key: str, key: bytes) -> str:
    return surrogate_pid(person_key, key)


@lru_cache(maxsize=1 << 17)
def _pid_and_mask(id_number: str, key: bytes) -> tuple[str, str]:
    return pid_and_mask(id_number, key)


@lru_cache(maxsize=1 << 17)
def _linkage_keys(id_number: str, secrets: tuple[tuple[str, bytes], ...]) -> list[str]:
    return [linkage_key(id_number, version, secret) for version, secret in secrets]


def _linkage(c: _Check) -> tuple[list[str] | None, str | None]:
    """A person's linkage keys under every configured version, and the key of the current
    one (the indexed look-up of a partner's check), from the row's ID number; none without
    one. Called once the number validated, so it cannot fail here."""
    id_number = c.value("id_number")
    if id_number is None or not c.ctx.linkage_secrets:
        return None, None
    keys = _linkage_keys(id_number, c.ctx.linkage_secrets)
    current = next((k for k in keys if k.split(":", 1)[0] == c.ctx.linkage_current), None)
    return keys, current


@lru_cache(maxsize=1 << 17)
def _id_number_adult_on(id_number: str | None) -> date | None:
    if id_number is None:
        return None
    try:
        return adult_on_of_id_number(id_number)
    except InvalidIdentifier:
        return None  # reported by the person check


def _adult_on(c: _Check) -> date | None:
    """The day the person of a persons row turns 18: from the ID number's birth date, else
    from ``birth_year``, else from the ``born`` part of the person key (a year counts as
    its last day, so that no one who may still be a minor counts as an adult), else unknown
    (None: the person counts as an adult). Only this date is kept (data minimisation),
    never the birth date or year."""
    id_number = c.value("id_number")
    if id_number is not None:
        return _id_number_adult_on(id_number)
    year = c.value("birth_year")
    if year is None:
        return _person_key_adult_on(c.value("person_key"))
    if not (year.isdigit() and EARLIEST_DATE.year <= int(year) <= c.ctx.today.year):
        c.fail("birth_year", "out_of_range", f"birth_year {quote(year)} is not a year")
        return None
    return date(int(year) + ADULT_AGE, 12, 31)


class _Check:
    """Reads the fields of one raw row, collecting every problem rather than the first."""

    __slots__ = ("ctx", "errors", "raw", "refs")

    def __init__(self, raw: RawRow, ctx: Context) -> None:
        self.raw = raw
        self.ctx = ctx
        self.errors: list[FieldError] = []
        self.refs: list[Ref] = []

    def fail(self, field: str, reason: str, message: str) -> None:
        self.errors.append(FieldError(field, reason, message))

    def value(self, field: str) -> str | None:
        value = self.raw.get(field)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def text(self, field: str, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
        value = self.value(field)
        if value is None:
            if required:
                self.fail(field, "missing", f"{field} is required")
            return None
        if len(value) > max_len:
            self.fail(field, "too_long", f"{field} is {len(value)} characters, at most {max_len}")
            return None
        if contains_id_number(value):
            self.fail(field, "contains_id_number", f"{field} holds a resident ID number")
            return None
        # A number shaped like one but invalid (a typo, an old 15-digit one) is kept masked.
        return scrub(value)

    def choice(self, field: str, allowed: AbstractSet[str], required: bool = False) -> str | None:
        value = self.value(field)
        if value is None:
            if required:
                self.fail(field, "missing", f"{field} is required")
            return None
        if value not in allowed:
            self.fail(
                field,
                "not_allowed",
                f"{field} {quote(value)} is not one of {', '.join(sorted(allowed))}",
            )
            return None
        return value

    def day(self, field: str, required: bool = False, not_after_today: bool = False) -> date | None:
        """An ISO date YYYY-MM-DD."""
        value = self.value(field)
        if value is None:
            if required:
                self.fail(field, "missing", f"{field} is required")
            return None
        try:
            parsed = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail(field, "date", f"{field} {quote(value)} is not a date YYYY-MM-DD")
            return None
        if parsed < EARLIEST_DATE:
            self.fail(field, "date", f"{field} {value} is before {EARLIEST_DATE}")
            return None
        if not_after_today and parsed > self.ctx.today:
            self.fail(field, "future_date", f"{field} {value} is after the load date")
            return None
        return parsed

    def number(self, field: str, required: bool = False) -> float | None:
        value = self.value(field)
        if value is None:
            if required:
                self.fail(field, "missing", f"{field} is required")
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.fail(field, "number", f"{field} {quote(value)} is not a number")
            return None
        return number

    def ratio(self, field: str) -> float | None:
        number = self.number(field, required=True)
        if number is not None and not 0 <= number <= 1:
            self.fail(field, "out_of_range", f"{field} {number:g} is not in [0, 1]")
            return None
        return number

    def flag(self, field: str) -> bool | None:
        value = self.value(field)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        self.fail(field, "boolean", f"{field} {quote(value)} is not true or false")
        return None

    def region(self, field: str) -> tuple[str, str | None] | None:
        """A region code and the Region node it files under (None outside the Delta)."""
        value = self.value(field)
        if value is None:
            return None
        try:
            return region_of(value)
        except InvalidIdentifier as exc:
            self.fail(field, exc.reason, f"{field}: {exc}")
            return None

    def org_key(self, field: str, required: bool = True) -> tuple[str, OrgKeyKind] | None:
        """An organisation key in its canonical form, and its kind (a USCC, or a prefixed
        key: :func:`graph.identifiers.validate_org_key`)."""
        value = self.value(field)
        if value is None:
            if required:
                self.fail(field, "missing", f"{field} is required")
            return None
        try:
            return _org_key(value, self.ctx.uscc_allow_list)
        except InvalidIdentifier as exc:
            self.fail(field, exc.reason, f"{field}: {exc}")
            return None

    def org_ref(self, field: str, required: bool = True) -> str | None:
        found = self.org_key(field, required)
        if found is None:
            return None
        self.refs.append(Ref(field, Target.ORGANIZATION, found[0]))
        return found[0]

    def person(self, id_field: str, key_field: str) -> tuple[str, str | None] | None:
        """The pid and masked ID number of the person a row names by ID number or key."""
        id_number, person_key = self.value(id_field), self.value(key_field)
        if id_number is not None and person_key is not None:
            self.fail(id_field, "ambiguous", f"give {id_field} or {key_field}, not both")
            return None
        if id_number is not None:
            try:
                return _pid_and_mask(id_number, self.ctx.pid_key)
            except InvalidIdentifier as exc:
                self.fail(id_field, exc.reason, f"{id_field}: {exc}")
                return None
        if person_key is not None:
            if contains_id_number(person_key):
                self.fail(key_field, "contains_id_number", f"{key_field} holds an ID number")
                return None
            try:
                return _surrogate_pid(person_key, self.ctx.pid_key), None
            except InvalidIdentifier as exc:
                self.fail(key_field, exc.reason, f"{key_field}: {exc}")
                return None
        self.fail(id_field, "missing", f"{id_field} or {key_field} is required")
        return None

    def person_ref(self, id_field: str, key_field: str) -> str | None:
        found = self.person(id_field, key_field)
        if found is None:
            return None
        field = id_field if self.value(id_field) is not None else key_field
        self.refs.append(Ref(field, Target.PERSON, found[0]))
        return found[0]

    def period(self, start_field: str, end_field: str) -> tuple[date | None, date | None]:
        start, end = self.day(start_field), self.day(end_field)
        if start is not None and end is not None and end < start:
            self.fail(end_field, "before_start", f"{end_field} {end} is before {start_field}")
        return start, end

    def result(
        self,
        params: dict[str, Any],
        decided_on: date | None = None,
        subject_adult_on: date | None = None,
    ) -> Valid | Invalid:
        if self.errors:
            return Invalid(tuple(self.errors))
        return Valid(params, tuple(self.refs), decided_on, subject_adult_on)


# A province has a few hundred region codes, repeated on every organisation and person row.
@lru_cache(maxsize=1 << 12)
def region_of(value: str) -> tuple[str, str | None]:
    """A GB/T 2260 code and the Region node it files under, or None for a code outside the
    Delta: a related party registered elsewhere (a Beijing shareholder) has a well-formed
    6-digit code that no Region node of ours carries."""
    try:
        code = validate_region_code(value)
    except InvalidIdentifier as exc:
        if (
            exc.reason == "region"
            and len(value) == 6
            and value.isdigit()
            and value[:2] in ID_PROVINCE_CODES
        ):
            return value, None
        raise
    return code, _region_node(code)


def _region_node(code: str) -> str | None:
    """The Region node a code files under: its prefecture or Shanghai district, or the
    province itself for the province-level form ``XX0000``."""
    known = regions()
    node = prefecture_of(code)
    if node in known:
        return node
    return code[:2] if code[2:].strip("0") == "" and code[:2] in known else None


def _present(values: dict[str, Any]) -> dict[str, Any]:
    # An absent value never overwrites a stored one, so absent values are not sent at all.
    return {k: v for k, v in values.items() if v is not None}


# --------------------------------------------------------------------------- per kind


def _departments(c: _Check) -> Valid | Invalid:
    code = c.text("code", required=True, max_len=64)
    name = c.text("name", required=True)
    province = c.choice("province", DELTA_PROVINCES, required=True)
    return c.result({"code": code, "props": {"name": name, "province": province}})


def _organizations(c: _Check) -> Valid | Invalid:
    key = c.org_key("uscc")
    name = c.text("name", required=True)
    region = c.region("region_code")
    listing = _listing(c)
    if key is not None and key[1] == "listed":
        code, _, exchange = key[0].partition(":")[2].partition(".")
        if listing not in (None, (code, exchange)):
            c.fail("stock_code", "mismatch", "stock_code differs from the listed key")
        listing = code, exchange
    if region is None and key is not None and key[1] == "uscc":
        # Characters 3–8 of a USCC are the division of the registering authority.
        region = _uscc_region(key[0])
    capital = c.number("registered_capital")
    if capital is not None and capital < 0:
        c.fail("registered_capital", "out_of_range", "registered_capital is negative")
    props = {
        "name": name,
        "key_kind": key[1] if key else None,
        # The organisation code a USCC embeds: what rows keyed `orgcode:` find it by.
        "org_code": org_code_of_uscc(key[0]) if key and key[1] == "uscc" else None,
        "kind": c.choice("kind", ORGANIZATION_KINDS),
        "status": c.choice("status", ORGANIZATION_STATUSES),
        "registered_capital": capital,
        "hub": c.flag("hub"),
        "stock_code": listing[0] if listing else None,
        "exchange": listing[1] if listing else None,
        "ftm_id": c.text("ftm_id", max_len=FTM_ID_MAX),
        "region_code": region[0] if region else None,
        "province": region[0][:2] if region else None,
    }
    return c.result(
        {
            "uscc": key[0] if key else None,
            "props": _present(props),
            "established_on": c.day("established_on", not_after_today=True),
            "region": region[1] if region else None,
        }
    )


def _listing(c: _Check) -> tuple[str, str] | None:
    """The stock code and exchange of an organisations row's ``stock_code`` (``600000``,
    ``600000.SH``, ``0700.HK``: :func:`graph.identifiers.validate_listed_code`)."""
    value = c.value("stock_code")
    if value is None:
        return None
    try:
        return validate_listed_code(value)
    except InvalidIdentifier as exc:
        c.fail("stock_code", exc.reason, f"stock_code: {exc}")
        return None


def _person_key_adult_on(person_key: str | None) -> date | None:
    """The day a person known by key turns 18, from the key's ``born`` part (a year counts
    as its last day); None without one, or for a key the person check rejects."""
    if person_key is None:
        return None
    try:
        born = person_key_parts(person_key).get("born")
    except InvalidIdentifier:
        return None
    if born is None:
        return None
    if len(born) == 4:
        return date(int(born) + ADULT_AGE, 12, 31)
    return adult_on(date.fromisoformat(born))


def _uscc_region(uscc: str) -> tuple[str, str | None] | None:
    try:
        return region_of(uscc[2:8])
    except InvalidIdentifier:
        return None


def _persons(c: _Check) -> Valid | Invalid:
    person = c.person("id_number", "person_key")
    name = c.text("name", required=True)
    region = c.region("region_code")
    keys, current = _linkage(c) if person and person[1] else (None, None)
    props = {
        "name": name,
        "id_masked": person[1] if person else None,
        "linkage_keys": keys,
        "linkage_key": current,
        "adult_on": _adult_on(c),
        "ftm_id": c.text("ftm_id", max_len=FTM_ID_MAX),
        "region_code": region[0] if region else None,
        "province": region[0][:2] if region else None,
    }
    return c.result(
        {
            "pid": person[0] if person else None,
            "props": _present(props),
            "region": region[1] if region else None,
        }
    )


def _legal_reps(c: _Check) -> Valid | Invalid:
    pid = c.person_ref("id_number", "person_key")
    uscc = c.org_ref("uscc")
    since, until = c.period("since", "until")
    return c.result({"pid": pid, "uscc": uscc, "since": since, "until": until})


def _officers(c: _Check) -> Valid | Invalid:
    pid = c.person_ref("id_number", "person_key")
    uscc = c.org_ref("uscc")
    role = c.choice("role", OFFICER_ROLES, required=True)
    since, until = c.period("since", "until")
    period = c.day("period")
    return c.result(
        {"pid": pid, "uscc": uscc, "role": role, "since": since, "until": until, "period": period}
    )


def _holder(c: _Check, prefix: str, suffix: str = "") -> str | None:
    """The key of the subject a row names by ``<prefix>uscc``, ``<prefix>id_number`` or
    ``<prefix>person_key`` (exactly one of them)."""
    org_field, id_field, key_field = f"{prefix}uscc", f"{prefix}id_number", f"{prefix}person_key"
    given = [f for f in (org_field, id_field, key_field) if c.value(f) is not None]
    if len(given) != 1:
        reason = "missing" if not given else "ambiguous"
        c.fail(org_field, reason, f"give exactly one of {org_field}, {id_field}, {key_field}")
        return None
    if given[0] == org_field:
        return c.org_ref(org_field)
    return c.person_ref(id_field, key_field)


def _shareholdings(c: _Check) -> Valid | Invalid:
    holder = _holder(c, "holder_")
    uscc = c.org_ref("uscc")
    if holder is not None and holder == uscc:
        c.fail("holder_uscc", "self_reference", "an organisation cannot hold itself")
    ratio = c.ratio("ratio")
    since, until = c.period("since", "until")
    period = c.day("period")
    return c.result(
        {
            "holder": holder,
            "uscc": uscc,
            "ratio": ratio,
            "since": since,
            "until": until,
            "period": period,
        }
    )


def _branches(c: _Check) -> Valid | Invalid:
    branch = c.org_ref("branch_uscc")
    head = c.org_ref("head_uscc")
    if branch is not None and branch == head:
        c.fail("head_uscc", "self_reference", "a branch cannot be its own head office")
    return c.result({"branch": branch, "head": head})


def _licences(c: _Check) -> Valid | Invalid:
    pid = c.person_ref("id_number", "person_key")
    occupation = c.choice("occupation_code", occupations().keys(), required=True)
    practises_at = c.org_ref("practises_at_uscc", required=False)
    return c.result(
        {
            "pid": pid,
            "occupation": occupation,
            "licence_no": c.text("licence_no", max_len=64),
            "valid_until": c.day("valid_until"),
            "practises_at": practises_at,
        }
    )


def _records(c: _Check) -> Valid | Invalid:
    record_id = c.text("record_id", required=True, max_len=128)
    subject = _holder(c, "subject_")
    listing = c.choice("list", RECORD_LISTS, required=True)
    level = c.choice("level", RECORD_LEVELS)
    if listing in NEGATIVE_LISTS and level is None and c.value("level") is None:
        c.fail("level", "missing", f"level is required on a {listing}-list record")
    if listing == "red" and level is not None:
        c.fail("level", "not_allowed", "a red-list record has no level")
    authority = c.text("authority", required=True, max_len=64)
    if authority is not None:
        c.refs.append(Ref("authority", Target.DEPARTMENT, authority))
    decided_on = c.day("decided_on", required=True, not_after_today=True)
    publish_from, publish_until = c.period("publish_from", "publish_until")
    props = {
        "list": listing,
        "level": level,
        "category": c.choice("category", RECORD_CATEGORIES),
        "authority": authority,
        "basis": c.text("basis", required=True),
        "status": c.choice("status", RECORD_STATUSES),
        "source_province": c.choice("source_province", DELTA_PROVINCES),
    }
    return c.result(
        {
            "record_id": record_id,
            "subject": subject,
            "authority": authority,
            "props": _present(props),
            "decided_on": decided_on,
            "publish_from": publish_from,
            "publish_until": publish_until,
        },
        decided_on=decided_on,
        subject_adult_on=_id_number_adult_on(c.value("subject_id_number")),
    )


_VALIDATORS: dict[Kind, Callable[[_Check], Valid | Invalid]] = {
    Kind.DEPARTMENTS: _departments,
    Kind.ORGANIZATIONS: _organizations,
    Kind.PERSONS: _persons,
    Kind.LEGAL_REPS: _legal_reps,
    Kind.OFFICERS: _officers,
    Kind.SHAREHOLDINGS: _shareholdings,
    Kind.BRANCHES: _branches,
    Kind.LICENCES: _licences,
    Kind.RECORDS: _records,
}


def validate(kind: Kind, raw: RawRow, ctx: Context) -> Valid | Invalid:
    """Check one canonical row of ``kind``; the result holds every problem found, or the
    parameters of its write and the subjects it references.

    >>> from datetime import date
    >>> ctx = Context(pid_key=b"k", province="32", today=date(2026, 1, 1))
    >>> validate(Kind.BRANCHES, {"branch_uscc": "91320214745555318W",
    ...                          "head_uscc": "91320214745555318W"}, ctx).errors[0].reason
    'self_reference'
    """
    return _VALIDATORS[kind](_Check(raw, ctx))
