"""Cypher for the FollowTheMoney export (loaders/ftm_export.py): subjects, relationships and
this province's black-list records in force, each streamed in key order, so the same graph
writes the same file. A relationship brings the FtM ids of its ends, so the export keeps no
map of ids: its memory does not grow with the graph."""

from graph.store.queries.as_of import RECORD_IN_FORCE

ORGANIZATIONS = """
MATCH (o:Organization)
RETURN o.uscc AS key, o.key_kind AS key_kind, o.name AS name, o.ftm_id AS ftm_id,
       o.kind AS kind, o.stock_code AS stock_code, toString(o.established_on) AS established_on
ORDER BY key"""

PERSONS = """
MATCH (p:Person)
RETURN p.pid AS key, p.name AS name, p.ftm_id AS ftm_id
ORDER BY key"""

SHAREHOLDINGS = """
MATCH (h:Subject)-[s:SHAREHOLDER_OF]->(o:Organization)
RETURN coalesce(h.uscc, h.pid) AS holder, h.ftm_id AS holder_ftm_id, o.uscc AS org,
       o.ftm_id AS org_ftm_id, s.ratio AS ratio,
       toString(s.since) AS since, toString(s.until) AS until
ORDER BY holder, org"""

# Officers and legal representatives: both are FtM Directorships (a role tells them apart).
POSTS = """
MATCH (p:Person)-[r:OFFICER_OF|LEGAL_REP_OF]->(o:Organization)
RETURN p.pid AS person, p.ftm_id AS person_ftm_id, o.uscc AS org, o.ftm_id AS org_ftm_id,
       coalesce(r.role, $legal_rep) AS role,
       toString(r.since) AS since, toString(r.until) AS until
ORDER BY person, org, role"""

# What may leave the province: its own black-list records, active and published on $as_of.
RECORDS = (
    """
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record {list: 'black'})-[:ISSUED_BY]->(d:Department)
WHERE r.source_province = $province AND """
    + RECORD_IN_FORCE
    + """
RETURN r.record_id AS record_id, coalesce(s.uscc, s.pid) AS subject,
       s.ftm_id AS subject_ftm_id, d.name AS authority,
       r.basis AS basis, toString(r.decided_on) AS decided_on,
       toString(r.publish_from) AS publish_from, toString(r.publish_until) AS publish_until
ORDER BY record_id"""
)
