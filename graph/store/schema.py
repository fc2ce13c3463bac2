"""The graph's vocabulary: labels, relationship types, constraints, indexes, schema version.

Python code names labels and types through :class:`Label` and :class:`Rel`; the Cypher in
:mod:`graph.store.queries` writes them out, and a unit test checks every one it writes
against these, so a typo fails a test rather than silently matching nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from graph.identifiers import InvalidIdentifier, validate_org_key
from graph.reference import occupations, regions
from graph.store.queries import schema as queries

if TYPE_CHECKING:
    from graph.store.repository import Repository

# Bump when constraints/indexes change; /readyz refuses a database on another version.
# A version that changes stored data too has a migration (MIGRATIONS).
SCHEMA_VERSION = 8
# Provenance batch id of the reference data shipped with the code.
REFERENCE_BATCH = f"reference-v{SCHEMA_VERSION}"


class Label(StrEnum):
    SUBJECT = "Subject"
    ORGANIZATION = "Organization"
    PERSON = "Person"
    RECORD = "Record"
    DEPARTMENT = "Department"
    REGION = "Region"
    OCCUPATION = "Occupation"
    SCHEMA_META = "SchemaMeta"
    PROPAGATION_RUN = "PropagationRun"
    PROPAGATION_LOCK = "PropagationLock"  # one stripe of records, held by a run
    FLAG_CHANGE = "FlagChange"
    API_KEY = "ApiKey"
    AUDIT_EVENT = "AuditEvent"
    LOAD_BATCH = "LoadBatch"  # one load of a set of files, identified by their content
    DATA_QUALITY = "DataQuality"  # a department's data-quality measures in one batch
    CHANGE_LOG = "ChangeLog"  # the linkage change log's counter (graph/linkage/changelog.py)
    CHANGE_LOG_ENTRY = "ChangeLogEntry"  # one change of a record of this province
    PARTNER_SYNC = "PartnerSync"  # the subscriber's state for one partner: cursor, errors
    LINKAGE_PAGE = "LinkagePage"  # a partner's signed page, as received and written
    RESOLUTION = "Resolution"  # a decision that two subjects are, or are not, the same
    MERGED_SUBJECT = "MergedSubject"  # a subject merged into another (graph/resolution)


class Rel(StrEnum):
    LEGAL_REP_OF = "LEGAL_REP_OF"
    SHAREHOLDER_OF = "SHAREHOLDER_OF"
    OFFICER_OF = "OFFICER_OF"
    # One per reported period, beside the relationship holding the latest period's values.
    SHAREHOLDER_IN_PERIOD = "SHAREHOLDER_IN_PERIOD"
    OFFICER_IN_PERIOD = "OFFICER_IN_PERIOD"
    BRANCH_OF = "BRANCH_OF"
    LICENSED_AS = "LICENSED_AS"
    PRACTISES_AT = "PRACTISES_AT"
    HAS_RECORD = "HAS_RECORD"
    ISSUED_BY = "ISSUED_BY"
    IN_REGION = "IN_REGION"
    PART_OF = "PART_OF"  # (:Region)-[:PART_OF]->(:Region), prefecture → province
    FLAGGED = "FLAGGED"
    CHANGED = "CHANGED"  # (:PropagationRun)-[:CHANGED]->(:FlagChange), the change feed
    OF_BATCH = "OF_BATCH"  # (:DataQuality)-[:OF_BATCH]->(:LoadBatch)
    # A merged subject's relationship the kept subject already had, parked for undo.
    MERGED_DUPLICATE = "MERGED_DUPLICATE"


# Natural keys. Constraint names are stable so `schema apply` can be rerun (IF NOT EXISTS).
UNIQUE_KEYS: dict[Label, str] = {
    Label.ORGANIZATION: "uscc",
    Label.PERSON: "pid",
    Label.RECORD: "record_id",
    Label.DEPARTMENT: "code",
    Label.REGION: "code",
    Label.OCCUPATION: "code",
    Label.SCHEMA_META: "id",
    Label.PROPAGATION_RUN: "run_id",
    Label.PROPAGATION_LOCK: "stripe",
    Label.API_KEY: "key_id",
    Label.AUDIT_EVENT: "event_id",
    Label.LOAD_BATCH: "batch_id",
    Label.DATA_QUALITY: "quality_id",
    Label.CHANGE_LOG: "id",
    Label.CHANGE_LOG_ENTRY: "seq",
    Label.PARTNER_SYNC: "province",
    Label.LINKAGE_PAGE: "source_page",
    Label.RESOLUTION: "id",
}

# (label, property) pairs that lookups and dashboards filter on.
RANGE_INDEXES: list[tuple[Label, str]] = [
    (Label.ORGANIZATION, "region_code"),
    # An `orgcode:` key finds the organisation whose USCC embeds that code (LAYOUTS.md, "Keys").
    (Label.ORGANIZATION, "org_code"),
    # The overview's province filter counts a province's subjects from these.
    (Label.ORGANIZATION, "province"),
    (Label.PERSON, "province"),
    (Label.RECORD, "status"),
    (Label.RECORD, "list"),
    (Label.RECORD, "decided_on"),
    (Label.RECORD, "publish_until"),
    (Label.RECORD, "source_province"),
    (Label.AUDIT_EVENT, "at"),
    (Label.FLAG_CHANGE, "run_id"),
    (Label.DATA_QUALITY, "department"),
    # A partner's check by linkage key (the key of the current version; PROTOCOL.md).
    (Label.PERSON, "linkage_key"),
    (Label.CHANGE_LOG_ENTRY, "at"),  # retention: the first entry inside the window
    # Resolution's blocks, read in index order (graph/resolution/candidates.py), and a
    # merged key looked up by every load that names it (graph/resolution/honour.py).
    (Label.PERSON, "match_key"),
    (Label.PERSON, "match_latin"),
    (Label.ORGANIZATION, "match_key"),
    (Label.ORGANIZATION, "match_latin"),
    (Label.MERGED_SUBJECT, "pid"),
    (Label.MERGED_SUBJECT, "uscc"),
]

# Name search is `CONTAINS` on a fragment (Chinese names have no word boundaries), which a
# TEXT index answers without scanning.
TEXT_INDEXES: list[tuple[Label, str]] = [
    (Label.ORGANIZATION, "name"),
    (Label.PERSON, "name"),
]
# The explorer's fuzzy name search: a Lucene full-text index per label, whose standard
# analyzer makes each Chinese character a term, so a query of the characters ranks names by
# how well they hold them without reading every name (graph.reads.explorer.fuzzy_search).
FULLTEXT_INDEXES: dict[Label, str] = {
    Label.ORGANIZATION: "organization_name_fulltext",
    Label.PERSON: "person_name_fulltext",
}


def constraint_statements() -> list[str]:
    # DDL cannot take parameters; names here come from the enums above, never from input.
    return [
        f"CREATE CONSTRAINT {label.lower()}_{key}_unique IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
        for label, key in UNIQUE_KEYS.items()
    ]


def index_statements(search: bool = True) -> list[str]:
    """The indexes' statements; ``search=False`` leaves out the name-search ones."""
    statements = [
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label, prop in RANGE_INDEXES
    ]
    if search:
        statements += search_index_statements()
    statements.append(
        f"CREATE INDEX flagged_record IF NOT EXISTS FOR ()-[f:{Rel.FLAGGED}]-() ON (f.record_id)"
    )
    # Whether the flags are current with the served rules (/readyz, `propagate --check`).
    statements.append(
        f"CREATE INDEX flagged_rules_version IF NOT EXISTS "
        f"FOR ()-[f:{Rel.FLAGGED}]-() ON (f.rules_version)"
    )
    # The latest run of each mode (/readyz reports its reach warnings), newest first.
    statements.append(
        f"CREATE INDEX propagation_run_mode_started_at IF NOT EXISTS "
        f"FOR (n:{Label.PROPAGATION_RUN}) ON (n.mode, n.started_at)"
    )
    return statements


