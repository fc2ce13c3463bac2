"""Cypher for resolution (:mod:`graph.resolution`): matching keys, blocks, facts, decisions,
merge and undo, and the look-up by which loads honour merges.

A merge moves every relationship of the merged subject, of any type (Neo4j 5.26's dynamic
types, ``$(type(r))``: no list of types to keep in step with the vocabulary), to the kept
subject, tagging each with ``merged_from``. A relationship the kept subject already has (same
type, same other end, same role and period; for the functional ``IN_REGION`` and
``BRANCH_OF``, any of that type) is not doubled: it is parked as ``MERGED_DUPLICATE`` (its
type in ``type``) on the merged node, which no query follows, and restored by undo. Derived
flags are not moved: the merged subject's are removed and recomputed on the kept one.
"""

from graph.store.queries.changelog import LOG_CHANGES

# --- matching keys (stored on the subject, indexed, read in index order) --------------------

NAMES_TO_KEY = {
    "person": """
MATCH (s:Person) WHERE s.match_of IS NULL OR s.match_of <> s.name
RETURN s.pid AS key, s.name AS name
""",
    "organization": """
MATCH (s:Organization) WHERE s.match_of IS NULL OR s.match_of <> s.name
RETURN s.uscc AS key, s.name AS name
""",
}

SET_MATCH_KEYS = {
    "person": """
UNWIND $rows AS row
MATCH (s:Person {pid: row.key})
SET s.match_key = row.match_key, s.match_latin = row.match_latin, s.match_of = row.name
""",
    "organization": """
UNWIND $rows AS row
MATCH (s:Organization {uscc: row.key})
SET s.match_key = row.match_key, s.match_latin = row.match_latin, s.match_of = row.name
""",
}

# Each block's members come together: ordered by the indexed key, so the server reads the
# index in order rather than sorting 10^7 rows.
BLOCKS = {
    ("person", "match_key"): """
MATCH (s:Person) WHERE s.match_key IS NOT NULL
RETURN s.match_key AS block, s.pid AS key ORDER BY s.match_key
""",
    ("person", "match_latin"): """
MATCH (s:Person) WHERE s.match_latin IS NOT NULL
RETURN s.match_latin AS block, s.pid AS key ORDER BY s.match_latin
""",
    ("organization", "match_key"): """
MATCH (s:Organization) WHERE s.match_key IS NOT NULL
RETURN s.match_key AS block, s.uscc AS key ORDER BY s.match_key
""",
    ("organization", "match_latin"): """
MATCH (s:Organization) WHERE s.match_latin IS NOT NULL
RETURN s.match_latin AS block, s.uscc AS key ORDER BY s.match_latin
""",
}

# What scoring compares (graph.resolution.scoring.Facts). Neighbours are capped: a hub's
# thousands say nothing more than its first hundred.
_NEIGHBOURS = """
       COLLECT { MATCH (s)-[:OFFICER_OF|LEGAL_REP_OF|SHAREHOLDER_OF]-(n:Subject)
                 RETURN DISTINCT coalesce(n.uscc, n.pid) LIMIT 100 } AS neighbours
"""
FACTS = {
    "person": """
UNWIND $keys AS key
MATCH (s:Person {pid: key})
RETURN s.pid AS key, s.name AS name, s.gender AS gender, s.id_masked AS id_masked,
       s.adult_on AS adult_on, s.region_code AS region, null AS jurisdiction,
"""
    + _NEIGHBOURS,
    "organization": """
UNWIND $keys AS key
MATCH (s:Organization {uscc: key})
RETURN s.uscc AS key, s.name AS name, null AS gender, null AS id_masked, null AS adult_on,
       s.region_code AS region, s.jurisdiction AS jurisdiction,
"""
    + _NEIGHBOURS,
}

# --- decisions ----------------------------------------------------------------------------

# Pairs a person said are not the same (and did not take back): never proposed again.
NOT_SAME_PAIRS = """
MATCH (d:Resolution {verdict: 'not_same'}) WHERE d.undone_at IS NULL
RETURN d.keys AS keys
"""

CREATE_DECISION = """
CREATE (d:Resolution)
SET d = $decision
"""

DECISIONS = """
MATCH (d:Resolution)
WHERE ($kind IS NULL OR d.kind = $kind) AND ($key IS NULL OR $key IN d.keys)
RETURN d {.*} AS decision
ORDER BY d.at DESC, d.id
SKIP $skip LIMIT $limit
"""

DECISION = "MATCH (d:Resolution {id: $id}) RETURN d {.*} AS decision"

