"""Cypher for the schema version and the reference data."""

RECORD_SCHEMA_VERSION = """
MERGE (m:SchemaMeta {id: 'schema'})
SET m.version = $version, m.applied_at = datetime()
"""

READ_SCHEMA_VERSION = "MATCH (m:SchemaMeta {id: 'schema'}) RETURN m.version AS version"

# A template (schema statements take no parameters): the seconds are an int of ours.
AWAIT_INDEXES = "CALL db.awaitIndexes({timeout_s})"

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
