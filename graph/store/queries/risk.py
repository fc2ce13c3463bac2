"""Cypher for the risk network: sanctioned and flagged subjects and the relationships of the
organisations among them, read for network analytics (risk clusters, hub persons).

Both start from the sanctions in force on ``$as_of`` (an index seek on ``Record.status``),
never from all subjects, and the second seeks each organisation by key. A sanction under
objection puts nobody at risk here, as in findings.
"""

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_IS_SANCTION

# Each subject with a sanction in force of its own (HAS_RECORD) or a flag from one (FLAGGED);
# ordered by key so that a cut at $limit is the same on every call.
AT_RISK_SUBJECTS = (
    """
MATCH (r:Record) USING INDEX r:Record(status)
WHERE """
    + RECORD_IN_FORCE
    + "\n  AND "
    + RECORD_IS_SANCTION
    + """
MATCH (s:Subject)-[how:HAS_RECORD|FLAGGED]->(r)
WITH s, collect(DISTINCT type(how)) AS how
WITH coalesce(s.uscc, s.pid) AS key, s, how
ORDER BY key
LIMIT $limit
RETURN key, CASE WHEN s:Person THEN 'Person' ELSE 'Organization' END AS label, s.name AS name,
       'HAS_RECORD' IN how AS sanctioned, 'FLAGGED' IN how AS flagged
"""
)

# The relationships current on $as_of of the given organisations with any subject: every
# relationship of the graph touches an organisation, so these are all the links among the
# subjects at risk and between them and the persons around them. A hub (state-asset holder)
# passes no flag on, so its holdings say nothing of risk and are not read.
RELATIONS_OF_ORGANIZATIONS = """
UNWIND $keys AS key
MATCH (o:Organization {uscc: key})
WHERE NOT coalesce(o.hub, false)
MATCH (o)-[rel:LEGAL_REP_OF|OFFICER_OF|SHAREHOLDER_OF|BRANCH_OF]-(n:Subject)
WHERE (rel.since IS NULL OR rel.since <= $as_of)
  AND (rel.until IS NULL OR rel.until > $as_of)
RETURN coalesce(startNode(rel).uscc, startNode(rel).pid) AS source,
       coalesce(endNode(rel).uscc, endNode(rel).pid) AS target,
       type(rel) AS rel, rel.ratio AS ratio,
       coalesce(n.uscc, n.pid) AS other,
       CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END AS other_label,
       n.name AS other_name
"""
