"""Cypher for the one write path (:mod:`graph.ingest`): batched, idempotent upserts of
validated rows, with provenance, safe with several writers at once.

Every write takes ``$rows`` (the parameters :mod:`graph.ingest.validate` built, one map per
row) and ``$source``, ``$batch_id``, ``$loaded_at``. The shared rules:

- Nodes are upserted in two statements: :mod:`graph.ingest.writes` looks a batch's keys up
  (``EXISTING_*``), sends the absent rows to ``CREATE_*`` — a plain ``UNWIND … CREATE``, the
  cheapest write there is, which is what a first load of a province consists of — and the
  present ones to ``UPDATE_*``, which returns how many it changed. A key created by another
  writer between the look-up and the CREATE fails the unique constraint, and the whole
  transaction with it; the caller looks the keys up again and retries.
- Relationships are upserted in one ``MERGE_*`` statement (look up with OPTIONAL MATCH;
  create if absent) that returns ``created``, ``updated`` and the keys of the subjects at
  the ends of what it created, changed or removed (``touched``: what propagation must look
  at again). Before looking, each row takes the write lock of the endpoint that scopes the
  relationship's key (``SET x._lock = true REMOVE x._lock``: a write lock is held until
  commit, and Neo4j offers no other way to take one without APOC), so a second writer of the
  same relationship waits and then finds it. MERGE alone would not do: it does not lock a
  relationship's ends. Both upserts cost a fraction of MERGE's (bench/load.py compares);
  both rely on a batch naming each key once (the caller de-duplicates).
- A row equal to what is stored changes nothing, provenance included, so a second load of
  the same files changes no property, and a retried transaction writes the same values
  again. An absent value never erases a stored one (``coalesce(new, stored)``); defaults
  (loaders/LAYOUTS.md) apply when a node is created. ``row.props`` carries the plain present
  values; dates arrive as dates.
- Every change of a record of this province appends to the linkage change log in the same
  statement (:data:`graph.store.queries.changelog.LOG_CHANGES`), hence the same transaction.
- Functional relationships (a subject's region, a branch's head office) are replaced, not
  added to, when a row changes them. A record's subject and issuer never change: they are
  part of its identity (:data:`graph.ingest.writes.RECORD_IDENTITY`).
"""

from graph.store.queries.changelog import LOG_CHANGES

# --- nodes --------------------------------------------------------------------------------

CREATE_DEPARTMENTS = """
UNWIND $rows AS row
CREATE (n:Department)
SET n = row.props, n.code = row.code,
    n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
"""

UPDATE_DEPARTMENTS = """
UNWIND $rows AS row
MATCH (d:Department {code: row.code})
WITH d, row WHERE any(k IN keys(row.props) WHERE coalesce(d[k] <> row.props[k], true))
SET d += row.props, d.source = $source, d.batch_id = $batch_id, d.loaded_at = $loaded_at
RETURN count(*) AS updated
"""

# A subject's region: set with the subject (`n`); replaced when a row changes it.
_IN_REGION = """
WITH n, row WHERE row.region IS NOT NULL
MATCH (r:Region {code: row.region})
CREATE (n)-[:IN_REGION {source: $source, batch_id: $batch_id, loaded_at: $loaded_at}]->(r)
"""
_MOVE_REGION = """
WITH *
CALL (n, row) {
  WITH * WHERE row.region IS NOT NULL
  OPTIONAL MATCH (n)-[stale:IN_REGION]->(old:Region) WHERE old.code <> row.region
  DELETE stale
  WITH DISTINCT n, row
  MATCH (r:Region {code: row.region})
  MERGE (n)-[ir:IN_REGION]->(r)
  ON CREATE SET ir.source = $source, ir.batch_id = $batch_id, ir.loaded_at = $loaded_at
}
"""

CREATE_ORGANIZATIONS = (
    """
UNWIND $rows AS row
CREATE (n:Subject:Organization)
SET n = row.props, n.uscc = row.uscc, n.established_on = row.established_on,
    n.kind = coalesce(row.props.kind, 'enterprise'),
    n.status = coalesce(row.props.status, 'active'),
    n.hub = coalesce(row.props.hub, false),
    n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at"""
    + _IN_REGION
)

