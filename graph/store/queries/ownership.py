"""Cypher for ownership: the shareholding subgraph above an organisation, one level at a time."""

TARGET = """
MATCH (o:Organization {uscc: $key})
RETURN o.name AS name, coalesce(o.hub, false) AS hub
"""

# The holders of every organisation of the frontier, valid on $as_of. Each organisation
# yields its largest holdings first and at most $per_node of them, so a widely held company
# costs a bounded read and the holdings cut off are the smallest. Loaders refuse a holding
# without a ratio; one written otherwise carries no computable interest and is skipped.
HOLDERS_OF = """
UNWIND $keys AS key
MATCH (held:Organization {uscc: key})
CALL (held) {
  MATCH (held)<-[s:SHAREHOLDER_OF]-(holder:Subject)
  WHERE s.ratio IS NOT NULL
    AND (s.since IS NULL OR s.since <= $as_of)
    AND (s.until IS NULL OR s.until > $as_of)
  RETURN s, holder
  ORDER BY s.ratio DESC, coalesce(holder.uscc, holder.pid)
  LIMIT $per_node
}
RETURN key AS held, coalesce(holder.uscc, holder.pid) AS holder, s.ratio AS ratio,
       CASE WHEN holder:Person THEN 'Person' ELSE 'Organization' END AS label,
       holder.name AS name, holder.id_masked AS id_masked, coalesce(holder.hub, false) AS hub
"""

# Whether any organisation of a frontier left unexpanded at the depth limit has a holder:
# only then did the limit cut a chain.
ANY_HOLDER_OF = """
UNWIND $keys AS key
MATCH (:Organization {uscc: key})<-[s:SHAREHOLDER_OF]-(:Subject)
WHERE s.ratio IS NOT NULL
  AND (s.since IS NULL OR s.since <= $as_of)
  AND (s.until IS NULL OR s.until > $as_of)
RETURN key
LIMIT 1
"""
