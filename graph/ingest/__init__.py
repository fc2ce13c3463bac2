"""The one write path into the graph: validation, then idempotent upserts on natural keys.

Loaders, the records API and the linkage sync all write through here, so every write is
validated the same way and leaves no flag stale.
"""