UPDATE_ORGANIZATIONS = (
    """
UNWIND $rows AS row
MATCH (n:Organization {uscc: row.uscc})
WITH n, row, coalesce(n.hub, false) AS was_hub
WHERE any(k IN keys(row.props) WHERE coalesce(n[k] <> row.props[k], true))
   OR coalesce(n.established_on <> row.established_on, row.established_on IS NOT NULL)
SET n += row.props,
    n.established_on = coalesce(row.established_on, n.established_on),
    n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at"""
    + _MOVE_REGION
    # A hub passes nothing on: a change of the marker changes what crosses the organisation.
    + """RETURN count(*) AS updated,
       collect(CASE WHEN coalesce(n.hub, false) <> was_hub THEN n.uscc END) AS hub_changed
"""
)

CREATE_PERSONS = (
    """
UNWIND $rows AS row
CREATE (n:Subject:Person)
SET n = row.props, n.pid = row.pid,
    n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at"""
    + _IN_REGION
)

UPDATE_PERSONS = (
    """
UNWIND $rows AS row
MATCH (n:Person {pid: row.pid})
WITH n, row WHERE any(k IN keys(row.props) WHERE coalesce(n[k] <> row.props[k], true))
SET n += row.props, n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at"""
    + _MOVE_REGION
    + "RETURN count(*) AS updated\n"
)

# A record's subject is an Organization or a Person; the key spaces are disjoint (a USCC or
# a prefixed organisation key, a 64-hex or `s:` pid), so at most one of the two lookups finds
# a node.
_RECORD_ENDS = """
UNWIND $rows AS row
OPTIONAL MATCH (org:Organization {uscc: row.subject})
OPTIONAL MATCH (person:Person {pid: row.subject})
WITH row, coalesce(org, person) AS s
MATCH (d:Department {code: row.authority})
"""

CREATE_RECORDS = (
    _RECORD_ENDS
    + """
CREATE (s)-[:HAS_RECORD {source: $source, batch_id: $batch_id, loaded_at: $loaded_at}]->
       (n:Record)-[:ISSUED_BY {source: $source, batch_id: $batch_id, loaded_at: $loaded_at}]->(d)
SET n = row.props, n.record_id = row.record_id,
    n.decided_on = row.decided_on,
    n.publish_from = row.publish_from,
    n.publish_until = row.publish_until,
    n.status = coalesce(row.props.status, 'active'),
    n.source_province = coalesce(row.props.source_province, $province),
    n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
WITH collect(n) AS changed"""
    + LOG_CHANGES
)

# A record's identity (graph.ingest.writes.RECORD_IDENTITY) was checked against this one
# before the write; matching it again here keeps a row from rewriting a record that another
# writer filed differently since that check. So the subject and issuer links never move.
UPDATE_RECORDS = (
    """
UNWIND $rows AS row
MATCH (s:Subject)-[:HAS_RECORD]->(rec:Record {record_id: row.record_id})-[:ISSUED_BY]->
      (d:Department {code: row.authority})
WHERE coalesce(s.uscc, s.pid) = row.subject AND rec.decided_on = row.decided_on
  AND all(k IN ['list', 'level', 'category', 'basis']
          WHERE row.props[k] IS NULL OR rec[k] = row.props[k])
// A load moves a record's status forward only: a department's file that still says `active`
// must not undo an objection, a repair or a revocation made since (through the API, or by an
// earlier file). Statuses of equal rank replace each other; an absent status keeps the stored.
WITH rec, row, row.props AS given,
     {active: 0, expired: 0, under_objection: 1, repaired: 2, revoked: 3} AS rank
WITH rec, row, given {.*, status: CASE
       WHEN rank[given.status] >= rank[rec.status] THEN given.status
       ELSE rec.status END} AS props
WHERE any(k IN keys(props) WHERE coalesce(rec[k] <> props[k], true))
   OR coalesce(rec.publish_from <> row.publish_from, row.publish_from IS NOT NULL)
   OR coalesce(rec.publish_until <> row.publish_until, row.publish_until IS NOT NULL)
SET rec += props,
    rec.publish_from = coalesce(row.publish_from, rec.publish_from),
    rec.publish_until = coalesce(row.publish_until, rec.publish_until),
    rec.source = $source, rec.batch_id = $batch_id, rec.loaded_at = $loaded_at
WITH collect(rec) AS changed"""
    + LOG_CHANGES
    + """RETURN size(changed) AS updated, [r IN changed | r.record_id] AS records
"""
)

# --- relationships ------------------------------------------------------------------------

