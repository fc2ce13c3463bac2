"""Cypher of the linkage subscriber (:mod:`graph.linkage.sync`): a partner's verified page
written in one transaction with the cursor that follows it, and the reads of its status.

Every statement is idempotent: a page replayed after a kill (its transaction never
committed, or committed and the cursor with it) ends in the same state. Partner entries
carry the full state of a record, so a record's properties are set, not merged forward: the
publishing province decides its records' status (a repair, a revocation, an objection lifted).
An entry older than the one stored (``seq`` below the record's ``source_seq``) is skipped,
so a replay of an old page after a snapshot cannot undo a newer state.
"""

# Departments of a partner are kept apart from ours by their province prefix (`33:<code>`).
PAGE_DEPARTMENTS = """
UNWIND $rows AS row
MERGE (d:Department {code: row.code})
ON CREATE SET d.name = row.name, d.province = $province,
              d.source = $source, d.batch_id = $batch_id, d.loaded_at = $loaded_at
"""

# An organisation known here keeps what we hold of it (our registration data is ours); one
# first met in a partner's feed is created from what the partner shares.
PAGE_ORGANIZATIONS = """
UNWIND $rows AS row
MERGE (n:Organization {uscc: row.uscc})
ON CREATE SET n:Subject, n.name = row.name, n.region_code = row.region_code,
              n.province = $province, n.kind = 'enterprise', n.status = 'active',
              n.hub = false,
              n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
"""

# The persons a linkage key of the page already names: one of ours, whose ID number was
# loaded here (its key of the current version, indexed), or one met earlier in a feed.
KNOWN_PERSONS = """
UNWIND $keys AS key
MATCH (p:Person {linkage_key: key})
RETURN key, p.pid AS pid, p.pid STARTS WITH 's:' AS surrogate
"""

# A person no key names yet: a surrogate Person keyed by a pid derived from its linkage key,
# holding only the masked fields the partner shared. A surrogate met again takes the keys
# of this entry, so during a rotation it moves to the new version's key with the partners.
PAGE_PERSONS = """
UNWIND $rows AS row
MERGE (n:Person {pid: row.pid})
ON CREATE SET n:Subject, n.name = row.name_masked, n.id_masked = row.id_masked,
              n.region_code = row.region_code, n.province = $province,
              n.source = $source, n.batch_id = $batch_id, n.loaded_at = $loaded_at
WITH n, row WHERE n.pid STARTS WITH 's:' AND row.current IS NOT NULL
SET n.linkage_key = row.current, n.linkage_keys = row.keys
"""

PAGE_RECORDS = """
UNWIND $rows AS row
OPTIONAL MATCH (org:Organization {uscc: row.subject})
OPTIONAL MATCH (person:Person {pid: row.subject})
WITH row, coalesce(org, person) AS s
MATCH (d:Department {code: row.authority})
MERGE (r:Record {record_id: row.record_id})
ON CREATE SET r.created_by_linkage = true
WITH row, s, d, r
WHERE row.seq IS NULL OR r.source_seq IS NULL OR r.source_seq <= row.seq
SET r = row.props,
    r.record_id = row.record_id,
    r.source_province = $province,
    r.source_page = $batch_id,
    r.source_seq = row.seq,
    r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
// The publisher decides whose record it is: a record it moved to another subject moves here.
WITH row, s, d, r
OPTIONAL MATCH (other:Subject)-[stale:HAS_RECORD]->(r) WHERE other <> s
DELETE stale
WITH DISTINCT row, s, d, r
MERGE (s)-[h:HAS_RECORD]->(r)
ON CREATE SET h.source = $source, h.batch_id = $batch_id, h.loaded_at = $loaded_at
MERGE (r)-[i:ISSUED_BY]->(d)
ON CREATE SET i.source = $source, i.batch_id = $batch_id, i.loaded_at = $loaded_at
RETURN collect(r.record_id) AS records
"""