# The live "same" decision that merged a key, if any.
MERGED_BY = """
MATCH (d:Resolution {verdict: 'same'}) WHERE d.keys[1] = $key AND d.undone_at IS NULL
RETURN d {.*} AS decision
"""

MARK_UNDONE = """
MATCH (d:Resolution {id: $id}) WHERE d.undone_at IS NULL
SET d.undone_at = $at, d.undone_by = $by, d.undo_reason = $reason
RETURN d {.*} AS decision
"""

# --- merge ----------------------------------------------------------------------------------

_ENDS = {
    "person": "MATCH (k:Person {pid: $kept}) MATCH (m:Person {pid: $merged})\n",
    "organization": (
        "MATCH (k:Organization {uscc: $kept}) MATCH (m:Organization {uscc: $merged})\n"
    ),
}

# Both ends are live subjects of the kind (a `not_same` decision moves nothing, so nothing
# else would notice a key the graph does not hold).
BOTH = {kind: ends + "RETURN true AS found" for kind, ends in _ENDS.items()}

# The merged subject's flags: derived, removed here and recomputed on the kept subject.
_DROP_FLAGS = """
SET k._lock = true REMOVE k._lock
SET m._lock = true REMOVE m._lock
WITH k, m
OPTIONAL MATCH (m)-[f:FLAGGED]->(r:Record)
WITH k, m, collect(f) AS flags, collect(DISTINCT r.record_id) AS records
FOREACH (f IN flags | DELETE f)
RETURN records
"""
DROP_FLAGS = {kind: ends + _DROP_FLAGS for kind, ends in _ENDS.items()}

# Whether `k` already has a relationship `same` like `r` (type t, props) towards `o`.
_LIKE = """
  type(same) = t
  AND (o2 = o OR t IN ['IN_REGION', 'BRANCH_OF'])
  AND (same.role = props.role OR (same.role IS NULL AND props.role IS NULL))
  AND (same.period = props.period OR (same.period IS NULL AND props.period IS NULL))
"""

_MOVE_OUT = (
    """
MATCH (m)-[r]->(o) WHERE NOT type(r) IN ['FLAGGED', 'MERGED_DUPLICATE']
WITH k, m, r, o, type(r) AS t, properties(r) AS props
WITH k, m, r, o, t, props,
     o = k OR EXISTS { MATCH (k)-[same]->(o2) WHERE """
    + _LIKE
    + """ } AS duplicate
CALL (k, o, t, props, duplicate) {
  WITH * WHERE NOT duplicate
  CREATE (k)-[n:$(t)]->(o)
  SET n = props, n.merged_from = $merged
}
CALL (m, o, t, props, duplicate) {
  WITH * WHERE duplicate
  CREATE (m)-[n:MERGED_DUPLICATE]->(o)
  SET n = props, n.type = t
}
WITH r, o, t, duplicate
DELETE r
RETURN count(*) AS moved, collect(DISTINCT coalesce(o.uscc, o.pid)) AS others,
       collect(CASE WHEN t = 'HAS_RECORD' AND NOT duplicate THEN o.record_id END) AS records
"""
)

_MOVE_IN = (
    """
MATCH (o)-[r]->(m) WHERE NOT type(r) IN ['FLAGGED', 'MERGED_DUPLICATE']
WITH k, m, r, o, type(r) AS t, properties(r) AS props
WITH k, m, r, o, t, props,
     o = k OR EXISTS { MATCH (o2)-[same]->(k) WHERE """
    + _LIKE.replace("t IN ['IN_REGION', 'BRANCH_OF']", "false")
    + """ } AS duplicate
CALL (k, o, t, props, duplicate) {
  WITH * WHERE NOT duplicate
  CREATE (o)-[n:$(t)]->(k)
  SET n = props, n.merged_from = $merged
}
CALL (m, o, t, props, duplicate) {
  WITH * WHERE duplicate
  CREATE (o)-[n:MERGED_DUPLICATE]->(m)
  SET n = props, n.type = t
}
WITH r, o
DELETE r
RETURN count(*) AS moved, collect(DISTINCT coalesce(o.uscc, o.pid)) AS others
"""
)

# Outgoing relationships of a subject are all its own (HAS_RECORD runs subject → record,
# so moved records are among the outgoing ones).
MOVE_OUT = {kind: ends + "WITH k, m\n" + _MOVE_OUT for kind, ends in _ENDS.items()}
MOVE_IN = {kind: ends + "WITH k, m\n" + _MOVE_IN for kind, ends in _ENDS.items()}

