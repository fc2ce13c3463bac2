"""Cypher, kept as named constants with ``$parameters`` only, one module per concern.

Labels and relationship types are written out so the Cypher reads as Cypher; a unit test
checks every one of them against the vocabulary in :mod:`graph.store.schema`.
"""
