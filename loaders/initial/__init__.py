"""A province's first load through Neo4j's offline importer (``credit-graph load --initial``):
the online load's readers, validation and books, written as import files."""