# The page's trace and the cursor that follows it, in the page's own transaction. The
# records to refresh are kept until their flags are recomputed, so a kill between the commit
# and the recompute leaves them to the next run.
ADVANCE = """
MERGE (p:LinkagePage {source_page: $batch_id})
ON CREATE SET p.province = $province, p.kind = $kind, p.key_id = $key_id,
              p.signature = $signature, p.entries = $entries, p.last_seq = $last_seq,
              p.received_at = $loaded_at
MERGE (s:PartnerSync {province: $province})
// A feed page with nothing after it reached the partner's head: every seq up to the head its
// catalogue named before this run is passed, applied or (out of our scope) skipped.
WITH s, coalesce($last_seq, s.last_seq) AS applied
WITH s, CASE WHEN $at_head AND coalesce(s.head_seq, -1) > coalesce(applied, -1)
             THEN s.head_seq ELSE applied END AS passed
SET s.cursor = $cursor,
    s.snapshot_cursor = $snapshot_cursor,
    s.resume_cursor = $resume_cursor,
    s.last_seq = passed,
    s.head_seq = CASE WHEN coalesce(s.head_seq, -1) < passed THEN passed ELSE s.head_seq END,
    s.last_at = coalesce($last_at, s.last_at),
    s.caught_up_at = CASE WHEN $at_head THEN $loaded_at ELSE s.caught_up_at END,
    s.pages = coalesce(s.pages, 0) + 1,
    s.records = coalesce(s.records, 0) + $entries,
    s.last_success_at = $loaded_at,
    s.last_error = null, s.last_error_at = null,
    s.pending_refresh = coalesce(s.pending_refresh, []) + $records
"""

PENDING_REFRESH = """
MATCH (s:PartnerSync {province: $province})
RETURN coalesce(s.pending_refresh, []) AS records
"""

# Only the ids recomputed are removed: another page may have added some since.
REFRESHED = """
MATCH (s:PartnerSync {province: $province})
SET s.pending_refresh = [id IN coalesce(s.pending_refresh, []) WHERE NOT id IN $records]
"""

# The partner's newest seq when we last looked (its catalogue): for the lag.
SEEN_HEAD = """
MERGE (s:PartnerSync {province: $province})
SET s.head_seq = $head_seq, s.head_seen_at = $now
"""

FAILED = """
MERGE (s:PartnerSync {province: $province})
SET s.last_error = $error, s.last_error_at = $now
"""

# A resync from the snapshot is counted; the stored cursors stay until its first page is
# written, so a run killed before that asks the feed again, is refused again and resyncs.
START_SNAPSHOT = """
MERGE (s:PartnerSync {province: $province})
SET s.snapshots = coalesce(s.snapshots, 0) + 1
"""

CURSOR = """
MATCH (s:PartnerSync {province: $province})
RETURN s.cursor AS cursor, s.snapshot_cursor AS snapshot_cursor,
       s.resume_cursor AS resume_cursor
"""

# A person first met in a feed whose ID number has since been loaded here: its records move
# to our person and the surrogate goes. The records' flags are left to the refresh of their
# partner (their subject changed), in this same transaction. A batch at a time.
ADOPT_SURROGATES = """
MATCH (s:Person) WHERE s.pid STARTS WITH 's:' AND s.source STARTS WITH 'linkage:'
  AND s.linkage_key IS NOT NULL
MATCH (p:Person {linkage_key: s.linkage_key}) WHERE NOT p.pid STARTS WITH 's:'
WITH s, p LIMIT 1000
OPTIONAL MATCH (s)-[:HAS_RECORD]->(r:Record)
WITH s, p, collect(r) AS records
CALL (p, records) {
  UNWIND records AS r
  MERGE (p)-[h:HAS_RECORD]->(r)
  ON CREATE SET h.source = r.source, h.batch_id = r.batch_id, h.loaded_at = r.loaded_at
  MERGE (ps:PartnerSync {province: r.source_province})
  SET ps.pending_refresh = coalesce(ps.pending_refresh, []) + r.record_id
}
DETACH DELETE s
RETURN count(*) AS adopted
"""

# A federated review asks partners about our persons by their linkage key.
LINKAGE_KEYS_OF = """
UNWIND $pids AS pid
MATCH (p:Person {pid: pid})
RETURN p.pid AS pid, p.linkage_key AS linkage_key
"""

# --- status reads (graph.linkage.status) -------------------------------------------------

PARTNER_STATES = """
MATCH (s:PartnerSync)
RETURN s {.*} AS state
"""

# Pages and records received per partner and day (China time), oldest first.
EXCHANGED = """
MATCH (p:LinkagePage)
WHERE p.received_at >= $since
WITH p.province AS province,
     date(datetime({datetime: p.received_at, timezone: 'Asia/Shanghai'})) AS day,
     p.entries AS entries
RETURN province, day, count(*) AS pages, sum(entries) AS records
ORDER BY day, province
"""

# Our subjects a partner's record reaches through a flag, per partner and rule.
PARTNER_FLAG_REACH = """
MATCH (s:Subject)-[f:FLAGGED]->(r:Record)
WHERE r.source_province IS NOT NULL AND r.source_province <> $own
  AND coalesce(s.province, $own) = $own
RETURN r.source_province AS province, f.rule AS rule, count(DISTINCT s) AS subjects,
       count(DISTINCT r) AS records
ORDER BY province, rule
"""
