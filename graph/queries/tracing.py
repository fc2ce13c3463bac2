"""Cypher for related-party tracing: a bounded k-hop trace in one statement, and paths."""

# The relationships a trace or a path follows: ownership, posts, branches, practice.
RELATION_TYPES = ("LEGAL_REP_OF", "SHAREHOLDER_OF", "OFFICER_OF", "BRANCH_OF", "PRACTISES_AT")
_RELATIONS = "|".join(RELATION_TYPES)

# What a trace shows of a subject `n`.
_SUMMARY = """{
  label: CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END,
  key: coalesce(n.uscc, n.pid), name: n.name, region_code: n.region_code,
  hub: coalesce(n.hub, false),
  sanctioned: EXISTS { (n)-[:HAS_RECORD]->(rec:Record)
                       WHERE rec.list IN ['black', 'focus'] AND rec.status = 'active' },
  flagged: EXISTS { (n)-[:FLAGGED]->() }
}"""

_ORGANIZATION = "MATCH (n:Organization {uscc: $key})"
_PERSON = "MATCH (n:Person {pid: $key})"

# A subject by its key: its element id, where path searches start.
NODE_OF_ORGANIZATION = _ORGANIZATION + " RETURN elementId(n) AS id"
NODE_OF_PERSON = _PERSON + " RETURN elementId(n) AS id"

# One hop from every frontier node. A hub (explicit marker, or more relationships than the
# cap) is reached but not expanded, so a state-asset holder never floods a trace; each node
# contributes at most $per_node neighbours, in a stable order. `found` gathers the hop's
# edges; the next frontier is the hop's new nodes, cut to the room $max_nodes leaves.
_HOP = """
CALL (frontier, seen) {
  UNWIND frontier AS s
  WITH s, seen
  WHERE coalesce(s.hub, false) = false
    AND COUNT { (s)-[:%(relations)s]-() } <= $degree_cap
  CALL (s) {
    MATCH (s)-[r:%(relations)s]-(n:Subject)
    WHERE type(r) IN $types
      AND (r.since IS NULL OR r.since <= $as_of)
      AND (r.until IS NULL OR r.until > $as_of)
    RETURN r, n
    ORDER BY elementId(n)
    LIMIT $per_node
  }
  RETURN collect({hop: %(hop)d, s: s, r: r, n: n}) AS step,
         collect(DISTINCT CASE WHEN NOT elementId(n) IN seen THEN n END) AS new
}
WITH root, found + step AS found, seen, new[..$max_nodes - size(seen)] AS frontier
WITH root, found, frontier, seen + [x IN frontier | elementId(x)] AS seen
"""

_RESULT = (
    """
CALL (found) {
  UNWIND found AS e
  WITH DISTINCT e.n AS n
  RETURN collect([elementId(n), """
    + _SUMMARY
    + """]) AS reached
}
WITH root AS n, found, reached
RETURN elementId(n) AS root_id, """
    + _SUMMARY
    + """ AS root, reached,
       [e IN found | {hop: e.hop, source_id: elementId(e.s), target_id: elementId(e.n),
                      rel: type(e.r), outgoing: startNode(e.r) = e.s,
                      role: e.r.role, ratio: e.r.ratio}] AS edges
"""
)


def trace(person: bool, hops: int) -> str:
    """The whole trace of a subject (an Organization by `uscc`, a Person by `pid`) within
    ``hops``: one round trip, whatever the depth. One row: the root's element id and
    summary, each reached node's [element id, summary], and the edges hop by hop; no row if
    the key is unknown."""
    start = (
        (_PERSON if person else _ORGANIZATION)
        + """
WITH n AS root, [n] AS frontier, [elementId(n)] AS seen, [] AS found"""
    )
    steps = "".join(_HOP % {"relations": _RELATIONS, "hop": hop} for hop in range(1, hops + 1))
    return start + steps + _RESULT


# Shortest paths over ownership and posts, never through a hub. The bound is literal
# (Cypher takes no parameter there); callers filter to their own, smaller, bound.
SHORTEST_PATHS = (
    """
MATCH (a) WHERE elementId(a) = $source_id
MATCH (b) WHERE elementId(b) = $target_id
MATCH p = allShortestPaths((a)-[:"""
    + _RELATIONS
    + """*..6]-(b))
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
)