# A moved record changed its subject: logged for the linkage feed (an upsert of the record).
LOG_MOVED_RECORDS = (
    """
UNWIND $records AS id
MATCH (r:Record {record_id: id})
WITH collect(r) AS changed"""
    + LOG_CHANGES
)

RETIRE = {
    kind: ends
    + """
SET m.merged_into = $kept, m.merged_labels = labels(m), m.merged_at = $at
REMOVE m:Subject:Person:Organization
SET m:MergedSubject
"""
    for kind, ends in _ENDS.items()
}

# --- undo -----------------------------------------------------------------------------------

_MERGED = """
MATCH (m:MergedSubject) WHERE m.merged_into = $kept AND (m.pid = $merged OR m.uscc = $merged)
"""
UNDO_ENDS = {
    "person": "MATCH (k:Person {pid: $kept})" + _MERGED,
    "organization": "MATCH (k:Organization {uscc: $kept})" + _MERGED,
}

RESTORE = """
FOREACH (_ IN CASE WHEN 'Subject' IN m.merged_labels THEN [1] ELSE [] END | SET m:Subject)
FOREACH (_ IN CASE WHEN 'Person' IN m.merged_labels THEN [1] ELSE [] END | SET m:Person)
FOREACH (_ IN CASE WHEN 'Organization' IN m.merged_labels THEN [1] ELSE [] END |
  SET m:Organization)
REMOVE m:MergedSubject, m.merged_into, m.merged_labels, m.merged_at
WITH k, m
CALL (k, m) {
  MATCH (k)-[r]->(o) WHERE r.merged_from = $merged
  WITH m, r, o, type(r) AS t, properties(r) AS props
  CREATE (m)-[n:$(t)]->(o)
  SET n = props REMOVE n.merged_from
  DELETE r
  RETURN collect(CASE WHEN t = 'HAS_RECORD' THEN o.record_id END) AS records,
         collect(DISTINCT coalesce(o.uscc, o.pid)) AS out_others
}
CALL (k, m) {
  MATCH (o)-[r]->(k) WHERE r.merged_from = $merged
  WITH m, r, o, type(r) AS t, properties(r) AS props
  CREATE (o)-[n:$(t)]->(m)
  SET n = props REMOVE n.merged_from
  DELETE r
  RETURN collect(DISTINCT coalesce(o.uscc, o.pid)) AS in_others
}
CALL (m) {
  MATCH (m)-[d:MERGED_DUPLICATE]->(o)
  WITH m, d, o, d.type AS t, properties(d) AS props
  CREATE (m)-[n:$(t)]->(o)
  SET n = props REMOVE n.type
  DELETE d
  RETURN count(*) AS out_parked
}
CALL (m) {
  MATCH (o)-[d:MERGED_DUPLICATE]->(m)
  WITH m, d, o, d.type AS t, properties(d) AS props
  CREATE (o)-[n:$(t)]->(m)
  SET n = props REMOVE n.type
  DELETE d
  RETURN count(*) AS in_parked
}
RETURN records, out_others + in_others AS others
"""
UNDO = {kind: ends + RESTORE for kind, ends in UNDO_ENDS.items()}

# --- loads honour merges --------------------------------------------------------------------

# From the label's count store: no scan. Most loads meet a graph where nothing was merged.
MERGED_COUNT = "MATCH (m:MergedSubject) RETURN count(m) AS merged"

MERGED_INTO = """
UNWIND $keys AS key
OPTIONAL MATCH (o:MergedSubject {uscc: key})
OPTIONAL MATCH (p:MergedSubject {pid: key})
WITH key, coalesce(o, p) AS m WHERE m IS NOT NULL
RETURN key, m.merged_into AS kept
"""

# --- deterministic merges: identifiers that agree ------------------------------------------

# An `orgcode:` organisation and the USCC organisation embedding that code.
ORG_CODE_PAIRS = """
MATCH (m:Organization) WHERE m.uscc STARTS WITH 'orgcode:'
MATCH (k:Organization {org_code: substring(m.uscc, 8)}) WHERE k.key_kind = 'uscc'
RETURN k.uscc AS kept, m.uscc AS merged
"""

# A `listed:` organisation and the USCC organisation with the same stock code and exchange.
LISTED_PAIRS = """
MATCH (m:Organization) WHERE m.uscc STARTS WITH 'listed:' AND m.stock_code IS NOT NULL
MATCH (k:Organization) WHERE k.stock_code = m.stock_code AND k.key_kind = 'uscc'
  AND (m.exchange IS NULL OR k.exchange IS NULL OR k.exchange = m.exchange)
RETURN k.uscc AS kept, m.uscc AS merged
"""
