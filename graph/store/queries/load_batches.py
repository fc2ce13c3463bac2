"""Cypher for a load's own books: its batch, its data quality, whether the graph is empty."""

ANY_SUBJECT = "MATCH (s:Subject) RETURN s.uscc AS uscc LIMIT 1"

# --- the batch and its data quality -------------------------------------------------------

# A batch is identified by its content, so loading the same files again finds it.
BEGIN_BATCH = """
MERGE (b:LoadBatch {batch_id: $batch_id})
ON CREATE SET b.status = 'running', b.source = $source, b.mapping = $mapping,
              b.files = $files, b.started_at = $loaded_at, b.loaded_at = $loaded_at
RETURN b.status AS status, b.finished_at AS finished_at, b.started_at = $loaded_at AS fresh
"""

# Completes a batch once; a reload of a complete batch leaves it (and its measures) as is.
COMPLETE_BATCH = """
MATCH (b:LoadBatch {batch_id: $batch_id}) WHERE b.status <> 'complete'
SET b += $totals, b.status = 'complete', b.finished_at = $finished_at
WITH b
UNWIND $quality AS q
MERGE (m:DataQuality {quality_id: q.quality_id})
SET m += q, m.source = $source, m.batch_id = $batch_id, m.loaded_at = $loaded_at
MERGE (m)-[r:OF_BATCH]->(b)
ON CREATE SET r.source = $source, r.batch_id = $batch_id, r.loaded_at = $loaded_at
"""

# Anything beyond the schema's own nodes and the reference data: what an initial load, which
# replaces the store, would erase.
ANY_DATA = """
MATCH (n) WHERE NOT (n:Region OR n:Occupation OR n:SchemaMeta)
RETURN labels(n) AS labels LIMIT 1
"""
