"""Cypher for a record's life after it is filed: objection, decision, repair, revocation.

Each step is a compare-and-set from the status its caller read (``$before``) to ``$after``,
and appends ``$entry`` (JSON: when, by whom, which step, before, after, note) to the record's
``status_history``, so the record itself says how it came to its status. A step on a
record of this province (``$province``) appends to the linkage change log in the same
statement (:data:`graph.store.queries.changelog.LOG_CHANGES`).
"""

from graph.store.queries.changelog import LOG_CHANGES

# The end of each step: log the change, and return the record's id if it was made.
_LOGGED = (
    "WITH collect(r) AS changed"
    + LOG_CHANGES
    + "UNWIND changed AS r\nRETURN r.record_id AS record_id\n"
)

READ_RECORD = """
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record {record_id: $record_id})
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN r {.*, authority_name: d.name} AS record, coalesce(s.uscc, s.pid) AS subject
"""

# The status a record returns to when an objection is rejected is kept on the record.
FILE_OBJECTION = (
    """
MATCH (r:Record {record_id: $record_id})
WHERE r.status IN ['active', 'expired'] AND r.status = $before
SET r.status_before_objection = r.status, r.status = $after,
    r.status_history = coalesce(r.status_history, []) + $entry,
    r.objection_reason = $reason, r.objection_filed_at = datetime($at),
    r.objection_deadline = date($deadline), r.objection_filed_by = $by
"""
    + _LOGGED
)

DECIDE_OBJECTION = (
    """
MATCH (r:Record {record_id: $record_id, status: 'under_objection'})
WHERE r.status = $before
SET r.status = $after, r.status_history = coalesce(r.status_history, []) + $entry,
    r.objection_decision = CASE WHEN $upheld THEN 'upheld' ELSE 'rejected' END,
    r.objection_decided_at = datetime($at), r.objection_note = $note,
    r.objection_decided_by = $by
REMOVE r.status_before_objection
"""
    + _LOGGED
)

REPAIR_RECORD = (
    """
MATCH (r:Record {record_id: $record_id})
WHERE r.status IN ['active', 'expired', 'under_objection'] AND r.status = $before
SET r.status = $after, r.status_history = coalesce(r.status_history, []) + $entry,
    r.repaired_at = datetime($at), r.repair_note = $note,
    r.repaired_by = $by
REMOVE r.status_before_objection
"""
    + _LOGGED
)

REVOKE_RECORD = (
    """
MATCH (r:Record {record_id: $record_id})
WHERE r.status <> 'revoked' AND r.status = $before
SET r.status = $after, r.status_history = coalesce(r.status_history, []) + $entry,
    r.revoked_at = datetime($at), r.revocation_note = $note,
    r.revoked_by = $by
REMOVE r.status_before_objection
"""
    + _LOGGED
)
