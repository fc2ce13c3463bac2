"""FollowTheMoney (FtM) entity files read natively: parties, holdings, posts and sanctions
turned into canonical rows (loaders/LAYOUTS.md, "FollowTheMoney").

A file is FtM by its content, not its name: a ``.json``, ``.jsonl``, ``.ijson`` or ``.ftm``
file whose first non-empty line is a JSON object with a string ``id``, a string ``schema``
and an object ``properties`` (:func:`is_ftm`). Every line is one entity,
``{"id", "schema", "properties": {prop: [values]}}``.

Entities refer to each other by id, in any order, so a file is read twice, streamed both
times: :func:`scan` keeps only each party's key (an id and a short string per organisation
or person, never its properties, relationships or records), then :meth:`FtmFile.rows` turns
the entities of one kind into canonical rows, which go through the one validation and
write path (:mod:`graph.ingest`) like any other file's. Memory grows with the number of
parties, not with the size of the file.

What this module decides, and only it (everything else is validation's):

- keys: an organisation by its USCC where ``uscCode``, ``registrationNumber``,
  ``taxNumber`` or ``idNumber`` holds a valid one; in China (``jurisdiction: cn``) by its
  old registration number or organisation code, or a listed ``ticker``; elsewhere by
  ``foreign:<jurisdiction>:<registrationNumber>`` when both are given; else ``ftm:<id>``;
  a person by the global ``person_key`` of its name, birth date, gender and nationality,
  with a co-occurring organisation only when none of those three is known (a name alone
  names no one);
- ``percentage`` is what FtM documents it to be, "Percentage held": a percent in [0, 100]
  (``51``, ``51%``, ``51.0`` are 0.51; ``0.51`` is 0.51 %, never 51 %);
- a Directorship whose role is "legal representative" (法定代表人) is a legal
  representative, any other an officer (a Directorship without a role: a director);
- Sanction → black list, level ``severe``; Risk → black list, level ``serious``; category
  ``other``; basis the ``program`` (else ``provisions``, else ``reason``); the ``authority``
  (else ``publisher``) becomes a department ``ftm:<digest>``;
- an entity of a schema the graph has no place for (Family and Associate among them: there
  is no relationship between two persons) is rejected with its reason, never dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from graph.identifiers import InvalidIdentifier, validate_org_key
from graph.ingest.layouts import LOAD_ORDER, Kind
from graph.ingest.validate import FieldError, quote
from loaders.mapping import Mapped
from loaders.readers import TextRow, UnreadableFile

SUFFIXES = frozenset({".json", ".jsonl", ".ijson", ".ftm"})

ORGANIZATION_SCHEMATA = frozenset({"Company", "Organization", "LegalEntity", "PublicBody"})
PERSON_SCHEMATA = frozenset({"Person"})
RECORD_LEVELS = {"Sanction": "severe", "Risk": "serious"}
SCHEMA_KINDS: dict[str, Kind] = {
    **dict.fromkeys(ORGANIZATION_SCHEMATA, Kind.ORGANIZATIONS),
    **dict.fromkeys(PERSON_SCHEMATA, Kind.PERSONS),
    "Ownership": Kind.SHAREHOLDINGS,
    "Directorship": Kind.OFFICERS,
    **dict.fromkeys(RECORD_LEVELS, Kind.RECORDS),
}
# A Directorship of one of these roles is a legal representative (法定代表人), not an officer.
LEGAL_REP_ROLES = frozenset({"legal representative", "legal_representative", "法定代表人"})
LEGAL_REP_ROLE = "legal representative"  # as the export writes it
UNSUPPORTED = "unsupported_schema"
_WHY_NOT = {
    "Family": "the graph has no relationship between two persons",
    "Associate": "the graph has no relationship between two persons",
}
ORG_KEY_PROPERTIES = ("uscCode", "registrationNumber", "taxNumber", "idNumber")
DEPARTMENT_PREFIX = "ftm:"
_ALPHA2 = re.compile(r"[A-Z]{2}")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GENDERS = {"male": "m", "female": "f"}
# Directorship.role is free text; these are the usual English titles. A Directorship without
# a role is a directorship. Any other title reaches validation, which names it.
_ROLES = {
    "director": "director",
    "board member": "director",
    "member of the board": "director",
    "non-executive director": "director",
    "chairman": "chairman",
    "chairwoman": "chairman",
    "chairperson": "chairman",
    "chair": "chairman",
    "chairman of the board": "chairman",
    "vice chairman": "vice_chairman",
    "vice-chairman": "vice_chairman",
    "deputy chairman": "vice_chairman",
    "independent director": "independent_director",
    "executive director": "executive_director",
    "employee director": "employee_director",
    "supervisor": "supervisor",
    "general manager": "general_manager",
    "chief executive officer": "general_manager",
    "ceo": "general_manager",
    "managing director": "general_manager",
    "deputy general manager": "deputy_general_manager",
    "chief financial officer": "cfo",
    "cfo": "cfo",
    "secretary": "board_secretary",
    "company secretary": "board_secretary",
    "board secretary": "board_secretary",
    "manager": "manager",
}


def kind_of(entity: Entity) -> Kind | None:
    """The kind an entity loads as; None for a schema the graph has no place for."""
    kind = SCHEMA_KINDS.get(entity.schema)
    if kind is Kind.OFFICERS and (entity.first("role") or "").lower() in LEGAL_REP_ROLES:
        return Kind.LEGAL_REPS
    return kind


def is_ftm(path: Path) -> bool:
    """Whether ``path`` is an FtM entity file, by its first non-empty line."""
    if path.suffix.lower() not in SUFFIXES or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8-sig") as f:
            for line in f:
                if line.strip():
                    return _entity_shape(json.loads(line)) is None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return False


def _entity_shape(obj: Any) -> str | None:
    """Why ``obj`` is not an FtM entity, or None."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        return "no string `id`"
    if not isinstance(obj.get("schema"), str):
        return "no string `schema`"
    properties = obj.get("properties", {})
    if not isinstance(properties, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in properties.values()
    ):
        return "`properties` is not an object of lists of strings"
    return None


