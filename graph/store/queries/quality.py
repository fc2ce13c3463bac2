"""Cypher for the data-quality dashboard: each complete load's measures per department."""

# Loads that completed within [$since, $until) (either end null: open), oldest first.
DATA_QUALITY = """
MATCH (m:DataQuality)-[:OF_BATCH]->(b:LoadBatch)
WHERE b.status = 'complete'
  AND ($since IS NULL OR b.loaded_at >= $since)
  AND ($until IS NULL OR b.loaded_at < $until)
OPTIONAL MATCH (d:Department {code: m.department})
RETURN b.batch_id AS batch_id, b.source AS source, toString(b.loaded_at) AS loaded_at,
       m.department AS department, d.name AS department_name, m.kind AS kind,
       m.rows_read AS rows, m.accepted AS accepted, m.rejected AS rejected,
       m.completeness AS completeness, m.validity AS validity,
       m.timeliness_median_days AS timeliness_median_days,
       m.timeliness_p90_days AS timeliness_p90_days,
       coalesce(m.reject_reasons, []) AS reject_reasons,
       coalesce(m.reject_counts, []) AS reject_counts
ORDER BY loaded_at, department, kind
"""