def search_index_statements() -> list[str]:
    return [
        f"CREATE TEXT INDEX {_search_index(label, prop)} IF NOT EXISTS FOR (n:{label}) "
        f"ON (n.{prop})"
        for label, prop in TEXT_INDEXES
    ] + [
        f"CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:{label}) ON EACH [n.name] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}}"
        for label, name in FULLTEXT_INDEXES.items()
    ]


def _search_index(label: Label, prop: str) -> str:
    return f"{label.lower()}_{prop}_text"


def drop_search_indexes(repo: Repository) -> None:
    """Drop the name-search indexes, for a bulk load to build them once at its end (a TEXT
    index maintained row by row costs more than the rest of a load; bench/load.py)."""
    names = [_search_index(label, prop) for label, prop in TEXT_INDEXES]
    for name in [*names, *FULLTEXT_INDEXES.values()]:
        repo.run_ddl(f"DROP INDEX {name} IF EXISTS")


def create_search_indexes(repo: Repository) -> None:
    """Create the name-search indexes if absent; the server fills them in the background."""
    for statement in search_index_statements():
        repo.run_ddl(statement)


def ensure_search_indexes(repo: Repository, index_timeout_s: int = 3600) -> None:
    """Create the name-search indexes if absent and wait until they are online."""
    create_search_indexes(repo)
    _await_indexes(repo, index_timeout_s)