@dataclass(frozen=True, slots=True)
class Entity:
    line: int
    id: str
    schema: str
    properties: dict[str, list[str]]

    def first(self, prop: str) -> str | None:
        """The first non-empty value of ``prop`` (FtM properties are lists)."""
        return next((v.strip() for v in self.properties.get(prop, ()) if v.strip()), None)

    def values(self, prop: str) -> list[str]:
        return [v.strip() for v in self.properties.get(prop, ()) if v.strip()]


def entities(path: Path) -> Iterator[Entity]:
    """The file's entities, streamed; a line that is not one stops the load (nothing written)."""
    number = 0
    try:
        with path.open(encoding="utf-8-sig") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                why = _entity_shape(obj)
                if why is not None:
                    raise UnreadableFile(path, f"line {number}: not an FtM entity ({why})")
                yield Entity(number, obj["id"], obj["schema"], obj.get("properties", {}))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        cause = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else exc.msg
        raise UnreadableFile(path, f"line {number}: {cause}") from None


# --------------------------------------------------------------------------- keys


def org_key(entity: Entity) -> str:
    """An organisation's key: the first of its identifiers that validates as one of ours
    (:func:`graph.identifiers.validate_org_key`), else its FtM id."""
    for candidate in _org_key_candidates(entity):
        try:
            return validate_org_key(candidate)[0]
        except InvalidIdentifier:
            continue
    return f"ftm:{entity.id}"


def _org_key_candidates(entity: Entity) -> Iterator[str]:
    """An organisation's identifiers as our keys, the strongest first: a USCC; for a Chinese
    one its old registration number (注册号) or organisation code; its listed code; a foreign
    registry number in its jurisdiction. A colon is in none of them: a value holding one is
    not read as a key's prefix."""
    for prop in ORG_KEY_PROPERTIES:
        yield from (v for v in entity.values(prop) if ":" not in v)
    jurisdiction = _alpha2(entity.first("jurisdiction"))
    numbers = [v for v in entity.values("registrationNumber") if ":" not in v]
    if jurisdiction == "CN":
        for number in numbers:
            yield f"reg:{number}"
            yield f"orgcode:{number}"
    if jurisdiction in ("CN", "HK"):
        yield from (f"listed:{t}" for t in entity.values("ticker") if ":" not in t)
    if jurisdiction is not None and jurisdiction != "CN" and numbers:
        yield f"foreign:{jurisdiction}:{numbers[0]}"


