"""Who else a sanction reaches: the pure engine, the rules as data, its Neo4j provider, recomputes
and their runs.
"""
