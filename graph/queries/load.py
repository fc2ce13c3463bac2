"""Cypher for the loaders: batched, idempotent writes of validated rows, with provenance.

Every ``MERGE_*`` takes ``$rows`` (the parameters :mod:`loaders.validate` built, one map per
row) and ``$source``, ``$batch_id``, ``$loaded_at``, and returns one row of counts:
``created`` and ``updated``. The shared rules:

- MERGE on the natural key; relationships on (start, type, end), OFFICER_OF also on role.
- A row equal to what is stored changes nothing, provenance included: ``changed`` is
  computed first, and only changed rows are written. So a second load of the same files
  changes no property at all, and a retried transaction writes the same values again.
- An absent value never erases a stored one (``coalesce(new, stored)``); defaults
  (LAYOUTS.md) apply when a node is created. ``row.props`` carries the plain present
  values; dates travel as ISO text and are converted here by ``date()``, named one by one,
  which costs far less than the driver's encoding of temporal values.
- Functional relationships (a subject's region, a record's subject and issuer, a branch's
  head office) are replaced, not added to, when a row changes them.
- A node just created by MERGE has no ``loaded_at`` yet: that is how ``created`` is told
  apart from ``updated`` (every loader write sets it).
"""

# --- nodes --------------------------------------------------------------------------------

MERGE_DEPARTMENTS = """
UNWIND $rows AS row
MERGE (d:Department {code: row.code})
WITH d, row, d.loaded_at IS NULL AS created
WITH d, row, created,
     created OR any(k IN keys(row.props) WHERE coalesce(d[k] <> row.props[k], true)) AS changed
CALL (d, row, changed) {
  WITH * WHERE changed
  SET d += row.props, d.source = $source, d.batch_id = $batch_id, d.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

MERGE_ORGANIZATIONS = """
UNWIND $rows AS row
MERGE (o:Subject:Organization {uscc: row.uscc})
WITH o, row, o.loaded_at IS NULL AS created
WITH o, row, created,
     created
     OR any(k IN keys(row.props) WHERE coalesce(o[k] <> row.props[k], true))
     OR coalesce(o.established_on <> date(row.established_on), row.established_on IS NOT NULL)
     AS changed