def _alpha2(value: str | None) -> str | None:
    code = (value or "").strip().upper()
    return code if _ALPHA2.fullmatch(code) else None


def person_facts(entity: Entity) -> dict[str, str]:
    """The parts of a person's key the entity itself gives (contract: name, born, gender,
    nationality), in their canonical form; values holding ``;`` or ``=`` are left out."""
    born = entity.first("birthDate") or ""
    facts = {
        "name": entity.first("name") or "",
        "born": born[:10] if _FULL_DATE.match(born) else born[:4] if born[:4].isdigit() else "",
        "gender": _GENDERS.get((entity.first("gender") or "").lower(), ""),
        "nationality": _alpha2(entity.first("nationality") or entity.first("citizenship")) or "",
    }
    return {k: v for k, v in facts.items() if v and ";" not in v and "=" not in v}


def person_key(facts: dict[str, str], org: str | None = None) -> str | None:
    """The canonical ``person_key`` (contract-13): parts in order, the organisation only when
    nothing but the name is known; None when only a name is."""
    parts = dict(facts)
    if org is not None and set(parts) == {"name"} and ";" not in org and "=" not in org:
        parts["org"] = org
    if "name" not in parts or len(parts) < 2:
        return None
    order = ("name", "born", "gender", "nationality", "org")
    return ";".join(f"{k}={parts[k]}" for k in order if k in parts)


def department_code(authority: str) -> str:
    """A foreign authority's department code: stable, short, and never a real one's."""
    return DEPARTMENT_PREFIX + hashlib.sha256(authority.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True, slots=True)
class Party:
    line: int  # where the party is defined: a second definition of its id is rejected
    key: str | None  # None: a person known by a name alone
    person: bool


@dataclass
class FtmFile:
    """An FtM file after its first pass: each party's key, and what each kind will read."""

    path: Path
    parties: dict[str, Party] = field(default_factory=dict)
    counts: Counter[Kind] = field(default_factory=Counter)  # entities per kind
    unsupported: Counter[str] = field(default_factory=Counter)  # entities per schema
    authorities: int = 0

    @property
    def entities(self) -> int:
        return sum(self.counts.values()) + sum(self.unsupported.values())

    @property
    def kinds(self) -> tuple[Kind, ...]:
        kinds = set(self.counts)
        if self.authorities:
            kinds.add(Kind.DEPARTMENTS)
        return tuple(k for k in LOAD_ORDER if k in kinds)

    def rows_of(self, kind: Kind) -> int:
        return self.authorities if kind is Kind.DEPARTMENTS else self.counts[kind]

    def rows(self, kind: Kind, province: str) -> Iterator[tuple[int, Mapped]]:
        """The canonical rows of ``kind``, numbered by line; ``province`` files the
        departments made of foreign authorities (the layout has no foreign province)."""
        if kind is Kind.DEPARTMENTS:
            seen: set[str] = set()
            for entity in entities(self.path):
                authority = _authority(entity) if entity.schema in RECORD_LEVELS else None
                if authority is not None and authority not in seen:
                    seen.add(authority)
                    yield entity.line, Mapped(_department(authority, province))
            return
        for entity in entities(self.path):
            if kind_of(entity) is kind:
                yield entity.line, _ROW_BUILDERS[kind](self, entity)

    def rejected(self) -> Iterator[tuple[int, str, FieldError]]:
        """The entities of schemata the graph has no place for: line, schema, reason."""
        for entity in entities(self.path):
            if entity.schema not in SCHEMA_KINDS:
                why = _WHY_NOT.get(entity.schema, "the graph has no kind for it")
                message = f"FtM schema {entity.schema!r} is not loaded: {why}"
                yield entity.line, entity.schema, FieldError("schema", UNSUPPORTED, message)

    # ----------------------------------------------------------------- references

    def ref(self, entity: Entity, prop: str, prefix: str) -> tuple[TextRow, list[FieldError]]:
        """The columns naming the party ``prop`` refers to: ``<prefix>uscc`` for an
        organisation (an id not in this file as ``ftm:<id>``, which an earlier load may
        hold), ``<prefix>person_key`` for a person."""
        target = entity.first(prop)
        if target is None:
            return {}, [FieldError(prop, "missing", f"{entity.schema}.{prop} is required")]
        party = self.parties.get(target)
        if party is None:
            return {f"{prefix}uscc": f"ftm:{target}"}, []
        if not party.person:
            return {f"{prefix}uscc": party.key}, []
        if party.key is None:
            return {}, [_nameless(prop, target)]
        return {f"{prefix}person_key": party.key}, []


