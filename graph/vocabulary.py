"""The domain's value sets, named once: lists, levels, statuses, flag kinds, roles, provinces.

Labels and relationship types live in :mod:`graph.store.schema`; this module names the values the
graph's properties take (design.md, "The graph"), so a loader, a rule file, the engine and
an endpoint all accept and compare the same strings. It also holds the as-of counting rule
in Python, :func:`record_counts`; its Cypher twin is :mod:`graph.store.queries.as_of`, and a test
checks on a real Neo4j that both select the same records.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from graph.store.schema import Label, Rel

# --- Records: `list`, `level`, `status`.
ListName = Literal["black", "red", "focus"]
# The lists that sanction (red is an honour, 红名单).
NegativeList = Literal["black", "focus"]
Level = Literal["general", "serious", "severe"]
RecordStatus = Literal["active", "expired", "repaired", "revoked", "under_objection"]

RECORD_LISTS: frozenset[str] = frozenset(get_args(ListName))
NEGATIVE_LISTS: tuple[NegativeList, ...] = get_args(NegativeList)
RED: ListName = "red"
RECORD_LEVELS: frozenset[str] = frozenset(get_args(Level))
RECORD_STATUSES: frozenset[str] = frozenset(get_args(RecordStatus))
ACTIVE: RecordStatus = "active"
UNDER_OBJECTION: RecordStatus = "under_objection"
RECORD_CATEGORIES = frozenset(
    {"food_drug", "product_quality", "intellectual_property", "environment", "tax", "contract",
     "judgment_debtor", "labour", "safety", "finance", "honour", "other"}
)  # fmt: skip

# The statuses under which a record counts on a date it is published on. "In force" is the
# record as findings and statistics count it: an objection suspends it, so it restricts
# nobody. "Live" is the record as propagation and review count it: under objection it still
# counts, as `pending`, which never blocks (design.md, "Propagation").
IN_FORCE_STATUSES: tuple[RecordStatus, ...] = (ACTIVE,)
LIVE_STATUSES: tuple[RecordStatus, ...] = (ACTIVE, UNDER_OBJECTION)

# --- Derived flags (`FLAGGED.kind`) and the rules that derive them.
FlagKind = Literal["extended", "associated", "pending"]
RuleKind = Literal["extended", "associated"]
PENDING: FlagKind = "pending"

# --- Subjects and the relationships between them.
SubjectLabel = Literal["Organization", "Person"]
SUBJECT_LABELS = frozenset({Label.ORGANIZATION, Label.PERSON})
# A relationship seen from one of its ends.
Direction = Literal["out", "in"]
# The relationships between subjects: what a trace follows and a rule may propagate along.
# Plain strings, not `Rel` members: they are echoed in API docs and messages.
SUBJECT_RELATIONS: tuple[str, ...] = tuple(
    rel.value
    for rel in (
        Rel.LEGAL_REP_OF,
        Rel.SHAREHOLDER_OF,
        Rel.OFFICER_OF,
        Rel.BRANCH_OF,
        Rel.PRACTISES_AT,
    )
)

# `OFFICER_OF.role` (LAYOUTS.md, "Value sets"); a rule naming a role outside it could never
# match an edge.
OFFICER_ROLES = frozenset(
    {"chairman", "vice_chairman", "honorary_chairman", "director", "independent_director",
     "employee_director", "executive_director", "supervisor", "general_manager",
     "deputy_general_manager", "cfo", "board_secretary", "manager", "principal"}
)  # fmt: skip

# --- Organisations.
ORGANIZATION_KINDS = frozenset(
    {"enterprise", "individual_business", "farmer_coop", "social_org", "public_institution",
     "state_asset_holder"}
)  # fmt: skip
ORGANIZATION_STATUSES = frozenset({"active", "revoked", "cancelled"})

# --- The Yangtze River Delta (信用长三角): province codes of the linkage partners.
ProvinceCode = Literal["31", "32", "33", "34"]
DELTA_PROVINCES: frozenset[str] = frozenset(get_args(ProvinceCode))
PROVINCE_NAMES: dict[str, str] = {
    "31": "上海 Shanghai",
    "32": "江苏 Jiangsu",
    "33": "浙江 Zhejiang",
    "34": "安徽 Anhui",
}


def published_on(
    as_of: date, publish_from: date | None, decided_on: date | None, publish_until: date | None
) -> bool:
    """Whether a record is within its publicity window on ``as_of``: from ``publish_from``
    (or, without one, its decision; with neither, always) to ``publish_until`` inclusive (an
    open end never ends)."""
    start = publish_from or decided_on
    return (start is None or start <= as_of) and (publish_until is None or as_of <= publish_until)


def record_counts(
    as_of: date,
    *,
    status: str | None,
    publish_from: date | None,
    decided_on: date | None,
    publish_until: date | None,
    statuses: tuple[RecordStatus, ...] = IN_FORCE_STATUSES,
) -> bool:
    """The as-of counting rule: a record counts on ``as_of`` when it is published on that
    date and its status is one of ``statuses`` (:data:`IN_FORCE_STATUSES` or
    :data:`LIVE_STATUSES`). The Cypher twin is :data:`graph.store.queries.as_of.RECORD_IN_FORCE`
    (or ``RECORD_LIVE``).

    >>> record_counts(date(2026, 5, 1), status="active", publish_from=None,
    ...               decided_on=date(2026, 1, 10), publish_until=None)
    True
    >>> record_counts(date(2026, 5, 1), status="under_objection", publish_from=None,
    ...               decided_on=date(2026, 1, 10), publish_until=None)
    False
    """
    return status in statuses and published_on(as_of, publish_from, decided_on, publish_until)
