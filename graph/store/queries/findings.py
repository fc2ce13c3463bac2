"""Cypher for findings: restricted persons still in post (违规任职), red-list conflicts.

Every query starts from the records active on ``$as_of`` (an index seek on ``Record.status``,
10^5–10^6 rows in a province) and walks out to their subjects, never from all subjects
(10^7). "Active on ``$as_of``" is :data:`graph.store.queries.as_of.RECORD_IN_FORCE`: status
``active`` and within the publicity window; one under objection restricts nobody.
"""

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_IS_SANCTION

_SANCTION_IN_FORCE = RECORD_IN_FORCE + "\n    AND " + RECORD_IS_SANCTION

# Persons restricted by a record: by their own active black/focus record that is severe or a
# dishonest judgment debtor's (失信被执行人), or by an `extended` flag (R1: a unit's record
# reaches its legal representative, principal officers and actual controller) whose record
# is active; `pending` and `associated` flags restrict nobody. Then each post they still hold
# on $as_of as legal representative or director/supervisor/senior manager ($roles) at an
# organisation other than the one whose record it is.
APPOINTMENTS = (
    """
CALL () {
  MATCH (r:Record) USING INDEX r:Record(status)
  WHERE """
    + _SANCTION_IN_FORCE
    + """
    AND (r.level = 'severe' OR r.category = 'judgment_debtor')
  MATCH (p:Person)-[:HAS_RECORD]->(r)
  RETURN p, r, null AS flag
  UNION ALL
  MATCH (r:Record) USING INDEX r:Record(status)
  WHERE """
    + _SANCTION_IN_FORCE
    + """
  MATCH (p:Person)-[f:FLAGGED]->(r)
  WHERE f.kind = 'extended'
  RETURN p, r, f AS flag
}
MATCH (p)-[post:LEGAL_REP_OF|OFFICER_OF]->(o:Organization)
WHERE (type(post) = 'LEGAL_REP_OF' OR post.role IN $roles)
  AND (post.since IS NULL OR post.since <= $as_of)
  AND (post.until IS NULL OR post.until > $as_of)
  AND NOT (o)-[:HAS_RECORD]->(r)
WITH p, r, flag, post, o
ORDER BY p.pid, r.record_id, o.uscc, type(post), coalesce(post.role, ''), post.since
SKIP $skip LIMIT $limit
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
OPTIONAL MATCH (origin:Subject)-[:HAS_RECORD]->(r)
RETURN p {.pid, .name, .id_masked} AS person,
       r {.record_id, .list, .category, .level, .authority, .basis, .decided_on,
          .publish_until, authority_name: d.name,
          subject: coalesce(origin.uscc, origin.pid)} AS record,
       flag {.rule, .kind, .score, .hops, .path, .basis} AS flag,
       {uscc: o.uscc, name: o.name, rel: type(post), role: post.role, since: post.since,
        until: post.until} AS post
"""
)

# Subjects with an active red record (红名单) that also carry an active black/focus record of
# their own or a non-pending flag whose record is active: an honour that a sanction
# contradicts. One row per subject, its honours and what contradicts them. Records reached
# from a bound subject carry no label on purpose: with `:Record` the planner seeks every
# active record by index for each subject, instead of expanding that subject's few records.
RED_LIST_CONFLICTS = (
    """
MATCH (r:Record) USING INDEX r:Record(status)
WHERE """
    + RECORD_IN_FORCE
    + """
  AND r.list = 'red'
MATCH (s:Subject)-[:HAS_RECORD]->(r)
WITH DISTINCT s
CALL (s) {
  MATCH (s)-[:HAS_RECORD]->(r)
  WHERE """
    + _SANCTION_IN_FORCE
    + """
  RETURN count(r) > 0 AS sanctioned
}
CALL (s) {
  MATCH (s)-[f:FLAGGED]->(r)
  WHERE f.kind <> 'pending'
    AND """
    + _SANCTION_IN_FORCE
    + """
  RETURN count(f) > 0 AS flagged
}
WITH s WHERE sanctioned OR flagged
WITH s ORDER BY coalesce(s.uscc, s.pid)
SKIP $skip LIMIT $limit
CALL (s) {
  MATCH (s)-[:HAS_RECORD]->(r)
  WHERE """
    + RECORD_IN_FORCE
    + """
  OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
  WITH r, d ORDER BY r.record_id
  RETURN collect(r {.record_id, .list, .category, .level, .authority, .basis, .decided_on,
                    .publish_until, authority_name: d.name}) AS records
}
CALL (s) {
  MATCH (s)-[f:FLAGGED]->(r)<-[:HAS_RECORD]-(origin)
  WHERE f.kind <> 'pending'
    AND """
    + _SANCTION_IN_FORCE
    + """
  OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
  WITH f, r, d, origin ORDER BY r.record_id
  RETURN collect({flag: f {.rule, .kind, .score, .hops, .path, .basis},
                  record: r {.record_id, .list, .category, .level, .authority, .basis,
                             .decided_on, .publish_until, authority_name: d.name,
                             subject: coalesce(origin.uscc, origin.pid)}}) AS flags
}
RETURN CASE WHEN s:Person THEN 'Person' ELSE 'Organization' END AS label,
       coalesce(s.uscc, s.pid) AS key, s.name AS name, s.id_masked AS id_masked,
       s.region_code AS region_code, records, flags
"""
)
