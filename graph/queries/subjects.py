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

RECORDS_OF_ORGANIZATION = """
MATCH (:Organization {uscc: $key})-[:HAS_RECORD]->(r:Record)
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN r {.*, authority_name: d.name} AS record
ORDER BY r.decided_on DESC, r.record_id
"""

RECORDS_OF_PERSON = """
MATCH (:Person {pid: $key})-[:HAS_RECORD]->(r:Record)
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN r {.*, authority_name: d.name} AS record
ORDER BY r.decided_on DESC, r.record_id
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

RELATIONS_OF_ORGANIZATION = """
MATCH (s:Organization {uscc: $key})-[r]-()
WHERE type(r) IN ['LEGAL_REP_OF', 'SHAREHOLDER_OF', 'OFFICER_OF', 'BRANCH_OF', 'PRACTISES_AT']
RETURN type(r) AS rel, CASE WHEN startNode(r) = s THEN 'out' ELSE 'in' END AS direction,
       count(*) AS count
ORDER BY rel, direction
"""

RELATIONS_OF_PERSON = """
MATCH (s:Person {pid: $key})-[r]-()
WHERE type(r) IN ['LEGAL_REP_OF', 'SHAREHOLDER_OF', 'OFFICER_OF', 'PRACTISES_AT', 'LICENSED_AS']
RETURN type(r) AS rel, CASE WHEN startNode(r) = s THEN 'out' ELSE 'in' END AS direction,
       count(*) AS count
ORDER BY rel, direction
"""
