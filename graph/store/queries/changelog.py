"""Cypher for the linkage change log (graph/linkage/PROTOCOL.md, "Change log").

One ``:ChangeLogEntry`` per change of a record of this province, created by the statement
that changes the record, so in its transaction. Its ``seq`` comes from the one
``:ChangeLog`` counter node: the statement takes the counter's write lock (``SET _lock``,
as the ingest upserts lock an endpoint) before it reads the counter, and holds it to
commit. A second writer therefore waits for the first to commit before it draws its range:
seqs commit in order, and a rolled-back transaction gives its range back with its own
rollback, so the log has no gap. The lock is taken last, after every other write of the
statement, so it is held only for the commit, and once per batch: a batch of n changes
draws n seqs with one counter update.

An entry keeps what can change of a record (status and publicity period) as it was at that
seq; what cannot change (the record's identity and subject) is read from the record when
the feed is served. ``op`` follows from the status: repaired → repair, revoked →
revocation, expired → expiry, anything else → upsert.
"""

# Appended to a statement that has the changed records in `changed` (a list of nodes) and
# the instance's province in `$province`. Partner records (another source_province) are
# never logged: they are never re-published.
LOG_CHANGES = """
CALL (changed) {
  WITH [r IN changed WHERE r.source_province = $province] AS own
  WITH own WHERE size(own) > 0
  MERGE (log:ChangeLog {id: 'changelog'})
  ON CREATE SET log.seq = 0, log.pruned_through = 0
  SET log._lock = true REMOVE log._lock
  WITH log, own, log.seq AS base
  SET log.seq = base + size(own)
  WITH own, base
  UNWIND range(0, size(own) - 1) AS i
  WITH own[i] AS r, base + i + 1 AS seq
  CREATE (:ChangeLogEntry {
    seq: seq, at: datetime(), record_id: r.record_id, category: r.category,
    status: r.status, publish_from: r.publish_from, publish_until: r.publish_until,
    op: CASE r.status WHEN 'repaired' THEN 'repair' WHEN 'revoked' THEN 'revocation'
                      WHEN 'expired' THEN 'expiry' ELSE 'upsert' END
  })
}
"""

# The log's head (last seq committed), the last seq pruned, and the day expiries were last
# swept up to. Every seq <= head is committed: a seq is drawn under the lock held to commit.
READ_LOG = """
OPTIONAL MATCH (log:ChangeLog {id: 'changelog'})
RETURN coalesce(log.seq, 0) AS head, coalesce(log.pruned_through, 0) AS pruned_through,
       log.swept_through AS swept_through
"""

# Expiry: publication ends by the calendar, not by a write, so nothing changes a record when
# its publish_until passes. The sweep logs an `expiry` for each record of this province,
# still in force, whose publish_until fell in [swept_through, $today), and moves
# swept_through to $today; it runs at most once a day, before the feed is read, under the
# counter's lock (so two sweeps cannot log one expiry twice). The first sweep only starts
# the window: a record whose publication ended before it was logged with its period, from
# which a subscriber sees it has ended.
SWEEP_EXPIRIES = """
MERGE (log:ChangeLog {id: 'changelog'})
ON CREATE SET log.seq = 0, log.pruned_through = 0
SET log._lock = true REMOVE log._lock
WITH log, coalesce(log.swept_through, $today) AS since
SET log.swept_through = CASE WHEN since < $today THEN $today ELSE since END
WITH log, since WHERE since < $today
CALL (log, since) {
  MATCH (r:Record)
  WHERE since <= r.publish_until < $today AND r.source_province = $province
    AND r.status IN ['active', 'under_objection']
  WITH log, r ORDER BY r.publish_until, r.record_id
  WITH log, collect(r) AS expired
  WITH log, expired, log.seq AS base
  SET log.seq = base + size(expired)
  WITH expired, base
  UNWIND range(0, size(expired) - 1) AS i
  WITH expired[i] AS r, base + i + 1 AS seq
  CREATE (:ChangeLogEntry {
    seq: seq, at: datetime(), record_id: r.record_id, category: r.category,
    status: 'expired', publish_from: r.publish_from, publish_until: r.publish_until,
    op: 'expiry'
  })
  RETURN count(*) AS logged
}
RETURN logged
"""

# Retention: the first seq logged at or after the cutoff; everything before it is pruned.
FIRST_RETAINED = """
MATCH (e:ChangeLogEntry) WHERE e.at >= $cutoff
RETURN min(e.seq) AS seq
"""

# One batch of the prune, with the counter's pruned_through moved in the same transaction,
# so a reader that finds an entry missing also finds pruned_through past it.
PRUNE = """
MATCH (log:ChangeLog {id: 'changelog'})
SET log.pruned_through = CASE WHEN $through > log.pruned_through THEN $through
                              ELSE log.pruned_through END
WITH log
CALL (log) {
  MATCH (e:ChangeLogEntry) WHERE e.seq <= $through
  WITH e LIMIT $batch
  DELETE e
  RETURN count(*) AS deleted
}
RETURN deleted
"""

# A subject a partner cannot match: the protocol names persons across borders by linkage key
# and organisations by USCC alone, so a person with no ID number loaded here (no linkage key)
# and an organisation keyed otherwise (`listed:`, `name:`, … : every such key has a colon,
# which no USCC has) cannot be named. Their records are passed over in the feed and the
# snapshot (the page still advances past them).
UNMATCHABLE = (
    "(s:Person AND size(coalesce(s.linkage_keys, [])) = 0)"
    " OR (s:Organization AND s.uscc CONTAINS ':')"
)

# A page of the log after $after (up to $head), in the given categories, oldest first; with
# each entry, the record's identity, its issuer and its subject.
READ_ENTRIES = (
    """
MATCH (e:ChangeLogEntry)
WHERE $after < e.seq <= $head AND e.category IN $categories
WITH e ORDER BY e.seq LIMIT $limit
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record {record_id: e.record_id})
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN e.seq AS seq, e.op AS op, e.at AS at,
       r {.record_id, .list, .category, .level, .basis, .decided_on,
          status: e.status, publish_from: e.publish_from, publish_until: e.publish_until,
          authority: d.code, authority_name: d.name} AS record,
       s {.uscc, .name, .region_code, .id_masked, .linkage_keys,
          person: s:Person} AS subject,
       """
    + UNMATCHABLE
    + """ AS unmatchable
ORDER BY seq
"""
)

# The snapshot: this province's records in the given categories, by record_id.
READ_SNAPSHOT = (
    """
MATCH (r:Record)
WHERE r.record_id > $after AND r.source_province = $province AND r.category IN $categories
WITH r ORDER BY r.record_id LIMIT $limit
MATCH (s:Subject)-[:HAS_RECORD]->(r)
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN r {.record_id, .list, .category, .level, .basis, .decided_on, .status,
          .publish_from, .publish_until, authority: d.code, authority_name: d.name} AS record,
       s {.uscc, .name, .region_code, .id_masked, .linkage_keys,
          person: s:Person} AS subject,
       """
    + UNMATCHABLE
    + """ AS unmatchable
ORDER BY record.record_id
"""
)
