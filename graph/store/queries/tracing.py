"""Cypher for related-party tracing: a bounded k-hop trace in one statement, and paths."""

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_IS_SANCTION
from graph.vocabulary import SUBJECT_RELATIONS

# The relationships a trace or a path follows: ownership, posts, branches, practice.
_RELATIONS = "|".join(SUBJECT_RELATIONS)

_ORGANIZATION = "MATCH (n:Organization {uscc: $key})"
_PERSON = "MATCH (n:Person {pid: $key})"

# A subject by its key: its element id, where path searches start.
NODE_OF_ORGANIZATION = _ORGANIZATION + " RETURN elementId(n) AS id"
NODE_OF_PERSON = _PERSON + " RETURN elementId(n) AS id"

# One hop from every frontier node. A hub (explicit marker, or more relationships than the
# cap) is reached but not expanded, so a state-asset holder never floods a trace; each node
# contributes at most $per_node neighbours, in a stable order. `found` gathers the hop's
# edges; the next frontier is the hop's new nodes, cut to the room $max_nodes leaves (the
# cut sets `truncated`), and is kept as the hop's level. `seen` holds nodes, not element
# ids: `IN` on a list that is the same for every row is a hashed lookup, and comparing
# nodes spares building an id string per row.
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
  RETURN collect({s: s, r: r, n: n}) AS step,
         collect(DISTINCT CASE WHEN NOT n IN seen THEN n END) AS new
}
WITH found + step AS found, seen, levels, truncated, new, new[..$max_nodes - size(seen)] AS frontier
WITH found, frontier, seen + frontier AS seen, levels + [frontier] AS levels,
     truncated OR size(frontier) < size(new) AS truncated
"""

# The requested page of the admitted nodes, ordered by (hops, label, key); only its nodes
# are summarised: on a big trace, summarising every node reached cost more than the walk
# itself, and the caller shows one page. Its edges are the found ones with a page node at
# either end and both ends admitted (an edge to a node the cap cut is dropped), in the
# order found. A relationship expanded from both of its
# ends is found twice: it is kept once, where it was last found (so the caller's "last
# found stands" among parallel relationships holds), which spares the driver a third of
# the edges of a big page.
_RESULT = (
    """
CALL (levels) {
  UNWIND range(0, size(levels) - 1) AS hops
  UNWIND levels[hops] AS n
  WITH hops, n, CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END AS label,
       coalesce(n.uscc, n.pid) AS key
  ORDER BY hops, label, key
  SKIP $offset LIMIT $limit
  RETURN collect(n) AS page,
         collect({
           hops: hops, label: label, key: key, name: n.name, region_code: n.region_code,
           hub: coalesce(n.hub, false),
           sanctioned: EXISTS { (n)-[:HAS_RECORD]->(r:Record)
                                WHERE """
    + RECORD_IS_SANCTION
    + " AND "
    + RECORD_IN_FORCE
    + """ },
           flagged: EXISTS { (n)-[:FLAGGED]->() }
         }) AS nodes
}
CALL (found, page, seen) {
  UNWIND reverse(found) AS e
  WITH e WHERE (e.s IN page OR e.n IN page) AND e.n IN seen
  WITH DISTINCT e.r AS r
  RETURN reverse(collect({
           source: coalesce(startNode(r).uscc, startNode(r).pid),
           target: coalesce(endNode(r).uscc, endNode(r).pid),
           rel: type(r), role: r.role, ratio: r.ratio, since: r.since, until: r.until}))
         AS edges
}
RETURN size(seen) AS total_nodes, truncated, nodes, edges
"""
)


def trace(person: bool, hops: int) -> str:
    """A page of the whole trace of a subject (an Organization by `uscc`, a Person by `pid`)
    within ``hops``: one round trip, whatever the depth. One row: the number of admitted
    nodes, whether the cap cut any, the page's nodes (hop and summary; the root, at hop 0,
    sorts first) and the edges touching them; no row if the key is unknown."""
    start = (
        (_PERSON if person else _ORGANIZATION)
        + """
WITH [n] AS frontier, [n] AS seen, [[n]] AS levels, [] AS found, false AS truncated"""
    )
    steps = "".join(_HOP % {"relations": _RELATIONS} for _ in range(hops))
    return start + steps + _RESULT


# Shortest paths over ownership and posts, never through a hub (marked, or with more
# relationships than $degree_cap). Both bounds sit in the pattern, so the search is a
# bidirectional breadth-first search that never expands a hub and stops at the hop limit:
# as filters after a `*..6` expansion, the planner fell back to enumerating every path
# through hubs. Every node a path passes through is one of the quantified part's `n`; the
# endpoints are bound before. A quantifier's bound cannot be a parameter, hence one
# statement per hop limit (a limit of 1 is a direct relationship: `{0,0}` is not allowed).
_RETURN_PATHS = """
WITH p LIMIT $limit
RETURN [n IN nodes(p) | {
          label: CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END,
          key: coalesce(n.uscc, n.pid), name: n.name}] AS nodes,
       [r IN relationships(p) | {
          rel: type(r), source: coalesce(startNode(r).uscc, startNode(r).pid),
          target: coalesce(endNode(r).uscc, endNode(r).pid), role: r.role, ratio: r.ratio,
          since: r.since, until: r.until}] AS rels
"""
_ENDPOINTS = """
MATCH (a) WHERE elementId(a) = $source_id
MATCH (b) WHERE elementId(b) = $target_id
"""
_PASSABLE = (
    "n:Subject WHERE coalesce(n.hub, false) = false "
    "AND COUNT { (n)-[:" + _RELATIONS + "]-() } <= $degree_cap"
)


def _shortest_paths(max_hops: int) -> str:
    if max_hops == 1:
        pattern = "(a)-[:" + _RELATIONS + "]-(b)"
    else:
        pattern = (
            "(a) (()-[:"
            + _RELATIONS
            + "]-("
            + _PASSABLE
            + ")){0,"
            + str(max_hops - 1)
            + "} ()-[:"
            + _RELATIONS
            + "]-(b)"
        )
    return _ENDPOINTS + "MATCH p = ALL SHORTEST " + pattern + _RETURN_PATHS


MAX_PATH_HOPS = 6
# The statement for each hop limit, 1..MAX_PATH_HOPS.
SHORTEST_PATHS = {hops: _shortest_paths(hops) for hops in range(1, MAX_PATH_HOPS + 1)}