def _await_indexes(repo: Repository, timeout_s: int) -> None:
    # As schema work, under the bulk timeout: building an index over a large graph outlasts
    # a request's timeout.
    repo.run_ddl(queries.AWAIT_INDEXES.format(timeout_s=int(timeout_s)))


def apply_schema(
    repo: Repository, index_timeout_s: int = 300, *, search_indexes: bool = True
) -> None:
    """Create constraints and indexes, migrate the data of an older version, load reference
    data, record the version. Idempotent.

    ``search_indexes=False`` leaves the name-search indexes to the caller
    (:func:`create_search_indexes`), to be filled while other work goes on."""
    previous = schema_version(repo)
    # Indexes first: the server fills them in the background while each constraint's own
    # index is filled and checked before its statement returns. At 1M organisations after
    # an import this took 15 s where constraints first took 27 s.
    for statement in [*index_statements(search=search_indexes), *constraint_statements()]:
        repo.run_ddl(statement)
    _await_indexes(repo, index_timeout_s)
    for version, migrate in sorted(MIGRATIONS.items()):
        if previous is not None and previous < version <= SCHEMA_VERSION:
            migrate(repo)
    region_rows = [
        {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent}
        for r in sorted(regions().values(), key=lambda r: (len(r.code), r.code))
    ]
    repo.write(
        queries.MERGE_REGIONS, rows=region_rows, source="reference", batch_id=REFERENCE_BATCH
    )
    occupation_rows = [{"code": o.code, "name": o.name} for o in occupations().values()]
    repo.write(
        queries.MERGE_OCCUPATIONS,
        rows=occupation_rows,
        source="reference",
        batch_id=REFERENCE_BATCH,
    )
    repo.write(queries.RECORD_SCHEMA_VERSION, version=SCHEMA_VERSION)


def _organisation_keys_v6(repo: Repository) -> None:
    """Version 6: listed keys name their exchange (``listed:000001`` → ``listed:000001.SZ``,
    with ``exchange``), and USCC-keyed organisations carry their ``org_code``. A listed key
    whose new form another node already holds is left as it is, for resolution to merge."""
    while repo.write_returning(queries.BACKFILL_ORG_CODES, limit=10_000)[0]["done"]:
        pass
    renames = []
    for row in repo.read(queries.BARE_LISTED_KEYS):
        try:
            key, _ = validate_org_key(row["key"])
        except InvalidIdentifier:
            continue  # a code of no known exchange: kept, and refused by the next load
        renames.append({"old": row["key"], "new": key, "exchange": key.rpartition(".")[2]})
    if renames:
        repo.write(queries.RENAME_LISTED_KEYS, rows=renames)


# Data migrations: applied by apply_schema to a graph of an older version, in order.
MIGRATIONS = {6: _organisation_keys_v6}


def schema_version(repo: Repository) -> int | None:
    row = repo.read_one(queries.READ_SCHEMA_VERSION)
    return None if row is None else int(row["version"])