CALL (o, row, changed) {
  WITH * WHERE changed
  SET o += row.props,
      o.established_on = coalesce(date(row.established_on), o.established_on),
      o.kind = coalesce(o.kind, 'enterprise'),
      o.status = coalesce(o.status, 'active'),
      o.hub = coalesce(o.hub, false),
      o.source = $source, o.batch_id = $batch_id, o.loaded_at = $loaded_at
  WITH o, row WHERE row.region IS NOT NULL
  OPTIONAL MATCH (o)-[stale:IN_REGION]->(old:Region) WHERE old.code <> row.region
  DELETE stale
  WITH DISTINCT o, row
  MATCH (r:Region {code: row.region})
  MERGE (o)-[ir:IN_REGION]->(r)
  ON CREATE SET ir.source = $source, ir.batch_id = $batch_id, ir.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

MERGE_PERSONS = """
UNWIND $rows AS row
MERGE (p:Subject:Person {pid: row.pid})
WITH p, row, p.loaded_at IS NULL AS created
WITH p, row, created,
     created OR any(k IN keys(row.props) WHERE coalesce(p[k] <> row.props[k], true)) AS changed
CALL (p, row, changed) {
  WITH * WHERE changed
  SET p += row.props, p.source = $source, p.batch_id = $batch_id, p.loaded_at = $loaded_at
  WITH p, row WHERE row.region IS NOT NULL
  OPTIONAL MATCH (p)-[stale:IN_REGION]->(old:Region) WHERE old.code <> row.region
  DELETE stale
  WITH DISTINCT p, row
  MATCH (r:Region {code: row.region})
  MERGE (p)-[ir:IN_REGION]->(r)
  ON CREATE SET ir.source = $source, ir.batch_id = $batch_id, ir.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

# A record's subject is an Organization or a Person; the key spaces are disjoint (a USCC or
# `listed:` key, a 64-hex or `s:` pid), so at most one of the two lookups finds a node.
MERGE_RECORDS = """
UNWIND $rows AS row
OPTIONAL MATCH (org:Organization {uscc: row.subject})
OPTIONAL MATCH (person:Person {pid: row.subject})
WITH row, coalesce(org, person) AS s
MATCH (d:Department {code: row.authority})
MERGE (rec:Record {record_id: row.record_id})
WITH s, d, rec, row, rec.loaded_at IS NULL AS created
WITH s, d, rec, row, created,
     created
     OR any(k IN keys(row.props) WHERE coalesce(rec[k] <> row.props[k], true))
     OR coalesce(rec.decided_on <> date(row.decided_on), true)
     OR coalesce(rec.publish_from <> date(row.publish_from), row.publish_from IS NOT NULL)
     OR coalesce(rec.publish_until <> date(row.publish_until), row.publish_until IS NOT NULL)
     OR NOT EXISTS { (s)-[:HAS_RECORD]->(rec) }
     OR NOT EXISTS { (rec)-[:ISSUED_BY]->(d) }
     AS changed
CALL (s, d, rec, row, changed) {
  WITH * WHERE changed
  SET rec += row.props,
      rec.decided_on = date(row.decided_on),
      rec.publish_from = coalesce(date(row.publish_from), rec.publish_from),
      rec.publish_until = coalesce(date(row.publish_until), rec.publish_until),
      rec.status = coalesce(rec.status, 'active'),
      rec.source_province = coalesce(rec.source_province, $province),
      rec.source = $source, rec.batch_id = $batch_id, rec.loaded_at = $loaded_at
  WITH s, d, rec
  OPTIONAL MATCH (other:Subject)-[stale:HAS_RECORD]->(rec) WHERE other <> s
  DELETE stale
  WITH DISTINCT s, d, rec
  OPTIONAL MATCH (rec)-[stale:ISSUED_BY]->(old:Department) WHERE old <> d
  DELETE stale
  WITH DISTINCT s, d, rec
  MERGE (s)-[h:HAS_RECORD]->(rec)
  ON CREATE SET h.source = $source, h.batch_id = $batch_id, h.loaded_at = $loaded_at
  MERGE (rec)-[i:ISSUED_BY]->(d)
  ON CREATE SET i.source = $source, i.batch_id = $batch_id, i.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

# --- relationships ------------------------------------------------------------------------

MERGE_LEGAL_REPS = """
UNWIND $rows AS row
MATCH (p:Person {pid: row.pid})
MATCH (o:Organization {uscc: row.uscc})
MERGE (p)-[r:LEGAL_REP_OF]->(o)
WITH r, row, r.loaded_at IS NULL AS created
WITH r, row, created,
     created
     OR coalesce(r.since <> date(row.since), row.since IS NOT NULL)
     OR coalesce(r.until <> date(row.until), row.until IS NOT NULL) AS changed
CALL (r, row, changed) {
  WITH * WHERE changed
  SET r.since = coalesce(date(row.since), r.since),
      r.until = coalesce(date(row.until), r.until),
      r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

MERGE_OFFICERS = """
UNWIND $rows AS row
MATCH (p:Person {pid: row.pid})
MATCH (o:Organization {uscc: row.uscc})
MERGE (p)-[r:OFFICER_OF {role: row.role}]->(o)
WITH r, row, r.loaded_at IS NULL AS created
WITH r, row, created,
     created
     OR coalesce(r.since <> date(row.since), row.since IS NOT NULL)
     OR coalesce(r.until <> date(row.until), row.until IS NOT NULL) AS changed
CALL (r, row, changed) {
  WITH * WHERE changed
  SET r.since = coalesce(date(row.since), r.since),
      r.until = coalesce(date(row.until), r.until),
      r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

# The holder is an Organization or a Person (disjoint key spaces, as for records).
MERGE_SHAREHOLDINGS = """
UNWIND $rows AS row
OPTIONAL MATCH (org:Organization {uscc: row.holder})
OPTIONAL MATCH (person:Person {pid: row.holder})
WITH row, coalesce(org, person) AS h
MATCH (o:Organization {uscc: row.uscc})
MERGE (h)-[r:SHAREHOLDER_OF]->(o)
WITH r, row, r.loaded_at IS NULL AS created
WITH r, row, created,
     created
     OR coalesce(r.ratio <> row.ratio, true)
     OR coalesce(r.since <> date(row.since), row.since IS NOT NULL)
     OR coalesce(r.until <> date(row.until), row.until IS NOT NULL) AS changed
CALL (r, row, changed) {
  WITH * WHERE changed
  SET r.ratio = row.ratio,
      r.since = coalesce(date(row.since), r.since),
      r.until = coalesce(date(row.until), r.until),
      r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

# A branch has one head office: a row naming a new one moves the branch.
MERGE_BRANCHES = """
UNWIND $rows AS row
MATCH (b:Organization {uscc: row.branch})
MATCH (h:Organization {uscc: row.head})
MERGE (b)-[r:BRANCH_OF]->(h)
WITH b, h, r, r.loaded_at IS NULL AS created
CALL (b, h, r, created) {
  WITH * WHERE created
  SET r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
  WITH b, h
  OPTIONAL MATCH (b)-[stale:BRANCH_OF]->(other:Organization) WHERE other <> h
  DELETE stale
}
RETURN count(CASE WHEN created THEN 1 END) AS created, 0 AS updated
"""

MERGE_LICENCES = """
UNWIND $rows AS row
MATCH (p:Person {pid: row.pid})
MATCH (occ:Occupation {code: row.occupation})
MERGE (p)-[l:LICENSED_AS]->(occ)
WITH p, l, row, l.loaded_at IS NULL AS created
WITH p, l, row, created,
     created
     OR coalesce(l.licence_no <> row.licence_no, row.licence_no IS NOT NULL)
     OR coalesce(l.valid_until <> date(row.valid_until), row.valid_until IS NOT NULL)
     OR (row.practises_at IS NOT NULL
         AND NOT EXISTS { (p)-[:PRACTISES_AT]->(:Organization {uscc: row.practises_at}) })
     AS changed
CALL (p, l, row, changed) {
  WITH * WHERE changed
  SET l.licence_no = coalesce(row.licence_no, l.licence_no),
      l.valid_until = coalesce(date(row.valid_until), l.valid_until),
      l.source = $source, l.batch_id = $batch_id, l.loaded_at = $loaded_at
  WITH p, row WHERE row.practises_at IS NOT NULL
  MATCH (o:Organization {uscc: row.practises_at})
  MERGE (p)-[w:PRACTISES_AT]->(o)
  ON CREATE SET w.source = $source, w.batch_id = $batch_id, w.loaded_at = $loaded_at
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN changed AND NOT created THEN 1 END) AS updated
"""

# --- references: which of the keys a batch names exist ------------------------------------

EXISTING_ORGANIZATIONS = """
UNWIND $keys AS key
MATCH (o:Organization {uscc: key})
RETURN collect(o.uscc) AS found
"""

EXISTING_PERSONS = """
UNWIND $keys AS key
MATCH (p:Person {pid: key})
RETURN collect(p.pid) AS found
"""

EXISTING_DEPARTMENTS = """
UNWIND $keys AS key
MATCH (d:Department {code: key})
RETURN collect(d.code) AS found
"""

# --- the batch and its data quality -------------------------------------------------------

# A batch is identified by its content, so loading the same files again finds it.
BEGIN_BATCH = """
MERGE (b:LoadBatch {batch_id: $batch_id})
ON CREATE SET b.status = 'running', b.source = $source, b.mapping = $mapping,
              b.files = $files, b.started_at = $loaded_at, b.loaded_at = $loaded_at
RETURN b.status AS status, b.finished_at AS finished_at
"""

# Completes a batch once; a reload of a complete batch leaves it (and its measures) as is.
COMPLETE_BATCH = """
MATCH (b:LoadBatch {batch_id: $batch_id}) WHERE b.status <> 'complete'
SET b += $totals, b.status = 'complete', b.finished_at = $finished_at
WITH b
UNWIND $quality AS q
MERGE (m:DataQuality {quality_id: q.quality_id})
SET m += q, m.source = $source, m.batch_id = $batch_id, m.loaded_at = $loaded_at
MERGE (m)-[r:OF_BATCH]->(b)
ON CREATE SET r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
"""
