"""Cypher for a partner's batch check and trace (graph/linkage/check.py).

Only this province's own records, in the partner's categories, ever enter an answer: the
filters are in the statements, so what is outside the scope is never read out.
"""

from graph.store.queries.as_of import RECORD_LIVE

# Each asked key (`{index, uscc, linkage_key}`, one of the two set) with its subject, the
# subject's own live records of this province in the categories, and its flags by such
# records. A linkage key is looked up by the current version's key, which is indexed.
CHECK = (
    """
UNWIND $keys AS k
OPTIONAL MATCH (o:Organization {uscc: k.uscc})
OPTIONAL MATCH (p:Person {linkage_key: k.linkage_key})
WITH k, coalesce(o, p) AS s
CALL (s) {
  OPTIONAL MATCH (s)-[:HAS_RECORD]->(r:Record)
  WHERE r.source_province = $province AND r.category IN $categories AND """
    + RECORD_LIVE
    + """
  OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
  WITH r, d ORDER BY r.decided_on DESC, r.record_id
  RETURN collect(r {.record_id, .list, .category, .level, .basis, .decided_on, .status,
                    .publish_from, .publish_until, authority: d.code,
                    authority_name: d.name}) AS records
}
CALL (s) {
  OPTIONAL MATCH (s)-[f:FLAGGED]->(r:Record)<-[:HAS_RECORD]-(origin:Subject)
  WHERE r.source_province = $province AND r.category IN $categories AND """
    + RECORD_LIVE
    + """
  WITH f, r, origin ORDER BY f.score DESC, f.record_id
  RETURN collect(f {.*, record_subject: coalesce(origin.uscc, origin.pid),
                    category: r.category}) AS flags
}
RETURN k.index AS index, s IS NOT NULL AS found,
       s {.uscc, .name, .region_code, .id_masked, .linkage_keys, .pid,
          person: s:Person} AS subject,
       records, flags
ORDER BY index
"""
)

# The pid behind a linkage key (a trace's root), never returned to the partner.
PID_OF_LINKAGE_KEY = """
MATCH (p:Person {linkage_key: $key})
RETURN p.pid AS pid
"""