def _nameless(field_name: str, entity_id: str) -> FieldError:
    return FieldError(
        field_name,
        "person_key",
        f"person {quote(entity_id)} has a name alone: no birth date, gender, nationality "
        "or organisation to tell it from a namesake",
    )


def scan(path: Path) -> FtmFile:
    """The first pass: count the entities by kind and key every party."""
    ftm = FtmFile(path)
    facts: dict[str, tuple[int, dict[str, str]]] = {}  # persons, keyed in the end
    co_org: dict[str, str] = {}  # a party id → the least organisation id it is linked to
    authorities: set[str] = set()
    for entity in entities(path):
        kind = kind_of(entity)
        if kind is None:
            ftm.unsupported[entity.schema] += 1
            continue
        ftm.counts[kind] += 1
        if entity.id in ftm.parties or entity.id in facts:
            continue  # a second definition: its row is rejected in the second pass
        if kind is Kind.ORGANIZATIONS:
            ftm.parties[entity.id] = Party(entity.line, org_key(entity), person=False)
        elif kind is Kind.PERSONS:
            facts[entity.id] = (entity.line, person_facts(entity))
        elif kind in (Kind.SHAREHOLDINGS, Kind.OFFICERS, Kind.LEGAL_REPS):
            one, other = (
                ("owner", "asset") if kind is Kind.SHAREHOLDINGS else ("director", "organization")
            )
            party, org = entity.first(one), entity.first(other)
            if party is not None and org is not None:
                co_org[party] = min(co_org.get(party, org), org)
        else:
            authority = _authority(entity)
            if authority is not None:
                authorities.add(authority)
    for entity_id, (line, known) in facts.items():
        org = co_org.get(entity_id)
        org_party = ftm.parties.get(org) if org is not None else None
        org_key_ = org_party.key if org_party is not None else None
        ftm.parties[entity_id] = Party(line, person_key(known, org_key_), person=True)
    ftm.authorities = len(authorities)
    return ftm


# --------------------------------------------------------------------------- rows


def _duplicate(ftm: FtmFile, entity: Entity) -> FieldError | None:
    party = ftm.parties.get(entity.id)
    if party is None or party.line == entity.line:
        return None
    return FieldError(
        "id",
        "duplicate_id",
        f"entity id {quote(entity.id)} is defined on line {party.line} already; "
        "merge an entity's fragments before loading (`ftm aggregate`)",
    )


def _organization(ftm: FtmFile, entity: Entity) -> Mapped:
    duplicate = _duplicate(ftm, entity)
    founded = entity.first("incorporationDate") or ""
    row: TextRow = {
        "uscc": ftm.parties[entity.id].key,
        "name": entity.first("name"),
        "ftm_id": entity.id,
        "kind": "public_institution" if entity.schema == "PublicBody" else None,
        # Optional information: a partial date (a year) is not kept rather than guessed.
        "established_on": founded[:10] if _FULL_DATE.match(founded) else None,
    }
    return Mapped(row, (duplicate,) if duplicate else ())


def _person(ftm: FtmFile, entity: Entity) -> Mapped:
    duplicate = _duplicate(ftm, entity)
    party = ftm.parties[entity.id]
    born = entity.first("birthDate") or ""
    row: TextRow = {
        "person_key": party.key,
        "name": entity.first("name"),
        "ftm_id": entity.id,
        # Only the day the person turns 18 is kept (validation derives it from the year).
        "birth_year": born[:4] if born[:4].isdigit() else None,
    }
    errors = [duplicate] if duplicate else []
    if party.key is None and entity.first("name") is not None:
        errors.append(_nameless("person_key", entity.id))
    return Mapped(row, tuple(errors))


