"""The one write path into the graph: validation, then idempotent upserts on natural keys,
then the flags the writes may have changed, recomputed.

Loaders, the records API and the linkage sync all write through here, so every write is
validated the same way, is safe next to other writers, and leaves no flag stale.
"""

from graph.ingest.filing import Filed, file_record
from graph.ingest.refresh import FlagRefresh, affected_records
from graph.ingest.writes import WriteConflict, Written, upsert

__all__ = [
    "Filed",
    "FlagRefresh",
    "WriteConflict",
    "Written",
    "affected_records",
    "file_record",
    "upsert",
]
