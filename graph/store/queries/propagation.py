"""Cypher for propagation: the Neo4j side of the engine, flag write-back, runs and changes."""

from graph.store.queries.as_of import RECORD_LIVE_STATUS

# Degree per relationship type: a literal type in each pattern lets Neo4j read the count
# from the node's degree store instead of walking a hub's relationships.
NODE_INFO_ORGANIZATIONS = """
UNWIND $keys AS key
MATCH (s:Organization {uscc: key})
RETURN key, 'Organization' AS label, coalesce(s.hub, false) AS hub, null AS adult_on, {
  LEGAL_REP_OF: COUNT { (s)-[:LEGAL_REP_OF]-() },
  SHAREHOLDER_OF: COUNT { (s)-[:SHAREHOLDER_OF]-() },
  OFFICER_OF: COUNT { (s)-[:OFFICER_OF]-() },
  BRANCH_OF: COUNT { (s)-[:BRANCH_OF]-() },
  PRACTISES_AT: COUNT { (s)-[:PRACTISES_AT]-() }
} AS degrees
"""

NODE_INFO_PERSONS = """
UNWIND $keys AS key
MATCH (s:Person {pid: key})
RETURN key, 'Person' AS label, false AS hub, s.adult_on AS adult_on, {
  LEGAL_REP_OF: COUNT { (s)-[:LEGAL_REP_OF]-() },
  SHAREHOLDER_OF: COUNT { (s)-[:SHAREHOLDER_OF]-() },
  OFFICER_OF: COUNT { (s)-[:OFFICER_OF]-() },
  BRANCH_OF: 0,
  PRACTISES_AT: COUNT { (s)-[:PRACTISES_AT]-() }
} AS degrees
"""

_EXPAND_TAIL = """
MATCH (s)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|OFFICER_OF|BRANCH_OF|PRACTISES_AT]-(n:Subject)
WHERE type(r) IN $rels
  AND (r.since IS NULL OR r.since <= $as_of)
  AND (r.until IS NULL OR r.until > $as_of)
RETURN key, type(r) AS rel, CASE WHEN startNode(r) = s THEN 'out' ELSE 'in' END AS direction,
       coalesce(n.uscc, n.pid) AS other,
       CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END AS other_label,
       r.role AS role, r.ratio AS ratio
"""

EXPAND_ORGANIZATIONS = "UNWIND $keys AS key MATCH (s:Organization {uscc: key})" + _EXPAND_TAIL
EXPAND_PERSONS = "UNWIND $keys AS key MATCH (s:Person {pid: key})" + _EXPAND_TAIL

# Records that may start propagation; the engine decides which actually do on as_of.
CANDIDATE_RECORDS = (
    """
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record)
WHERE """
    + RECORD_LIVE_STATUS
    + """
RETURN r.record_id AS record_id, coalesce(s.uscc, s.pid) AS subject, r.list AS list,
       r.level AS level, r.category AS category, r.status AS status,
       r.publish_from AS publish_from, r.publish_until AS publish_until,
       r.decided_on AS decided_on
"""
)

RECORDS_BY_ID = """
UNWIND $record_ids AS id
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record {record_id: id})
RETURN r.record_id AS record_id, coalesce(s.uscc, s.pid) AS subject, r.list AS list,
       r.level AS level, r.category AS category, r.status AS status,
       r.publish_from AS publish_from, r.publish_until AS publish_until,
       r.decided_on AS decided_on
"""

_FLAG_FIELDS = """
RETURN coalesce(s.uscc, s.pid) AS subject, f.record_id AS record_id, f.rule AS rule,
       f.kind AS kind, f.score AS score, f.hops AS hops, f.path AS path, f.basis AS basis,
       f.rules_version AS rules_version
"""

ALL_FLAGS = "MATCH (s:Subject)-[f:FLAGGED]->(:Record)" + _FLAG_FIELDS

FLAGS_OF_RECORDS = (
    "UNWIND $record_ids AS id MATCH (s:Subject)-[f:FLAGGED]->(:Record {record_id: id})"
    + _FLAG_FIELDS
)