def _day(value: str | None) -> str | None:
    """An FtM date as our day: a full date (a datetime cut to its day) as it is; a partial
    one (``2019``, ``2019-05``) passes unchanged, for validation to reject: never guessed."""
    if value is None:
        return None
    return value[:10] if _FULL_DATE.match(value) else value


def ratio_of_percentage(value: str) -> str:
    """FtM's "Percentage held" as a ratio: ``51``, ``51%`` → ``0.51``; ``0.51`` → ``0.0051``.
    Raises ValueError for a value that is not a percent in [0, 100]."""
    text = value.strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{quote(value)} is not a number") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise ValueError(f"{quote(value)} is not a percent in [0, 100]")
    return str(number / 100)


def _shareholding(ftm: FtmFile, entity: Entity) -> Mapped:
    holder, errors = ftm.ref(entity, "owner", "holder_")
    asset, asset_errors = ftm.ref(entity, "asset", "")
    errors += asset_errors
    if "person_key" in asset:
        errors.append(FieldError("asset", "not_allowed", "a person is not held by anyone"))
    ratio: str | None = None
    percentages = set(entity.values("percentage"))
    if len(percentages) > 1:
        errors.append(FieldError("percentage", "ambiguous", "Ownership has several percentages"))
    elif percentages:
        try:
            ratio = ratio_of_percentage(percentages.pop())
        except ValueError as exc:
            errors.append(FieldError("percentage", "out_of_range", str(exc)))
    row: TextRow = {
        **holder,
        **asset,
        "ratio": ratio,
        "since": _day(entity.first("startDate")),
        "until": _day(entity.first("endDate")),
    }
    return Mapped(row, tuple(errors))


def _post(ftm: FtmFile, entity: Entity) -> Mapped:
    """A Directorship: an officer's post, or a legal representative's (by its role)."""
    director, errors = ftm.ref(entity, "director", "")
    org, org_errors = ftm.ref(entity, "organization", "")
    errors += org_errors
    if "uscc" in director:
        errors.append(FieldError("director", "not_allowed", "an officer is a person here"))
    if "person_key" in org:
        errors.append(FieldError("organization", "not_allowed", "a person has no officers"))
    role = entity.first("role")
    row: TextRow = {
        "person_key": director.get("person_key"),
        "uscc": org.get("uscc"),
        "since": _day(entity.first("startDate")),
        "until": _day(entity.first("endDate")),
    }
    if kind_of(entity) is Kind.OFFICERS:
        row["role"] = "director" if role is None else _ROLES.get(role.lower(), role)
    return Mapped(row, tuple(errors))


def _authority(entity: Entity) -> str | None:
    return entity.first("authority") or entity.first("publisher")


def _department(authority: str, province: str) -> TextRow:
    return {"code": department_code(authority), "name": authority, "province": province}


def _record(ftm: FtmFile, entity: Entity) -> Mapped:
    subject, errors = ftm.ref(entity, "entity", "subject_")
    authority = _authority(entity)
    if authority is None:
        errors.append(FieldError("authority", "missing", f"{entity.schema} has no authority"))
    basis = entity.first("program") or entity.first("provisions") or entity.first("reason")
    row: TextRow = {
        "record_id": f"ftm:{entity.id}",
        **subject,
        "list": "black",
        "level": RECORD_LEVELS[entity.schema],
        "category": "other",
        "authority": department_code(authority) if authority else None,
        "basis": basis,
        "decided_on": _day(
            entity.first("listingDate") or entity.first("startDate") or entity.first("date")
        ),
        "publish_from": _day(entity.first("startDate")),
        "publish_until": _day(entity.first("endDate")),
    }
    return Mapped(row, tuple(errors))


_ROW_BUILDERS = {
    Kind.ORGANIZATIONS: _organization,
    Kind.PERSONS: _person,
    Kind.SHAREHOLDINGS: _shareholding,
    Kind.OFFICERS: _post,
    Kind.LEGAL_REPS: _post,
    Kind.RECORDS: _record,
}
