"""The canonical input layouts (``loaders/LAYOUTS.md``) as data: kinds and their columns.

The value sets (LAYOUTS.md, "Value sets") are the domain's: :mod:`graph.vocabulary`.

Readers check headers against these, mappings produce these columns, validation reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """One kind of input file. Definition order is load order: a kind only references kinds
    before it, so every reference made within one load resolves against the graph."""

    DEPARTMENTS = "departments"
    ORGANIZATIONS = "organizations"
    PERSONS = "persons"
    LEGAL_REPS = "legal_reps"
    OFFICERS = "officers"
    SHAREHOLDINGS = "shareholdings"
    BRANCHES = "branches"
    LICENCES = "licences"
    RECORDS = "records"


LOAD_ORDER: tuple[Kind, ...] = tuple(Kind)
KIND_NAMES = frozenset(kind.value for kind in Kind)
# Kinds whose rows become nodes (the rest become relationships between existing nodes).
NODE_KINDS = frozenset({Kind.DEPARTMENTS, Kind.ORGANIZATIONS, Kind.PERSONS, Kind.RECORDS})

# A required entry is a column name, or a tuple of alternatives of which exactly one is given.
Required = str | tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    kind: Kind
    required: tuple[Required, ...]
    optional: tuple[str, ...] = ()
    # Accepted without complaint and not stored (data minimisation): see loaders/LAYOUTS.md.
    unstored: tuple[str, ...] = ()

    @property
    def columns(self) -> frozenset[str]:
        names = {c for r in self.required for c in ((r,) if isinstance(r, str) else r)}
        return frozenset(names | set(self.optional) | set(self.unstored))


PERSON = ("id_number", "person_key")

LAYOUTS: dict[Kind, Layout] = {
    layout.kind: layout
    for layout in (
        Layout(Kind.DEPARTMENTS, ("code", "name", "province")),
        Layout(
            Kind.ORGANIZATIONS,
            ("uscc", "name"),
            (
                "kind",
                "region_code",
                "status",
                "established_on",
                "registered_capital",
                "hub",
                "stock_code",
                "ftm_id",
            ),
        ),
        Layout(Kind.PERSONS, (PERSON, "name"), ("region_code", "ftm_id"), ("gender", "birth_year")),
        Layout(Kind.LEGAL_REPS, (PERSON, "uscc"), ("since", "until")),
        Layout(Kind.OFFICERS, (PERSON, "uscc", "role"), ("since", "until", "period")),
        Layout(
            Kind.SHAREHOLDINGS,
            (("holder_uscc", "holder_id_number", "holder_person_key"), "uscc", "ratio"),
            ("since", "until", "period"),
        ),
        Layout(Kind.BRANCHES, ("branch_uscc", "head_uscc")),
        Layout(
            Kind.LICENCES,
            (PERSON, "occupation_code"),
            ("licence_no", "valid_until", "practises_at_uscc"),
        ),
        Layout(
            Kind.RECORDS,
            (
                "record_id",
                ("subject_uscc", "subject_id_number", "subject_person_key"),
                "list",
                "authority",
                "basis",
                "decided_on",
            ),
            ("category", "level", "publish_from", "publish_until", "status", "source_province"),
        ),
    )
}
