"""The key occupational groups (重点职业人群, the 23 of the reference list): how many hold a
current licence, their records, and the practitioners who are sanctioned or flagged.

Practitioners are persons: they leave this module as the graph holds them, and reach a
reader only through :func:`graph.disclosure.disclose_person`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from graph.model import Person
from graph.store.queries import professionals as q
from graph.store.repository import Repository

MAX_PRACTITIONERS = 1000


class OccupationCount(BaseModel):
    code: str
    name: str
    holders: int  # persons with a licence current on as_of
    sanctions: int  # their own black/focus records in force
    sanctioned: int  # holders with at least one of those
    honours: int  # their own red-list records in force
    flagged: int  # holders reached by a live flag


class FlaggedPractitioner(BaseModel):
    person: Person
    occupation: str
    practises_at: list[str]  # organisation names, at most three
    record_id: str
    list: str
    level: str | None
    category: str | None
    rule: str  # "own": the practitioner's own record; else the propagation rule
    kind: str  # "own", or the flag's kind (pending while the record is under objection)
    score: float


def occupation_counts(repo: Repository, as_of: date) -> list[OccupationCount]:
    """Every occupation of the reference list, by code, with none as zero."""
    return [OccupationCount(**row) for row in repo.read(q.OCCUPATION_COUNTS, as_of=as_of)]


def flagged_practitioners(
    repo: Repository, occupation: str, as_of: date, limit: int = MAX_PRACTITIONERS
) -> list[FlaggedPractitioner]:
    """The holders of ``occupation`` sanctioned or flagged on ``as_of``, one per person and
    record, the highest score first, at most ``limit``."""
    return [
        FlaggedPractitioner(
            person=Person(
                pid=row["pid"],
                name=row["name"],
                id_masked=row["id_masked"],
                region_code=row["region_code"],
                province=row["province"],
            ),
            **{k: v for k, v in row.items() if k not in Person.model_fields},
        )
        for row in repo.read(
            q.FLAGGED_PRACTITIONERS, occupation=occupation, as_of=as_of, limit=limit
        )
    ]