# A person's post at an organisation (legal representative, officer): the same upsert, each
# with its own relationship pattern between these fragments.
_POST_HEAD = """
UNWIND $rows AS row
MATCH (p:Person {pid: row.pid})
MATCH (o:Organization {uscc: row.uscc})
SET o._lock = true REMOVE o._lock
WITH p, o, row
"""
_POST_DIFF = """
WITH p, o, r, row, r IS NULL AS created,
     r IS NOT NULL AND CASE
       WHEN row.period IS NULL THEN
         coalesce(r.since <> row.since, row.since IS NOT NULL)
         OR coalesce(r.until <> row.until, row.until IS NOT NULL)
       WHEN r.period > row.period THEN false
       ELSE coalesce(r.period <> row.period, true)
         OR NOT coalesce(r.since = row.since, r.since IS NULL AND row.since IS NULL)
         OR NOT coalesce(r.until = row.until, r.until IS NULL AND row.until IS NULL)
     END AS changed
CALL (p, o, row, created) {
  WITH * WHERE created
"""
_POST_WRITE = """
  SET n.since = row.since, n.until = row.until, n.period = row.period,
      n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
}
CALL (r, row, changed) {
  WITH * WHERE changed
  SET r.since = CASE WHEN row.period IS NULL THEN coalesce(row.since, r.since) ELSE row.since END,
      r.until = CASE WHEN row.period IS NULL THEN coalesce(row.until, r.until) ELSE row.until END,
      r.period = coalesce(row.period, r.period),
      r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed THEN 1 END) AS updated,
       collect(CASE WHEN created OR changed THEN [p.pid, o.uscc] END) AS touched
"""

MERGE_LEGAL_REPS = (
    _POST_HEAD
    + "OPTIONAL MATCH (p)-[r:LEGAL_REP_OF]->(o)"
    + _POST_DIFF
    + "  CREATE (p)-[n:LEGAL_REP_OF]->(o)"
    + _POST_WRITE
)

MERGE_OFFICERS = (
    _POST_HEAD
    + "OPTIONAL MATCH (p)-[r:OFFICER_OF {role: row.role}]->(o)"
    + _POST_DIFF
    + "  CREATE (p)-[n:OFFICER_OF {role: row.role}]->(o)"
    + _POST_WRITE
)

# The holder is an Organization or a Person (disjoint key spaces, as for records).
MERGE_SHAREHOLDINGS = """
UNWIND $rows AS row
OPTIONAL MATCH (org:Organization {uscc: row.holder})
OPTIONAL MATCH (person:Person {pid: row.holder})
WITH row, coalesce(org, person) AS h
MATCH (o:Organization {uscc: row.uscc})
SET o._lock = true REMOVE o._lock
WITH h, o, row
OPTIONAL MATCH (h)-[r:SHAREHOLDER_OF]->(o)
WITH h, o, r, row, r IS NULL AS created,
     r IS NOT NULL AND CASE
       WHEN row.period IS NULL THEN
         coalesce(r.ratio <> row.ratio, true)
         OR coalesce(r.since <> row.since, row.since IS NOT NULL)
         OR coalesce(r.until <> row.until, row.until IS NOT NULL)
       WHEN r.period > row.period THEN false
       ELSE coalesce(r.period <> row.period, true)
         OR coalesce(r.ratio <> row.ratio, true)
         OR NOT coalesce(r.since = row.since, r.since IS NULL AND row.since IS NULL)
         OR NOT coalesce(r.until = row.until, r.until IS NULL AND row.until IS NULL)
     END AS changed
CALL (h, o, row, created) {
  WITH * WHERE created
  CREATE (h)-[n:SHAREHOLDER_OF]->(o)
  SET n.ratio = row.ratio, n.since = row.since, n.until = row.until, n.period = row.period,
      n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
}
CALL (r, row, changed) {
  WITH * WHERE changed
  SET r.ratio = row.ratio,
      r.since = CASE WHEN row.period IS NULL THEN coalesce(row.since, r.since) ELSE row.since END,
      r.until = CASE WHEN row.period IS NULL THEN coalesce(row.until, r.until) ELSE row.until END,
      r.period = coalesce(row.period, r.period),
      r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed THEN 1 END) AS updated,
       collect(CASE WHEN created OR changed THEN [coalesce(h.uscc, h.pid), o.uscc] END)
         AS touched
"""

