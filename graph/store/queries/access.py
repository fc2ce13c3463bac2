"""Cypher for API keys and the audit trail."""

CREATE_API_KEY = """
CREATE (k:ApiKey {key_id: $key_id, secret_hash: $secret_hash, role: $role, name: $name,
                  created_at: datetime(), revoked_at: null})
"""

FIND_API_KEY = """
MATCH (k:ApiKey {key_id: $key_id})
RETURN k.key_id AS key_id, k.secret_hash AS secret_hash, k.role AS role, k.name AS name,
       k.revoked_at IS NOT NULL AS revoked
"""

LIST_API_KEYS = """
MATCH (k:ApiKey)
RETURN k.key_id AS key_id, k.role AS role, k.name AS name, toString(k.created_at) AS created_at,
       toString(k.revoked_at) AS revoked_at
ORDER BY k.created_at
"""

REVOKE_API_KEY = """
MATCH (k:ApiKey {key_id: $key_id}) WHERE k.revoked_at IS NULL
SET k.revoked_at = datetime()
RETURN k.key_id AS key_id
"""

RECORD_AUDIT_EVENTS = """
UNWIND $events AS e
CREATE (:AuditEvent {event_id: e.event_id, at: datetime(e.at), key_id: e.key_id, role: e.role,
                     action: e.action, purpose: e.purpose, query: e.query, subjects: e.subjects,
                     result_size: e.result_size, status: e.status, detail: e.detail})
"""

QUERY_AUDIT_EVENTS = """
MATCH (e:AuditEvent)
WHERE ($key_id IS NULL OR e.key_id = $key_id)
  AND ($action IS NULL OR e.action = $action)
  AND ($subject IS NULL OR $subject IN e.subjects)
  AND ($since IS NULL OR e.at >= datetime($since))
  AND ($until IS NULL OR e.at < datetime($until))
RETURN e.event_id AS event_id, toString(e.at) AS at, e.key_id AS key_id, e.role AS role,
       e.action AS action, e.purpose AS purpose, coalesce(e.query, '') AS query,
       e.subjects AS subjects,
       e.result_size AS result_size, e.status AS status, e.detail AS detail
ORDER BY e.at DESC, e.event_id
SKIP $skip LIMIT $limit
"""
