"""Cypher for dashboard aggregates: counts only, never a personal field.

Each query is one pass over the records active on ``$as_of`` (an index seek on
``Record.status``), grouped in the database so only the counts travel. "Active" is as in
findings: in force (:data:`graph.store.queries.as_of.RECORD_IN_FORCE`).
"""

from graph.store.queries.as_of import RECORD_IN_FORCE, RECORD_LIVE

_ACTIVE_RECORDS = (
    """
MATCH (r:Record)
WHERE """
    + RECORD_IN_FORCE
    + "\n"
)

# Grouped by the subject's raw region code; the caller rolls codes up to prefectures with the
# reference data, which knows that Shanghai districts have no prefecture above them.
ACTIVE_BY_REGION_CODE = (
    _ACTIVE_RECORDS
    + """
OPTIONAL MATCH (s:Subject)-[:HAS_RECORD]->(r)
RETURN s.region_code AS region_code, count(r) AS count
"""
)

ACTIVE_BY_DEPARTMENT = (
    _ACTIVE_RECORDS
    + """
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
RETURN coalesce(d.code, r.authority) AS code, d.name AS name, count(r) AS count
"""
)

# List, level and category together: a small cube the caller sums along each dimension.
ACTIVE_BY_KIND = (
    _ACTIVE_RECORDS
    + """
RETURN r.list AS list, r.level AS level, r.category AS category, count(r) AS count
"""
)

ACTIVE_BY_DECISION_MONTH = (
    _ACTIVE_RECORDS
    + """
  AND $since <= r.decided_on <= $as_of
RETURN date.truncate('month', r.decided_on) AS month, count(r) AS count
"""
)

# Flags whose record is live on $as_of, as review counts them: a flag from a record now under
# objection is pending whatever kind the last propagation run stored.
FLAGS_BY_RULE_AND_KIND = (
    """
MATCH (r:Record)
WHERE """
    + RECORD_LIVE
    + """
MATCH (:Subject)-[f:FLAGGED]->(r)
RETURN f.rule AS rule,
       CASE WHEN r.status = 'under_objection' THEN 'pending' ELSE f.kind END AS kind,
       count(f) AS count
"""
)

# The same flags by rule, kind and score: scores are products of a few rule factors, so the
# groups stay few (a histogram's bars) whatever the number of flags.
FLAGS_BY_RULE_KIND_AND_SCORE = (
    """
MATCH (r:Record)
WHERE """
    + RECORD_LIVE
    + """
MATCH (:Subject)-[f:FLAGGED]->(r)
RETURN f.rule AS rule,
       CASE WHEN r.status = 'under_objection' THEN 'pending' ELSE f.kind END AS kind,
       f.score AS score, count(f) AS count
"""
)

# --- The overview dashboard: the same counts, filtered by decision date and province --------

# Records in force on $as_of, decided within [$decided_from, $decided_until] (either end may
# be null: open), whose subject is of $province (null: any). Bound: r, s.
_OVERVIEW_RECORDS = (
    """
MATCH (r:Record)
WHERE """
    + RECORD_IN_FORCE
    + """
  AND ($decided_from IS NULL OR r.decided_on >= $decided_from)
  AND ($decided_until IS NULL OR r.decided_on <= $decided_until)
MATCH (s:Subject)-[:HAS_RECORD]->(r)
WHERE $province IS NULL OR s.province = $province
"""
)

# All the overview's counts in one pass over its records: the records are read once and
# grouped four ways in the database (one pass instead of four: at 1M organisations each pass
# costs hundreds of milliseconds). Returns one row: `kinds` (list, level, category), `months`
# (decision month from $since, list), `regions` (the subject's raw region code) and
# `departments` (code, name), each a list of maps with a `count`.
OVERVIEW = (
    _OVERVIEW_RECORDS
    + """
OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
WITH collect({list: r.list, level: r.level, category: r.category, decided_on: r.decided_on,
              region_code: s.region_code, code: coalesce(d.code, r.authority),
              name: d.name}) AS rows
CALL (rows) {
  UNWIND rows AS x
  WITH x.list AS list, x.level AS level, x.category AS category, count(*) AS count
  RETURN collect({list: list, level: level, category: category, count: count}) AS kinds
}
CALL (rows) {
  UNWIND rows AS x
  WITH x WHERE $since <= x.decided_on
  WITH date.truncate('month', x.decided_on) AS month, x.list AS list, count(*) AS count
  RETURN collect({month: month, list: list, count: count}) AS months
}
CALL (rows) {
  UNWIND rows AS x
  WITH x.region_code AS region_code, count(*) AS count
  RETURN collect({region_code: region_code, count: count}) AS regions
}
CALL (rows) {
  UNWIND rows AS x
  WITH x.code AS code, x.name AS name, count(*) AS count
  RETURN collect({code: code, name: name, count: count}) AS departments
}
RETURN kinds, months, regions, departments
"""
)

# Without a province, the count store answers at once; with one, the province's index
# (graph.store.schema.RANGE_INDEXES) is read, not every subject.
COUNT_SUBJECTS = """
CALL () { MATCH (o:Organization) RETURN count(o) AS organizations }
CALL () { MATCH (p:Person) RETURN count(p) AS persons }
RETURN organizations, persons
"""

COUNT_SUBJECTS_IN_PROVINCE = """
CALL () { MATCH (o:Organization) WHERE o.province = $province RETURN count(o) AS organizations }
CALL () { MATCH (p:Person) WHERE p.province = $province RETURN count(p) AS persons }
RETURN organizations, persons
"""