# The record's write lock first: MERGE does not lock a relationship's ends, so two runs of
# the same record (a load's and a filing's) could otherwise both create the flag.
_UPSERT_FLAG_TAIL = """
MATCH (r:Record {record_id: row.record_id})
SET r._lock = true REMOVE r._lock
MERGE (s)-[f:FLAGGED]->(r)
SET f += row.props, f.computed_at = datetime($computed_at)
"""

UPSERT_ORGANIZATION_FLAGS = (
    "UNWIND $rows AS row MATCH (s:Organization {uscc: row.subject})" + _UPSERT_FLAG_TAIL
)
UPSERT_PERSON_FLAGS = "UNWIND $rows AS row MATCH (s:Person {pid: row.subject})" + _UPSERT_FLAG_TAIL

DELETE_ORGANIZATION_FLAGS = """
UNWIND $rows AS row
MATCH (:Organization {uscc: row.subject})-[f:FLAGGED]->(:Record {record_id: row.record_id})
DELETE f
"""
DELETE_PERSON_FLAGS = """
UNWIND $rows AS row
MATCH (:Person {pid: row.subject})-[f:FLAGGED]->(:Record {record_id: row.record_id})
DELETE f
"""

# Flags under another rules version than the served one sort below or above it in the
# flagged_rules_version index, so two range seeks of one entry each find them, never a scan.
OTHER_FLAG_RULES_VERSIONS = """
MATCH ()-[f:FLAGGED]->() WHERE f.rules_version < $rules_version
RETURN f.rules_version AS rules_version LIMIT 1
UNION
MATCH ()-[f:FLAGGED]->() WHERE f.rules_version > $rules_version
RETURN f.rules_version AS rules_version LIMIT 1
"""

# Held by a run from its first read to its last write (graph.propagation.recompute). The
# unique stripe key makes a second MERGE of an absent stripe wait for the first to commit.
HOLD_STRIPES = """
UNWIND $stripes AS stripe
MERGE (lock:PropagationLock {stripe: stripe})
SET lock.run_id = $run_id
"""

START_RUN = """
CREATE (:PropagationRun {run_id: $run_id, mode: $mode, as_of: $as_of,
                         rules_version: $rules_version, started_at: datetime($started_at),
                         status: 'running', record_ids: $record_ids})
"""

FINISH_RUN = """
MATCH (run:PropagationRun {run_id: $run_id})
SET run.status = 'completed', run.finished_at = datetime($finished_at),
    run.records = $records, run.flags = $flags, run.gained = $gained, run.lost = $lost,
    run.changed = $changed, run.seconds = $seconds, run.reach = $reach,
    run.reach_before = $reach_before
"""

RECORD_CHANGES = """
MATCH (run:PropagationRun {run_id: $run_id})
UNWIND $rows AS row
CREATE (run)-[:CHANGED]->(:FlagChange {run_id: $run_id, seq: row.seq, change: row.change,
                                      subject: row.subject, record_id: row.record_id,
                                      before: row.before, after: row.after})
"""

LIST_RUNS = """
MATCH (run:PropagationRun)
RETURN run {.*, started_at: toString(run.started_at), finished_at: toString(run.finished_at)}
       AS run
ORDER BY run.started_at DESC
SKIP $skip LIMIT $limit
"""

# Equality on mode, then started_at descending: the propagation_run_mode_started_at index
# yields runs newest first, so LIMIT 1 reads one node (or a few died `running` ones) however
# many runs there were.
LATEST_COMPLETED_RUN = """
MATCH (run:PropagationRun)
WHERE run.mode = $mode AND run.started_at IS NOT NULL AND run.status = 'completed'
WITH run ORDER BY run.mode DESC, run.started_at DESC LIMIT 1
RETURN run {.*, started_at: toString(run.started_at), finished_at: toString(run.finished_at)}
       AS run
"""

RUN_BY_ID = """
MATCH (run:PropagationRun {run_id: $run_id})
RETURN run {.*, started_at: toString(run.started_at), finished_at: toString(run.finished_at)}
       AS run
"""

CHANGES_OF_RUN = """
MATCH (c:FlagChange {run_id: $run_id})
RETURN c.seq AS seq, c.change AS change, c.subject AS subject, c.record_id AS record_id,
       c.before AS before, c.after AS after
ORDER BY c.seq
SKIP $skip LIMIT $limit
"""
