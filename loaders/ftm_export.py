"""The graph written as FollowTheMoney entities (JSON lines), for sharing outside the
province: ``credit-graph export --format ftm``.

What is written, each streamed from the graph in key order with deterministic ids, so the
same graph writes the same file:

- organisations as Company (PublicBody for a public institution, Organization for other
  non-enterprises), with ``uscCode`` for a USCC and ``jurisdiction`` + ``registrationNumber``
  for a foreign registry key, which is what :mod:`loaders.ftm` keys them by again;
- persons as the audience may see them (:mod:`graph.disclosure`): to a regulator their name;
  to anyone else (an analyst, a partner province: what leaves the province) their alias
  with the placeholder name and nothing else. Never an ID number, masked or not, nor a pid;
- shareholdings as Ownership (``percentage`` in percent, as FtM documents it), officers and
  legal representatives as Directorship (the role; ``legal representative``);
- this province's black-list records in force on the day (active, within their publicity
  window) as Sanction: authority, program (our legal basis), listing and start/end dates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import IO, Any

from graph.disclosure import ANALYST, PERSON_PLACEHOLDER, REGULATOR, Audience, person_alias
from graph.model import label_of
from graph.store.queries import ftm_export as q
from graph.store.repository import Repository
from graph.vocabulary import DELTA_PROVINCES
from loaders.ftm import LEGAL_REP_ROLE

Entity = dict[str, Any]
_SAFE_ID = re.compile(r"[A-Za-z0-9.-]{1,100}")
_SCHEMA_OF_KIND = {"public_institution": "PublicBody", "enterprise": "Company"}


def entity_id(prefix: str, key: str) -> str:
    """A deterministic FtM id: the key itself where it is a plain code (a USCC), else a
    digest of it."""
    slug = key.replace(":", "-")
    if _SAFE_ID.fullmatch(slug):
        return f"cg-{prefix}-{slug}"
    return f"cg-{prefix}-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _entity(entity_id_: str, schema: str, **properties: str | None) -> Entity:
    return {
        "id": entity_id_,
        "schema": schema,
        "properties": {k: [v] for k, v in properties.items() if v},
    }


def _percentage(ratio: float) -> str:
    # Through the decimal text, so 0.6 is "60", not "60.00000000000001".
    return format((Decimal(repr(ratio)) * 100).normalize(), "f")


def export_audience(name: str) -> Audience:
    """The audience a file is written for, by its role's name: ``regulator``, ``analyst`` or
    ``partner:<province>``."""
    if name == "regulator":
        return REGULATOR
    if name == "analyst":
        return ANALYST
    province = name.removeprefix("partner:")
    if name.startswith("partner:") and province in DELTA_PROVINCES:
        return Audience("partner", province)
    raise ValueError(
        f"{name!r} is not regulator, analyst or partner:<{'|'.join(sorted(DELTA_PROVINCES))}>"
    )


def _person_id(pid: str, ftm_id: str | None, audience: Audience) -> str:
    """A person's FtM id: to an audience that does not see persons, its alias only."""
    if not audience.sees_persons:
        # FtM ids take no `~`: the alias's digest under our prefix.
        return "cg-" + person_alias(pid, audience).replace("~", "-")
    return ftm_id or entity_id("person", hashlib.sha256(pid.encode()).hexdigest()[:24])


def _org_id(key: str, ftm_id: str | None) -> str:
    """An organisation's FtM id: its own where it came from FtM, so that loading the file
    again finds the organisations its ``ftm:`` keys name."""
    if ftm_id:
        return ftm_id
    return key.removeprefix("ftm:") if key.startswith("ftm:") else entity_id("org", key)


def _subject_id(key: str, ftm_id: str | None, audience: Audience) -> str:
    if label_of(key) == "Person":
        return _person_id(key, ftm_id, audience)
    return _org_id(key, ftm_id)


def ftm_entities(
    repo: Repository, audience: Audience, province: str, as_of: date
) -> Iterator[Entity]:
    """The graph's shareable subjects, relationships and records as FtM entities."""
    for org in repo.stream(q.ORGANIZATIONS):
        yield _organization(org, _org_id(org["key"], org["ftm_id"]))
    for person in repo.stream(q.PERSONS):
        name = person["name"] if audience.sees_persons else PERSON_PLACEHOLDER
        yield _entity(_person_id(person["key"], person["ftm_id"], audience), "Person", name=name)
    for holding in repo.stream(q.SHAREHOLDINGS):
        owner = _subject_id(holding["holder"], holding["holder_ftm_id"], audience)
        asset = _org_id(holding["org"], holding["org_ftm_id"])
        yield _entity(
            entity_id("own", f"{owner}|{asset}"),
            "Ownership",
            owner=owner,
            asset=asset,
            percentage=_percentage(holding["ratio"]),
            startDate=holding["since"],
            endDate=holding["until"],
        )
    for post in repo.stream(q.POSTS, legal_rep=LEGAL_REP_ROLE):
        director = _person_id(post["person"], post["person_ftm_id"], audience)
        organization = _org_id(post["org"], post["org_ftm_id"])
        yield _entity(
            entity_id("dir", f"{director}|{organization}|{post['role']}"),
            "Directorship",
            director=director,
            organization=organization,
            role=post["role"],
            startDate=post["since"],
            endDate=post["until"],
        )
    for record in repo.stream(q.RECORDS, province=province, as_of=as_of):
        yield _entity(
            entity_id("sanction", record["record_id"]),
            "Sanction",
            entity=_subject_id(record["subject"], record["subject_ftm_id"], audience),
            authority=record["authority"],
            program=record["basis"],
            listingDate=record["decided_on"],
            startDate=record["publish_from"],
            endDate=record["publish_until"],
            country="cn",
        )


def _organization(org: dict[str, Any], org_id: str) -> Entity:
    key: str = org["key"]
    properties: dict[str, str | None] = {
        "name": org["name"],
        "incorporationDate": org["established_on"],
        "ticker": org["stock_code"],
    }
    # Each key as the FtM property loaders.ftm reads it back from.
    kind, _, rest = key.partition(":")
    if not rest:
        properties |= {"uscCode": key, "jurisdiction": "cn"}
    elif kind in ("reg", "orgcode"):
        properties |= {"registrationNumber": rest, "jurisdiction": "cn"}
    elif kind == "listed":
        code, _, exchange = rest.partition(".")
        properties |= {"ticker": code, "jurisdiction": "hk" if exchange == "HK" else "cn"}
    elif kind == "foreign":
        jurisdiction, _, number = rest.partition(":")
        properties |= {"jurisdiction": jurisdiction.lower(), "registrationNumber": number}
    schema = _SCHEMA_OF_KIND.get(org["kind"] or "enterprise", "Organization")
    return _entity(org_id, schema, **properties)


def write_ftm(out: IO[str], entities: Iterator[Entity]) -> int:
    """Write entities as JSON lines; return how many."""
    count = 0
    for entity in entities:
        out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
