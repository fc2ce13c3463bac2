"""Cypher for credit review and credit reports: one query per concern for a whole batch.

Keys arrive split by label so each lookup is an index seek on the label's natural key
(``Organization.uscc``, ``Person.pid``) rather than a scan of ``:Subject``.
"""

_SUBJECTS_OF_KEYS = """
CALL () {
  UNWIND $organization_keys AS key
  MATCH (s:Organization {uscc: key})
  RETURN key, s, 'Organization' AS label,
         s {.uscc, .name, .kind, .region_code, .province, .status, .established_on,
            .registered_capital, .hub} AS attributes
  UNION ALL
  UNWIND $person_keys AS key
  MATCH (s:Person {pid: key})
  RETURN key, s, 'Person' AS label,
         s {.pid, .name, .id_masked, .region_code, .province} AS attributes
}
"""

_RECORD_FIELDS = """r {.record_id, .list, .category, .level, .authority, .basis, .decided_on,
     .publish_from, .publish_until, .status, .source_province, .source_page,
     authority_name: d.name}"""

# Every record of each found subject, whatever its status: the review decides what counts on
# the as-of date, the report shows them all. A subject without records still yields its row.
SUBJECTS_WITH_RECORDS = (
    _SUBJECTS_OF_KEYS
    + """
OPTIONAL MATCH (s)-[:HAS_RECORD]->(r:Record)
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
WITH key, label, attributes, r, d
ORDER BY r.record_id
RETURN key, label, attributes, collect("""
    + _RECORD_FIELDS
    + """) AS records
"""
)

# Each flag with the record it points to, so that the record's status and publication window
# can be checked on the as-of date rather than trusted from the last propagation.
FLAGS_WITH_RECORDS = (
    _SUBJECTS_OF_KEYS
    + """
MATCH (s)-[f:FLAGGED]->(r:Record)<-[:HAS_RECORD]-(origin:Subject)
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN key, f {.*, record_subject: coalesce(origin.uscc, origin.pid)} AS flag,
       """
    + _RECORD_FIELDS
    + """ AS record
ORDER BY key, f.record_id
"""
)

# Display names for the subjects a report mentions (path steps, flag origins).
NAMES_OF_SUBJECTS = """
CALL () {
  UNWIND $organization_keys AS key
  MATCH (s:Organization {uscc: key})
  RETURN key, s.name AS name
  UNION ALL
  UNWIND $person_keys AS key
  MATCH (s:Person {pid: key})
  RETURN key, s.name AS name
}
RETURN key, name
"""
