"""Cypher for the key occupational groups (重点职业人群): holders of a current licence, their
own records and the flags that reach them."""

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_IS_SANCTION, RECORD_LIVE

# A licence current on $as_of. Bound: l.
_LICENCE_CURRENT = "(l.valid_until IS NULL OR l.valid_until >= $as_of)"

# Per occupation (every one of the reference list, with none as zero): holders, their own
# sanctions in force and honours, and how many are sanctioned or flagged.
OCCUPATION_COUNTS = (
    """
MATCH (occ:Occupation)
OPTIONAL MATCH (p:Person)-[l:LICENSED_AS]->(occ)
WHERE """
    + _LICENCE_CURRENT
    + """
WITH DISTINCT occ, p
WITH occ, p,
     COUNT { MATCH (p)-[:HAS_RECORD]->(r:Record) WHERE """
    + RECORD_IN_FORCE
    + " AND "
    + RECORD_IS_SANCTION
    + """ } AS sanctions,
     COUNT { MATCH (p)-[:HAS_RECORD]->(r:Record) WHERE """
    + RECORD_IN_FORCE
    + """ AND r.list = 'red' } AS honours,
     EXISTS { MATCH (p)-[:FLAGGED]->(r:Record) WHERE """
    + RECORD_LIVE
    + """ } AS flagged
RETURN occ.code AS code, occ.name AS name, count(p) AS holders,
       sum(sanctions) AS sanctions, count(CASE WHEN sanctions > 0 THEN p END) AS sanctioned,
       sum(honours) AS honours, count(CASE WHEN flagged THEN p END) AS flagged
ORDER BY code
"""
)

# The holders of $occupation's current licences who are sanctioned themselves (rule 'own')
# or flagged, one row per person and record, the highest score first.
FLAGGED_PRACTITIONERS = (
    """
MATCH (occ:Occupation {code: $occupation})<-[l:LICENSED_AS]-(p:Person)
WHERE """
    + _LICENCE_CURRENT
    + """
WITH DISTINCT occ, p
CALL (p) {
  MATCH (p)-[:HAS_RECORD]->(r:Record)
  WHERE """
    + RECORD_IN_FORCE
    + " AND "
    + RECORD_IS_SANCTION
    + """
  RETURN r, 'own' AS rule, 'own' AS kind, 1.0 AS score
  UNION
  MATCH (p)-[f:FLAGGED]->(r:Record)
  WHERE """
    + RECORD_LIVE
    + """
  RETURN r, f.rule AS rule,
         CASE WHEN r.status = 'under_objection' THEN 'pending' ELSE f.kind END AS kind,
         f.score AS score
}
RETURN p.pid AS pid, p.name AS name, p.id_masked AS id_masked, p.region_code AS region_code,
       p.province AS province, occ.code AS occupation, r.record_id AS record_id,
       r.list AS list, r.level AS level, r.category AS category, rule, kind, score,
       COLLECT { MATCH (p)-[:PRACTISES_AT]->(o:Organization) RETURN o.name ORDER BY o.name LIMIT 3 }
         AS practises_at
ORDER BY score DESC, pid, record_id
LIMIT $limit
"""
)
