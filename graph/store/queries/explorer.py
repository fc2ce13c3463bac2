"""Cypher for the related-party explorer: facts about the nodes on screen, one node's
neighbours by relationship type (paged), and the provenance of a subject and its records.

Every statement starts from keys the caller already holds (at most a screenful), so the
work grows with what is shown and with the degree of the nodes shown, never with the size
of the province. A hub's relationships are scanned at most ``$count_cap`` at a time.
"""

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_IS_SANCTION
from graph.vocabulary import SUBJECT_RELATIONS

_RELATIONS = "|".join(SUBJECT_RELATIONS)
# A relationship is in force on $as_of as the trace has it (graph.store.queries.tracing).
_EDGE_IN_FORCE = "(e.since IS NULL OR e.since <= $as_of) AND (e.until IS NULL OR e.until > $as_of)"

# The subjects named by $org_keys (USCCs) and $person_keys (pids): each by its unique index.
_SUBJECTS = """
CALL () {
  UNWIND $org_keys AS key MATCH (n:Organization {uscc: key}) RETURN n
  UNION
  UNWIND $person_keys AS key MATCH (n:Person {pid: key}) RETURN n
}
"""

# What styles a node and offers its expansions: kind, province, the lists and levels of its
# records in force, the kinds of its flags, and its relationships in force by type and
# direction. The relationships are counted over at most $count_cap of them, so a hub costs
# a bounded scan; `degree` (from the degree store, no scan) tells the caller whether the
# counts are complete.
NODE_FACTS = (
    _SUBJECTS
    + """
CALL (n) {
  MATCH (n)-[:HAS_RECORD]->(r:Record)
  WHERE """
    + RECORD_IN_FORCE
    + """
  RETURN collect(DISTINCT r.list) AS lists, collect(DISTINCT r.level) AS levels
}
CALL (n) {
  MATCH (n)-[f:FLAGGED]->(:Record)
  RETURN collect(DISTINCT f.kind) AS flag_kinds
}
CALL (n) {
  MATCH (n)-[e:"""
    + _RELATIONS
    + """]-(:Subject)
  WITH e LIMIT $count_cap
  WITH e WHERE """
    + _EDGE_IN_FORCE
    + """
  WITH type(e) AS rel, CASE WHEN startNode(e) = n THEN 'out' ELSE 'in' END AS direction,
       count(*) AS count
  ORDER BY rel, direction
  RETURN collect({rel: rel, direction: direction, count: count}) AS relations
}
RETURN coalesce(n.uscc, n.pid) AS key,
       CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END AS label,
       n.name AS name, n.region_code AS region_code, n.province AS province, n.kind AS kind,
       coalesce(n.hub, false) AS hub, lists, levels, flag_kinds, relations,
       COUNT { (n)-[:"""
    + _RELATIONS
    + """]-() } AS degree
"""
)

_NEIGHBOUR = (
    """
MATCH (s)-[e:"""
    + _RELATIONS
    + """]-(n:Subject)
WHERE type(e) = $rel AND (startNode(e) = s) = $outgoing AND """
    + _EDGE_IN_FORCE
)

# One page of a subject's neighbours along one relationship type and direction, in force on
# $as_of, leaving out the keys already on screen ($exclude): largest share first, then by
# key, so pages are stable. `total` counts them all, those on screen included.
_NEIGHBOURS = """
CALL (s) {"""
_NEIGHBOURS_BODY = (
    _NEIGHBOUR
    + """
  RETURN count(*) AS total
}
CALL (s) {"""
    + _NEIGHBOUR
    + """
  WITH e, n, coalesce(n.uscc, n.pid) AS key
  WHERE NOT key IN $exclude
  WITH e, n, key ORDER BY coalesce(e.ratio, 0) DESC, key LIMIT $limit
  RETURN collect({
    node: {key: key, label: CASE WHEN n:Person THEN 'Person' ELSE 'Organization' END,
           name: n.name, region_code: n.region_code, hub: coalesce(n.hub, false),
           sanctioned: EXISTS { (n)-[:HAS_RECORD]->(r:Record)
                                WHERE """
    + RECORD_IS_SANCTION
    + " AND "
    + RECORD_IN_FORCE
    + """ },
           flagged: EXISTS { (n)-[:FLAGGED]->() }},
    edge: {source: coalesce(startNode(e).uscc, startNode(e).pid),
           target: coalesce(endNode(e).uscc, endNode(e).pid),
           rel: type(e), role: e.role, ratio: e.ratio, since: e.since, until: e.until}
  }) AS found
}
RETURN total, found
"""
)
NEIGHBOURS_OF_ORGANIZATION = "MATCH (s:Organization {uscc: $key})" + _NEIGHBOURS + _NEIGHBOURS_BODY
NEIGHBOURS_OF_PERSON = "MATCH (s:Person {pid: $key})" + _NEIGHBOURS + _NEIGHBOURS_BODY

# Where a subject and its records came from: source, batch and load time of each, and the
# department that issued each record. A subject's records are few; $limit bounds a freak.
_PROVENANCE = """
CALL (s) {
  MATCH (s)-[:HAS_RECORD]->(r:Record)
  OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
  WITH r, d ORDER BY r.decided_on DESC, r.record_id LIMIT $limit
  RETURN collect({record_id: r.record_id, department: d.name, department_code: d.code,
                  source: r.source, batch_id: r.batch_id, loaded_at: r.loaded_at}) AS records
}
RETURN s.source AS source, s.batch_id AS batch_id, s.loaded_at AS loaded_at, records
"""
PROVENANCE_OF_ORGANIZATION = "MATCH (s:Organization {uscc: $key})" + _PROVENANCE
PROVENANCE_OF_PERSON = "MATCH (s:Person {pid: $key})" + _PROVENANCE

# Name search candidates from a label's full-text index (graph.store.schema.FULLTEXT_INDEXES),
# best Lucene score first; graph.reads.explorer.fuzzy_search builds the query from letters,
# digits and CJK characters only, so nothing in it is a query operator.
NAME_CANDIDATES = """
CALL db.index.fulltext.queryNodes($index, $terms, {limit: $limit}) YIELD node
RETURN coalesce(node.uscc, node.pid) AS key,
       CASE WHEN node:Person THEN 'Person' ELSE 'Organization' END AS label,
       node.name AS name, node.region_code AS region_code
"""