# --- periods: the history of a relationship reported for several periods -----------------
# The relationship above holds the values of its latest period (a row of an earlier period
# than the one stored changes nothing there, whatever the order of the files; a row without
# a period replaces as before). Every period's values are kept beside it, one relationship
# per period keyed by it, so the history is the same whatever order the periods load in.

_PERIOD_DIFF = """
WITH a, o, r, row, r IS NULL AS created,
     r IS NOT NULL AND (
       NOT coalesce(r.ratio = row.ratio, r.ratio IS NULL AND row.ratio IS NULL)
       OR NOT coalesce(r.since = row.since, r.since IS NULL AND row.since IS NULL)
       OR NOT coalesce(r.until = row.until, r.until IS NULL AND row.until IS NULL)
     ) AS changed
CALL (a, o, row, created) {
  WITH * WHERE created
"""
_PERIOD_WRITE = """
  SET n.ratio = row.ratio, n.since = row.since, n.until = row.until,
      n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
}
CALL (r, row, changed) {
  WITH * WHERE changed
  SET r.ratio = row.ratio, r.since = row.since, r.until = row.until,
      r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed THEN 1 END) AS updated
"""

MERGE_SHAREHOLDING_PERIODS = (
    """
UNWIND $rows AS row
OPTIONAL MATCH (org:Organization {uscc: row.holder})
OPTIONAL MATCH (person:Person {pid: row.holder})
WITH row, coalesce(org, person) AS a
MATCH (o:Organization {uscc: row.uscc})
SET o._lock = true REMOVE o._lock
WITH a, o, row
OPTIONAL MATCH (a)-[r:SHAREHOLDER_IN_PERIOD {period: row.period}]->(o)
"""
    + _PERIOD_DIFF
    + "  CREATE (a)-[n:SHAREHOLDER_IN_PERIOD {period: row.period}]->(o)"
    + _PERIOD_WRITE
)

MERGE_OFFICER_PERIODS = (
    """
UNWIND $rows AS row
MATCH (a:Person {pid: row.pid})
MATCH (o:Organization {uscc: row.uscc})
SET o._lock = true REMOVE o._lock
WITH a, o, row
OPTIONAL MATCH (a)-[r:OFFICER_IN_PERIOD {role: row.role, period: row.period}]->(o)
"""
    + _PERIOD_DIFF
    + "  CREATE (a)-[n:OFFICER_IN_PERIOD {role: row.role, period: row.period}]->(o)"
    + _PERIOD_WRITE
)

# A branch has one head office: a row naming a new one moves the branch.
MERGE_BRANCHES = """
UNWIND $rows AS row
MATCH (b:Organization {uscc: row.branch})
MATCH (h:Organization {uscc: row.head})
SET b._lock = true REMOVE b._lock
WITH b, h, NOT EXISTS { (b)-[:BRANCH_OF]->(h) } AS created,
     COLLECT { MATCH (b)-[:BRANCH_OF]->(old:Organization) RETURN old.uscc } AS former
CALL (b, h, created) {
  WITH * WHERE created
  OPTIONAL MATCH (b)-[stale:BRANCH_OF]->(:Organization)
  DELETE stale
  WITH DISTINCT b, h
  CREATE (b)-[r:BRANCH_OF]->(h)
  SET r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created, 0 AS updated,
       collect(CASE WHEN created THEN [b.uscc, h.uscc] + former END) AS touched
"""

# A row names at most one organisation the person practises at; a new one is added, since
# a professional may practise at several (多点执业).
MERGE_LICENCES = """
UNWIND $rows AS row
MATCH (p:Person {pid: row.pid})
MATCH (occ:Occupation {code: row.occupation})
SET p._lock = true REMOVE p._lock
WITH p, occ, row
OPTIONAL MATCH (p)-[l:LICENSED_AS]->(occ)
OPTIONAL MATCH (o:Organization {uscc: row.practises_at})
WITH p, occ, l, o, row, l IS NULL AS created,
     o IS NOT NULL AND NOT EXISTS { (p)-[:PRACTISES_AT]->(o) } AS practice
WITH p, occ, l, o, row, created, practice,
     l IS NOT NULL AND (
       practice
       OR coalesce(l.licence_no <> row.licence_no, row.licence_no IS NOT NULL)
       OR coalesce(l.valid_until <> row.valid_until, row.valid_until IS NOT NULL)
     ) AS changed
CALL (p, occ, row, created) {
  WITH * WHERE created
  CREATE (p)-[n:LICENSED_AS]->(occ)
  SET n.licence_no = row.licence_no, n.valid_until = row.valid_until,
      n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
}
CALL (l, row, changed) {
  WITH * WHERE changed
  SET l.licence_no = coalesce(row.licence_no, l.licence_no),
      l.valid_until = coalesce(row.valid_until, l.valid_until),
      l.source = $source, l.batch_id = $batch_id, l.loaded_at = $loaded_at
}
CALL (p, o, practice) {
  WITH * WHERE practice
  // MERGE, not CREATE: two licences of one batch (two occupations) may name the same place.
  MERGE (p)-[w:PRACTISES_AT]->(o)
  ON CREATE SET w.source = $source, w.batch_id = $batch_id, w.loaded_at = $loaded_at
}
// A licence is not a propagation edge; a new place of practice is.
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed THEN 1 END) AS updated,
       collect(CASE WHEN practice THEN [p.pid, o.uscc] END) AS touched
"""

