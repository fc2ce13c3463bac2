"""Cypher for finding subjects and reading their profile."""

ORGANIZATION_BY_USCC = """
MATCH (o:Organization {uscc: $key})
RETURN o {.uscc, .name, .kind, .region_code, .province, .status, .established_on,
          .registered_capital, .hub} AS organization
"""

PERSON_BY_PID = """
MATCH (p:Person {pid: $key})
RETURN p {.pid, .name, .id_masked, .region_code, .province} AS person
"""

SEARCH_ORGANIZATIONS_BY_NAME = """
MATCH (o:Organization) WHERE o.name CONTAINS $text
RETURN o.uscc AS key, 'Organization' AS label, o.name AS name, o.region_code AS region_code
ORDER BY size(o.name), o.uscc
LIMIT $limit
"""

SEARCH_PERSONS_BY_NAME = """
MATCH (p:Person) WHERE p.name CONTAINS $text
RETURN p.pid AS key, 'Person' AS label, p.name AS name, p.region_code AS region_code
ORDER BY size(p.name), p.pid
LIMIT $limit
"""

FLAGS_OF_ORGANIZATION = """
MATCH (:Organization {uscc: $key})-[f:FLAGGED]->(r:Record)<-[:HAS_RECORD]-(origin:Subject)
RETURN f {.*, record_subject: coalesce(origin.uscc, origin.pid)} AS flag
ORDER BY f.score DESC, f.record_id
"""

FLAGS_OF_PERSON = """
MATCH (:Person {pid: $key})-[f:FLAGGED]->(r:Record)<-[:HAS_RECORD]-(origin:Subject)
RETURN f {.*, record_subject: coalesce(origin.uscc, origin.pid)} AS flag
ORDER BY f.score DESC, f.record_id
"""

# A profile is one query (one round trip): the subject, its records, its flags with their
# explanations, and a count of its relationships by type and direction.
_PROFILE_PARTS = """
CALL (s) {
  MATCH (s)-[:HAS_RECORD]->(r:Record)
  OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
  WITH r, d ORDER BY r.decided_on DESC, r.record_id
  RETURN collect(r {.*, authority_name: d.name}) AS records
}
CALL (s) {
  MATCH (s)-[f:FLAGGED]->(:Record)<-[:HAS_RECORD]-(origin:Subject)
  WITH f, origin ORDER BY f.score DESC, f.record_id
  RETURN collect(f {.*, record_subject: coalesce(origin.uscc, origin.pid)}) AS flags
}
CALL (s) {
  MATCH (s)-[r]-()
  WHERE type(r) IN $relation_types
  WITH type(r) AS rel, CASE WHEN startNode(r) = s THEN 'out' ELSE 'in' END AS direction,
       count(*) AS count
  ORDER BY rel, direction
  RETURN collect({rel: rel, direction: direction, count: count}) AS relations
}
"""

PROFILE_OF_ORGANIZATION = (
    "MATCH (s:Organization {uscc: $key})"
    + _PROFILE_PARTS
    + """RETURN s {.uscc, .name, .kind, .region_code, .province, .status, .established_on,
          .registered_capital, .hub} AS organization, records, flags, relations
"""
)

PROFILE_OF_PERSON = (
    "MATCH (s:Person {pid: $key})"
    + _PROFILE_PARTS
    + """RETURN s {.pid, .name, .id_masked, .region_code, .province} AS person,
       records, flags, relations
"""
)
