"""Cypher for related-party tracing: one hop of a bounded frontier, and paths."""

# What a trace shows of a subject `n`.
_SUMMARY = """
       CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END AS label,
       coalesce(n.uscc, n.pid) AS key, n.name AS name, n.region_code AS region_code,
       coalesce(n.hub, false) AS hub,
       EXISTS { (n)-[:HAS_RECORD]->(rec:Record)
                WHERE rec.list IN ['black', 'focus'] AND rec.status = 'active' } AS sanctioned,
       EXISTS { (n)-[:FLAGGED]->() } AS flagged
"""

# A subject by its key: its element id (where traversals start) and its summary.
NODE_OF_ORGANIZATION = "MATCH (n:Organization {uscc: $key}) RETURN elementId(n) AS id," + _SUMMARY
NODE_OF_PERSON = "MATCH (n:Person {pid: $key}) RETURN elementId(n) AS id," + _SUMMARY

# One hop from every frontier node. A hub (explicit marker, or more relationships than the
# cap) is returned as a node but not expanded, so a state-asset holder never floods a trace.
# Each node contributes at most $per_node neighbours, in a stable order.
EXPAND_FRONTIER = (
    """
UNWIND $ids AS id
MATCH (s) WHERE elementId(s) = id
  AND coalesce(s.hub, false) = false
  AND COUNT { (s)-[:LEGAL_REP_OF|SHAREHOLDER_OF|OFFICER_OF|BRANCH_OF|PRACTISES_AT]-() }
      <= $degree_cap
CALL (s) {
  MATCH (s)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|OFFICER_OF|BRANCH_OF|PRACTISES_AT]-(n:Subject)
  WHERE type(r) IN $types
    AND (r.since IS NULL OR r.since <= $as_of)
    AND (r.until IS NULL OR r.until > $as_of)
  RETURN r, n
  ORDER BY elementId(n)
  LIMIT $per_node
}
RETURN elementId(s) AS source_id, elementId(n) AS target_id,
       type(r) AS rel, startNode(r) = s AS outgoing, r.role AS role, r.ratio AS ratio,"""
    + _SUMMARY
)

# Shortest paths over ownership and posts, never through a hub. The bound is literal
# (Cypher takes no parameter there); callers filter to their own, smaller, bound.
SHORTEST_PATHS = """
MATCH (a) WHERE elementId(a) = $source_id
MATCH (b) WHERE elementId(b) = $target_id
MATCH p = allShortestPaths(
  (a)-[:LEGAL_REP_OF|SHAREHOLDER_OF|OFFICER_OF|BRANCH_OF|PRACTISES_AT*..6]-(b))
WHERE length(p) <= $max_hops
  AND all(n IN nodes(p)[1..-1] WHERE coalesce(n.hub, false) = false)
WITH p LIMIT $limit
RETURN [n IN nodes(p) | {
          label: CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END,
          key: coalesce(n.uscc, n.pid), name: n.name}] AS nodes,
       [r IN relationships(p) | {
          rel: type(r), source: coalesce(startNode(r).uscc, startNode(r).pid),
          target: coalesce(endNode(r).uscc, endNode(r).pid), role: r.role, ratio: r.ratio}] AS rels
"""
