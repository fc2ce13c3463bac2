"""The as-of counting rule in Cypher: which records count on ``$as_of``.

Each constant is a ``WHERE`` condition on a record bound to ``r``, composed into queries by
concatenation. Its Python twin is :func:`graph.vocabulary.record_counts` with the matching
statuses; tests/integration/test_as_of.py writes a grid of records into Neo4j and checks
that both select the same ones. The status literals are built from the vocabulary here,
once, at import: they are constants, never request values.
"""

from graph.vocabulary import IN_FORCE_STATUSES, LIVE_STATUSES, NEGATIVE_LISTS


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + value + "'" for value in values) + "]"


def _status_in(statuses: tuple[str, ...]) -> str:
    # `=` for one status: the form the `USING INDEX r:Record(status)` hints were planned on.
    if len(statuses) == 1:
        return "r.status = '" + statuses[0] + "'"
    return "r.status IN " + _strings(statuses)


# Within the publicity window: from publish_from (or, without one, the decision; with
# neither, always) to publish_until inclusive; an open end never ends.
RECORD_PUBLISHED = """coalesce(r.publish_from, r.decided_on, $as_of) <= $as_of
  AND (r.publish_until IS NULL OR $as_of <= r.publish_until)"""

# Counts for findings, statistics and the trace's `sanctioned` marker: active and published.
# An objection suspends a record.
RECORD_IN_FORCE = _status_in(IN_FORCE_STATUSES) + "\n  AND " + RECORD_PUBLISHED

# Counts for propagation, review and the flag statistics: active or under objection (then
# as `pending`), and published. The status part alone is where propagation gathers its
# candidates; the engine checks the window itself (graph.propagation.engine.SourceRecord.is_live).
RECORD_LIVE_STATUS = _status_in(LIVE_STATUSES)
RECORD_LIVE = RECORD_LIVE_STATUS + "\n  AND " + RECORD_PUBLISHED

# A sanction: a black or focus list record, not a red-list honour.
RECORD_IS_SANCTION = "r.list IN " + _strings(NEGATIVE_LISTS)