# --- which keys of a batch exist (its references; the nodes it upserts) -----------------

EXISTING_ORGANIZATIONS = """
UNWIND $keys AS key
MATCH (o:Organization {uscc: key})
RETURN collect(o.uscc) AS found
"""

# The organisation each organisation code (an `orgcode:` key's body) names: one whose USCC
# embeds it, where exactly one does (graph.ingest.writes.resolve_org_codes).
ORGANIZATIONS_BY_ORG_CODE = """
UNWIND $codes AS code
MATCH (o:Organization {org_code: code})
WITH code, collect(o.uscc) AS found WHERE size(found) = 1
RETURN 'orgcode:' + code AS key, found[0] AS uscc
"""

# With the day each found person turns 18, where known: a record against a minor is refused.
EXISTING_PERSONS = """
UNWIND $keys AS key
MATCH (p:Person {pid: key})
RETURN collect(p.pid) AS found,
       collect(CASE WHEN p.adult_on IS NOT NULL THEN [p.pid, p.adult_on] END) AS adult_on
"""

EXISTING_DEPARTMENTS = """
UNWIND $keys AS key
MATCH (d:Department {code: key})
RETURN collect(d.code) AS found
"""

EXISTING_RECORDS = """
UNWIND $keys AS key
MATCH (r:Record {record_id: key})
RETURN collect(r.record_id) AS found
"""

# What identifies each filed record of a batch (graph.ingest.writes.RECORD_IDENTITY).
RECORD_IDENTITIES = """
UNWIND $keys AS key
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record {record_id: key})
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN r.record_id AS record_id, coalesce(s.uscc, s.pid) AS subject, d.code AS authority,
       r.decided_on AS decided_on, r.list AS list, r.level AS level, r.category AS category,
       r.basis AS basis
"""

# --- what a write touched: the records whose flags may change ------------------------------

# Neighbours along the propagation relationships, in any period: a relationship that ended
# (``until`` in the past) is kept with its dates, and it is its change that must be seen.
_NEIGHBOURS_TAIL = """
MATCH (s)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|OFFICER_OF|BRANCH_OF|PRACTISES_AT]-(n:Subject)
WHERE type(r) IN $rels
RETURN DISTINCT coalesce(n.uscc, n.pid) AS key
"""
NEIGHBOURS_OF_ORGANIZATIONS = (
    "UNWIND $keys AS key MATCH (s:Organization {uscc: key})" + _NEIGHBOURS_TAIL
)
NEIGHBOURS_OF_PERSONS = "UNWIND $keys AS key MATCH (s:Person {pid: key})" + _NEIGHBOURS_TAIL

# A subject's records that have flags or may start some (the engine decides on the date).
_RECORDS_TAIL = """
MATCH (s)-[:HAS_RECORD]->(r:Record)
WHERE r.status IN ['active', 'under_objection'] OR EXISTS { (:Subject)-[:FLAGGED]->(r) }
RETURN r.record_id AS record_id
"""
RECORDS_OF_ORGANIZATIONS = "UNWIND $keys AS key MATCH (s:Organization {uscc: key})" + _RECORDS_TAIL
RECORDS_OF_PERSONS = "UNWIND $keys AS key MATCH (s:Person {pid: key})" + _RECORDS_TAIL

# From the label's count store: no scan.
SUBJECT_COUNT = "MATCH (s:Subject) RETURN count(s) AS subjects"
