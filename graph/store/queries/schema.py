"""Cypher for the schema version and the reference data."""

RECORD_SCHEMA_VERSION = """
MERGE (m:SchemaMeta {id: 'schema'})
SET m.version = $version, m.applied_at = datetime()
"""

READ_SCHEMA_VERSION = "MATCH (m:SchemaMeta {id: 'schema'}) RETURN m.version AS version"

AWAIT_INDEXES = "CALL db.awaitIndexes($timeout_s)"

MERGE_REGIONS = """
UNWIND $rows AS row
MERGE (r:Region {code: row.code})
SET r.name = row.name, r.level = row.level,
    r.source = $source, r.batch_id = $batch_id, r.loaded_at = datetime()
WITH r, row WHERE row.parent IS NOT NULL
MATCH (p:Region {code: row.parent})
MERGE (r)-[e:PART_OF]->(p)
SET e.source = $source, e.batch_id = $batch_id, e.loaded_at = datetime()
"""

MERGE_OCCUPATIONS = """
UNWIND $rows AS row
MERGE (o:Occupation {code: row.code})
SET o.name = row.name, o.source = $source, o.batch_id = $batch_id, o.loaded_at = datetime()
"""

# --- migrations (graph.store.schema.MIGRATIONS) ---------------------------------------------

# Version 6: USCC-keyed organisations carry the organisation code in characters 9–17. In
# slices, each its own transaction, so a province of millions of firms fits the memory.
BACKFILL_ORG_CODES = """
MATCH (o:Organization)
WHERE o.org_code IS NULL AND size(o.uscc) = 18 AND NOT o.uscc CONTAINS ':'
WITH o LIMIT $limit
SET o.org_code = substring(o.uscc, 8, 9)
RETURN count(o) AS done
"""

BARE_LISTED_KEYS = """
MATCH (o:Organization) WHERE o.uscc STARTS WITH 'listed:' AND NOT o.uscc CONTAINS '.'
RETURN o.uscc AS key
"""

RENAME_LISTED_KEYS = """
UNWIND $rows AS row
MATCH (o:Organization {uscc: row.old})
WHERE NOT EXISTS { MATCH (:Organization {uscc: row.new}) }
SET o.uscc = row.new, o.exchange = row.exchange
"""
